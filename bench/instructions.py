"""Instructions, not seconds: one ``compute_for_store`` counted by valgrind, before and after.

    .venv/bin/python bench/instructions.py STORE [--before REV] [--after REV|worktree]
                                           [--what compute|letter|case-show]

Wall and CPU time on this shared 2-core VM swing by 30-50 % from minute to minute (other
tenants; ``bench/issue14.py`` interleaves its cases for that reason, and still its medians
move). ``valgrind --tool=callgrind`` counts the instructions a process executes instead: the
same count for the same code and input whatever else the machine is doing (seen here: equal
to the last digit on repeated runs). It ignores cache misses, so it is a measure of the work
done, a guide next to the timings, not a replacement for them.

For each revision (a ``git archive`` export, as issue14.py makes them), a process reads STORE
and runs ``residentlog.deadlines.clocks.compute_for_store`` on it, once and then twice; the
difference is one whole computation (reading every record afresh: each round opens the store
again) without start-up, imports or the first call's one-off work (pack files, bank holiday
tables). Run on a 10k store (about a minute per revision under valgrind); ``bench/stages.py``
says where the time of one computation goes.

``--what letter`` and ``--what case-show`` count instead what a draft ``letter repair-chaser``
(Markdown) or ``case show lift-2`` does after the computation: the clocks and the ledger's
verification are worked out once, before the rounds (bench/post_compute.py times the same).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl
from issue14 import tree

ROUNDS = """
import contextlib, gc, os, sys
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock
from residentlog.deadlines import clocks as C
from residentlog.ledger.store import Store
gc.disable()  # as reads_ledger runs the clock commands
now = datetime(2026, 12, 6, 12, tzinfo=UTC)
path, rounds, what = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if what == "compute":
    for _ in range(rounds):
        with Store.open(path) as store:
            clocks = C.compute_for_store(store, now)
        del clocks, store
else:  # what a command does after the computation (worked out once, before the rounds)
    from residentlog import background
    from residentlog.cli import console_clocks
    from residentlog.documents.letters.compose import build_letter
    from residentlog.integrity import verify
    background.ENABLED = False
    with Store.open(path) as store:
        whole = C.compute_for_store(store, now)
        one = C.compute_for_store(store, now, "lift-2")
        report = verify.verify_at(store.root)
        with (
            mock.patch.object(C, "compute_for_store", lambda *a, **k: whole),
            mock.patch.object(verify, "verify_at", lambda *a, **k: report),
            open(os.devnull, "w") as sink,
            contextlib.redirect_stdout(sink),
        ):
            for _ in range(rounds):
                if what == "letter":
                    build_letter(store, "repair-chaser", (), "md", now, draft=True)
                else:
                    console_clocks.case_detail(one, one.case("lift-2"), no_pager=True)
"""

#: What is counted: one compute_for_store, or what a draft letter (repair-chaser) or case show
#: (lift-2) does after it.
WHAT = ("compute", "letter", "case-show")


def instructions(src: Path, store: Path, rounds: int, what: str = "compute") -> int:
    env = bl.base_env()
    env["PYTHONPATH"] = str(src)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # else the first process run on a new export pays to write them
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, str(bl.RL_PY), "-c", ROUNDS, str(store), str(rounds), what],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="e.g. bench/.env/issue14/w-base-10000-packs")
    ap.add_argument("--before", help="a git revision to compare with")
    ap.add_argument("--after", default="worktree", help="a git revision, or 'worktree' (the default)")
    ap.add_argument("--what", choices=WHAT, default="compute", help="what to count (default: compute)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    revisions = ([args.before] if args.before else []) + [args.after]
    counts = {}
    for rev in revisions:
        src = tree(rev)
        counts[rev] = instructions(src, args.store, 2, args.what) - instructions(
            src, args.store, 1, args.what
        )
        print(f"{rev:>12}: {counts[rev] / 1e6:8.1f} M instructions per {args.what}", flush=True)
    if args.before:
        print(f"after / before: {counts[args.after] / counts[args.before]:.3f}")


if __name__ == "__main__":
    main()
