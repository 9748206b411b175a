"""`residentlog verify` throughput on the 1M-entry ledger, against sha256sum over the same bytes.

    .venv/bin/python bench/verify_throughput.py [--rounds 5] [--full-rounds 2] [--n 1000000] [--no-phases]

The canonical bytes of every record are dumped once, concatenated, to
bench/.env/ledger-N.canonical (reused while its size matches). verify runs on a private copy
of the N-entry store, bench/.env/verify-store-N, made once, in which a checkpoint of the whole
ledger was issued (``residentlog checkpoint``, which first verifies everything), as a resident
who has sent one with a letter would have. Then, interleaved in one run:

  residentlog verify              `residentlog --store S verify`, the whole command: every
                                  record re-hashed, records after the checkpoint parsed (none)
  residentlog verify --full       every record parsed too, and the search index checked: timed
                                  after the others (--full-rounds runs; tens of seconds each)
  sha256sum                       `sha256sum` over the dumped bytes (several runs per round)
  openssl sha256                  `openssl dgst -sha256` over the same file (coreutils'
                                  sha256sum does not use the CPU's SHA extensions; OpenSSL,
                                  which Python's hashlib uses, does), when openssl is present
  floor: sqlite read + sha256     a Python process that reads every row of ``ledger`` in seq
                                  order and hashes 0x00 || bytes with hashlib, nothing else:
                                  what any Python verify must at least spend
  floor: + json.loads             the same plus json.loads of every record

Throughput is entries per second of wall time (median and p90 runs). With --phases (default)
one extra in-process run times the stages of verify_store separately, to show where verify's
time goes: pass 1 (re-hash every record), the Merkle tree, finding the anchor, pass 2 (parse
the records after it; with full=True all of them), the index check, the FTS integrity check.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl

FLOOR_HASH = """
import hashlib, sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
sha256 = hashlib.sha256
n = 0
for seq, data, leaf in conn.execute("SELECT seq, canonical, leaf_hash FROM ledger ORDER BY seq"):
    if sha256(b"\\x00" + data).digest() != leaf:
        sys.exit(f"mismatch at {seq}")
    n += 1
print(n)
"""

FLOOR_JSON = """
import hashlib, json, sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
sha256, loads = hashlib.sha256, json.loads
n = 0
for seq, data, leaf in conn.execute("SELECT seq, canonical, leaf_hash FROM ledger ORDER BY seq"):
    if sha256(b"\\x00" + data).digest() != leaf:
        sys.exit(f"mismatch at {seq}")
    loads(data)
    n += 1
print(n)
"""

PHASES = """
import json, sys, time
from pathlib import Path
from residentlog.integrity import verify
from residentlog.ledger.checkpoints import origin_for
from residentlog.ledger.store import Store

out = {}
t = time.perf_counter()
store = Store.open(Path(sys.argv[1]))
out["open"] = time.perf_counter() - t
store_origin = origin_for(store.ledger_id)
for full in (False, True):
    mode = "--full" if full else "default"
    report = verify.Report()
    t = time.perf_counter()
    walk = verify._walk(store, report)
    out[f"{mode}: pass 1, re-hash every record (_walk)"] = time.perf_counter() - t
    t = time.perf_counter()
    tree = verify._Tree(walk.leaves)
    verify._check_tree(store, walk, tree, report)
    out[f"{mode}: Merkle tree and stored tree (_Tree, _check_tree)"] = time.perf_counter() - t
    t = time.perf_counter()
    issued = store.issued_checkpoints()
    keys = verify._StoreKey(store)
    anchor = None if full else verify._anchor(issued, tree, len(walk.leaves), store_origin, keys)
    report.anchor = anchor.size if anchor else 0
    out[f"{mode}: anchor (root and signature of the newest verified checkpoint)"] = time.perf_counter() - t
    t = time.perf_counter()
    verify._check_records(store, report, walk)
    out[f"{mode}: pass 2, parse {len(walk.leaves) - report.anchor:,} records (_check_records)"] = (
        time.perf_counter() - t
    )
    t = time.perf_counter()
    store.index_mismatches(after=report.anchor, size=len(walk.leaves))
    out[f"{mode}: index check (index_mismatches)"] = time.perf_counter() - t
    if full:
        t = time.perf_counter()
        store.search_index_ok()
        out[f"{mode}: FTS integrity check (search_index_ok)"] = time.perf_counter() - t
    out[f"{mode}: findings"] = len(report.findings)
