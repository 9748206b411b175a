"""Ed25519 signed notes (C2SP ``signed-note``) and the store's checkpoint-signing key.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more signature
lines ``— <key name> base64(4-byte key ID || signature)`` (U+2014 EM DASH). Ed25519 is type
``0x01``: ``key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]``. A verifier
key ("vkey") is written ``<name>+<8 hex key ID>+base64(0x01 || public key)``; the Go
``sumdb/note`` private-key form is ``PRIVATE+KEY+<name>+<8 hex key ID>+base64(0x01 || seed)``.
Both are split with a maximum number of splits, because base64 itself contains ``+``.

Parsing is strict, so that every byte of a note matters: valid UTF-8, no control characters
but newline, every base64 string in its canonical form (zero padding bits), at most
:data:`MAX_SIGNATURES` signature lines. Signatures by keys the verifier does not know are
ignored (C2SP: "Verifiers MUST ignore signatures from unknown keys"); a known key whose
signature does not verify rejects the whole note.

The store's key lives outside the SQLite file, in ``<store>/keys/``:

* ``ed25519.pem`` — the private key, unencrypted PKCS#8 PEM (``openssl pkey -in ed25519.pem
  -noout -text`` reads it), file mode 0600 in a 0700 folder;
* ``ed25519.vkey`` — the public key as a vkey line (the note key name is the checkpoint
  origin ``residentlog/<ledger id>``).

This module imports ``cryptography`` (only when a key is used), so nothing on the ``add`` path
imports it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from residentlog.errors import InputError, StoreError
from residentlog.ledger.layout import Layout

EM_DASH = "\u2014"
SIG_PREFIX = EM_DASH + " "
ALG_ED25519 = 0x01
MAX_SIGNATURES = 100  # C2SP: verifiers must accept at least 16; Go's note package stops at 100


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(InputError):
    """A note, signature line or key string is malformed."""


# -- small helpers -----------------------------------------------------------------------------


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 that must be in canonical form (so no two strings decode alike)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"{what} is not in canonical base64 form")
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def is_valid_name(name: str) -> bool:
    """C2SP: key names are non-empty and contain no Unicode space and no '+'."""
    return bool(name) and "+" not in name and not any(ch.isspace() or ch < " " for ch in name)


def key_id(name: str, public_key: bytes, alg: int = ALG_ED25519) -> int:
    """The 32-bit key ID: the first four bytes of SHA-256(name || 0x0A || alg || public key)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _parse_key_id(text: str, what: str) -> int:
    if len(text) != 8 or any(c not in "0123456789abcdef" for c in text):
        raise NoteError(f"{what}: the key ID must be 8 lowercase hex digits, not {text!r}")
    return int(text, 16)


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    """A public Ed25519 note key: its name, key ID and 32-byte public key."""

    name: str
    key_id: int
    public_key: bytes

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64(bytes([ALG_ED25519]) + self.public_key)}"

    @property
    def key_id_hex(self) -> str:
        return f"{self.key_id:08x}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 note key (the 32-byte RFC 8032 seed) with its name."""

    name: str
    seed: bytes

    def _key(self) -> Any:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> Verifier:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        public = self._key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_id(self.name, public), public)

    @property
    def skey(self) -> str:
        """The Go ``sumdb/note`` private key string (keep it secret)."""
        v = self.verifier
        return f"PRIVATE+KEY+{self.name}+{v.key_id:08x}+{b64(bytes([ALG_ED25519]) + self.seed)}"

    def sign(self, message: bytes) -> bytes:
        return bytes(self._key().sign(message))


def parse_vkey(text: str) -> Verifier:
    """Parse ``<name>+<hex key ID>+base64(0x01 || public key)`` exactly (no surrounding
    whitespace: callers reading a person's input strip it first) and check its key ID."""
    if text != text.strip():
        raise NoteError("not a verifier key: it has spaces or a line end around it")
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError("not a verifier key: expected <name>+<key ID>+<key>")
    name, id_hex, key_b64 = parts
    if not is_valid_name(name):
        raise NoteError(f"not a verifier key: bad key name {name!r}")
    kid = _parse_key_id(id_hex, "verifier key")
    key = b64decode_strict(key_b64, "the verifier key")
    if len(key) != 33 or key[0] != ALG_ED25519:
        raise NoteError("not an Ed25519 verifier key (want base64 of 0x01 and 32 bytes)")
    if key_id(name, key[1:]) != kid:
        raise NoteError("verifier key ID does not match its name and key")
    return Verifier(name, kid, key[1:])


