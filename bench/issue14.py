"""Issue 14, "fast on a real case": list, chronology and the clock commands, before and after.

    .venv/bin/python bench/issue14.py [--runs 5] [--before e26d60c] [--after HEAD]
                                      [--only list,chronology,pdf,clocks] [--sizes 10000,30000,100000]

Each tree is an export (``git archive REV src templates``, cached under bench/.env/tree-REV/) run as
``python -m residentlog`` with ``PYTHONPATH`` pointing at it, so *before* and *after* are the same
interpreter and venv and differ only in residentlog's code; ``--after worktree`` runs the working
tree instead (with whatever is uncommitted in it). Every case is a fresh process, interleaved with
the others (bench/benchlib.py); wall and CPU (user + sys) medians are printed with the load.

Groups (``--only``):

  list        ``list`` of the 10,000-entry ledger (stdout a pipe, so no pager), before and after;
              ``list --json`` after; jrnl 4.6 listing the same 10,000 summaries from a plain-text
              journal in full (``-n 10000``) and one line each (``--short``).
  chronology  ``chronology -o x.html`` of 10,000 entries, before and after.
  pdf         ``chronology -o x.pdf`` of 1,000 entries, before and after.
  clocks      ``status``, ``deadlines``, ``case show lift-2`` and ``letter repair-chaser --no-record``
              on 10k/30k/100k-entry ledgers with every pack shipped in the before tree adopted,
              after (and before at the smallest size only, or at every size with ``--before-at every``:
              e26d60c took minutes at 100k); prints how each grows:
              the ratio of the 100k median to the 10k median (10 would be linear, 100 quadratic),
              also with the start-up (``--help`` of the same tree) taken off.

Stores are private copies (chronology and letter issue checkpoints) under bench/.env/issue14/,
with a profile (name, landlord) and, for clocks, every pack in deadlines/packs/ adopted through
the *before* tree's CLI so that both trees read the same store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl
from make_ledger import START, STEP, TEMPLATES

WORK = bl.ENV / "issue14"
ADOPT_WITH: list[Path] = []  # the tree whose CLI and shipped packs prepare the stores (before's)
JRNL_LIST_HOME = bl.JRNL_HOME / "list"


def tree(rev: str) -> Path:
    """``src/`` of ``rev`` (exported once), or of the working tree for ``worktree``."""
    if rev == "worktree":
        return bl.REPO / "src"
    sha = subprocess.run(
        ["git", "-C", str(bl.REPO), "rev-parse", "--short=12", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest = bl.ENV / f"tree-{sha}"
    if not (dest / "src").is_dir():
        tmp = Path(tempfile.mkdtemp(prefix="tree-", dir=bl.ENV))
        archive = subprocess.run(
            ["git", "-C", str(bl.REPO), "archive", sha, "src", "templates"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        tmp.rename(dest)
    return dest / "src"


def rl_argv(store: Path, *args: str) -> list[str]:
    return [str(bl.RL_PY), "-m", "residentlog", "--store", str(store), *args]


def rl_env(src: Path) -> dict[str, str]:
    env = bl.base_env()
    env["PYTHONPATH"] = str(src)
    env["COLUMNS"] = "200"
    return env


def prepared(n: int, label: str, src: Path, packs: bool) -> Path:
    """A private copy of the n-entry ledger for one tree, with a profile (and the packs)."""
    base = WORK / f"base-{n}{'-packs' if packs else ''}"
    if not (base / "ledger.sqlite").is_file():
        print(f"preparing {base} ...", flush=True)
        bl.copy_store(bl.ensure_ledger(n), base)
        src = ADOPT_WITH[0] if ADOPT_WITH else src
        env = rl_env(src)
        run = [str(bl.RL_PY), "-m", "residentlog", "--store", str(base)]
        subprocess.run(
            [*run, "profile", "--name", "Sam Resident", "--landlord", "Example Housing"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        if packs:
            for pack in sorted((src / "residentlog" / "deadlines" / "packs").glob("*.toml")):
                subprocess.run(
                    [*run, "policy", "add", str(pack)],
                    env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
    return bl.copy_store(base, WORK / f"{label}-{base.name}")


def jrnl_list_config(n: int) -> Path:
    """A jrnl config whose journal holds the same n summaries and times as the n-entry ledger."""
    JRNL_LIST_HOME.mkdir(parents=True, exist_ok=True)
    journal = JRNL_LIST_HOME / f"journal-{n}.txt"
    if not journal.exists():
        lines = []
        for i in range(1, n + 1):
            at = (START + STEP * i).replace(tzinfo=None)
            summary = TEMPLATES[i % len(TEMPLATES)]["summary"].format(i=i)
            lines.append(f"[{at:%Y-%m-%d %I:%M:%S %p}] {summary}.\n\n")
        journal.write_text("".join(lines))
    config = JRNL_LIST_HOME / f"jrnl-{n}.yaml"
    text = bl.JRNL_CONFIG.read_text()
    lines = [
        f"    journal: {journal}" if line.strip().startswith("journal:") and line.startswith("    ") else line
        for line in text.splitlines()
    ]
    config.write_text("\n".join(lines) + "\n")
    return config


def report(cases: list[bl.Case]) -> dict[str, tuple[float, float]]:
    print(bl.table(cases))
    print(f"load average: {bl.loadavg()}\n", flush=True)
    return {c.name: (statistics.median(c.times), statistics.median(c.cpu)) for c in cases}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--before", default="e26d60c", help="the code before issue 14 (a git revision)")
    ap.add_argument("--after", default="HEAD", help="a git revision, or 'worktree'")
    ap.add_argument("--only", default="list,chronology,pdf,clocks")
    ap.add_argument("--sizes", default="10000,30000,100000", help="ledger sizes for the clocks group")
    ap.add_argument(
        "--before-at",
        choices=("smallest", "every"),
        default="smallest",
        help="clocks group: run the before tree at the smallest size only, or at every size",
    )
    args = ap.parse_args()
    groups = set(args.only.split(","))
    WORK.mkdir(parents=True, exist_ok=True)
    before, after = tree(args.before), tree(args.after)
    trees = {"before": before, "after": after}
    ADOPT_WITH.append(before)
    print(f"before: {args.before} ({before})\nafter:  {args.after} ({after})")
    print("environment:")
    env = bl.environment()
    bl.print_environment(env)
    print(f"load average at the start: {bl.loadavg()}\n", flush=True)
    results: dict[str, dict[str, tuple[float, float]]] = {}
    out = Path(tempfile.mkdtemp(prefix="out-", dir=WORK))

    if "list" in groups:
        bl.require_jrnl()
        config = jrnl_list_config(10_000)
        cases = [
            bl.Case(
                f"list 10k ({label})", rl_argv(prepared(10_000, label, src, False), "list"), env=rl_env(src)
            )
            for label, src in trees.items()
        ]
        store = WORK / "after-base-10000"
        cases.append(bl.Case("list --json 10k (after)", rl_argv(store, "list", "--json"), env=rl_env(after)))
        jrnl = [str(bl.JRNL), "--config-file", str(config)]
        cases.append(bl.Case("jrnl -n 10000 (full entries)", [*jrnl, "-n", "10000"], env=bl.jrnl_env()))
        cases.append(bl.Case("jrnl --short (10,000 lines)", [*jrnl, "--short"], env=bl.jrnl_env()))
        print(f"list: {args.runs} interleaved rounds")
        bl.run_interleaved(cases, args.runs, args.warmup)
        results["list"] = report(cases)

    if "chronology" in groups:
        cases = []
        for label, src in trees.items():
            store = prepared(10_000, label, src, False)
            target = out / f"{label}.html"
            cases.append(
                bl.Case(
                    f"chronology html 10k ({label})",
                    rl_argv(store, "chronology", "-o", str(target), "--force"),
                    env=rl_env(src),
                )
            )
        print(f"chronology html: {args.runs} interleaved rounds")
        bl.run_interleaved(cases, args.runs, args.warmup)
        results["chronology"] = report(cases)

    if "pdf" in groups:
        cases = []
        for label, src in trees.items():
            store = prepared(1_000, label, src, False)
            target = out / f"{label}.pdf"
            cases.append(
                bl.Case(
                    f"chronology pdf 1k ({label})",
                    rl_argv(store, "chronology", "-o", str(target), "--force"),
                    env=rl_env(src),
                )
            )
        runs = max(1, min(args.runs, 3))
        print(f"chronology pdf: {runs} interleaved rounds")
        bl.run_interleaved(cases, runs, 0)
        results["pdf"] = report(cases)

    if "clocks" in groups:
        sizes = [int(s) for s in args.sizes.split(",")]
        commands = {
            "status": ["status"],
            "deadlines": ["deadlines"],
            "case show": ["case", "show", "lift-2"],
            "letter": ["letter", "repair-chaser", "--no-record"],
        }
        cases = [
            bl.Case(
                "start-up (--help, after)", [str(bl.RL_PY), "-m", "residentlog", "--help"], env=rl_env(after)
            )
        ]
        for n in sizes:
            labels = ("before", "after") if n == sizes[0] or args.before_at == "every" else ("after",)
            for label in labels:
                src = trees[label]
                store = prepared(n, label, src, True)
                for name, argv in commands.items():
                    cases.append(
                        bl.Case(f"{name} {n // 1000}k ({label})", rl_argv(store, *argv), env=rl_env(src))
                    )
        print(f"clocks: {args.runs} interleaved rounds")
        bl.run_interleaved(cases, args.runs, args.warmup)
        med = report(cases)
        results["clocks"] = med
        start = med["start-up (--help, after)"][0]
        lo, hi = sizes[0], sizes[-1]
        print(f"growth from {lo:,} to {hi:,} entries ({hi / lo:.0f}× the entries; wall medians):")
        for name in commands:
            a, b = med[f"{name} {lo // 1000}k (after)"][0], med[f"{name} {hi // 1000}k (after)"][0]
            print(
                f"  {name:<10} {a * 1000:8.0f} ms -> {b * 1000:8.0f} ms: {b / a:5.2f}×; "
                f"less start-up ({start * 1000:.0f} ms): {(b - start) / max(a - start, 1e-9):5.2f}×"
            )

    shutil.rmtree(out, ignore_errors=True)
    path = bl.write_json(
        "issue14-" + "-".join(sorted(groups)),
        {
            "environment": env,
            "before": args.before,
            "after": args.after,
            "runs": args.runs,
            "medians_wall_cpu": results,
        },
    )
    print(f"load average at the end: {bl.loadavg()}\nresults: {path}")
    return 0


if __name__ == "__main__":
    os.environ.pop("PAGER", None)
    sys.exit(main())
