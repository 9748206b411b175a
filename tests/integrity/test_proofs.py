"""Disclosures and consistency proofs: made from a store, checked with none; every changed byte,
wrong index or wrong size fails."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residentlog.errors import InputError, NotFound, VerificationFailed
from residentlog.integrity.check import check_paths, check_text, cross_check, report_text
from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.proof_text import CONSISTENCY, DISCLOSURE, parse_consistency, parse_disclosure
from residentlog.integrity.proofs import make_consistency, make_disclosure
from residentlog.integrity.signing import Signer, b64, load_signer, parse_vkey, sign_note
from residentlog.ledger import merkle
from residentlog.ledger.add import add_entry, amend_entry
from residentlog.ledger.store import Store
from tests.conftest import NOW

SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def build(root: Path, n: int, photo: Path | None = None) -> Store:
    store = Store.create(root)
    for i in range(1, n + 1):
        add_entry(
            store,
            {"kind": "lift" if i % 2 else "door", "summary": f"Fault {i}"},
            when_text=f"{(i % 28) + 1}/3/2020",
            attach=[photo] if photo is not None and i == 2 else [],
            now=NOW,
        )
    return store


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8 the lift, stuck")
    return p


def flips(text: str, positions: list[int], value: int = 1) -> list[str | None]:
    """The text with one byte changed at each position (None where that is not UTF-8)."""
    data = text.encode("utf-8")
    out: list[str | None] = []
    for pos in positions:
        changed = bytearray(data)
        changed[pos % len(data)] ^= value
        try:
            out.append(bytes(changed).decode("utf-8"))
        except UnicodeDecodeError:
            out.append(None)
    return out


# -- round trips --------------------------------------------------------------------------------


def test_disclosure_round_trip(store: Store, photo: Path) -> None:
    for i in range(1, 6):
        add_entry(
            store,
            {"kind": "lift", "summary": f"Lift fault {i}"},
            when_text="3 March 2020 14:00",
            attach=[photo] if i == 2 else [],
            now=NOW,
        )
    made = make_disclosure(store, [2, 4], attachments=True, recipient="Ombudsman")
    assert made.text.startswith(DISCLOSURE + "\nkey residentlog/")
    assert made.checkpoint.size == 5 and made.records == 2 and not made.warnings
    result = check_text(made.text)
    assert result.ok, result.problems
    assert [e.index for e in result.entries] == [1, 3]
    assert [e.record["summary"] for e in result.entries] == ["Lift fault 2", "Lift fault 4"]
    assert any("Attachment 'photo.jpg'" in line and "matches" in line for line in result.lines)
    assert result.key == made.checkpoint.vkey
    # the new checkpoint was issued and kept, with its recipient
    assert store.issued_checkpoints()[-1].recipient == "Ombudsman"
    parsed = parse_disclosure(made.text)
    assert parsed.text() == made.text
    assert [p.index for p in parsed.proofs] == [1, 3] and len(parsed.attachments) == 1
    # the other entries appear only as hashes: their summaries are nowhere in the file
    for hidden in ("Lift fault 1", "Lift fault 3", "Lift fault 5"):
        assert hidden.encode() not in b"".join(p.extra or b"" for p in parsed.proofs)
    # without --attachments the file is only named by hash
    plain = check_text(make_disclosure(store, [2]).text)
    assert plain.ok and any("photo.jpg" in n for n in plain.not_proven)


def test_disclosure_includes_every_version_and_warns_of_later_ones(store: Store) -> None:
    add_entry(store, {"kind": "lift", "summary": "Lift stuck"}, when_text=None, now=NOW)
    add_entry(store, {"kind": "note", "summary": "other"}, when_text=None, now=NOW)
    held = issue_checkpoint(store, NOW).note
    amend_entry(
        store, 1, reason="it was longer", changes={"summary": "Lift stuck 2h"}, when_text=None, now=NOW
    )
    now = make_disclosure(store, [1])
    assert [e.index + 1 for e in check_text(now.text).entries] == [1, 3]
    assert "Correction of entry 1 (record 3" in "\n".join(check_text(now.text).lines)
    old = make_disclosure(store, [1], held=held)
    assert [e.index + 1 for e in check_text(old.text).entries] == [1]
    assert old.warnings == [
        "entry 1 has corrections made after that checkpoint (record 3); they are not in this disclosure"
    ]
    add_entry(store, {"kind": "note", "summary": "later"}, when_text=None, now=NOW)
    with pytest.raises(InputError, match="entry 4 was added after that checkpoint"):
        make_disclosure(store, [4], held=held)
    with pytest.raises(NotFound, match="entry 3 is a correction of entry 1"):
        make_disclosure(store, [3])
    with pytest.raises(NotFound, match="there is no entry 9"):
        make_disclosure(store, [9])


def test_held_checkpoint_must_match_the_ledger(store: Store, tmp_path: Path) -> None:
    add_entry(store, {"kind": "note", "summary": "one"}, when_text=None, now=NOW)
    cp = issue_checkpoint(store, NOW)
    with build(tmp_path / "other", 2) as other:
        with pytest.raises(InputError, match="another ledger"):
            make_disclosure(other, [1], held=cp.note)
    longer = cp.text().replace("\n1\n", "\n2\n")
    with pytest.raises(VerificationFailed, match="shorter than that checkpoint"):
        make_disclosure(store, [1], held=longer)
    wrong = cp.text().replace(cp.root_b64, "A" * 43 + "=")
    with pytest.raises(VerificationFailed, match="rewritten"):
        make_disclosure(store, [1], held=wrong)
    # an unsigned copy of a consistent checkpoint is signed with the store's key
    again = make_disclosure(store, [1], held=cp.text())
    assert cp.note in again.text
    # a signature by the store's key that does not verify means the file was altered
    sig = cp.note.rsplit(" ", 1)[1]  # type: ignore[union-attr]
    forged = cp.note.replace(sig, sig[:12] + ("B" if sig[12] == "A" else "A") + sig[13:])  # type: ignore[union-attr]
    with pytest.raises(VerificationFailed, match="does not verify"):
        make_disclosure(store, [1], held=forged)


def test_consistency_round_trip(store: Store) -> None:
    for i in range(5):
        add_entry(store, {"kind": "note", "summary": f"n{i}"}, when_text=None, now=NOW)
    old = issue_checkpoint(store, NOW)
    for i in range(6):
        add_entry(store, {"kind": "note", "summary": f"m{i}"}, when_text=None, now=NOW)
    made = make_consistency(store, old.note or "")
    assert made.text.startswith(CONSISTENCY + "\n") and made.checkpoint.size == 11
    result = check_text(made.text)
    assert result.ok, result.problems
    assert [c.size for c in result.checkpoints] == [5, 11]
    assert parse_consistency(made.text).text() == made.text
    # equal sizes: an empty proof
    same = make_consistency(store, made.checkpoint.note or "")
    assert check_text(same.text).ok and parse_consistency(same.text).path == ()
    with pytest.raises(InputError, match="empty ledger"):
        with Store.create(store.root.parent / "empty") as empty:
            make_consistency(empty, issue_checkpoint(empty, NOW).note or "")


# -- every byte matters ---------------------------------------------------------------------------


def test_every_single_byte_change_of_a_disclosure_fails(store: Store, photo: Path) -> None:
    for i in range(1, 8):
        add_entry(
            store,
            {"kind": "lift", "summary": f"Lift é {i}"},
            when_text=None,
            attach=[photo] if i == 3 else [],
            now=NOW,
        )
    text = make_disclosure(store, [3, 7], attachments=True).text
    assert check_text(text).ok
    size = len(text.encode())
    for value in (0x01, 0x20, 0x80):
        for pos, changed in enumerate(flips(text, list(range(size)), value)):
            if changed is not None:
                assert not check_text(changed).ok, (pos, value)


def test_every_single_byte_change_of_a_consistency_proof_fails(store: Store) -> None:
    for i in range(3):
        add_entry(store, {"kind": "note", "summary": f"n{i}"}, when_text=None, now=NOW)
    old = issue_checkpoint(store, NOW).note or ""
    for i in range(4):
        add_entry(store, {"kind": "note", "summary": f"m{i}"}, when_text=None, now=NOW)
    text = make_consistency(store, old).text
    size = len(text.encode())
    for value in (0x01, 0x04, 0x80):
        for pos, changed in enumerate(flips(text, list(range(size)), value)):
            if changed is not None:
                assert not check_text(changed).ok, (pos, value)


@SETTINGS
@given(n=st.integers(1, 40), picks=st.lists(st.integers(0, 1000), min_size=1, max_size=3), data=st.data())
def test_random_ledgers_disclosures_verify_and_changes_fail(
    tmp_path: Path, n: int, picks: list[int], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as d, build(Path(d) / "s", n) as store:
        nums = sorted({p % n + 1 for p in picks})
        made = make_disclosure(store, nums)
        result = check_text(made.text)
        assert result.ok and [e.index + 1 for e in result.entries] == nums
        # any single changed byte
        pos = data.draw(st.integers(0, len(made.text.encode()) - 1))
        value = data.draw(st.integers(1, 255))
        changed = flips(made.text, [pos], value)[0]
        assert changed is None or not check_text(changed).ok
        # a wrong index: the record no longer sits where the proof says
        proof = parse_disclosure(made.text).proofs[0]
        wrong = data.draw(st.sampled_from([i for i in (proof.index - 1, proof.index + 1, n) if i >= 0]))
        bad = made.text.replace(f"\nindex {proof.index}\n", f"\nindex {wrong}\n", 1)
        assert not check_text(bad).ok
        # A wrong size in a correctly signed checkpoint (only the key holder can make one). The
        # check agrees with RFC 9162 verification; that does not pin the size in every case (a path
        # for a tree of n can also fit n ± 1), but a size that changes the path's shape fails.
        signer = load_signer(store.root, made.checkpoint.origin)
        assert signer is not None
        all_proofs = parse_disclosure(made.text).proofs
        for size in {n - 1, n + 1, n + 2, 2 * n} - {0, n}:
            body = made.checkpoint.text().replace(f"\n{n}\n", f"\n{size}\n")
            resigned = made.text.replace(made.checkpoint.note or "", sign_note(body, [signer]))
            fits = all(
                merkle.verify_inclusion(
                    merkle.leaf_hash(p.extra or b""), p.index, size, list(p.path), made.checkpoint.root
                )
                for p in all_proofs
            )
            assert check_text(resigned).ok == fits, size
            if size == 2 * n:
                assert not fits


@SETTINGS
@given(m=st.integers(1, 30), extra=st.integers(0, 30), data=st.data())
def test_random_consistency_proofs_verify_and_changes_fail(
    tmp_path: Path, m: int, extra: int, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as d, build(Path(d) / "s", m) as store:
        old = issue_checkpoint(store, NOW).note or ""
        for i in range(extra):
            add_entry(store, {"kind": "note", "summary": f"later {i}"}, when_text=None, now=NOW)
        made = make_consistency(store, old)
        assert check_text(made.text).ok
        pos = data.draw(st.integers(0, len(made.text.encode()) - 1))
        changed = flips(made.text, [pos], data.draw(st.integers(1, 255)))[0]
        assert changed is None or not check_text(changed).ok
        # claim a different old size, re-signed: fails
        signer = load_signer(store.root, made.checkpoint.origin)
        assert signer is not None
        parsed = parse_consistency(made.text)
        for other in {m - 1, m + 1} - {0}:
            body = old.split("\n\n")[0] + "\n"
            body = body.replace(f"\n{m}\n", f"\n{other}\n")
            forged = made.text.replace(old, sign_note(body, [signer]), 1)
            forged = forged.replace(f"\nold {m}\n", f"\nold {other}\n")
            assert forged != made.text
            assert not check_text(forged).ok, other
        assert parsed.old_size == m


# -- what check says, keys, and files given together --------------------------------------------


def test_pinned_key(store: Store, tmp_path: Path) -> None:
    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, now=NOW)
    made = make_disclosure(store, [1])
    key = parse_vkey(made.checkpoint.vkey or "")
    assert check_text(made.text, pinned=[key]).ok
    with build(tmp_path / "other", 1) as other:
        other_key = parse_vkey(make_disclosure(other, [1]).checkpoint.vkey or "")
    result = check_text(made.text, pinned=[other_key])
    assert not result.ok and "not the key you gave" in result.problems[0]


def test_bare_checkpoint_needs_a_key_and_a_signature(store: Store, tmp_path: Path) -> None:
    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, now=NOW)
    cp = issue_checkpoint(store, NOW)
    (tmp_path / "cp.txt").write_text(cp.note or "", encoding="utf-8")
    (tmp_path / "plain.txt").write_text(cp.text(), encoding="utf-8")
    (tmp_path / "d.txt").write_text(make_disclosure(store, [1], held=cp.note).text, encoding="utf-8")
    alone = check_paths([tmp_path / "cp.txt"])[0]
    assert alone.ok and alone.problems == [] and alone.checkpoints == []
    assert alone.unchecked == "signature not checked: no key given (pass --key or a file that names it)"
    assert not alone.as_json()["signature_checked"]
    assert report_text([alone], [], [])[0] == (
        f"OK (format only): {tmp_path / 'cp.txt'} (checkpoint): signature not checked: no key given "
        "(pass --key or a file that names it)"
    )
    # a malformed one is still malformed, key or no key
    broken = (cp.note or "").replace("\n\n", "\n\n\n")
    (tmp_path / "broken.txt").write_text(broken, encoding="utf-8")
    bad = check_paths([tmp_path / "broken.txt"])[0]
    assert not bad.ok and bad.problems[0].startswith("malformed: ")
    keyed = check_paths([tmp_path / "cp.txt"], [parse_vkey(cp.vkey or "")])[0]
    assert keyed.ok and keyed.checkpoints[0].size == 1
    results = check_paths([tmp_path / "cp.txt", tmp_path / "d.txt"])
    assert all(r.ok for r in results)
    notes, problems = cross_check(results)
    assert problems == [] and notes == [
        f"The checkpoint of 1 records (root {cp.root_b64}) is the same in: {tmp_path / 'cp.txt'}, "
        f"{tmp_path / 'd.txt'}"
    ]
    plain = check_paths([tmp_path / "plain.txt"])[0]
    assert not plain.ok and "with no signature" in plain.problems[0]


def test_two_signed_checkpoints_of_one_size_are_a_fork(store: Store, tmp_path: Path) -> None:
    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, now=NOW)
    real = issue_checkpoint(store, NOW)
    signer = load_signer(store.root, real.origin)
    assert signer is not None
    fake = sign_note(real.text().replace(real.root_b64, b64(merkle.leaf_hash(b"x"))), [signer])
    (tmp_path / "a.txt").write_text(real.note or "", encoding="utf-8")
    (tmp_path / "b.txt").write_text(fake, encoding="utf-8")
    results = check_paths([tmp_path / "a.txt", tmp_path / "b.txt"], [signer.verifier])
    assert all(r.ok for r in results)
    _, problems = cross_check(results)
    assert problems and "forked or rewritten" in problems[0]


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "bad-utf8").write_bytes(DISCLOSURE.encode() + b"\n\xff\n")
    results = check_paths(
        [tmp_path / "junk.txt", tmp_path / "binary", tmp_path / "missing", tmp_path / "bad-utf8"]
    )
    assert [r.unreadable for r in results] == [True, True, True, False]
    assert not any(r.ok for r in results)
    text = "\n".join(report_text(results, [], []))
    assert "UNREADABLE: " in text and "FAILED: " in text


def _forged_disclosure(record: dict) -> str:
    """A one-record ledger made by hand (no residentlog store), signed with a throwaway key."""
    import json as _json

    from residentlog.integrity.proof_text import Disclosure, TlogProof
    from residentlog.integrity.signing import Signer
    from residentlog.ledger.checkpoints import Checkpoint

    data = _json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    signer = Signer("residentlog/" + "ab" * 16, bytes(range(32)))
    cp = Checkpoint(signer.name, 1, merkle.leaf_hash(data))
    note = sign_note(cp.text(), [signer])
    return Disclosure(signer.verifier.vkey, (TlogProof(0, (), note, data),)).text()


GOOD_RECORD = {
    "v": 1,
    "ledger": "ab" * 16,
    "seq": 1,
    "prev": "",
    "recorded_at": "2026-11-23T18:40:00+00:00",
    "salt": "AAECAwQFBgcICQoLDA0ODw==",
    "kind": "note",
    "occurred_at": "2026-11-23T18:40:00+00:00",
    "occurred_precision": "minute",
    "occurred_text": "",
    "summary": "hello",
    "details": "",
    "location": "",
    "tags": [],
    "case": "",
    "links": [],
    "refs": [],
    "fields": {},
    "attachments": [],
    "amends": None,
    "reason": "",
}


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        ({"attachments": ["x"]}, False),
        ({"attachments": [{"sha256": 1, "size": 1, "name": "a", "media_type": "b"}]}, False),
        ({"seq": True}, False),
        ({"ledger": 7}, False),
        ({"v": 2}, False),
        ({"occurred_at": "yesterday", "amends": "x", "summary": 5}, True),  # odd, shown as it is
        ({"fields": {"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}, True),
    ],
)
def test_check_never_crashes_on_strange_records(change: dict, ok: bool) -> None:
    assert check_text(_forged_disclosure(GOOD_RECORD)).ok
    result = check_text(_forged_disclosure({**GOOD_RECORD, **change}))
    assert result.ok is ok and bool(result.problems) is not ok


def test_check_never_crashes_on_deep_json() -> None:
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    text = _forged_disclosure(GOOD_RECORD)
    record = base64_record(text)
    bad = text.replace(record, __import__("base64").b64encode(deep.encode()).decode())
    assert not check_text(bad).ok


def base64_record(text: str) -> str:
    return next(line[6:] for line in text.split("\n") if line.startswith("extra "))


def test_crlf_throughout_is_accepted_mixed_is_not(store: Store) -> None:
    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, now=NOW)
    text = make_disclosure(store, [1]).text
    assert check_text(text.replace("\n", "\r\n")).ok
    assert not check_text(text.replace("\n", "\r\n", 3)).ok


# -- the disclosure says how many records and attachments it holds (v2) -------------------------


def test_a_disclosure_cut_at_a_block_boundary_fails(store: Store, photo: Path) -> None:
    for i in range(3):
        attach = [photo] if i == 0 else []
        add_entry(store, {"kind": "note", "summary": f"x{i}"}, when_text=None, attach=attach, now=NOW)
    text = make_disclosure(store, [1, 2, 3], attachments=True).text
    lines = text.split("\n")
    assert lines[0] == "residentlog-disclosure@v2" == DISCLOSURE
    assert lines[2:5] == ["records 3", "attachments 1", ""]
    assert check_text(text).ok
    # cut after the second proof (the file still ends in a newline, every block whole)
    cut = text[: text.rindex("c2sp.org/tlog-proof@v1", 0, text.index("\nindex 2\n"))]
    assert cut.endswith("\n\n")
    result = check_text(cut[:-1])
    assert not result.ok and result.problems == [
        "the file says it holds 3 records and 1 attachment, but it holds 2 records and 0 attachments: "
        "it was cut short, or parts of it were removed"
    ]
    # the attachment cut off the end
    no_attachment = text[: text.index("\nattachment ")]
    result = check_text(no_attachment)
    assert not result.ok and "holds 3 records and 0 attachments" in result.problems[0]
    # the counts are not signed: they catch a file cut short, not a deliberate edit (docs/format.md)
    edited = cut[:-1].replace("records 3\nattachments 1\n", "records 2\nattachments 0\n", 1)
    assert check_text(edited).ok
    for bad in ("records 03", "records  3", "records -1", "record 3"):
        result = check_text(text.replace("records 3", bad, 1))
        assert not result.ok and result.problems[0].startswith("malformed: "), bad


def test_v1_disclosures_stay_readable(store: Store) -> None:
    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, now=NOW)
    text = make_disclosure(store, [1]).text
    v1 = text.replace("residentlog-disclosure@v2\n", "residentlog-disclosure@v1\n", 1).replace(
        "records 1\nattachments 0\n", "", 1
    )
    result = check_text(v1)
    assert result.ok and result.kind == "disclosure"
    assert (
        "that the file is complete: it is an older (residentlog-disclosure@v1) disclosure, which does not "
        "say how many records it holds, so records cut from its end would not be noticed"
    ) in result.not_proven
    assert parse_disclosure(v1).declared is None and parse_disclosure(text).declared == (1, 0)
    # a v1 file with the v2 count lines is malformed, and a v2 file without them
    assert not check_text(v1.replace("\n\n", "\nrecords 1\nattachments 0\n\n", 1)).ok
    assert not check_text(text.replace("records 1\nattachments 0\n", "", 1)).ok


def test_prove_refuses_a_disclosure_check_would_not_read(
    store: Store, photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import residentlog.integrity.proofs as proofs

    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, attach=[photo], now=NOW)
    size = len(make_disclosure(store, [1], attachments=True).text.encode())
    monkeypatch.setattr(proofs, "MAX_FILE", size - 1)
    with pytest.raises(InputError, match=r"over the .* that check reads"):
        make_disclosure(store, [1], attachments=True)


def test_what_check_enforces_in_a_disclosure(store: Store) -> None:
    """docs/format.md §9.3: each of these is refused, not read leniently."""
    add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, now=NOW)
    made = make_disclosure(store, [1])
    text, cp = made.text, made.checkpoint
    signer = load_signer(store.root, cp.origin)
    assert signer is not None and check_text(text).ok
    note = cp.note or ""
    sig_line = note.split("\n\n", 1)[1]
    cases = {
        "a fourth checkpoint line": text.replace(note, sign_note(cp.text() + "more\n", [signer])),
        "two signature lines by one key": text.replace(note, note + sig_line),
        "key line, two spaces": text.replace("\nkey ", "\nkey  ", 1),
        "key line, trailing space": text.replace(f"key {cp.vkey}\n", f"key {cp.vkey} \n", 1),
        "index over 2^63 - 1": text.replace("\nindex 0\n", f"\nindex {2**63}\n"),
        "checkpoint size over 2^63 - 1": text.replace(
            note, sign_note(cp.text().replace(f"\n{cp.size}\n", f"\n{2**63}\n"), [signer])
        ),
    }
    for what, bad in cases.items():
        assert bad != text, what
        result = check_text(bad)
        assert not result.ok and result.problems[0].startswith("malformed: "), (what, result.problems)
    # a byte-order mark: said plainly
    result = check_text("\ufeff" + text)
    assert not result.ok and result.kind == "disclosure" and not result.unreadable
    assert result.problems == [
        "the file starts with a byte-order mark (U+FEFF), which residentlog files never hold: it was "
        "re-saved by another program; ask for the file as it was written"
    ]
    # an origin that is not residentlog/<32 hex digits>
    other = Signer("residentlog/x", bytes(32))
    odd = sign_note(f"residentlog/x\n1\n{cp.root_b64}\n", [other])
    result = check_text(odd, pinned=[other.verifier])
    assert not result.ok and "is not a residentlog ledger" in result.problems[0]