def parse_skey(text: str) -> Signer:
    """Parse ``PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed)`` and check its key ID."""
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("not a signer key: expected PRIVATE+KEY+<name>+<key ID>+<key>")
    _, _, name, id_hex, key_b64 = parts
    if not is_valid_name(name):
        raise NoteError(f"not a signer key: bad key name {name!r}")
    kid = _parse_key_id(id_hex, "signer key")
    key = b64decode_strict(key_b64, "the signer key")
    if len(key) != 33 or key[0] != ALG_ED25519:
        raise NoteError("not an Ed25519 signer key (want base64 of 0x01 and a 32-byte seed)")
    signer = Signer(name, key[1:])
    if signer.verifier.key_id != kid:
        raise NoteError("signer key ID does not match its name and key")
    return signer


def generate(name: str) -> Signer:
    if not is_valid_name(name):
        raise NoteError(f"bad key name {name!r}")
    return Signer(name, os.urandom(32))


# -- notes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID, the raw signature bytes and the line's base64."""

    name: str
    key_id: int
    signature: bytes
    b64: str

    @property
    def line(self) -> str:
        return f"{SIG_PREFIX}{self.name} {self.b64}\n"


@dataclass(frozen=True)
class Note:
    """A parsed signed note: the signed text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def serialize(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def verified_by(self, verifiers: Iterable[Verifier]) -> list[Verifier]:
        """The known keys whose signatures verify. A known key's bad signature raises NoteError.

        A signature is by a known key only when both its name and its key ID match (C2SP).
        """
        known = {(v.name, v.key_id): v for v in verifiers}
        message = self.text.encode("utf-8")
        good: list[Verifier] = []
        for sig in self.signatures:
            v = known.get((sig.name, sig.key_id))
            if v is None or v in good:
                continue
            if not v.verify(message, sig.signature):
                raise NoteError(f"the signature by {v.name}+{v.key_id_hex} does not verify")
            good.append(v)
        return good


def check_text(text: str) -> None:
    """Note text: non-empty, ends in a newline, valid UTF-8, no control characters but newline."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _CONTROL.search(text):
        raise NoteError("note text holds a control character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError("note text is not valid UTF-8") from None


def parse_note(message: str) -> Note:
    """Split a signed note into text and signatures (no verification; see Note.verified_by)."""
    check_text(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("not a signed note: no blank line before the signatures")
    text, sigs = message[: split + 1], message[split + 2 :]
    if not sigs:
        raise NoteError("not a signed note: no signature lines")
    lines = sigs[:-1].split("\n")  # sigs ends with "\n" (checked above)
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"too many signatures (more than {MAX_SIGNATURES})")
    signatures = [parse_signature_line(line) for line in lines]
    seen: set[tuple[str, int]] = set()
    for sig in signatures:
        if (sig.name, sig.key_id) in seen:
            raise NoteError(f"two signature lines by one key ({sig.name}+{sig.key_id:08x})")
        seen.add((sig.name, sig.key_id))
    return Note(text, tuple(signatures))


def parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIG_PREFIX):
        raise NoteError("malformed signature line (want '— <name> <signature>')")
    name, sep, sig_b64 = line[len(SIG_PREFIX) :].partition(" ")
    if not sep or not is_valid_name(name) or not sig_b64:
        raise NoteError("malformed signature line (want '— <name> <signature>')")
    raw = b64decode_strict(sig_b64, f"the signature by {name}")
    if len(raw) < 5:
        raise NoteError(f"the signature by {name} is too short")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:], sig_b64)


