"""Instructions, not seconds: one ``compute_for_store`` counted by valgrind, before and after.

    .venv/bin/python bench/instructions.py STORE [--before REV] [--after REV|worktree]

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
import gc, sys
from datetime import UTC, datetime
from pathlib import Path
from residentlog.deadlines.clocks import compute_for_store
from residentlog.ledger.store import Store
gc.disable()  # as reads_ledger runs the clock commands
now = datetime(2026, 12, 6, 12, tzinfo=UTC)
for _ in range(int(sys.argv[2])):
    with Store.open(Path(sys.argv[1])) as store:
        clocks = compute_for_store(store, now)
    del clocks, store
"""


def instructions(src: Path, store: Path, rounds: int) -> int:
    env = bl.base_env()
    env["PYTHONPATH"] = str(src)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # else the first process run on a new export pays to write them
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, str(bl.RL_PY), "-c", ROUNDS, str(store), str(rounds)],
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
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    revisions = ([args.before] if args.before else []) + [args.after]
    counts = {}
    for rev in revisions:
        src = tree(rev)
        counts[rev] = instructions(src, args.store, 2) - instructions(src, args.store, 1)
        print(f"{rev:>12}: {counts[rev] / 1e6:8.1f} M instructions per compute_for_store", flush=True)
    if args.before:
        print(f"after / before: {counts[args.after] / counts[args.before]:.3f}")


if __name__ == "__main__":
    main()
