"""Build an N-entry residentlog store quickly, for benchmarking.

    python bench/make_ledger.py N STORE [--mode batch|api] [--force]

Run it with the residentlog venv's Python. STORE must not hold a store yet (``--force``
deletes one that does). Nothing here goes through the CLI.

Two ways to build, both through the core modules:

``--mode api``   ``residentlog.ledger.add.add_entry`` once per entry: exactly the production append
                 path (Pydantic validation, RFC 8785 encoding, one IMMEDIATE transaction per
                 entry), except that the build connection sets ``PRAGMA synchronous = OFF`` so
                 the million commits are not each fsynced (with the store's own FULL they cost
                 ~4 ms each: over an hour for 1M).
``--mode batch`` (default) the same records built with ``residentlog.ledger.record.build_record`` +
                 ``encode`` and written with ``executemany`` into ``ledger`` in batches of
                 BATCH rows, each batch one transaction, synchronous OFF during the build; the
                 ``ledger_index`` trigger fills ``entries`` and the FTS triggers fill
                 ``entries_fts`` exactly as for a normal append; at the end ``tree`` (the stored
                 subtree hashes) is filled with ``residentlog.ledger.store.fill_tree``, as an upgrade
                 from store format 2 does. Content dicts come from
                 ``residentlog.ledger.vocabulary.validate_content(...).model_dump(mode="json")``, which is
                 what ``add_entry`` stores, and occurred_at/precision/text are what ``add``
                 without ``--when`` records (the minute of recording, "minute", ""), so every
                 record has the shape ``add_entry`` produces. It skips only per-entry Python
                 overhead and per-entry transactions.

Entries cycle through a few templates (a bare note, a lift fault with fields, a repair with a
landlord reference, tags, a case, details) with a distinct summary each, recorded two minutes
apart from 2021-01-04 09:00 UTC. The store verifies (``residentlog --store STORE verify``).

At the end the WAL is checkpointed and truncated so the store is one self-contained file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from residentlog.ledger.add import add_entry
from residentlog.ledger.record import build_record, encode
from residentlog.ledger.store import Store, fill_tree
from residentlog.ledger.vocabulary import validate_content

BATCH = 20_000
START = datetime(2021, 1, 4, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=2)

TEMPLATES: list[dict] = [
    {"kind": "note", "summary": "Note {i}: lights out on the stairwell again"},
    {
        "kind": "lift",
        "summary": "Lift 2 out of service ({i})",
        "location": "Lift 2, ground floor",
        "case": "lift-2",
        "tags": ["lift", "access"],
        "fields": {"event": "observed", "lift": "2", "out_of_service": True},
    },
    {
        "kind": "repair",
        "summary": "Reported leak under kitchen sink, report {i}",
        "details": "Water pooling under the sink unit; cupboard base swollen. Photos taken.",
        "case": "kitchen-leak",
        "refs": [{"by": "landlord", "ref": "REP-{i}"}],
        "fields": {"event": "reported", "channel": "phone", "priority": "routine"},
    },
    {
        "kind": "door",
        "summary": "Communal entrance door not closing ({i})",
        "location": "Main entrance",
        "tags": ["security"],
        "fields": {"event": "observed", "door": "main entrance"},
    },
]


def _input(i: int) -> dict:
    """What a user would pass for entry ``i`` (1-based): the template with ``{i}`` filled in."""
    tpl = TEMPLATES[i % len(TEMPLATES)]
    data: dict = {}
    for key, value in tpl.items():
        if isinstance(value, str):
            data[key] = value.format(i=i)
        elif key == "refs":
            data[key] = [{k: v.format(i=i) for k, v in ref.items()} for ref in value]
        else:
            data[key] = value
    return data


def _content(i: int) -> dict:
    """The validated content of entry ``i``, exactly as add_entry stores it."""
    return validate_content(_input(i)).model_dump(mode="json")


def build_api(store: Store, n: int, progress) -> None:
    for i in range(1, n + 1):
        now = START + STEP * i
        add_entry(store, _input(i), when_text=None, now=now)
        if i % BATCH == 0:
            progress(i)


def build_batch(store: Store, n: int, progress) -> None:
    conn = store.conn
    ledger_id = store.ledger_id
    prev: bytes | None = None
    seq = 0
    while seq < n:
        rows = []
        for seq in range(seq + 1, min(seq + BATCH, n) + 1):  # noqa: B020 - seq carries on
            now = START + STEP * seq
            record = build_record(
                ledger_id=ledger_id,
                seq=seq,
                prev=prev,
                recorded_at=now,
                content=_content(seq),
                occurred_at=now.replace(second=0, microsecond=0),
                occurred_precision="minute",
                occurred_text="",
                attachments=[],
            )
            data, leaf = encode(record)
            rows.append((seq, data, leaf))
            prev = leaf
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO ledger (seq, canonical, leaf_hash) VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        progress(seq)
    conn.execute("BEGIN IMMEDIATE")
    fill_tree(conn)
    conn.execute("COMMIT")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("store", type=Path)
    ap.add_argument("--mode", choices=("batch", "api"), default="batch")
    ap.add_argument("--force", action="store_true", help="replace an existing store at STORE")
    args = ap.parse_args()

    if Store.exists(args.store):
        if not args.force:
            print(f"make_ledger: a store already exists at {args.store} (use --force)", file=sys.stderr)
            return 1
        shutil.rmtree(args.store)
    t0 = time.perf_counter()

    def progress(done: int) -> None:
        if done % 100_000 == 0 or done == args.n:
            rate = done / (time.perf_counter() - t0)
            print(f"  {done:>9,} entries  {rate:,.0f}/s", file=sys.stderr, flush=True)

    with Store.create(args.store) as store:
        store.conn.execute("PRAGMA synchronous = OFF")
        (build_api if args.mode == "api" else build_batch)(store, args.n, progress)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = store.size()
    elapsed = time.perf_counter() - t0
    db = args.store / "ledger.sqlite"
    print(
        f"make_ledger: {size:,} entries in {args.store} ({args.mode} mode) in {elapsed:.1f} s "
        f"({size / elapsed:,.0f}/s); ledger.sqlite {db.stat().st_size / 1e6:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
