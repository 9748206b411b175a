"""The typed reader of whole ledgers (``ledger.typed_record``) never reads a record differently
from ``record.decode``: what it accepts, decode reads to the same values, keys and types; what
it leaves (``None``), decode reads or refuses itself."""

from __future__ import annotations

import json
import types
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residentlog.errors import VerificationFailed
from residentlog.ledger.record import RECORD_KEYS, decode, is_canonical
from residentlog.ledger.typed_record import FieldValue, Record, as_dict, canonical_check, reader
from residentlog.ledger.vocabulary import KINDS

RECORD_1 = (
    b'{"amends":null,"attachments":[{"media_type":"image/jpeg","name":"lift photo \xc3\xa9.jpg",'
    b'"sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6}],'
    b'"case":"lift-2","details":"Neighbour and two children trapped.\\nFire brigade called.",'
    b'"fields":{"event":"observed","out_of_service":true,"trapped":3,"trapped_minutes":110},'
    b'"kind":"lift","ledger":"00112233445566778899aabbccddeeff","links":[],"location":"Lift 2",'
    b'"occurred_at":"2020-03-03T14:00:00+00:00","occurred_precision":"minute",'
    b'"occurred_text":"3 March 2020 14:00","prev":"","reason":"",'
    b'"recorded_at":"2026-11-23T18:40:05+00:00","refs":[{"by":"landlord","ref":"REP-1"}],'
    b'"salt":"AAECAwQFBgcICQoLDA0ODw==","seq":1,"summary":"Lift 2 stuck between floors",'
    b'"tags":["entrapment"],"v":1}'
)  # docs/format.md's first vector (tests/ledger/test_record.py pins it)


