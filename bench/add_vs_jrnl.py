"""`residentlog add` against jrnl's add and against the typer+pydantic import floor.

    .venv/bin/python bench/add_vs_jrnl.py [--runs 30] [--warmup 2] [--n 1000000]

All cases run interleaved in one session (each round runs every case once, in a shuffled
order), and each is a fresh process timed from spawn to exit with time.perf_counter:

  residentlog add, empty ledger   a fresh copy of an empty store before every run (untimed)
  residentlog add, 1M ledger      a private copy of the cached 1M-entry store (made once; the
                                  runs append to it, so it grows from N to N + runs + warmup)
  jrnl add, empty journal         jrnl 4.6 (bench/.env/jrnl) adding one entry to a plain-text
                                  journal that is emptied before every run (untimed)
  typer hello world               a tiny Typer app (one command: one argument and one `str | None`
                                  option) run once, in residentlog's venv
  floor: import typer, pydantic   `python -c "import typer, pydantic"` in residentlog's venv
  floor: import typer; BaseModel  `python -c "import typer; from pydantic import BaseModel"`
  floor + BaseModel validated     the first floor, plus one pydantic BaseModel defined and validated
  python -c pass                  the bare interpreter start, for context
  residentlog add (before)        with --before EXE: another build's residentlog (e.g. a venv of
                                  the commit before a change), adding to a fresh empty store, so a
                                  change is measured side by side with what it replaced

Needs bench/setup.sh to have run. Builds (once) and caches the N-entry ledger under bench/.env.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl

SUMMARY = "Lift 2 out of service again, stuck between floors 3 and 4"
FLOOR = "import typer, pydantic"
FLOOR_BASEMODEL = "import typer; from pydantic import BaseModel"
TYPER_HELLO = (
    "import typer\n"
    "app = typer.Typer(add_completion=False)\n"
    "@app.command()\n"
    "def hello(name: str, greeting: str | None = None) -> None:\n"
    "    print(f'{greeting or \"Hello\"}, {name}!')\n"
    "app()\n"
)
FLOOR_MODEL = (
    "import typer, pydantic\n"
    "class Entry(pydantic.BaseModel):\n"
    "    kind: str\n"
    "    summary: str\n"
    "    tags: tuple[str, ...] = ()\n"
    "Entry.model_validate({'kind': 'note', 'summary': 'x', 'tags': ['a']})\n"
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--n", type=int, default=1_000_000, help="size of the big ledger")
    ap.add_argument("--before", type=Path, help="another residentlog executable to compare with")
    args = ap.parse_args()
    bl.require_jrnl()

    big_src = bl.ensure_ledger(args.n)
    work = Path(tempfile.mkdtemp(prefix="add-", dir=bl.ENV))
    try:
        template = work / "empty-template"
        bl.residentlog("init", str(template))
        empty = work / "empty"
        print(f"copying the {args.n:,}-entry ledger to {work} (once)...", flush=True)
        big = bl.copy_store(big_src, work / "big")
        start_size = bl.ledger_size(big)

        def fresh_empty() -> None:
            bl.copy_store(template, empty)

        def empty_journal() -> None:
            bl.JRNL_JOURNAL.write_text("")

        py = str(bl.RL_PY)
        cases = [
            bl.Case(
                "residentlog add, empty ledger",
                [str(bl.RL), "--store", str(empty), "add", "note", SUMMARY],
                before=fresh_empty,
            ),
            bl.Case(
                f"residentlog add, {args.n:,} ledger",
                [str(bl.RL), "--store", str(big), "add", "note", SUMMARY],
            ),
            bl.Case(
                "jrnl add, empty journal",
                [str(bl.JRNL), "--config-file", str(bl.JRNL_CONFIG), SUMMARY + "."],
                env=bl.jrnl_env(),
                before=empty_journal,
            ),
            bl.Case("typer hello world", [py, "-c", TYPER_HELLO, "world", "--greeting", "Hi"]),
            bl.Case("floor: import typer, pydantic", [py, "-c", FLOOR]),
            bl.Case("floor: import typer; BaseModel", [py, "-c", FLOOR_BASEMODEL]),
            bl.Case("floor + BaseModel validated", [py, "-c", FLOOR_MODEL]),
            bl.Case("python -c pass", [py, "-c", "pass"]),
        ]
        if args.before:
            before_store = work / "before"
            cases.append(
                bl.Case(
                    "residentlog add (before), empty ledger",
                    [str(args.before), "--store", str(before_store), "add", "note", SUMMARY],
                    before=lambda: bl.copy_store(template, before_store),
                )
            )
        env = bl.environment()
        print("environment:")
        bl.print_environment(env)
        print(f"\n{args.runs} interleaved runs (+{args.warmup} warm-up rounds), wall time per process:")
        bl.run_interleaved(cases, args.runs, args.warmup)
        end_size = bl.ledger_size(big)
        if SUMMARY not in bl.JRNL_JOURNAL.read_text():
            raise SystemExit(f"jrnl exited 0 but its last entry is not in {bl.JRNL_JOURNAL}")
        if end_size != start_size + args.runs + args.warmup:
            raise SystemExit(f"the big ledger grew from {start_size} to {end_size}, not by every add")
        print(bl.table(cases))

        med = {c.name: bl.summary(c.times)["median"] for c in cases}
        p90 = {c.name: bl.summary(c.times)["p90"] for c in cases}
        cpu = {c.name: bl.summary(c.cpu)["median"] for c in cases}
        empty_name, big_name, jrnl_name = cases[0].name, cases[1].name, cases[2].name
        references = (
            (jrnl_name, "jrnl"),
            ("typer hello world", "typer hello"),
            ("floor: import typer, pydantic", "floor"),
            ("floor: import typer; BaseModel", "floor (BaseModel)"),
            ("floor + BaseModel validated", "floor+model"),
        )
        pairs = [(f"{rl} / {label}", rl, ref) for rl in (empty_name, big_name) for ref, label in references]
        pairs.append(("1M ledger / empty ledger", big_name, empty_name))
        if args.before:
            pairs.append(("empty ledger / before", empty_name, cases[-1].name))
        ratios = {
            key: {"median": med[a] / med[b], "p90": p90[a] / p90[b], "cpu_median": cpu[a] / cpu[b]}
            for key, a, b in pairs
        }
        print("\nratios (wall median, wall p90, CPU median):")
        width = max(map(len, ratios))
        for key, r in ratios.items():
            print(f"  {key:<{width}}  {r['median']:5.2f}×  {r['p90']:5.2f}×  {r['cpu_median']:5.2f}×")
        print(f"\n(the big ledger held {start_size:,} entries at the start and {end_size:,} at the end)")
        print(f"load average at the end: {bl.loadavg()}")
        print("targets: add ≤ jrnl's add; add ≤ 1.25 × the typer+pydantic floor; flat with ledger size")

        path = bl.write_json(
            "add_vs_jrnl",
            {
                "environment": env,
                "runs": args.runs,
                "warmup": args.warmup,
                "big_ledger_entries": [start_size, end_size],
                "cases": bl.case_results(cases),
                "ratios": ratios,
            },
        )
        print(f"results: {path}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
