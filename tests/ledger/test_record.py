"""The record format is a contract: these fixed vectors pin the canonical bytes and hashes.

If a test here fails, every existing ledger would stop verifying: do not "fix" the expected
values; bump the format version instead (docs/format.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residentlog.errors import InputError, VerificationFailed
from residentlog.ledger import merkle
from residentlog.ledger.record import (
    RECORD_KEYS,
    build_record,
    canonical_bytes,
    decode,
    encode,
    is_canonical,
)
from residentlog.ledger.vocabulary import validate_content

LEDGER = "00112233445566778899aabbccddeeff"
CONTENT = {
    "kind": "lift",
    "summary": "Lift 2 stuck between floors",
    "details": "Neighbour and two children trapped.\nFire brigade called.",
    "location": "Lift 2",
    "tags": ["entrapment"],
    "case": "lift-2",
    "refs": [{"by": "landlord", "ref": "REP-1"}],
    "fields": {"out_of_service": True, "trapped": 3, "trapped_minutes": 110},
}
PHOTO = {
    "sha256": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
    "size": 6,
    "name": "lift photo e\u0301.jpg",  # NFD on input: stored NFC
    "media_type": "image/jpeg",
}
RECORD_1 = (
    '{"amends":null,"attachments":[{"media_type":"image/jpeg","name":"lift photo \u00e9.jpg",'
    '"sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6}],'
    '"case":"lift-2","details":"Neighbour and two children trapped.\\nFire brigade called.",'
    '"fields":{"event":"observed","out_of_service":true,"trapped":3,"trapped_minutes":110},'
    '"kind":"lift","ledger":"00112233445566778899aabbccddeeff","links":[],"location":"Lift 2",'
    '"occurred_at":"2020-03-03T14:00:00+00:00","occurred_precision":"minute",'
    '"occurred_text":"3 March 2020 14:00","prev":"","reason":"",'
    '"recorded_at":"2026-11-23T18:40:05+00:00","refs":[{"by":"landlord","ref":"REP-1"}],'
    '"salt":"AAECAwQFBgcICQoLDA0ODw==","seq":1,"summary":"Lift 2 stuck between floors",'
    '"tags":["entrapment"],"v":1}'
)
HASH_1 = "8cd08b62291d9bd4fcbf56bb190fdc694e8883d352067e51f9bebb66500d6218"
HASH_2 = "bf5b99c79b81b549143de366fa8604d444e9e687039e6d297f285f3b66864549"
ROOT_2 = "H9u0VMh2Dv3mC0lC3JD5GQrPElZNEuko8GtWGotE2nY="


def _content(**changes: object) -> dict:
    return validate_content({**CONTENT, **changes}).model_dump(mode="json")


def _vector_records() -> tuple[bytes, bytes]:
    att = {**PHOTO, "name": unicodedata.normalize("NFC", PHOTO["name"])}
    rec1 = build_record(
        ledger_id=LEDGER,
        seq=1,
        prev=None,
        recorded_at=datetime(2026, 11, 23, 18, 40, 5, 123, tzinfo=UTC),
        content=_content(),
        occurred_at=datetime(2020, 3, 3, 14, 0, tzinfo=UTC),
        occurred_precision="minute",
        occurred_text="3 March 2020 14:00",
        attachments=[att],
        salt="AAECAwQFBgcICQoLDA0ODw==",
    )
    data1, leaf1 = encode(rec1)
    rec2 = build_record(
        ledger_id=LEDGER,
        seq=2,
        prev=leaf1,
        recorded_at=datetime(2026, 11, 23, 18, 41, tzinfo=UTC),
        content=_content(summary="Lift 2 stuck between floors for nearly two hours"),
        occurred_at=datetime(2020, 3, 3, 14, 0, tzinfo=UTC),
        occurred_precision="minute",
        occurred_text="3 March 2020 14:00",
        attachments=[],
        amends=1,
        reason="Time trapped was longer",
        salt="EBESExQVFhcYGRobHB0eHw==",
    )
    return data1, canonical_bytes(rec2)


def test_canonical_bytes_are_pinned() -> None:
    data1, _ = _vector_records()
    assert data1.decode("utf-8") == RECORD_1


def test_leaf_hashes_and_root_are_pinned() -> None:
    data1, data2 = _vector_records()
    assert merkle.leaf_hash(data1).hex() == HASH_1
    assert merkle.leaf_hash(data2).hex() == HASH_2
    root = merkle.root([merkle.leaf_hash(data1), merkle.leaf_hash(data2)])
    assert base64.b64encode(root).decode() == ROOT_2


def test_independent_verifier_from_the_docs() -> None:
    """What docs/format.md tells a third party to do, with only json and hashlib."""
    data1, data2 = _vector_records()
    leaves = []
    prev = ""
    for seq, data in enumerate((data1, data2), 1):
        rec = json.loads(data)
        assert rec["seq"] == seq and rec["prev"] == prev and rec["ledger"] == LEDGER
        assert json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == data
        leaf = hashlib.sha256(b"\x00" + data).digest()
        leaves.append(leaf)
        prev = leaf.hex()
    root = hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
    assert base64.b64encode(root).decode() == ROOT_2


def test_record_has_every_key() -> None:
    data1, data2 = _vector_records()
    assert decode(data1).keys() == RECORD_KEYS
    assert decode(data2)["amends"] == 1


def test_salt_is_random_per_record() -> None:
    recs = [
        build_record(
            ledger_id=LEDGER,
            seq=1,
            prev=None,
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            content=_content(),
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
            occurred_precision="day",
            occurred_text="",
            attachments=[],
        )
        for _ in range(2)
    ]
    assert recs[0]["salt"] != recs[1]["salt"]
    assert len(base64.b64decode(recs[0]["salt"])) == 16


def test_decode_refuses_floats_and_garbage() -> None:
    with pytest.raises(VerificationFailed):
        decode(b'{"seq":1.5}')
    with pytest.raises(VerificationFailed):
        decode(b"\xff\xfe")
    with pytest.raises(VerificationFailed):
        decode(b"[1,2]")


def test_decode_refuses_nan_and_infinity() -> None:
    for text in (b'{"seq":NaN}', b'{"seq":Infinity}', b'{"seq":-Infinity}'):
        with pytest.raises(VerificationFailed, match="records hold no floats"):
            decode(text)


def test_is_canonical_rejects_reordered_or_spaced_json() -> None:
    data1, _ = _vector_records()
    rec = decode(data1)
    assert is_canonical(data1, rec)
    assert not is_canonical(json.dumps(rec).encode(), rec)
    assert not is_canonical(json.dumps(rec, separators=(",", ":")).encode(), rec)  # key order


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip()
)


@given(summary=texts, details=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_fast_canonical_check_agrees_with_rfc8785(summary: str, details: str) -> None:
    """json.dumps(sort_keys) and RFC 8785 coincide for this format's records (ASCII keys, no floats)."""
    try:
        content = _content(summary=summary, details=details)
    except InputError:
        return  # e.g. control characters: refused at input, never stored
    rec = build_record(
        ledger_id=LEDGER,
        seq=7,
        prev=b"\x01" * 32,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        content=content,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        occurred_precision="day",
        occurred_text=summary,
        attachments=[],
    )
    data = canonical_bytes(rec)
    fast = json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert fast == data
    assert decode(data) == rec
