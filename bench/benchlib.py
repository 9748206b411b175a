"""Shared helpers for the benchmark scripts: paths, the cached ledgers, interleaved timing.

Not a test module and not part of the package; the scripts put ``bench/`` on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ENV = BENCH / ".env"
RESULTS = BENCH / "results"
RL_BIN = REPO / ".venv" / "bin"
RL_PY = RL_BIN / "python"
RL = RL_BIN / "residentlog"
JRNL_VENV = ENV / "jrnl"
JRNL = JRNL_VENV / "bin" / "jrnl"
JRNL_HOME = ENV / "jrnl-home"
JRNL_CONFIG = JRNL_HOME / "jrnl" / "jrnl.yaml"
JRNL_JOURNAL = JRNL_HOME / "journal" / "journal.txt"


def base_env() -> dict[str, str]:
    """The environment for child processes: ours, minus anything that points residentlog elsewhere."""
    env = dict(os.environ)
    for key in (
        "RESIDENTLOG_STORE",
        "RESIDENTLOG_DEBUG",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(key, None)
    return env


def residentlog(*args: str) -> None:
    """Run ``residentlog ARGS`` untimed (setting up a benchmark), quietly; fail if it fails."""
    subprocess.run(
        [str(RL), *args], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=base_env()
    )


def jrnl_env() -> dict[str, str]:
    env = base_env()
    env["HOME"] = str(JRNL_HOME)
    env["XDG_CONFIG_HOME"] = str(JRNL_HOME)
    return env


def require_jrnl() -> None:
    if not JRNL.exists() or not JRNL_CONFIG.exists():
        sys.exit(f"{JRNL} or its config is missing: run bench/setup.sh first")


# -- ledgers -----------------------------------------------------------------------------------


def ledger_path(n: int) -> Path:
    return ENV / f"ledger-{n}"


def ensure_ledger(n: int) -> Path:
    """The cached N-entry store under bench/.env/, built by make_ledger.py if it is not there yet."""
    path = ledger_path(n)
    if (path / "ledger.sqlite").is_file():
        return path
    building = path.with_name(path.name + ".building")
    print(f"building the {n:,}-entry ledger (cached at {path}; a 1M one takes a few minutes)...", flush=True)
    subprocess.run([str(RL_PY), str(BENCH / "make_ledger.py"), str(n), str(building), "--force"], check=True)
    building.rename(path)
    return path


def ledger_size(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path / 'ledger.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM ledger").fetchone()[0]
    finally:
        conn.close()


def copy_store(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


# -- timing ------------------------------------------------------------------------------------


@dataclass
class Case:
    """One command to time. ``before`` runs (untimed) before every timed run."""

    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    before: Callable[[], None] | None = None
    per_round: int = 1  # timed runs of this case in each round (for fast cases next to slow ones)
    times: list[float] = field(default_factory=list)  # wall seconds
    cpu: list[float] = field(default_factory=list)  # user + system CPU seconds of the child

    def run_once(self) -> tuple[float, float]:
        if self.before is not None:
            self.before()
        os.sync()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            list(self.argv),
            env=self.env if self.env is not None else base_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        elapsed = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(
                f"{self.name}: {' '.join(map(str, self.argv))} exited {proc.returncode}:\n"
                + proc.stderr.decode(errors="replace")
            )
        return elapsed, cpu


def run_interleaved(cases: Sequence[Case], rounds: int, warmup: int = 2, seed: int = 1) -> None:
    """Time every case ``rounds`` times, interleaved: each round runs each case once (or
    ``per_round`` times) in a freshly shuffled order, so drift in the machine's speed hits
    all cases alike. ``warmup`` untimed rounds first (bytecode caches, page cache).

    Before every timed run (untimed) its ``before`` hook runs and then ``os.sync()``, so no
    run pays for writing back dirty pages left by an earlier one or by a hook's file copy."""
    rng = random.Random(seed)
    for _ in range(warmup):
        for case in cases:
            case.run_once()
    for r in range(rounds):
        order = [c for c in cases for _ in range(c.per_round)]
        rng.shuffle(order)
        for case in order:
            wall, cpu = case.run_once()
            case.times.append(wall)
            case.cpu.append(cpu)
        print(f"\r  round {r + 1}/{rounds}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def summary(times: Sequence[float]) -> dict[str, float]:
    xs = sorted(times)
    p90 = statistics.quantiles(xs, n=10, method="inclusive")[8] if len(xs) > 1 else xs[0]
    return {
        "n": len(xs),
        "median": statistics.median(xs),
        "p90": p90,
        "min": xs[0],
        "max": xs[-1],
        "mean": statistics.fmean(xs),
    }


def ms(x: float) -> str:
    return f"{x * 1000:8.1f} ms"


def table(cases: Sequence[Case]) -> str:
    """Wall time median/p90/min/max, and the median CPU time (user + sys) of the process."""
    width = max(len(c.name) for c in cases)
    head = ("median", "p90", "min", "max", "CPU median")
    lines = [f"{'case':<{width}}  {'runs':>4}  " + "  ".join(f"{h:>11}" for h in head)]
    for c in cases:
        s = summary(c.times)
        cols = "  ".join(ms(s[k]) for k in ("median", "p90", "min", "max"))
        lines.append(f"{c.name:<{width}}  {s['n']:>4}  {cols}  {ms(statistics.median(c.cpu))}")
    return "\n".join(lines)


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


# -- environment and results -------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version_in(python: Path, dist: str) -> str:
    if not python.exists():
        return "not installed"
    out = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "not installed"


def environment() -> dict[str, str]:
    py = subprocess.run([str(RL_PY), "-VV"], capture_output=True, text=True).stdout.strip()
    return {
        "python": py.replace("\n", " "),
        "cpu": _cpu_model(),
        "cpus": str(os.cpu_count()),
        "kernel": platform.release(),
        "load average at start": loadavg(),
        "sqlite": sqlite3.sqlite_version,
        "residentlog": _version_in(RL_PY, "residentlog"),
        "typer": _version_in(RL_PY, "typer"),
        "pydantic": _version_in(RL_PY, "pydantic"),
        "jrnl": _version_in(JRNL_VENV / "bin" / "python", "jrnl"),
    }


def print_environment(env: dict[str, str]) -> None:
    width = max(len(key) for key in env) + 2
    for key, value in env.items():
        print(f"  {key + ':':<{width}}{value}")


def write_json(name: str, data: dict) -> Path | None:
    """Write results/<name>.json when RESULTS exists or BENCH_RESULTS is set (run_all.sh does)."""
    out_dir = Path(os.environ.get("BENCH_RESULTS", RESULTS))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def case_results(cases: Sequence[Case]) -> dict[str, dict]:
    return {
        c.name: {
            "argv": [str(a) for a in c.argv],
            **summary(c.times),
            "times": c.times,
            "cpu": summary(c.cpu) if c.cpu else None,
            "cpu_times": c.cpu,
        }
        for c in cases
    }
