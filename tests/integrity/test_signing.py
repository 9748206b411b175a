"""C2SP signed notes and Ed25519: public vectors, strict parsing, a Hypothesis round trip and fuzz."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residentlog.integrity.signing import (
    EM_DASH,
    Note,
    NoteError,
    NoteSignature,
    Signer,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)

# -- C2SP signed-note example (c2sp.org/signed-note, checked in ../shared/tamper-evidence.md §4.4) --

C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_TEXT = "This is an example message.\n"
C2SP_SIG = (
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

# -- Go golang.org/x/mod/sumdb/note package example ----------------------------------------------

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIG_B64 = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
GO_NOTE = f"{GO_TEXT}\n{EM_DASH} PeterNeumann {GO_SIG_B64}\n"

# -- RFC 8032 §7.1 TEST 1 -----------------------------------------------------------------------

RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIG = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f"
    "0595bbe24655141438e7a100b"
)


def test_c2sp_example_verifies() -> None:
    key = parse_vkey(C2SP_VKEY)
    assert key.name == "example.com/foo" and key.key_id_hex == "530d903a"
    assert key_id(key.name, key.public_key) == 0x530D903A  # recomputed from name and key
    note, good = open_note(C2SP_TEXT + "\n" + C2SP_SIG, [key])
    assert good == [key] and note.text == C2SP_TEXT
    assert note.serialize() == C2SP_TEXT + "\n" + C2SP_SIG


def test_c2sp_example_fails_on_other_text() -> None:
    key = parse_vkey(C2SP_VKEY)
    with pytest.raises(NoteError, match="does not verify"):
        open_note("This is an example message!\n\n" + C2SP_SIG, [key])


def test_go_vector_verifies_and_resigns_byte_identically() -> None:
    key = parse_vkey(GO_VKEY)
    signer = parse_skey(GO_SKEY)  # its base64 holds a '+': split with a maximum
    assert signer.verifier == key
    assert signer.skey == GO_SKEY and key.vkey == GO_VKEY
    note, good = open_note(GO_NOTE, [key])
    assert good == [key] and note.text == GO_TEXT
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE  # Ed25519 is deterministic


def test_rfc8032_test_1() -> None:
    signer = Signer("rfc8032", RFC8032_SECRET)
    assert signer.verifier.public_key == RFC8032_PUBLIC
    assert signer.sign(b"") == RFC8032_SIG
    assert signer.verifier.verify(b"", RFC8032_SIG)
    assert not signer.verifier.verify(b"x", RFC8032_SIG)
    assert not signer.verifier.verify(b"", RFC8032_SIG[:-1] + bytes([RFC8032_SIG[-1] ^ 1]))


def test_vkey_with_plus_in_base64_and_bad_vkeys() -> None:
    assert "+" in GO_SKEY.split("+", 4)[4]
    for bad in (
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not lowercase
        "PeterNeumann+c74f20a3+AhpcQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not type 0x01 / length
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in the name
        "PeterNeumann+c74f20a3",
        "",
    ):
        with pytest.raises(NoteError):
            parse_vkey(bad)
    with pytest.raises(NoteError):
        parse_skey(GO_VKEY)


def test_unknown_keys_are_ignored_known_bad_signature_rejects() -> None:
    go, c2sp = parse_vkey(GO_VKEY), parse_vkey(C2SP_VKEY)
    other = Signer("example.com/other", bytes(range(32)))
    two = sign_note(GO_TEXT, [parse_skey(GO_SKEY), other])
    note = parse_note(two)
    assert [s.name for s in note.signatures] == ["PeterNeumann", "example.com/other"]
    assert open_note(two, [go])[1] == [go]  # the other key is unknown: ignored
    assert open_note(two, [go, other.verifier])[1] == [go, other.verifier]
    with pytest.raises(NoteError, match="not signed by any known key"):
        open_note(two, [c2sp])
    # Same name, different key (so a different ID): not "known", ignored (C2SP).
    impostor = Signer("PeterNeumann", bytes(32)).verifier
    assert impostor.key_id != go.key_id
    assert open_note(two, [go, impostor])[1] == [go]
    # A known key whose signature is wrong rejects the whole note.
    sig = base64.b64decode(GO_SIG_B64)
    broken = base64.b64encode(sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]).decode()
    with pytest.raises(NoteError, match="does not verify"):
        open_note(f"{GO_TEXT}\n{EM_DASH} PeterNeumann {broken}\n", [go])


@pytest.mark.parametrize(
    "note",
    [
        GO_TEXT,  # no signatures at all
        GO_TEXT + "\n",  # blank line but no signature lines
        GO_TEXT.rstrip("\n") + "\n" + f"{EM_DASH} PeterNeumann {GO_SIG_B64}\n",  # no blank line
        f"{GO_TEXT}\n{EM_DASH} PeterNeumann {GO_SIG_B64}",  # no final newline
        f"{GO_TEXT}\n- PeterNeumann {GO_SIG_B64}\n",  # hyphen, not em dash
        f"{GO_TEXT}\n{EM_DASH}PeterNeumann {GO_SIG_B64}\n",
        f"{GO_TEXT}\n{EM_DASH} PeterNeumann  {GO_SIG_B64}\n",
        f"{GO_TEXT}\n{EM_DASH} Peter+Neumann {GO_SIG_B64}\n",
        f"{GO_TEXT}\n{EM_DASH} PeterNeumann {GO_SIG_B64[:-1]}\n",  # not base64
        f"{GO_TEXT}\n{EM_DASH} PeterNeumann {GO_SIG_B64[:-2]}N=\n",  # non-zero padding bits
        f"{GO_TEXT}\n{EM_DASH} PeterNeumann AAAA\n",  # too short
        f"tab\there\n\n{EM_DASH} PeterNeumann {GO_SIG_B64}\n",  # control character
        f"{GO_TEXT}\n" + f"{EM_DASH} PeterNeumann {GO_SIG_B64}\n" * 101,  # too many signatures
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError):
        parse_note(note)


def test_note_text_may_hold_blank_lines_the_last_one_splits() -> None:
    signer = parse_skey(GO_SKEY)
    text = "first\n\nsecond paragraph\n"
    note = parse_note(sign_note(text, [signer]))
    assert note.text == text
    assert open_note(note.serialize(), [signer.verifier])[1] == [signer.verifier]


# -- Hypothesis ---------------------------------------------------------------------------------

_text_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in range(32)])
note_texts = st.lists(st.text(_text_chars, max_size=30), min_size=1, max_size=6).map(
    lambda lines: "\n".join(lines) + "\n"
)
names = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters="+"),
    min_size=1,
    max_size=20,
).filter(lambda n: not any(ch.isspace() for ch in n))


@settings(max_examples=150, deadline=None)
@given(
    text=note_texts,
    keys=st.lists(st.tuples(names, st.binary(min_size=32, max_size=32)), min_size=1, max_size=4),
)
def test_sign_parse_round_trip(text: str, keys: list[tuple[str, bytes]]) -> None:
    signers = [Signer(name, seed) for name, seed in keys]
    message = sign_note(text, signers)
    note = parse_note(message)
    assert note.text == text
    assert note.serialize() == message
    distinct = list({(s.name, s.verifier.key_id): s.verifier for s in signers}.values())
    assert [(s.name, s.key_id) for s in note.signatures] == [(v.name, v.key_id) for v in distinct]
    assert open_note(message, [signers[0].verifier])[1] == [signers[0].verifier]
    # every signature line parses back to what was written
    for sig in note.signatures:
        assert NoteSignature(sig.name, sig.key_id, sig.signature, sig.b64).line.startswith(EM_DASH + " ")
    assert parse_vkey(signers[0].verifier.vkey) == signers[0].verifier
    assert parse_skey(signers[0].skey) == signers[0]


_tokens = [
    "\n",
    "\n\n",
    EM_DASH + " ",
    EM_DASH,
    " ",
    "+",
    "a",
    "é",
    "\t",
    "PeterNeumann",
    GO_SIG_B64,
    "=",
    "AAAA",
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(_tokens), max_size=40).map("".join)))
def test_parser_never_crashes_on_junk(junk: str) -> None:
    try:
        note = parse_note(junk)
    except NoteError:
        return
    assert isinstance(note, Note) and junk.startswith(note.text)
    assert note.serialize() == junk


@settings(max_examples=200, deadline=None)
@given(pos=st.integers(0, 10_000), flip=st.integers(1, 255))
def test_any_changed_byte_of_a_signed_note_is_caught(pos: int, flip: int) -> None:
    signer = parse_skey(GO_SKEY)
    data = bytearray(GO_NOTE.encode())
    data[pos % len(data)] ^= flip
    try:
        message = bytes(data).decode("utf-8")
        open_note(message, [signer.verifier])
    except (UnicodeDecodeError, NoteError):
        return
    pytest.fail(f"a changed byte at {pos % len(data)} was not caught")


def test_key_id_is_sha256_of_name_newline_type_key() -> None:
    key = parse_vkey(C2SP_VKEY)
    digest = hashlib.sha256(b"example.com/foo\n\x01" + key.public_key).digest()
    assert digest[:4].hex() == "530d903a"


def test_a_vkey_is_exact_no_whitespace_around_it() -> None:
    assert parse_vkey(C2SP_VKEY).vkey == C2SP_VKEY
    for loose in (C2SP_VKEY + "\n", " " + C2SP_VKEY, C2SP_VKEY + " ", C2SP_VKEY + "\r\n"):
        with pytest.raises(NoteError, match="spaces or a line end around it"):
            parse_vkey(loose)


def test_two_signature_lines_by_one_key_are_refused() -> None:
    signer = Signer("example.com/dup", bytes(range(32)))
    note = sign_note("hello\n", [signer])
    line = note.split("\n\n", 1)[1]
    assert parse_note(note).signatures
    with pytest.raises(NoteError, match=r"two signature lines by one key \(example.com/dup\+"):
        parse_note(note + line)
    # the same name with another key ID is another key: allowed (and ignored if unknown)
    other = "\u2014 example.com/dup " + base64.b64encode(bytes(4) + bytes(64)).decode() + "\n"
    assert len(parse_note(note + other).signatures) == 2
