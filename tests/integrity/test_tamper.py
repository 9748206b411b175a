"""Tampering with the SQLite file or objects/ directly is detected by verify."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.verify import Report, verify_store
from residentlog.ledger.add import add_entry, amend_entry
from residentlog.ledger.store import Store
from tests.conftest import NOW, raw


def build(root: Path, n: int = 5, attach: Path | None = None) -> Store:
    store = Store.create(root)
    for i in range(1, n + 1):
        files = [attach] if attach is not None and i == 2 else []
        add_entry(
            store,
            {"kind": "lift", "summary": f"Lift fault {i}"},
            when_text=f"{i}/3/2020",
            attach=files,
            now=NOW,
        )
    return store


def first(report: Report) -> tuple[int, str]:
    assert not report.ok
    f = report.findings[0]
    return f.seq, f.problem


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8 a photo of the broken lift")
    return p


@pytest.fixture
def built(isolated_store: Path, photo: Path) -> Store:
    store = build(isolated_store, attach=photo)
    assert verify_store(store).ok
    return store


def test_triggers_refuse_update_and_delete(built: Store) -> None:
    issue_checkpoint(built, NOW)
    for sql in (
        "UPDATE ledger SET canonical = x'00' WHERE seq = 1",
        "DELETE FROM ledger WHERE seq = 5",
        "UPDATE entries SET summary = 'x'",
        "DELETE FROM checkpoints",
        "INSERT INTO ledger (seq, canonical, leaf_hash) VALUES (9, x'00', x'00')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            built.conn.execute(sql)


def test_changed_record_bytes(built: Store) -> None:
    conn = raw(built)
    data = built.record_bytes(3).replace(b"Lift fault 3", b"Lift fault 8")
    conn.execute("UPDATE ledger SET canonical = ? WHERE seq = 3", (data,))
    assert first(verify_store(built)) == (3, "content changed: its bytes no longer match its stored hash")


def test_changed_record_with_recomputed_hash(built: Store) -> None:
    import hashlib

    conn = raw(built)
    data = built.record_bytes(3).replace(b"Lift fault 3", b"Lift fault 8")
    conn.execute(
        "UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = 3",
        (data, hashlib.sha256(b"\x00" + data).digest()),
    )
    seq, problem = first(verify_store(built))
    assert (seq, problem) == (3, "content changed or replaced: entry 4 records a different hash for entry 3")


def test_last_entry_rewritten_caught_by_checkpoint(built: Store) -> None:
    import hashlib

    issue_checkpoint(built, NOW)
    conn = raw(built)
    data = built.record_bytes(5).replace(b"Lift fault 5", b"Lift fault 9")
    conn.execute(
        "UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = 5",
        (data, hashlib.sha256(b"\x00" + data).digest()),
    )
    conn.execute("UPDATE entries SET summary = 'Lift fault 9' WHERE seq = 5")
    seq, problem = first(verify_store(built))
    assert seq == 0
    assert problem.startswith(
        "ledger rewritten: its first 5 entries no longer produce the root of the checkpoint"
    )


def test_entry_deleted_from_the_middle(built: Store) -> None:
    conn = raw(built)
    conn.execute("DELETE FROM ledger WHERE seq = 2")
    conn.execute("DELETE FROM entries WHERE seq = 2")
    assert first(verify_store(built)) == (2, "entry 2 missing: the ledger skips from 1 to 3")


def test_last_entry_deleted_caught_by_checkpoint(built: Store) -> None:
    issue_checkpoint(built, NOW)
    conn = raw(built)
    conn.execute("DELETE FROM ledger WHERE seq = 5")
    conn.execute("DELETE FROM entries WHERE seq = 5")
    seq, problem = first(verify_store(built))
    assert seq == 0 and problem.startswith("ledger truncated: the checkpoint issued")
    assert "covers 5 entries but the ledger now holds 4" in problem


def test_two_entries_swapped(built: Store) -> None:
    conn = raw(built)
    rows = {seq: (data, leaf) for seq, data, leaf in conn.execute("SELECT * FROM ledger WHERE seq IN (2, 3)")}
    conn.execute("UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = 2", rows[3])
    conn.execute("UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = 3", rows[2])
    assert first(verify_store(built)) == (2, "order changed: this record says it is entry 3")


def test_list_index_edited(built: Store) -> None:
    raw(built).execute("UPDATE entries SET summary = 'nothing happened' WHERE seq = 4")
    assert first(verify_store(built)) == (4, "its listed details differ from the hashed record")


def test_list_index_row_deleted(built: Store) -> None:
    raw(built).execute("DELETE FROM entries WHERE seq = 4")
    assert first(verify_store(built)) == (4, "it is missing from the list index")


def test_attachment_altered(built: Store, photo: Path) -> None:
    obj = next(built.objects_dir.glob("??/*"))
    obj.chmod(0o644)
    obj.write_bytes(b"\xff\xd8 a photo of a working lift")
    assert first(verify_store(built)) == (
        2,
        "attachment 'photo.jpg' was altered: its bytes no longer match its hash",
    )


def test_attachment_missing(built: Store) -> None:
    next(built.objects_dir.glob("??/*")).unlink()
    assert first(verify_store(built)) == (2, "attachment 'photo.jpg' is missing from objects/")


def test_record_from_another_ledger(built: Store, tmp_path: Path) -> None:
    other = build(tmp_path / "other", n=3)
    conn = raw(built)
    conn.execute(
        "UPDATE ledger SET canonical = ?, leaf_hash = ? WHERE seq = 3",
        other.conn.execute("SELECT canonical, leaf_hash FROM ledger WHERE seq = 3").fetchone(),
    )
    assert (3, "belongs to another ledger: it was copied in from elsewhere") in [
        (f.seq, f.problem) for f in verify_store(built).findings
    ]


def test_restored_old_copy_fails_against_later_checkpoint(built: Store, tmp_path: Path) -> None:
    import shutil

    backup = tmp_path / "backup"
    built.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(built.root, backup)
    add_entry(built, {"kind": "note", "summary": "after the backup"}, when_text=None, now=NOW)
    cp = issue_checkpoint(built, NOW)
    with Store.open(backup) as old:
        assert verify_store(old).ok
        _, problem = first(verify_store(old, against=cp))
    assert problem == "ledger truncated: the given checkpoint covers 6 entries but the ledger now holds 5"


# -- Hypothesis: any adds and amends verify; any single changed byte is detected ----------------

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.sampled_from(["lift", "door", "asb", "note"]),
            st.text(alphabet="abcdé xyz", min_size=1, max_size=12).filter(str.strip),
        ),
        st.tuples(st.just("amend"), st.integers(1, 30), st.text(alphabet="fghij", min_size=1, max_size=8)),
    ),
    min_size=1,
    max_size=12,
)


def _apply(store: Store, operations: list[tuple[str, object, str]]) -> None:
    nums: list[int] = []
    for i, (op, arg, text) in enumerate(operations):
        if op == "add":
            nums.append(add_entry(store, {"kind": arg, "summary": text}, when_text=None, now=NOW).seq)
        elif nums:
            target = nums[int(arg) % len(nums)]
            amend_entry(
                store,
                target,
                reason="correction",
                changes={"details": f"{text} {i}"},
                when_text=None,
                now=NOW,
            )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=ops)
def test_any_adds_and_amends_verify(tmp_path: Path, operations: list) -> None:
    import uuid

    with Store.create(tmp_path / uuid.uuid4().hex) as store:
        _apply(store, operations)
        report = verify_store(store)
        assert report.ok, report.findings
        assert report.size == store.size()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq_pick=st.integers(0, 10_000), offset_pick=st.integers(0, 100_000), bit=st.integers(0, 7))
def test_any_flipped_byte_in_a_record_is_detected(
    tmp_path: Path, seq_pick: int, offset_pick: int, bit: int
) -> None:
    import uuid

    with build(tmp_path / uuid.uuid4().hex, n=4) as store:
        seq = seq_pick % 4 + 1
        data = bytearray(store.record_bytes(seq))
        data[offset_pick % len(data)] ^= 1 << bit
        raw(store).execute("UPDATE ledger SET canonical = ? WHERE seq = ?", (bytes(data), seq))
        report = verify_store(store)
        assert not report.ok
        assert report.findings[0].seq == seq


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset_pick=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_any_flipped_byte_in_an_attachment_is_detected(tmp_path: Path, offset_pick: int, bit: int) -> None:
    import uuid

    photo = tmp_path / uuid.uuid4().hex / "photo.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"\xff\xd8 photo bytes " * 7)
    with build(tmp_path / uuid.uuid4().hex, n=3, attach=photo) as store:
        obj = next(store.objects_dir.glob("??/*"))
        data = bytearray(obj.read_bytes())
        data[offset_pick % len(data)] ^= 1 << bit
        obj.chmod(0o644)
        obj.write_bytes(bytes(data))
        assert first(verify_store(store)) == (
            2,
            "attachment 'photo.jpg' was altered: its bytes no longer match its hash",
        )


# -- the stored proof tree (subtrees of 128 records) ----------------------------------------------


@pytest.fixture(scope="module")
def tree_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree") / "store"
    with Store.create(root) as store:
        for i in range(130):
            add_entry(store, {"kind": "note", "summary": f"note {i}"}, when_text=None, now=NOW)
        assert [(h, i) for h, i, _ in store.tree_nodes()] == [(7, 0)]
    return root


@pytest.fixture
def tree_store(tree_store_template: Path, tmp_path: Path) -> Store:
    import shutil

    shutil.copytree(tree_store_template, tmp_path / "store")
    return Store.open(tmp_path / "store")


def test_triggers_refuse_tree_update_and_delete(tree_store: Store) -> None:
    for sql in ("UPDATE tree SET hash = zeroblob(32)", "DELETE FROM tree"):
        with pytest.raises(sqlite3.IntegrityError):
            tree_store.conn.execute(sql)


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE tree SET hash = zeroblob(32)", "differs from"),
        ("DELETE FROM tree", "is missing for"),
        ("INSERT INTO tree VALUES (8, 0, zeroblob(32))", "has an extra node for"),
    ],
)
def test_tampered_proof_tree(tree_store: Store, sql: str, problem: str) -> None:
    raw(tree_store).execute(sql)
    (finding,) = verify_store(tree_store).findings
    where = "entries 1–256" if "extra" in problem else "entries 1–128"
    assert (finding.seq, finding.problem) == (
        0,
        f"the stored proof tree {problem} {where}; proofs would not verify",
    )


def test_append_survives_a_missing_tree_node_and_verify_names_it(tree_store: Store) -> None:
    raw(tree_store).execute("DELETE FROM tree")
    for i in range(126):  # to 256 records: completes (7, 1) and (8, 0), which needs (7, 0)
        add_entry(tree_store, {"kind": "note", "summary": f"more {i}"}, when_text=None, now=NOW)
    assert [(h, i) for h, i, _ in tree_store.tree_nodes()] == [(7, 1), (8, 0)]
    (finding,) = verify_store(tree_store).findings
    assert finding.problem == "the stored proof tree is missing for entries 1–128; proofs would not verify"
    assert tree_store.merkle_root(256) == verify_store(tree_store).root  # (8, 0) is right
