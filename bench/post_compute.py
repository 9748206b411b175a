"""What ``case show`` and a letter spend after the clocks are worked out, in one process.

    .venv/bin/python bench/post_compute.py STORE [--case lift-2] [--letter repair-chaser] [--rounds 3]

Works out the clocks once (``compute_for_store``), then times, best of ``--rounds`` (CPU
seconds, garbage collector off as ``reads_ledger`` has it): ``case show CASE`` printed to
/dev/null, and a draft ``letter LETTER`` rendered as Markdown with the ledger's verification
done once beforehand (in the command it runs on the other core). So the figures are the
commands' own work after the computation they share, which bench/stages.py breaks down.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import time
from pathlib import Path
from unittest import mock


def best(rounds: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", type=Path)
    parser.add_argument("--case", default="lift-2")
    parser.add_argument("--letter", default="repair-chaser")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    gc.disable()

    from residentlog.cli import console_clocks
    from residentlog.deadlines import clocks as C
    from residentlog.documents.letters.compose import build_letter
    from residentlog.integrity import verify
    from residentlog.ledger.store import Store
    from residentlog.ledger.when import utc_now

    with Store.open(args.store) as store:
        now = utc_now()
        whole = C.compute_for_store(store, now)
        one = C.compute_for_store(store, now, args.case)
        report = verify.verify_at(store.root)

        def case_show() -> None:
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
                console_clocks.case_detail(one, one.case(args.case), no_pager=True)

        def letter() -> None:
            with (
                mock.patch.object(C, "compute_for_store", lambda *a, **k: whole),
                mock.patch.object(verify, "verify_at", lambda *a, **k: report),
            ):
                build_letter(store, args.letter, (), "md", now, draft=True)

        print(f"{args.store} (CPU seconds, best of {args.rounds})")
        print(f"  case show {args.case:12s} {best(args.rounds, case_show):.3f}")
        print(f"  letter {args.letter:15s} {best(args.rounds, letter):.3f}")


if __name__ == "__main__":
    sys.exit(main())