def signature_for(signer: Signer, text: str) -> NoteSignature:
    v = signer.verifier
    sig = signer.sign(text.encode("utf-8"))
    return NoteSignature(signer.name, v.key_id, sig, b64(v.key_id.to_bytes(4, "big") + sig))


def sign_note(text: str, signers: Sequence[Signer], keep: Sequence[NoteSignature] = ()) -> str:
    """The signed note: ``text``, a blank line, the ``keep`` lines, then one line per signer.

    A signer whose (name, key ID) already has a line in ``keep`` is not added again.
    """
    check_text(text)
    have = {(s.name, s.key_id) for s in keep}
    lines = list(keep)
    for signer in signers:
        if not is_valid_name(signer.name):
            raise NoteError(f"bad key name {signer.name!r}")
        sig = signature_for(signer, text)
        if (sig.name, sig.key_id) not in have:
            lines.append(sig)
            have.add((sig.name, sig.key_id))
    if not lines:
        raise NoteError("a signed note needs at least one signature")
    return Note(text, tuple(lines)).serialize()


def open_note(message: str, verifiers: Iterable[Verifier]) -> tuple[Note, list[Verifier]]:
    """Parse and verify: at least one known key must have signed it, and every known key's
    signature must verify; otherwise NoteError."""
    note = parse_note(message)
    good = note.verified_by(verifiers)
    if not good:
        raise NoteError("the note is not signed by any known key")
    return note, good


# -- the store's key ---------------------------------------------------------------------------


def public_key(store_root: Path) -> Verifier | None:
    """The store's public note key, from ``keys/ed25519.vkey``; None if there is none."""
    path = Layout(store_root).public_key_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from None
    try:
        return parse_vkey(text.strip())
    except NoteError as exc:
        raise StoreError(f"{path} is damaged ({exc})") from None


def load_signer(store_root: Path, name: str) -> Signer | None:
    """The store's signing key, or None if ``keys/`` holds none at all.

    A folder holding the public key but not the private one is an error: the key was lost,
    and silently making a new one would change the key everyone has been given.
    """
    layout = Layout(store_root)
    private, public = layout.private_key_path, layout.public_key_path
    if not private.exists():
        if public.exists():
            raise StoreError(
                f"the signing key {private} is missing (its public half {public.name} is there); "
                f"restore the keys folder from a backup, or, if the key is lost for good, delete "
                f"{public} to make a new key (checkpoints will then carry a new key ID)"
            )
        return None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        load_pem_private_key,
    )

    try:
        key = load_pem_private_key(private.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise StoreError(f"cannot read the signing key {private}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise StoreError(f"{private} is not an Ed25519 private key")
    signer = Signer(name, key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    stored = public_key(store_root)
    if stored is not None and stored != signer.verifier:
        raise StoreError(f"{public} does not match the private key {private} (or this store's name)")
    return signer


def load_or_create_signer(store_root: Path, name: str) -> tuple[Signer, bool]:
    """The store's signing key, made (and written to ``keys/``) if it has none yet.

    Returns (signer, created). Safe against two processes creating it at once: the private
    key file is published with a hard link, which fails if it already exists.
    """
    signer = load_signer(store_root, name)
    if signer is not None:
        if public_key(store_root) is None:
            _write_public(store_root, signer)
        return signer, False
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from residentlog.fsutil import fsync_dir

    layout = Layout(store_root)
    folder, private = layout.keys_dir, layout.private_key_path
    new = generate(name)
    pem = Ed25519PrivateKey.from_private_bytes(new.seed).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    tmp = folder / f".{private.name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, private)
        except FileExistsError:  # another process made one first: use that
            return load_or_create_signer(store_root, name)[0], False
        finally:
            tmp.unlink(missing_ok=True)
        _write_public(store_root, new)
        fsync_dir(folder)
    except OSError as exc:
        raise StoreError(f"cannot write the signing key to {folder}: {exc.strerror or exc}") from None
    return new, True


def _write_public(store_root: Path, signer: Signer) -> None:
    from residentlog.fsutil import write_atomically

    path = Layout(store_root).public_key_path
    try:
        write_atomically(path, (signer.verifier.vkey + "\n").encode("utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
