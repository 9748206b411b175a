"""Proof sizes and times on the 1M-entry ledger: inclusion and consistency proofs, and check.

    .venv/bin/python bench/proofs.py [--n 1000000] [--runs 7] [--cli-runs 5] [--no-cli]

In one process, on the cached ledger opened read-only (median of --runs each):

  read leaf hashes        ``SELECT leaf_hash FROM ledger ORDER BY seq``: every proof needs them
  Merkle root             ``merkle.root`` over them (re-deriving a checkpoint's root)
  inclusion proof         ``merkle.inclusion_proof(leaves, i)``, leaves in memory, for a leaf at
                          the start, middle and end
  consistency proof       ``merkle.consistency_proof(leaves, m)`` from m = 1, n/2, n − 1000
  check disclosure        ``proofs.check_text`` of a one-record disclosure (parse, Ed25519
                          verify, canonical-JSON check, inclusion verify)
  check consistency       ``proofs.check_text`` of a consistency proof
  with a subtree cache    an inclusion proof computed from precomputed perfect-subtree hashes
                          (built once, untimed): what persisting such a cache would give

and the sizes: proof hashes in bytes, one tlog-proof block, the whole disclosure and
consistency files. Then, unless --no-cli, whole commands in fresh processes (interleaved,
median of --cli-runs): ``residentlog check`` of each file (no store), and ``residentlog prove N
--checkpoint CP`` on a private copy of the 1M store (``bench/.env/proofs-store-N``, made once;
``prove`` without --checkpoint issues a new checkpoint, which first runs the whole ``verify``:
see verify_throughput.py for that cost, ~30 s at 1M).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl

from residentlog import merkle
from residentlog.checkpoint import Checkpoint, origin_for
from residentlog.proofs import ConsistencyProof, Disclosure, TlogProof, check_text
from residentlog.signing import Signer, sign_note


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall seconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def subtree_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """levels[h][j] = root of the perfect subtree of leaves [j·2^h, (j+1)·2^h)."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([merkle.node_hash(prev[i], prev[i + 1]) for i in range(0, len(prev) - 1, 2)])
    return levels


