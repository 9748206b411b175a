"""The store on disk: a directory holding ``ledger.sqlite``, ``objects/`` and ``profile.json``.

This module owns the SQLite file. The ``ledger`` table is the source of truth: one row per
record holding the exact canonical bytes that were hashed and their leaf hash. The ``entries``
table is an index derived from those bytes by a trigger inside SQLite (so the append path is
one INSERT); ``entries_fts`` is a full-text index over it. Triggers refuse any UPDATE or
DELETE: they guard against accidents; ``verify`` and checkpoints guard against tampering.

The append path uses the standard ``sqlite3`` module only; ``sqlite_utils`` (slower to import)
is used where its features pay: creating the full-text index and running searches.

Every append first runs the restored-backup guard (:meth:`Store.check_issued_checkpoints`): a
ledger shorter than, or no longer matching, a checkpoint this store has issued is refused
before anything is written.

The ``tree`` table keeps the hash of every perfect aligned subtree of ``2**TREE_HEIGHT`` records
or more (see ``merkle.perfect_subtrees``), added by the append that completes it, so that roots
and proofs at any size cost O(log n) reads instead of hashing the whole ledger.

Store formats: 1 (the first release); 2 adds ``recipient``, ``note`` (the signed note) and
``last_leaf`` (the leaf hash of the checkpoint's last entry) to ``checkpoints``; 3 adds
``tree``, the indexes ``entries_occurred`` and ``entries_attached``, and
``checkpoints.verified`` (1 when the checkpoint was issued right after ``verify`` passed:
``verify`` then need not re-parse the records it covers while their root is unchanged). An
older store is upgraded in place when it is opened (in one transaction); a store of a newer
format than this code knows is refused.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from residentlog.errors import FormatTooNew, StoreError, VerificationFailed
from residentlog.fsutil import fsync_dir, fsync_path
from residentlog.ledger import merkle
from residentlog.ledger.layout import DB_NAME, OBJECTS_DIR, STORE_PARTS, CheckpointFile, Layout

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

STORE_FORMAT = 3
TREE_HEIGHT = 7  # ``tree`` holds subtrees of 128 records or more: about n/64 rows

APPLICATION_ID = 0x52534C47  # "RSLG" in the SQLite header: marks the file as a residentlog store

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY,
    canonical BLOB NOT NULL,
    leaf_hash BLOB NOT NULL
);
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY,
    num INTEGER NOT NULL,
    amends INTEGER,
    kind TEXT NOT NULL,
    event TEXT,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    location TEXT NOT NULL,
    case_name TEXT NOT NULL,
    tags TEXT NOT NULL,
    refs TEXT NOT NULL,
    attachments INTEGER NOT NULL
);
CREATE INDEX entries_num ON entries(num, seq);
CREATE INDEX entries_case ON entries(case_name);
CREATE INDEX entries_occurred ON entries(occurred_at);
CREATE INDEX entries_attached ON entries(seq) WHERE attachments > 0;
CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    issued_at TEXT NOT NULL,
    text TEXT NOT NULL,
    recipient TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    last_leaf BLOB,
    verified INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tree (
    height INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (height, idx)
) WITHOUT ROWID;
CREATE TRIGGER ledger_next_seq BEFORE INSERT ON ledger
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger)
BEGIN SELECT RAISE(ABORT, 'residentlog: records are appended in sequence'); END;
CREATE TRIGGER ledger_index AFTER INSERT ON ledger BEGIN
    INSERT INTO entries (seq, num, amends, kind, event, occurred_at, recorded_at, summary, details,
                         location, case_name, tags, refs, attachments)
    SELECT NEW.seq,
           COALESCE(json_extract(j, '$.amends'), NEW.seq),
           json_extract(j, '$.amends'),
           json_extract(j, '$.kind'),
           COALESCE(json_extract(j, '$.fields.event'), json_extract(j, '$.fields.step')),
           json_extract(j, '$.occurred_at'),
           json_extract(j, '$.recorded_at'),
           json_extract(j, '$.summary'),
           json_extract(j, '$.details'),
           json_extract(j, '$.location'),
           json_extract(j, '$.case'),
           json_extract(j, '$.tags'),
           json_extract(j, '$.refs'),
           json_array_length(j, '$.attachments')
    FROM (SELECT CAST(NEW.canonical AS TEXT) AS j);
END;
"""
APPEND_ONLY = ("ledger", "entries", "checkpoints", "tree")

