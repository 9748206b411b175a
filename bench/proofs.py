"""Proof sizes and times on the 1M-entry ledger: inclusion and consistency proofs, and check.

    .venv/bin/python bench/proofs.py [--n 1000000] [--runs 7] [--cli-runs 5] [--no-cli]

In one process (median of --runs each), first from all leaf hashes in memory (the O(n) way,
for reference), then from the store's ``tree`` table (what ``prove`` and ``consistency`` do):

  read leaf hashes        ``SELECT leaf_hash FROM ledger ORDER BY seq``
  Merkle root             ``merkle.root`` over them
  inclusion proof         ``merkle.inclusion_proof(leaves, i)``, leaves in memory, for a leaf at
                          the start, middle and end
  consistency proof       ``merkle.consistency_proof(leaves, m)`` from m = 1, n/2, n − 1000
  store: ...              the same root and proofs from a private copy of the store
                          (``bench/.env/proofs-store-N``; opening a format-2 copy first upgrades
                          it, which fills ``tree``: timed once), via ``Store.merkle_root`` and
                          ``merkle.inclusion_path`` / ``consistency_path`` with
                          ``Store.subtree_root``; and ``proofs.make_disclosure`` of one entry
                          against a held checkpoint (read, check the root, prove, write the text,
                          self-check)
  check disclosure        ``proofs.check_text`` of a one-record disclosure (parse, Ed25519
                          verify, canonical-JSON check, inclusion verify)
  check consistency       ``proofs.check_text`` of a consistency proof

and the sizes: proof hashes in bytes, one tlog-proof block, the whole disclosure and
consistency files. Then, unless --no-cli, whole commands in fresh processes (interleaved,
median of --cli-runs): ``residentlog check`` of each file (no store), and ``residentlog prove N
--checkpoint CP`` on the private copy of the store (``prove`` without --checkpoint issues a new
checkpoint, which first runs the whole ``verify``: see verify_throughput.py for that cost).
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

from residentlog.integrity.check import check_text
from residentlog.integrity.proof_text import ConsistencyProof, Disclosure, TlogProof
from residentlog.integrity.proofs import make_disclosure
from residentlog.integrity.signing import Signer, sign_note
from residentlog.ledger import merkle
from residentlog.ledger.checkpoints import Checkpoint, origin_for
from residentlog.ledger.store import Store


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall seconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


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

    copy = bl.ENV / f"proofs-store-{n}"
    if not (copy / "ledger.sqlite").is_file():
        print(f"copying the store to {copy} (once)...", flush=True)
        bl.copy_store(store, copy)
    t0 = time.perf_counter()
    with Store.open(copy) as st:  # upgrades a format-2 copy: fills ``tree``
        rows["store: open (upgrading the copy if it is format 2)"] = time.perf_counter() - t0
        results["sizes"]["store: tree rows"] = st.conn.execute("SELECT COUNT(*) FROM tree").fetchone()[0]
        t, got = timed(lambda: st.merkle_root(n), args.runs * 10)
        assert got == root
        rows["store: Merkle root"] = t
        for label, i in (("first", 0), ("middle", n // 2), ("last", n - 1)):
            t, got = timed(lambda i=i: merkle.inclusion_path(n, i, st.subtree_root), args.runs * 10)
            assert got == merkle.inclusion_proof(leaves, i)
            rows[f"store: inclusion proof, {label} leaf"] = t
        for m1 in (1, n // 2, n - 1000):
            t, got = timed(lambda m1=m1: merkle.consistency_path(n, m1, st.subtree_root), args.runs * 10)
            assert got == merkle.consistency_proof(leaves, m1)
            rows[f"store: consistency proof from {m1:,}"] = t
        num = st.conn.execute("SELECT num FROM entries WHERE seq = ?", (index + 1,)).fetchone()[0]
        t, made = timed(lambda: make_disclosure(st, [num], held=cp.text()), args.runs * 3)
        rows["store: make_disclosure, 1 entry, held checkpoint"] = t
        results["sizes"]["disclosure file from the store, 1 entry"] = len(made.text.encode())

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
        results["cli"] = run_cli(copy, n, cp, disclosure, consistency, args.cli_runs)
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
    copy: Path, n: int, cp: Checkpoint, disclosure: str, consistency: str, runs: int
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="proofs-bench-", dir=bl.ENV))
    try:
        (work / "disclosure.txt").write_text(disclosure, encoding="utf-8")
        (work / "consistency.txt").write_text(consistency, encoding="utf-8")
        (work / "no-store").mkdir()
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