def cached_inclusion_proof(levels: list[list[bytes]], n: int, index: int) -> list[bytes]:
    """RFC 9162 PATH(index, D[n]) from cached perfect-subtree hashes: O(log² n) work at most."""

    def mth(lo: int, hi: int) -> bytes:
        size = hi - lo
        if size & (size - 1) == 0 and lo % size == 0:
            return levels[size.bit_length() - 1][lo // size]
        k = 1 << ((size - 1).bit_length() - 1)
        return merkle.node_hash(mth(lo, lo + k), mth(lo + k, hi))

    path, lo, hi, m = [], 0, n, index
    while hi - lo > 1:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m < k:
            path.append(mth(lo + k, hi))
            hi = lo + k
        else:
            path.append(mth(lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def ms(x: float) -> str:
    return f"{x * 1000:9.3f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cli-runs", type=int, default=5)
    ap.add_argument("--no-cli", action="store_true")
    args = ap.parse_args()
    env = bl.environment()
    print("environment:")
    bl.print_environment(env)
    store = bl.ensure_ledger(args.n)
    conn = sqlite3.connect(f"file:{store / 'ledger.sqlite'}?mode=ro", uri=True)
    ledger_id = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()[0]
    n = conn.execute("SELECT MAX(seq) FROM ledger").fetchone()[0]
    print(f"\nledger: {store} ({n:,} records)\n")
    results: dict[str, Any] = {"environment": env, "n": n, "in_process": {}, "sizes": {}, "cli": {}}
    rows = results["in_process"]

    t, leaves = timed(lambda: [r[0] for r in conn.execute("SELECT leaf_hash FROM ledger ORDER BY seq")], 3)
    rows["read leaf hashes"] = t
    t, root = timed(lambda: merkle.root(leaves), 3)
    rows["Merkle root"] = t
    signer = Signer(origin_for(ledger_id), os.urandom(32))
    vkey = signer.verifier.vkey
    cp = Checkpoint(origin_for(ledger_id), n, root)
    note = sign_note(cp.text(), [signer])

    for label, index in (("first", 0), ("middle", n // 2), ("last", n - 1)):
        t, path = timed(lambda index=index: merkle.inclusion_proof(leaves, index), args.runs)
        rows[f"inclusion proof, {label} leaf"] = t
        assert merkle.verify_inclusion(leaves[index], index, n, path, root)
        results["sizes"][f"inclusion proof, {label} leaf: hashes"] = len(path)
    for m in (1, n // 2, n - 1000):
        t, cpath = timed(lambda m=m: merkle.consistency_proof(leaves, m), args.runs)
        rows[f"consistency proof from {m:,}"] = t
        assert merkle.verify_consistency(m, n, merkle.root(leaves[:m]), root, cpath)
        results["sizes"][f"consistency proof from {m:,}: hashes"] = len(cpath)

    index = n // 2
    record = conn.execute("SELECT canonical FROM ledger WHERE seq = ?", (index + 1,)).fetchone()[0]
    path = merkle.inclusion_proof(leaves, index)
    block = TlogProof(index, tuple(path), note, bytes(record))
    disclosure = Disclosure(vkey, (block,)).text()
    m = n - 1000
    old_cp = Checkpoint(cp.origin, m, merkle.root(leaves[:m]))
    consistency = ConsistencyProof(
        vkey, sign_note(old_cp.text(), [signer]), m, tuple(merkle.consistency_proof(leaves, m)), note
    ).text()
    t, res = timed(lambda: check_text(disclosure), args.runs * 10)
    assert res.ok, res.problems
    rows["check disclosure (1 record)"] = t
    t, res = timed(lambda: check_text(consistency), args.runs * 10)
    assert res.ok, res.problems
    rows[f"check consistency ({m:,} -> {n:,})"] = t

    levels = subtree_levels(leaves)  # untimed: the cache a store could keep
    t, cached = timed(lambda: cached_inclusion_proof(levels, n, index), args.runs * 10)
    assert cached == path
    rows["inclusion proof from a subtree cache"] = t

    sizes = results["sizes"]
    sizes["inclusion proof (hashes x 32 bytes)"] = 32 * len(path)
    sizes["inclusion proof as tlog-proof lines (index + base64)"] = len(
        (f"index {index}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in path)).encode()
    )
    sizes["record (canonical bytes)"] = len(record)
    sizes["signed checkpoint note"] = len(note.encode())
    sizes["disclosure file, 1 record"] = len(disclosure.encode())
    sizes[f"consistency proof ({m:,} -> {n:,}) hashes x 32 bytes"] = 32 * len(parse_path(consistency))
    sizes["consistency file"] = len(consistency.encode())

    print("in process (median):")
    for name, value in rows.items():
        print(f"  {name:<48}{ms(value)}")
    print("\nsizes:")
    for name, value in sizes.items():
        print(f"  {name:<60}{value:>8,}")

    if not args.no_cli:
        results["cli"] = run_cli(store, n, leaves, cp, disclosure, consistency, args.cli_runs)
    path_json = bl.write_json("proofs", results)
    if path_json:
        print(f"\nwrote {path_json}")


def parse_path(consistency_text: str) -> list[str]:
    lines = consistency_text.split("\n")
    k = next(i for i, line in enumerate(lines) if line.startswith("old "))
    out = []
    for line in lines[k + 1 :]:
        if not line:
            break
        out.append(line)
    return out


def run_cli(
    store: Path, n: int, leaves: list[bytes], cp: Checkpoint, disclosure: str, consistency: str, runs: int
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="proofs-bench-", dir=bl.ENV))
    try:
        (work / "disclosure.txt").write_text(disclosure, encoding="utf-8")
        (work / "consistency.txt").write_text(consistency, encoding="utf-8")
        (work / "no-store").mkdir()
        copy = bl.ENV / f"proofs-store-{n}"
        if not (copy / "ledger.sqlite").is_file():
            print(f"\ncopying the store to {copy} (once)...", flush=True)
            bl.copy_store(store, copy)
        # A checkpoint of the whole ledger, unsigned: prove signs it with the copy's key.
        (work / "cp.txt").write_text(cp.text(), encoding="utf-8")
        check_env = bl.base_env()
        check_env["RESIDENTLOG_STORE"] = str(work / "no-store")
        rl = str(bl.RL)
        out = work / "out.txt"
        idx = random.Random(1).randrange(n) + 1
        cases = [
            bl.Case(
                "residentlog check disclosure", [rl, "check", str(work / "disclosure.txt")], env=check_env
            ),
            bl.Case(
                "residentlog check consistency", [rl, "check", str(work / "consistency.txt")], env=check_env
            ),
            bl.Case(
                "residentlog prove N --checkpoint (1M)",
                [
                    rl,
                    "--store",
                    str(copy),
                    "prove",
                    str(idx),
                    "--checkpoint",
                    str(work / "cp.txt"),
                    "-o",
                    str(out),
                ],
            ),
            bl.Case("python -c pass", [sys.executable, "-c", "pass"]),
        ]
        print(f"\nwhole commands ({runs} interleaved runs; load {bl.loadavg()}):")
        bl.run_interleaved(cases, runs, warmup=1)
        print(bl.table(cases))
        return bl.case_results(cases)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
