"""Start-up time of the CLI, and where `residentlog add` spends its time.

    .venv/bin/python bench/startup.py [--runs 30] [--importtime-runs 7]

1. Interleaved, each a fresh process timed with time.perf_counter:
     residentlog --help, python -m residentlog --help,
     and for context python -c "import typer, pydantic" and python -c pass.
2. `python -X importtime .venv/bin/residentlog --store S add note x`, several runs; per
   module the median self and cumulative microseconds. Prints the 15 largest cumulative
   imports, the 15 largest self times, and self time summed by top-level package.
3. Phases of `add` in one process: `import residentlog.cli.app`; the modules the command imports
   lazily (pre-imported here to time them apart); running the command (parse, validate,
   open the store, append, fsync, print); a second add in the same warm process (the
   steady-state cost of the work itself); and the rest of the process's wall time
   (interpreter start-up before the script's first line, and interpreter exit).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl

#: Modules the add command imports inside its function body (see cli.add and _report_added).
LAZY_MODULES = (
    "residentlog.ledger.location",
    "residentlog.ledger.add",
    "residentlog.ledger.vocabulary",
    "residentlog.ledger.store",
    "residentlog.cli.console",
    "residentlog.ledger.when",
)
LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")
NOTABLE = (
    "typer",
    "typer._click",
    "pydantic",
    "pydantic_core",
    "rich",
    "sqlite_utils",
    "sqlite3",
    "jinja2",
    "dateutil",
    "holidays",
    "rfc8785",
    "platformdirs",
    "email",
    "json",
    "typing_extensions",
)

PHASES = """
import time
t0 = time.perf_counter()
import importlib, json, sys
import residentlog.cli.app as cli
t1 = time.perf_counter()
for name in LAZY:  # what the add command imports lazily, pre-imported to time it apart
    try:
        importlib.import_module(name)
    except ImportError:
        pass
t2 = time.perf_counter()
store = sys.argv[1]
def add():
    sys.argv = ["residentlog", "--store", store, "add", "note", "x"]
    try:
        cli.main()
    except SystemExit as exc:
        if exc.code:
            raise