def _exact(value: object) -> object:
    """``value`` with every dict's key order and every value's exact type made comparable."""
    if isinstance(value, dict):
        return [(k, _exact(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return (type(value).__name__, value)


def _agrees(data: bytes) -> Record | None:
    """Read ``data`` with the typed reader and check decode reads it to exactly the same."""
    rec = reader()(data)
    if rec is not None:
        assert _exact(as_dict(rec)) == _exact(dict(sorted(decode(data).items())))
    return rec


def test_the_record_is_the_format() -> None:
    assert list(Record.__struct_fields__) == sorted(RECORD_KEYS)  # every key, in canonical order
    rec = _agrees(RECORD_1)
    assert rec is not None
    assert list(as_dict(rec)) == list(decode(RECORD_1))  # the order decode reads canonical bytes in
    assert (rec.seq, rec.kind, rec.case, rec.fields["trapped"], rec.refs) == (
        1,
        "lift",
        "lift-2",
        3,
        [{"by": "landlord", "ref": "REP-1"}],
    )
    assert canonical_check()(RECORD_1, rec)


def _types_of(annotation: object) -> set[object]:
    """The JSON value types an annotation of the vocabulary's models allows."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _types_of(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return {type(v) for v in typing.get_args(annotation)}
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_types_of(a) for a in typing.get_args(annotation)))
    if origin is list:
        return {annotation}
    return {annotation}


def test_every_field_the_vocabulary_allows_is_read_typed() -> None:
    """A field of a type Record does not take would send every entry with it the slow way: if
    this fails, a kind gained a field of a new type: add it to typed_record.FieldValue."""
    allowed = set(typing.get_args(FieldValue)) | {type(None)}
    for kind in KINDS.values():
        for name, info in kind.fields.model_fields.items():
            assert _types_of(info.annotation) <= allowed, (kind.name, name, info.annotation)


_text = st.text(st.characters(blacklist_categories=()), max_size=6)  # lone surrogates too
_scalar = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | _text
_odd = (
    st.floats(allow_nan=False) | st.dictionaries(_text, _scalar, max_size=2) | st.lists(_scalar, max_size=2)
)
_GOOD: dict[str, st.SearchStrategy[Any]] = {
    "amends": st.none() | st.integers(1, 10),
    "attachments": st.lists(st.fixed_dictionaries({"name": _text, "size": st.integers(0, 99)}), max_size=2),
    "case": _text | st.none(),
    "fields": st.dictionaries(_text, _scalar | st.lists(_text, max_size=2), max_size=3),
    "links": st.lists(st.integers(1, 10), max_size=2),
    "refs": st.lists(st.fixed_dictionaries({"by": _text, "ref": _text}), max_size=2),
    "reason": _text | st.none(),
    "seq": st.integers(1, 2**64),
    "tags": st.lists(_text, max_size=2),
    "v": st.integers(0, 2),
}


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    """A record of the format, or one a little off it: a value of another type (a float among
    them), a key missing, a key too many."""
    record = {key: draw(_GOOD.get(key, _text)) for key in sorted(RECORD_KEYS)}
    for key in draw(st.lists(st.sampled_from(sorted(RECORD_KEYS)), max_size=2)):
        record[key] = draw(_odd | _scalar)
    if draw(st.booleans()):
        record.pop(draw(st.sampled_from(sorted(record))))
    if draw(st.booleans()):
        record[draw(_text)] = draw(_scalar)
    return record


@given(record=_records(), sort=st.booleans(), compact=st.booleans(), ascii_only=st.booleans())
def test_typed_reading_agrees_with_decode(
    record: dict[str, Any], sort: bool, compact: bool, ascii_only: bool
) -> None:
    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(record, sort_keys=sort, separators=separators, ensure_ascii=ascii_only)
    data = text.encode("utf-8", "surrogatepass")
    rec = _agrees(data)
    if rec is not None:
        assert canonical_check()(data, rec) == is_canonical(data, decode(data))


@pytest.mark.parametrize(
    "data",
    [
        RECORD_1.replace(b'"seq":1', b'"seq":1.5'),  # a float: decode refuses it
        RECORD_1.replace(b'"trapped":3', b'"trapped":3e0'),  # ... anywhere in the record
        RECORD_1.replace(b'"seq":1', b'"seq":18446744073709551616'),  # beyond 64 bits: read exactly
        RECORD_1.replace(b'"seq":1', b'"seq":NaN'),
        RECORD_1.replace(b'"lift-2"', b'"\\ud800"'),  # a lone surrogate: decode reads it
        RECORD_1.replace(b'"lift-2"', b'"raw\ttab"'),  # a raw tab: decode refuses control characters
        RECORD_1.replace(b'"kind":"lift"', b'"kind":"lift","kind":"door"'),  # a repeated key
        RECORD_1.replace(b'"kind":"lift"', b'"kind":7'),  # a value of another type
        RECORD_1.replace(b'"v":1}', b'"v":1,"extra":0}'),  # a key too many
        RECORD_1.replace(b'"reason":"",', b""),  # a key missing
        b"\xef\xbb\xbf" + RECORD_1,  # a byte-order mark
        RECORD_1 + b" x",
        b" " + RECORD_1 + b" ",
        b"[1,2]",
        b"",
        b"\xff\xfe",
    ],
)
def test_typed_reading_agrees_with_decode_on_awkward_input(data: bytes) -> None:
    try:
        decode(data)
    except VerificationFailed:
        assert reader()(data) is None  # left to decode, which says what is wrong
    else:
        _agrees(data)


@given(st.binary(max_size=40))
def test_typed_reading_of_any_bytes(data: bytes) -> None:
    assert reader()(data) is None  # no 40 bytes hold a whole record


def test_a_duplicated_key_is_read_as_decode_reads_it() -> None:
    data = RECORD_1.replace(b'"kind":"lift"', b'"kind":"lift","kind":"door"')
    rec = _agrees(data)
    assert rec is not None and rec.kind == decode(data)["kind"] == "door"
    assert not canonical_check()(data, rec)  # and it is not canonical: verify says so