#: The RFC 3161 tokens over issued checkpoints (``integrity.timestamps``): made by the first
#: ``timestamp`` run, append-only like the ledger.
TIMESTAMPS_TABLE = "timestamps"
TIMESTAMPS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TIMESTAMPS_TABLE} (
    id INTEGER PRIMARY KEY,
    checkpoint_sha256 TEXT NOT NULL,
    checkpoint_size INTEGER NOT NULL,
    tsa_url TEXT NOT NULL,
    hash_algorithm TEXT NOT NULL,
    token BLOB NOT NULL,
    gen_time TEXT NOT NULL,
    serial TEXT NOT NULL,
    nonce TEXT,
    requested_at TEXT NOT NULL,
    tsa_chain TEXT NOT NULL,
    trust TEXT NOT NULL,
    file TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS {TIMESTAMPS_TABLE}_no_update BEFORE UPDATE ON {TIMESTAMPS_TABLE}
BEGIN SELECT RAISE(ABORT, 'residentlog: the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {TIMESTAMPS_TABLE}_no_delete BEFORE DELETE ON {TIMESTAMPS_TABLE}
BEGIN SELECT RAISE(ABORT, 'residentlog: the ledger is append-only'); END;
"""
_TIMESTAMP_COLUMNS = (
    "checkpoint_sha256, checkpoint_size, tsa_url, hash_algorithm, token, gen_time, serial, nonce, "
    "requested_at, tsa_chain, trust, file"
)

#: Columns of ``entries`` with the SQL that derives each from a record (used by verify too).
INDEX_COLUMNS: dict[str, str] = {
    "num": "COALESCE(json_extract(j, '$.amends'), l.seq)",
    "amends": "json_extract(j, '$.amends')",
    "kind": "json_extract(j, '$.kind')",
    "event": "COALESCE(json_extract(j, '$.fields.event'), json_extract(j, '$.fields.step'))",
    "occurred_at": "json_extract(j, '$.occurred_at')",
    "recorded_at": "json_extract(j, '$.recorded_at')",
    "summary": "json_extract(j, '$.summary')",
    "details": "json_extract(j, '$.details')",
    "location": "json_extract(j, '$.location')",
    "case_name": "json_extract(j, '$.case')",
    "tags": "json_extract(j, '$.tags')",
    "refs": "json_extract(j, '$.refs')",
    "attachments": "json_array_length(j, '$.attachments')",
}
FTS_COLUMNS = ("summary", "details", "location", "case_name", "tags", "refs")


def new_ledger_id() -> str:
    """16 random bytes, hex: names the ledger and is bound into every record."""
    return os.urandom(16).hex()


def fill_tree(conn: sqlite3.Connection) -> None:
    """Store every perfect subtree of the ledger as it stands (upgrading to format 3)."""
    leaves = (leaf for (leaf,) in conn.execute("SELECT leaf_hash FROM ledger ORDER BY seq"))
    conn.executemany(
        "INSERT INTO tree (height, idx, hash) VALUES (?, ?, ?)",
        list(merkle.perfect_subtrees(leaves, TREE_HEIGHT)),
    )


#: Upgrades from each older store format to the next, run in order by ``Store.open``: SQL, or a
#: function of the connection.
MIGRATIONS: dict[int, tuple[str | Callable[[sqlite3.Connection], None], ...]] = {
    1: (
        "ALTER TABLE checkpoints ADD COLUMN recipient TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE checkpoints ADD COLUMN note TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE checkpoints ADD COLUMN last_leaf BLOB",
    ),
    2: (
        "ALTER TABLE checkpoints ADD COLUMN verified INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX entries_occurred ON entries(occurred_at)",
        "CREATE INDEX entries_attached ON entries(seq) WHERE attachments > 0",
        "CREATE TABLE tree (height INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, "
        "PRIMARY KEY (height, idx)) WITHOUT ROWID",
        fill_tree,
        *(
            f"CREATE TRIGGER tree_no_{op.lower()} BEFORE {op} ON tree "
            "BEGIN SELECT RAISE(ABORT, 'residentlog: the ledger is append-only'); END"
            for op in ("UPDATE", "DELETE")
        ),
    ),
}


@dataclass(frozen=True)
class IssuedCheckpoint:
    """A row of ``checkpoints``: one checkpoint this store issued, and to whom."""

    size: int
    root: bytes
    issued_at: str
    text: str
    recipient: str
    note: str  # the signed note as handed out; "" for checkpoints issued before signing
    last_leaf: bytes | None  # leaf hash of entry ``size`` when issued; None before format 2
    verified: bool  # issued right after the whole ledger verified (False before format 3)

    @property
    def handed_out(self) -> str:
        """The text as handed out: the signed note, or the bare checkpoint for one issued
        before checkpoints were signed."""
        return self.note or self.text


class StoredTimestamp(NamedTuple):  # not a dataclass: 12 fields cost ~1 ms at every start-up
    """One row of the ``timestamps`` table (see ``integrity.timestamps``)."""

    id: int
    checkpoint_sha256: str  # hex SHA-256 of the checkpoint text (UTF-8) the token covers
    checkpoint_size: int
    tsa_url: str
    hash_algorithm: str  # of the message imprint: sha256, sha384 or sha512
    token: bytes  # the TSA's whole TimeStampResp (DER), as received
    gen_time: str  # the TSA's genTime, ISO 8601 UTC
    serial: str  # the TSA's serial number of the token, decimal
    nonce: str | None  # the request's nonce, decimal
    requested_at: str  # by this machine's clock
    tsa_chain: str  # PEM: the chain the token was checked against (pinned for tsa_url)
    trust: str  # "given" (a chain given with the TSA) or "first-use" (the TSA's own, pinned)
    file: str  # the copy under timestamps/, relative to the store


@dataclass(frozen=True)
class Tip:
    """The last record of the ledger: its number and leaf hash (None for an empty ledger)."""

    seq: int
    leaf_hash: bytes | None


class Store(Layout):
    """An open store directory. Use as a context manager, or call ``close()``. The one object
    that speaks SQL: every query any module needs is a method here."""

    def __init__(self, root: Path, conn: sqlite3.Connection, meta: dict[str, str]) -> None:
        super().__init__(root)
        self.conn = conn
        self.meta = meta

    # -- opening and creating ----------------------------------------------------------------

    @staticmethod
    def exists(root: Path) -> bool:
        return (root / DB_NAME).is_file()

    @staticmethod
    def leftovers(root: Path) -> list[str]:
        """The parts of a store found at ``root`` other than ``ledger.sqlite`` (a store whose
        ledger file is missing must be restored, never replaced by a new ledger)."""
        try:
            return sorted(name for name in os.listdir(root) if name in STORE_PARTS)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise StoreError(f"cannot read {root}: {exc.strerror or exc}") from None

    @classmethod
    def create(cls, root: Path, *, ledger_id: str | None = None) -> Store:
        """Create a new, empty store at ``root`` (which must not already hold one).

        ``ledger_id`` is given only when rebuilding an exported ledger (import); otherwise a
        new random id is chosen.
        """
        if ledger_id is not None and not re.fullmatch(r"[0-9a-f]{32}", ledger_id):
            raise StoreError(f"{ledger_id!r} is not a ledger id (32 lowercase hex digits)")
        if cls.exists(root):
            raise StoreError(f"a store already exists at {root}")
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root} exists and is not a directory")
        left = cls.leftovers(root)
        if left:
            raise StoreError(_lost_ledger(root, left))
        made = not root.exists()
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(root, 0o700)
            (root / OBJECTS_DIR).mkdir(mode=0o700, exist_ok=True)
            tmp = root / (DB_NAME + ".new")
            tmp.unlink(missing_ok=True)
            tmp.touch(mode=0o600)
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript("BEGIN;" + SCHEMA + _append_only_sql() + "COMMIT;")
                _create_fts(conn)
                meta = {
                    "store_format": str(STORE_FORMAT),
                    "ledger_id": ledger_id or new_ledger_id(),
                    "created_by": "residentlog",
                }
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
            finally:
                conn.close()
            fsync_path(tmp)
            os.replace(tmp, root / DB_NAME)
            fsync_dir(root)
        except BaseException as exc:
            _remove_new_store(root, made)
            if isinstance(exc, OSError):
                raise StoreError(f"cannot create a store at {root}: {exc.strerror or exc}") from None
            raise
        return cls.open(root)

    @classmethod
    def open(cls, root: Path) -> Store:
        """Open an existing store, refusing foreign, corrupted or newer-format files."""
        path = root / DB_NAME
        if not path.is_file():
            left = cls.leftovers(root)
            if left:
                raise StoreError(_lost_ledger(root, left))
            raise StoreError(f"no store at {root} (run residentlog init {_quoted(root)} to create one)")
        _make_private(root)
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        try:
            conn.execute("PRAGMA synchronous = FULL")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise StoreError(f"{path} is not a residentlog store (a different SQLite database)")
            meta = dict(conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path} is not a usable residentlog store ({exc})") from None
        except StoreError:
            conn.close()
            raise
        version = int(meta.get("store_format", "0"))
        if version > STORE_FORMAT:
            conn.close()
            raise FormatTooNew(
                f"the store at {root} was written by a newer residentlog (store format {version}; "
                f"this version reads up to {STORE_FORMAT}); upgrade residentlog to use it"
            )
        if version < 1 or not meta.get("ledger_id"):
            conn.close()
            raise StoreError(f"{path} is not a usable residentlog store (its metadata is missing)")
        if version < STORE_FORMAT:
            try:
                meta = _migrate(conn, root)
            except BaseException:
                conn.close()
                raise
        return cls(root, conn, meta)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger_id(self) -> str:
        return self.meta["ledger_id"]

    # -- appending -----------------------------------------------------------------------------

    def append(self, build: Callable[[Tip], tuple[bytes, bytes]]) -> tuple[int, bytes]:
        """Append one record atomically.

        ``build(tip)`` receives the current tip and returns (canonical bytes, leaf hash) for the
        next record. It runs inside an IMMEDIATE transaction, so concurrent appenders queue and
        each record names its true predecessor. Cost does not depend on the ledger's size.
        """
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                tip = self.tip()
                self.check_issued_checkpoints(tip)
                data, leaf = build(tip)
                conn.execute(
                    "INSERT INTO ledger (seq, canonical, leaf_hash) VALUES (?, ?, ?)",
                    (tip.seq + 1, data, leaf),
                )
                conn.executemany(
                    "INSERT INTO tree (height, idx, hash) VALUES (?, ?, ?)",
                    merkle.new_subtrees(tip.seq + 1, TREE_HEIGHT, self._subtree, self._leaf_range),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to the store at {self.root}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the store at {self.root} is damaged ({exc})") from None
        return tip.seq + 1, leaf

    def tip(self) -> Tip:
        row = self.conn.execute("SELECT seq, leaf_hash FROM ledger ORDER BY seq DESC LIMIT 1").fetchone()
        return Tip(0, None) if row is None else Tip(row[0], row[1])

    # -- reading -------------------------------------------------------------------------------

    def size(self) -> int:
        return self.tip().seq

    def record_bytes(self, seq: int) -> bytes | None:
        row = self.conn.execute("SELECT canonical FROM ledger WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else bytes(row[0])

    def iter_ledger(self, after: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        """Every stored (seq, canonical bytes, leaf hash) after record ``after``, in seq order
        (the cursor itself: verify reads a million rows through it)."""
        return self.conn.execute(
            "SELECT seq, canonical, leaf_hash FROM ledger WHERE seq > ? ORDER BY seq", (after,)
        )

    def leaf_hash(self, seq: int) -> bytes | None:
        row = self.conn.execute("SELECT leaf_hash FROM ledger WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else bytes(row[0])

    def _leaf_range(self, lo: int, hi: int) -> list[bytes]:
        """The stored leaf hashes of records ``lo + 1`` to ``hi`` (D[lo:hi], 0-based)."""
        rows = self.conn.execute(
            "SELECT leaf_hash FROM ledger WHERE seq > ? AND seq <= ? ORDER BY seq", (lo, hi)
        ).fetchall()
        if len(rows) != hi - lo:
            raise StoreError(
                f"the ledger is missing records between {lo + 1} and {hi} (run: residentlog verify)"
            )
        return [bytes(leaf) for (leaf,) in rows]

    def _node(self, height: int, idx: int) -> bytes | None:
        row = self.conn.execute(
            "SELECT hash FROM tree WHERE height = ? AND idx = ?", (height, idx)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def _subtree(self, height: int, idx: int) -> bytes:
        """Node (height, idx), recomputed from the leaf hashes if ``tree`` lacks it (``verify``
        reports that; an append is not refused for a damaged index)."""
        return self._node(height, idx) or self.subtree_root(idx << height, (idx + 1) << height)

    def subtree_root(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) of the stored leaf hashes, from ``tree`` in O(log n) reads."""
        return merkle.range_root(lo, hi, TREE_HEIGHT, self._node, self._leaf_range)

    def merkle_root(self, size: int) -> bytes:
        """The Merkle root of the first ``size`` records' stored leaf hashes."""
        return self.subtree_root(0, size) if size else merkle.EMPTY_ROOT

    def tree_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        """Every stored subtree (height, index, hash), in the order ``merkle.perfect_subtrees``
        makes them: by the block that completes each, smaller first."""
        shift = f"(idx + 1) * (1 << height) / {1 << TREE_HEIGHT}"
        yield from self.conn.execute(f"SELECT height, idx, hash FROM tree ORDER BY {shift}, height")

    def leaf_hashes(self, limit: int | None = None) -> Iterator[bytes]:
        sql = "SELECT leaf_hash FROM ledger ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for (leaf,) in self.conn.execute(sql):
            yield leaf

    def versions(self, num: int) -> list[tuple[int, bytes]]:
        """Every stored (seq, canonical bytes) that may be a version of entry ``num``, oldest
        first: record ``num`` itself and every later record whose bytes open with
        ``{"amends":<num>,`` (``amends`` is the first key of a canonical record). Read from the
        hashed bytes, never from the derived index, so an edited index cannot hide a correction;
        the caller decodes each and checks that it belongs to ``num``."""
        prefix = b'{"amends":%d,' % num
        # "seq >= ? AND (...)", not "seq = ? OR (seq > ? AND ...)": SQLite scans the whole
        # table for that OR (0.17 s at 1M records, on every add and show); this reads from ``num``.
        rows = self.conn.execute(
            "SELECT seq, canonical FROM ledger WHERE seq >= ? AND (seq = ? OR substr(canonical, 1, ?) = ?) "
            "ORDER BY seq",
            (num, num, len(prefix), prefix),
        )
        return [(seq, bytes(data)) for seq, data in rows]

    def stream_nums(self, case: str, kind: str, limit: int = 1000) -> list[int]:
        """Entry numbers the derived index says are of ``case`` (``""``: none) and ``kind``, the
        latest to happen first, at most ``limit``. Candidates only, for the note ``add`` prints
        about an entry's incident: the caller reads each from its hashed bytes and checks it."""
        rows = self.conn.execute(
            "SELECT num FROM entries WHERE case_name = ? AND kind = ? "
            "GROUP BY num ORDER BY MAX(occurred_at) DESC LIMIT ?",
            (case, kind, limit),
        )
        return [int(num) for (num,) in rows]

    def records(self) -> Iterator[tuple[int, bytes]]:
        """Every stored (seq, canonical bytes), in ledger order: what ``list`` and documents read.
        (The cursor itself: SQLite's rows, bytes even if a value was stored as text.)"""
        rows: Iterator[tuple[int, bytes]] = self.conn.execute(
            "SELECT seq, CAST(canonical AS BLOB) FROM ledger ORDER BY seq"
        )
        return rows

    # -- checkpoints ---------------------------------------------------------------------------

    def add_checkpoint(
        self,
        size: int,
        root: bytes,
        issued_at: str,
        text: str,
        *,
        recipient: str = "",
        note: str = "",
        verified: bool = False,
    ) -> None:
        """Record an issued checkpoint, with the leaf hash of its last entry (for the guard).
        ``verified``: the whole ledger verified just before it was issued."""
        with self.conn:
            self._insert_checkpoint(size, root, issued_at, text, recipient, note, verified)

    def _insert_checkpoint(
        self, size: int, root: bytes, issued_at: str, text: str, recipient: str, note: str, verified: bool
    ) -> None:
        self.conn.execute(
            "INSERT INTO checkpoints (size, root, issued_at, text, recipient, note, last_leaf, verified) "
            "VALUES (?, ?, ?, ?, ?, ?, (SELECT leaf_hash FROM ledger WHERE seq = ?), ?)",
            (size, root, issued_at, text, recipient, note, size, int(verified)),
        )

    def issued_checkpoints(self) -> list[IssuedCheckpoint]:
        """Every row of ``checkpoints``, oldest first."""
        rows = self.conn.execute(
            "SELECT size, root, issued_at, text, recipient, note, last_leaf, verified "
            "FROM checkpoints ORDER BY id"
        )
        return [
            IssuedCheckpoint(
                size, bytes(root), when, text, who, note, None if last is None else bytes(last), verified == 1
            )
            for size, root, when, text, who, note, last, verified in rows
        ]

    def unlisted_checkpoint_files(self) -> list[CheckpointFile]:
        """The files in ``checkpoints/`` that no row of ``checkpoints`` matches (by size and root
        prefix): kept by a database newer than this one. Smallest size first."""
        files = self.checkpoint_files()
        if not files:
            return []
        rows = self.conn.execute("SELECT size, root FROM checkpoints")
        known = {(size, bytes(root).hex()[:8]) for size, root in rows}
        return [f for f in files if (f.size, f.prefix) not in known]

    def check_issued_checkpoints(self, tip: Tip) -> None:
        """The restored-backup guard, run before every append: raise VerificationFailed if the
        ledger is shorter than, or no longer matches, a checkpoint this store issued.

        Cost is independent of the ledger's length: one query over ``checkpoints`` (each row
        compares its size with the tip and its recorded ``last_leaf`` with the stored leaf hash
        of that entry, an indexed lookup) and one directory listing of ``checkpoints/``, whose
        file names carry size and root prefix. A file with no matching row (the database is
        older than the file) is checked once in full (its Merkle root recomputed) and, when it
        matches, recorded in the table so the next append is quick again.

        Caught: a database restored from a copy older than an issued checkpoint (while
        ``checkpoints/`` is kept); a ledger replaced by another one; a different last entry. Not
        caught here (``verify`` catches them): edits to records that leave the stored leaf hash
        column alone, or rewrites that also rewrite the table; a whole store folder restored from
        an old copy, files and all — only the recipients' copies of checkpoints catch that.
        """
        row = self.conn.execute(
            "SELECT c.size, c.issued_at, c.size > ? FROM checkpoints c LEFT JOIN ledger l ON l.seq = c.size "
            "WHERE c.size > ? OR (c.size > 0 AND c.last_leaf IS NOT NULL AND l.leaf_hash IS NOT c.last_leaf) "
            "ORDER BY c.size DESC LIMIT 1",
            (tip.seq, tip.seq),
        ).fetchone()
        if row is not None:
            size, issued_at, shorter = row
            if shorter:
                raise VerificationFailed(_shorter(size, f"was issued on {issued_at}", tip.seq))
            raise VerificationFailed(
                f"refusing to append: entry {size} is no longer the one in the checkpoint issued on "
                f"{issued_at}; the ledger was rewritten or replaced by another copy "
                "(run: residentlog verify)"
            )
        unlisted = self.unlisted_checkpoint_files()
        for file in reversed(unlisted):
            if file.size > tip.seq:
                raise VerificationFailed(_shorter(file.size, f"was issued ({file.where})", tip.seq))
        for file in unlisted:
            self._adopt_checkpoint_file(file)

    def _adopt_checkpoint_file(self, file: CheckpointFile) -> None:
        """A checkpoint file the table does not list: check it in full, then record it."""
        from residentlog.errors import InputError
        from residentlog.ledger.checkpoints import origin_for, read_kept

        try:
            kept = read_kept(file)
        except (OSError, UnicodeDecodeError, InputError) as exc:
            raise VerificationFailed(
                f"refusing to append: {file.where} is not a readable checkpoint ({exc}); "
                "run: residentlog verify"
            ) from None
        cp = kept.checkpoint
        if cp.origin != origin_for(self.ledger_id) or cp.size != file.size:
            raise VerificationFailed(
                f"refusing to append: {file.where} is a checkpoint of another ledger or size"
            )
        if cp.size > self.size() or self.merkle_root(cp.size) != cp.root:
            raise VerificationFailed(
                f"refusing to append: the first {cp.size} entries no longer produce the root of the "
                f"checkpoint in {file.where}; the ledger was rewritten or replaced by another "
                "copy (run: residentlog verify)"
            )
        row = kept.as_issued()
        self._insert_checkpoint(row.size, row.root, row.issued_at, row.text, "", row.note, False)

    # -- trusted timestamps --------------------------------------------------------------------

    def _has_table(self, name: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return row.fetchone() is not None

    def timestamps(self) -> list[StoredTimestamp]:
        """Every stored RFC 3161 token, oldest first (none if ``timestamp`` was never run)."""
        if not self._has_table(TIMESTAMPS_TABLE):
            return []
        rows = self.conn.execute(f"SELECT id, {_TIMESTAMP_COLUMNS} FROM {TIMESTAMPS_TABLE} ORDER BY id")
        return [
            StoredTimestamp(
                id_, sha, size, url, alg, bytes(token), gen, serial, nonce, asked, chain, trust, file
            )
            for id_, sha, size, url, alg, token, gen, serial, nonce, asked, chain, trust, file in rows
        ]

    def add_timestamp(self, row: StoredTimestamp) -> StoredTimestamp:
        """Keep a checked token (its table made, with its append-only triggers, the first time);
        returns the row with the ``id`` it was given (``row.id`` is ignored)."""
        if not self._has_table(TIMESTAMPS_TABLE):
            self.conn.executescript("BEGIN;" + TIMESTAMPS_SCHEMA + "COMMIT;")
        values = tuple(row)[1:]
        with self.conn:
            marks = ", ".join("?" * len(values))
            cur = self.conn.execute(
                f"INSERT INTO {TIMESTAMPS_TABLE} ({_TIMESTAMP_COLUMNS}) VALUES ({marks})", values
            )
        assert cur.lastrowid is not None
        return row._replace(id=cur.lastrowid)

    # -- bulk work -----------------------------------------------------------------------------

    def bulk_load(self) -> AbstractContextManager[None]:
        """Fill a new, private store quickly (import): no fsync per transaction inside; on the
        way out durability is back to FULL and the write-ahead log is folded into the database.
        The caller fsyncs the folder before anyone else can see it."""
        from contextlib import contextmanager  # contextlib stays off the add path

        return contextmanager(self._bulk_load)()

    def _bulk_load(self) -> Generator[None, None, None]:
        self.conn.execute("PRAGMA synchronous = OFF")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def snapshot(self) -> AbstractContextManager[None]:
        """Read inside one transaction: a concurrent append cannot change what is read."""
        from contextlib import contextmanager

        return contextmanager(self._snapshot)()

    def _snapshot(self) -> Generator[None, None, None]:
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def records_length(self, size: int) -> tuple[int, int]:
        """(how many, total bytes) of the stored records 1..``size``."""
        count, total = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(canonical)), 0) FROM ledger WHERE seq <= ?", (size,)
        ).fetchone()
        return int(count), int(total)

    # -- verification helpers ------------------------------------------------------------------

    def index_mismatches(self, after: int = 0, size: int | None = None) -> list[tuple[int, str]]:
        """Rows of the derived index that disagree with the hashed records, as (seq, problem):
        the contents of the rows of records after ``after``, and every row's presence. ``size``,
        the number of records in the ledger if the caller has counted them, lets a ledger and
        index that both hold exactly records 1..size skip the row-by-row presence check."""
        checks = " OR ".join(f"e.{col} IS NOT ({expr})" for col, expr in INDEX_COLUMNS.items())
        found: list[tuple[int, str]] = []
        found += [
            (seq, "its listed details differ from the hashed record")
            for (seq,) in self.conn.execute(
                "SELECT l.seq FROM (SELECT seq, CAST(canonical AS TEXT) AS j FROM ledger WHERE seq > ?) "
                f"AS l JOIN entries e ON e.seq = l.seq "
                f"WHERE CASE WHEN json_valid(l.j) THEN ({checks}) ELSE 0 END ORDER BY l.seq",
                (after,),
            )
        ]
        if size is not None:
            # one aggregate per subquery, so that MIN and MAX are each one b-tree lookup
            ends = self.conn.execute(
                "SELECT (SELECT MIN(seq) FROM ledger), (SELECT MAX(seq) FROM ledger), (SELECT COUNT(*) "
                "FROM entries), (SELECT MIN(seq) FROM entries), (SELECT MAX(seq) FROM entries)"
            ).fetchone()
            if size == 0 or ends == (1, size, size, 1, size):
                return found  # both are exactly 1..size (seq is unique in each)
        found += [
            (seq, "it is missing from the list index")
            for (seq,) in self.conn.execute(
                "SELECT seq FROM ledger WHERE seq NOT IN (SELECT seq FROM entries) ORDER BY seq"
            )
        ]
        found += [
            (seq, "the list index shows an entry the ledger does not hold")
            for (seq,) in self.conn.execute(
                "SELECT seq FROM entries WHERE seq NOT IN (SELECT seq FROM ledger) ORDER BY seq"
            )
        ]
        return sorted(found)

    def search_index_ok(self) -> bool:
        """FTS5's own integrity check of the search index against the entries table."""
        try:
            self.conn.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            return False
        return True


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