add()
t3 = time.perf_counter()
add()
t4 = time.perf_counter()
phases = {
    "import residentlog.cli.app": t1 - t0,
    "import add's lazy modules": t2 - t1,
    "run the add command": t3 - t2,
    "(a 2nd add in the same process)": t4 - t3,
}
sys.stderr.write(json.dumps(phases))
""".replace("LAZY", repr(LAZY_MODULES))


def importtime(store: Path, runs: int) -> dict[str, dict[str, float]]:
    """Median self/cumulative µs per module over ``runs`` runs of `add` under -X importtime."""
    per_module: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    argv = [str(bl.RL_PY), "-X", "importtime", str(bl.RL), "--store", str(store), "add", "note", "x"]
    subprocess.run(argv, capture_output=True, env=bl.base_env(), check=True)  # warm-up
    for _ in range(runs):
        proc = subprocess.run(
            argv, capture_output=True, text=True, env=bl.base_env(), stdin=subprocess.DEVNULL
        )
        if proc.returncode != 0:
            raise SystemExit(f"add under importtime failed:\n{proc.stderr[-3000:]}")
        for line in proc.stderr.splitlines():
            m = LINE.match(line)
            if m:
                self_us, cum_us, indent, name = int(m[1]), int(m[2]), len(m[3]), m[4]
                per_module[name].append((self_us, cum_us, (indent - 1) // 2))
    out = {}
    for name, samples in per_module.items():
        out[name] = {
            "self_us": statistics.median(s[0] for s in samples),
            "cumulative_us": statistics.median(s[1] for s in samples),
            "depth": min(s[2] for s in samples),
            "seen_in_runs": len(samples),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--importtime-runs", type=int, default=7)
    args = ap.parse_args()
    py = str(bl.RL_PY)
    env = bl.environment()
    print("environment:")
    bl.print_environment(env)

    cases = [
        bl.Case("residentlog --help", [str(bl.RL), "--help"]),
        bl.Case("python -m residentlog --help", [py, "-m", "residentlog", "--help"]),
        bl.Case("floor: import typer, pydantic", [py, "-c", "import typer, pydantic"]),
        bl.Case("python -c pass", [py, "-c", "pass"]),
    ]
    print(
        f"\n1. start-up: {args.runs} interleaved runs (+{args.warmup} warm-up rounds), wall time per process:"
    )
    bl.run_interleaved(cases, args.runs, args.warmup)
    print(bl.table(cases))
    print(f"load average: {bl.loadavg()}")
    floor = bl.summary(cases[2].times)["median"]
    for c in cases[:2]:
        print(f"  {c.name} / import floor: {bl.summary(c.times)['median'] / floor:.2f}× (medians)")

    work = Path(tempfile.mkdtemp(prefix="startup-", dir=bl.ENV))
    try:
        store = work / "store"
        bl.residentlog("init", str(store))

        print(f"\n2. python -X importtime residentlog add note x (median of {args.importtime_runs} runs)")
        mods = importtime(store, args.importtime_runs)
        total_us = sum(m["self_us"] for m in mods.values())
        print(f"   all imports: {total_us / 1000:.1f} ms (sum of self times), {len(mods)} modules")
        top_cum = sorted(mods.items(), key=lambda kv: -kv[1]["cumulative_us"])[:15]
        print("   15 largest cumulative imports:")
        print(f"   {'cumulative':>10}  {'self':>8}  module")
        for name, m in top_cum:
            indent = "  " * m["depth"]
            print(f"   {m['cumulative_us'] / 1000:>7.1f} ms  {m['self_us'] / 1000:>5.1f} ms  {indent}{name}")
        top_self = sorted(mods.items(), key=lambda kv: -kv[1]["self_us"])[:15]
        print("   15 largest self times:")
        for name, m in top_self:
            print(f"   {m['self_us'] / 1000:>7.1f} ms  {name}")
        by_pkg: dict[str, float] = defaultdict(float)
        for name, m in mods.items():
            by_pkg[name.split(".")[0]] += m["self_us"]
        print("   self time by top-level package (largest 15):")
        for pkg, us in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:15]:
            print(f"   {us / 1000:>7.1f} ms  {100 * us / total_us:4.0f}%  {pkg}")
        print(
            "   notable packages imported by add: "
            + ", ".join(f"{p} {'yes' if p in mods else 'no'}" for p in NOTABLE)
        )
        cli_modules = sorted(name for name in mods if name.startswith("residentlog.cli.app"))
        print(f"   residentlog.cli.app* modules imported by add: {', '.join(cli_modules)}")

        print(f"\n3. phases of `add` ({args.runs} runs; median / p90):")
        phase_times: dict[str, list[float]] = defaultdict(list)
        argv = [py, "-c", PHASES, str(store)]
        subprocess.run(argv, capture_output=True, env=bl.base_env(), check=True)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            proc = subprocess.run(
                argv, capture_output=True, text=True, env=bl.base_env(), stdin=subprocess.DEVNULL
            )
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                raise SystemExit(f"add failed in the phases run:\n{proc.stderr[-3000:]}")
            data = json.loads(proc.stderr.strip().splitlines()[-1])
            for key, value in data.items():
                phase_times[key].append(value)
            second = data["(a 2nd add in the same process)"]
            phase_times["interpreter start + exit (the rest)"].append(wall - sum(data.values()))
            phase_times["whole process, less the 2nd add"].append(wall - second)
        phases = {}
        for key, values in phase_times.items():
            s = bl.summary(values)
            phases[key] = s
            print(f"   {key:<38} {bl.ms(s['median'])}  {bl.ms(s['p90'])}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    path = bl.write_json(
        "startup",
        {
            "environment": env,
            "cases": bl.case_results(cases),
            "importtime_add": {"total_self_us": total_us, "modules": mods, "by_package_self_us": by_pkg},
            "add_phases": {k: dict(v.items()) for k, v in phases.items()},
        },
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
