"""Where the clock commands' time goes: each stage of ``compute_for_store``, in one process.

    .venv/bin/python bench/stages.py STORE [--rounds 3]

Runs the steps ``residentlog.deadlines.clocks.compute_for_store`` runs, in its order, on STORE
(e.g. bench/.env/issue14/w-base-100000-packs, made by bench/issue14.py), with the garbage
collector off as ``reads_ledger`` has it, and prints the CPU time (user + system) of each stage:
the best of ``--rounds`` rounds, each reading the ledger afresh. Then the time to free what was
read, which the program skips (``cli.app._exit_now``). Start-up is not included: bench/issue14.py
measures whole commands.

Stages: ``decode`` (every record read from its hashed bytes, ``ledger.views``), ``packs`` (the
adopted packs and the notes recording them), ``incidents``, ``facts`` (the engine's input),
``clocks`` (the engine), ``unclocked``, ``summaries`` (per case) and ``harms``.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from residentlog.deadlines import clocks as C
from residentlog.deadlines.cases import summarise_cases, unclocked_reports
from residentlog.deadlines.engine import compute_clocks, ordered_entries
from residentlog.ledger import views as V
from residentlog.ledger.impact import worst_first
from residentlog.ledger.incidents import group_incidents
from residentlog.ledger.profile import load_profile
from residentlog.ledger.store import Store
from residentlog.ledger.when import utc_now


def one_round(path: Path) -> dict[str, float]:
    laps: dict[str, float] = {}
    mark = time.process_time()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.process_time()
        laps[name] = now - mark
        mark = now

    with Store.open(path) as store:
        now = utc_now()
        nation = load_profile(store.root).nation
        views = V.list_entries(store, V.Filters(), now)
        lap("decode")
        adopted = C.adopted_packs(store)
        packs = tuple(C.combine_packs(C.shipped_packs_in_use(), [a.pack for a in adopted]))
        lap("packs")
        incidents = tuple(group_incidents(views))
        lap("incidents")
        facts = ordered_entries(C.entry_facts(views, incidents))
        lap("facts")
        clocks = compute_clocks(facts, packs, nation, now)
        lap("clocks")
        unclocked = unclocked_reports(facts, clocks, packs, nation)
        lap("unclocked")
        C.with_unclocked(summarise_cases(facts, clocks, now), unclocked)
        lap("summaries")
        tuple(worst_first(views))
        lap("harms")
        V._READ.clear()
    del views, incidents, facts, clocks, unclocked
    lap("free")
    return laps


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    gc.disable()
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, seconds in one_round(args.store).items():
            best[name] = min(best.get(name, seconds), seconds)
    work = sum(t for name, t in best.items() if name != "free")
    print(f"{args.store} (CPU seconds, best of {args.rounds})")
    for name, seconds in best.items():
        print(f"  {name:10s} {seconds:6.3f}")
    print(f"  {'total':10s} {work:6.3f} (without free)")


if __name__ == "__main__":
    main()