def _lost_ledger(root: Path, left: list[str]) -> str:
    return (
        f"the store at {root} has no {DB_NAME} but still holds {', '.join(left)}: its ledger is missing. "
        f"Restore {DB_NAME} from your backup; nothing was written"
    )


def _make_private(root: Path) -> None:
    """A store is private (it holds neighbours' details): its folder 0700, its database files
    0600. Tightens a store made before this rule; never loosens anything."""
    for path, mode in (
        (root, 0o700),
        (root / DB_NAME, 0o600),
        (root / f"{DB_NAME}-wal", 0o600),
        (root / f"{DB_NAME}-shm", 0o600),
    ):
        try:
            current = os.stat(path).st_mode & 0o777
            if current & 0o077:
                os.chmod(path, current & mode)
        except OSError:
            pass  # missing (no -wal yet) or not ours to change: opening goes on


def _remove_new_store(root: Path, made: bool) -> None:
    """Undo a half-made store: what ``create`` made, and nothing that was there before."""
    import shutil

    for name in (OBJECTS_DIR, DB_NAME, DB_NAME + ".new", DB_NAME + ".new-wal", DB_NAME + ".new-shm"):
        target = root / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    if made:
        shutil.rmtree(root, ignore_errors=True)


def _shorter(size: int, how: str, now: int) -> str:
    return (
        f"refusing to append: a checkpoint of {size} entries {how}, but the ledger holds only {now}; "
        "this store looks like an older copy (a restored backup?). Put the newest copy back "
        "(run: residentlog verify)"
    )


def _migrate(conn: sqlite3.Connection, root: Path) -> dict[str, str]:
    """Upgrade an older store format to STORE_FORMAT in one transaction; returns the new meta."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("SELECT value FROM meta WHERE key = 'store_format'").fetchone()[0])
            while version < STORE_FORMAT:  # re-read inside the lock: another process may have done it
                for step in MIGRATIONS[version]:
                    if isinstance(step, str):
                        conn.execute(step)
                    else:
                        step(conn)
                version += 1
            conn.execute("UPDATE meta SET value = ? WHERE key = 'store_format'", (str(version),))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return dict(conn.execute("SELECT key, value FROM meta"))
    except sqlite3.Error as exc:
        raise StoreError(f"cannot upgrade the store at {root} to format {STORE_FORMAT}: {exc}") from None


def _append_only_sql() -> str:
    return "".join(
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'residentlog: the ledger is append-only'); END;"
        for table in APPEND_ONLY
        for op in ("UPDATE", "DELETE")
    )


def _create_fts(conn: sqlite3.Connection) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    db.table("entries").enable_fts(list(FTS_COLUMNS), create_triggers=True, tokenize="porter")