print(json.dumps(out))
"""


def ensure_verify_store(source: Path, n: int) -> Path:
    """A private copy of the N-entry store with a checkpoint of the whole ledger issued in it."""
    path = bl.ENV / f"verify-store-{n}"
    if not (path / "ledger.sqlite").is_file():
        print(f"copying the store to {path} and issuing a checkpoint in it (once)...", flush=True)
        building = path.with_name(path.name + ".building")
        bl.copy_store(source, building)
        bl.residentlog("--store", str(building), "checkpoint")
        building.rename(path)
    return path


def dump_canonical(store: Path, n: int) -> tuple[Path, int]:
    """Concatenated canonical bytes of every record, cached next to the store."""
    db = store / "ledger.sqlite"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT SUM(length(canonical)) FROM ledger").fetchone()[0]
        path = bl.ENV / f"ledger-{n}.canonical"
        if path.is_file() and path.stat().st_size == total:
            return path, total
        print(f"dumping {total / 1e6:,.0f} MB of canonical bytes to {path} (once)...", flush=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            for (data,) in conn.execute("SELECT canonical FROM ledger ORDER BY seq"):
                f.write(data)
        tmp.rename(path)
        return path, total
    finally:
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="timed runs of verify")
    ap.add_argument("--full-rounds", type=int, default=2, help="timed runs of verify --full (~30 s each)")
    ap.add_argument("--sha-per-round", type=int, default=4, help="sha256sum/openssl runs per round")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--no-phases", action="store_true")
    args = ap.parse_args()

    store = ensure_verify_store(bl.ensure_ledger(args.n), args.n)
    entries = bl.ledger_size(store)
    dump, nbytes = dump_canonical(store, args.n)
    db = store / "ledger.sqlite"
    py = str(bl.RL_PY)
    cases = [
        bl.Case("residentlog verify", [str(bl.RL), "--store", str(store), "verify"]),
        bl.Case("sha256sum", ["sha256sum", str(dump)], per_round=args.sha_per_round),
        *(
            [
                bl.Case(
                    "openssl sha256", ["openssl", "dgst", "-sha256", str(dump)], per_round=args.sha_per_round
                )
            ]
            if shutil.which("openssl")
            else []
        ),
        bl.Case("floor: sqlite read + sha256", [py, "-c", FLOOR_HASH, str(db)]),
        bl.Case("floor: + json.loads", [py, "-c", FLOOR_JSON, str(db)]),
    ]
    env = bl.environment()
    print("environment:")
    bl.print_environment(env)
    print(
        f"\nledger: {entries:,} entries, {nbytes:,} canonical bytes ({nbytes / entries:.0f} B/entry), "
        f"ledger.sqlite {db.stat().st_size / 1e6:,.0f} MB"
    )
    print(f"{args.rounds} interleaved rounds (+{args.warmup} warm-up), wall time per process:")
    bl.run_interleaved(cases, args.rounds, args.warmup)
    full = bl.Case("residentlog verify --full", [str(bl.RL), "--store", str(store), "verify", "--full"])
    if args.full_rounds:
        print(f"then verify --full, {args.full_rounds} runs:")
        bl.run_interleaved([full], args.full_rounds, warmup=0)
        cases.insert(1, full)
    print(bl.table(cases))

    rates = {}
    print("\nthroughput (from the median run; from the p90 run):")
    for c in cases:
        s = bl.summary(c.times)
        rates[c.name] = {
            "entries_per_s_median": entries / s["median"],
            "entries_per_s_p90": entries / s["p90"],
            "MB_per_s_median": nbytes / s["median"] / 1e6,
        }
        r = rates[c.name]
        print(
            f"  {c.name:<28} {r['entries_per_s_median']:>12,.0f} entries/s  "
            f"{r['entries_per_s_p90']:>12,.0f} entries/s (p90)  {r['MB_per_s_median']:>8,.1f} MB/s"
        )
    by_name = {c.name: c for c in cases}
    v, s = (bl.summary(by_name[name].times)["median"] for name in ("residentlog verify", "sha256sum"))
    print(f"  verify / sha256sum wall time: {v / s:,.1f}×")
    print(f"load average at the end: {bl.loadavg()}")
    print("target: verify ≥ 300,000 entries/s")

    phases = None
    if not args.no_phases:
        print("\nwhere verify's time goes (one in-process run of verify_store's stages):")
        proc = subprocess.run(
            [py, "-c", PHASES, str(store)], capture_output=True, text=True, env=bl.base_env()
        )
        if proc.returncode == 0:
            phases = json.loads(proc.stdout)
            for key, value in phases.items():
                if key != "findings":
                    print(f"  {key:<40} {value:8.2f} s")
        else:
            print("  (could not time the stages: the internals have changed)\n" + proc.stderr[-2000:])

    path = bl.write_json(
        "verify_throughput",
        {
            "environment": env,
            "entries": entries,
            "canonical_bytes": nbytes,
            "rounds": args.rounds,
            "cases": bl.case_results(cases),
            "throughput": rates,
            "phases_s": phases,
        },
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
