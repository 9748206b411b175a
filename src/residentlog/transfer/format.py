"""The portable export format: its names, limits and defensive reader.

The format is documented in ``docs/export.md``; this module (its names, limits and reader),
:mod:`residentlog.transfer.exporter` (its writer) and :mod:`residentlog.transfer.importer`
(building a new store from it) are the reference implementation. In short:
``manifest.json`` (format version, ledger id, size, root, and the SHA-256 and length of every
other file), ``records.jsonl`` (each record's exact canonical bytes, one per line), ``objects/``
(the attachments the records cite), ``checkpoints/`` (every checkpoint issued, exact text),
``timestamps/`` (RFC 3161 tokens and the TSA chains they were checked with), ``keys/`` (public
keys only: never a private key), ``policies/`` (adopted policy packs) and ``profile.json`` (the
resident's own details: it is their export).

The reader treats its input as hostile. Before anything is trusted it checks every member's
name (no ``..``, absolute paths, drive letters, backslashes), type (regular files only: no
symlinks or devices), count and size (per file, in total, and the compression ratio of each zip
member), refuses duplicates and any member the manifest does not list, and reads each member
through a cap of its declared size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from residentlog.errors import InputError, NotFound, VerificationFailed

if TYPE_CHECKING:
    pass

FORMAT_NAME = "residentlog-export"
FORMAT_VERSION = 1
#: Member names of the export format (docs/export.md). They mirror a store's folders, but are
#: the export's own: where each lands in the new store is the store layout's (``Layout``).
MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
PROFILE = "profile.json"
KEYS_DIR = "keys"
POLICIES_DIR = "policies"

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What import accepts. Everything is bounded before it is read, and read through a cap."""

    max_total: int = 4 * GiB  # all members together, uncompressed
    max_file: int = 512 * MiB  # any one member, uncompressed
    max_members: int = 200_000  # members in the archive or files in the folder
    max_ratio: int = 200  # uncompressed / compressed size of a zip member ...
    ratio_floor: int = 1 * MiB  # ... checked for members larger than this
    max_manifest: int = 64 * MiB
    max_record: int = 1 * MiB  # one line of records.jsonl
    max_small: int = 1 * MiB  # a checkpoint, key, profile, policy pack, token or chain


@dataclass(frozen=True)
class _Carried:
    """The ledger an export or import carried (at ``path``) and how much came with it."""

    path: Path
    ledger_id: str
    size: int
    root: bytes
    objects: int
    checkpoints: int
    timestamps: int

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ledger_id": self.ledger_id,
            "size": self.size,
            "root": base64.b64encode(self.root).decode("ascii"),
            "objects": self.objects,
            "checkpoints": self.checkpoints,
            "timestamps": self.timestamps,
        }


@dataclass(frozen=True)
class ExportResult(_Carried):
    files: int
    total_bytes: int

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "files": self.files, "bytes": self.total_bytes}


@dataclass(frozen=True)
class ImportResult(_Carried):
    exported_at: str
    #: the new store's own signing key (made by the import: a private key never travels)
    new_key: str = ""
    #: the key that signed the exported checkpoints, kept in ``keys/imported/`` ("" if none)
    old_key: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            **super().as_json(),
            "exported_at": self.exported_at,
            "verified": True,
            "new_key": self.new_key,
            "old_key": self.old_key or None,
        }


# ============================================================================================
# Member names: what an export may contain
# ============================================================================================

_OBJECT = re.compile(r"objects/[0-9a-f]{2}/[0-9a-f]{62}")
_CHECKPOINT = re.compile(r"checkpoints/[0-9]{6,9}\.txt")
_TOKEN = re.compile(r"timestamps/token-[0-9]{6,9}\.tsr")
_CHAIN = re.compile(r"timestamps/chain-[0-9]{6,9}\.pem")
_KEY = re.compile(r"keys/[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_POLICY = re.compile(r"policies/[a-z0-9][a-z0-9._-]{0,150}\.toml")
_FOLDERS = re.compile(r"objects|objects/[0-9a-f]{2}|checkpoints|timestamps|keys|policies")
_DRIVE = re.compile(r"[A-Za-z]:")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def check_member_name(name: str) -> None:
    """Refuse a member name that could write outside the new store (InputError says why)."""
    shown = repr(name)
    if not name:
        raise InputError("refused: the export has a member with an empty name")
    if len(name) > 300:
        raise InputError(f"refused: member name {shown[:60]}… is too long")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise InputError(f"refused: member name {shown} contains control characters")
    if "\\" in name:
        raise InputError(f"refused: member name {shown} contains a backslash (a Windows path)")
    if name.startswith("/"):
        raise InputError(f"refused: member {shown} has an absolute path")
    if _DRIVE.match(name):
        raise InputError(f"refused: member {shown} names a drive letter")
    parts = name.split("/")
    if ".." in parts:
        raise InputError(f"refused: member {shown} would be written outside the new store ('..')")
    if any(p in ("", ".") for p in parts):
        raise InputError(f"refused: member {shown} has an empty or '.' path component")


def _is_known_file(name: str) -> bool:
    return name in (MANIFEST, RECORDS, PROFILE) or any(
        p.fullmatch(name) for p in (_OBJECT, _CHECKPOINT, _TOKEN, _CHAIN, _KEY, _POLICY)
    )


# ============================================================================================
# Sources: a zip file or a folder, both read defensively
# ============================================================================================


class _Source:
    """The members of an export: name -> declared uncompressed size."""

    members: dict[str, int]

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None: ...


_S_TYPE = 0o170000


class _ZipSource(_Source):
    def __init__(self, path: Path, limits: Limits) -> None:
        try:
            self.fh = open(path, "rb")
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            _precheck_zip(self.fh, limits, path)
            try:
                self.zf = zipfile.ZipFile(self.fh)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
                raise InputError(f"{path} is not a readable zip file ({exc})") from None
            self.infos: dict[str, zipfile.ZipInfo] = {}
            self.members = {}
            self._scan(limits)
        except BaseException:
            self.fh.close()
            raise

    def _scan(self, limits: Limits) -> None:
        infos = self.zf.infolist()
        if len(infos) > limits.max_members:
            raise InputError(f"refused: the export has {len(infos)} members (at most {limits.max_members})")
        total = 0
        seen_dirs: set[str] = set()
        for info in infos:
            name = info.filename
            mode = info.external_attr >> 16
            kind = mode & _S_TYPE
            if info.is_dir():
                bare = name.rstrip("/")
                check_member_name(bare)
                if not _FOLDERS.fullmatch(bare) or info.file_size or kind not in (0, stat.S_IFDIR):
                    raise InputError(f"refused: unexpected member {name!r} in the export")
                if bare in seen_dirs:
                    raise InputError(f"refused: the export holds {name!r} twice")
                seen_dirs.add(bare)
                continue
            check_member_name(name)
            if kind == stat.S_IFLNK:
                raise InputError(f"refused: member {name!r} is a symbolic link")
            if kind not in (0, stat.S_IFREG):
                raise InputError(f"refused: member {name!r} is not a regular file")
            if name in self.infos:
                raise InputError(f"refused: the export holds {name!r} twice (duplicate member)")
            if info.flag_bits & 0x1:
                raise InputError(f"refused: member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise InputError(f"refused: member {name!r} uses an unsupported compression method")
            _check_size(name, info.file_size, limits)
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise InputError(
                    f"refused: member {name!r} expands {info.file_size // max(info.compress_size, 1)} times "
                    f"(at most {limits.max_ratio}): a zip bomb"
                )
            total += info.file_size
            if total > limits.max_total:
                raise InputError(f"refused: the export unpacks to more than {_human(limits.max_total)}")
            self.infos[name] = info
            self.members[name] = info.file_size

    def open(self, name: str) -> IO[bytes]:
        return self.zf.open(self.infos[name])

    def close(self) -> None:
        self.zf.close()
        self.fh.close()


def _precheck_zip(fh: IO[bytes], limits: Limits, path: Path) -> None:
    """Read the entry count from the end record before zipfile builds its whole directory."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    tail_len = min(end, 22 + 65535)
    fh.seek(end - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise InputError(f"{path} is not a zip file")
    entries, cd_size = struct.unpack("<HI", tail[pos + 10 : pos + 16])
    if (
        (entries == 0xFFFF or cd_size == 0xFFFFFFFF)
        and pos >= 20
        and tail[pos - 20 : pos - 16] == b"PK\x06\x07"
    ):
        (z64_offset,) = struct.unpack("<Q", tail[pos - 12 : pos - 4])
        if z64_offset < end:
            fh.seek(z64_offset)
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries, cd_size = struct.unpack("<QQ", record[32:48])
    if entries > limits.max_members or cd_size > limits.max_members * 1024:
        raise InputError(f"refused: the export has {entries} members (at most {limits.max_members})")
    fh.seek(0)


class _DirSource(_Source):
    def __init__(self, path: Path, limits: Limits) -> None:
        self.root = path
        self.members = {}
        total = 0
        stack = [("", path)]
        while stack:
            prefix, folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                raise InputError(f"cannot read {folder}: {exc.strerror or exc}") from None
            for entry in entries:
                name = prefix + entry.name
                check_member_name(name)
                if entry.is_symlink():
                    raise InputError(f"refused: {name!r} in the export is a symbolic link")
                if entry.is_dir(follow_symlinks=False):
                    if not _FOLDERS.fullmatch(name):
                        raise InputError(f"refused: unexpected folder {name!r} in the export")
                    stack.append((name + "/", Path(entry.path)))
                    continue
                st = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode):
                    raise InputError(f"refused: {name!r} in the export is not a regular file")
                _check_size(name, st.st_size, limits)
                total += st.st_size
                if total > limits.max_total:
                    raise InputError(f"refused: the export holds more than {_human(limits.max_total)}")
                self.members[name] = st.st_size
                if len(self.members) > limits.max_members:
                    raise InputError(f"refused: the export holds more than {limits.max_members} files")

    def open(self, name: str) -> IO[bytes]:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.root / name, flags)
        except OSError as exc:
            raise InputError(f"cannot read {name!r} in the export: {exc.strerror or exc}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InputError(f"refused: {name!r} in the export is not a regular file")
        return os.fdopen(fd, "rb")


def _check_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_file:
        raise InputError(
            f"refused: member {name!r} is {_human(size)} (at most {_human(limits.max_file)} per file)"
        )


def _human(n: int) -> str:
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _open_source(path: Path, limits: Limits) -> _Source:
    if path.is_dir():
        return _DirSource(path, limits)
    if path.is_file():
        return _ZipSource(path, limits)
    if path.exists():
        raise InputError(f"{path} is neither a zip file nor a folder")
    raise NotFound(f"{path} does not exist")


def _chunks(src: _Source, name: str, size: int, sha256: str) -> Iterator[bytes]:
    """Yield a member chunk by chunk through a cap of its declared size; at its end, check its
    length and SHA-256 against the manifest (VerificationFailed). A member that cannot be
    read or decompressed raises InputError."""
    h = hashlib.sha256()
    got = 0
    try:
        with src.open(name) as fh:
            while chunk := fh.read(min(CHUNK, size - got + 1)):
                got += len(chunk)
                if got > size:
                    raise VerificationFailed(f"refused: {name} is longer than the manifest says")
                h.update(chunk)
                yield chunk
    except (InputError, VerificationFailed):
        raise
    except Exception as exc:  # BadZipFile (bad CRC), zlib.error, EOFError, OSError
        raise InputError(f"refused: {name} cannot be read from the export ({exc})") from None
    if got != size:
        raise VerificationFailed(f"refused: {name} is shorter than the manifest says")
    if h.hexdigest() != sha256:
        raise VerificationFailed(f"{name} was altered: its SHA-256 does not match the manifest")


def _read_member(src: _Source, name: str, size: int, sha256: str) -> bytes:
    return b"".join(_chunks(src, name, size, sha256))


def _iter_lines(src: _Source, name: str, size: int, sha256: str, max_line: int) -> Iterator[bytes]:
    """Yield the lines of a member without their LF; every line must end with one."""
    rest = b""
    for chunk in _chunks(src, name, size, sha256):
        *lines, rest = (rest + chunk).split(b"\n")
        yield from lines
        if len(rest) > max_line:
            raise VerificationFailed(f"refused: a line of {name} is longer than {_human(max_line)}")
    if rest:
        raise VerificationFailed(f"{name} does not end with a newline: it was cut short or edited")


# ============================================================================================
# The manifest
# ============================================================================================


@dataclass
class Manifest:
    created_at: str
    created_by: str
    ledger_id: str
    size: int
    root: bytes
    files: dict[str, tuple[int, str]]
    checkpoints: list[dict[str, Any]]
    timestamps: list[dict[str, Any]]
    public_keys: list[str]
    profile: str | None
    policies: list[str]
    objects: set[str] = field(default_factory=set)


_TOP_KEYS = {
    "format",
    "version",
    "created_at",
    "created_by",
    "ledger_id",
    "origin",
    "size",
    "root",
    "records",
    "checkpoints",
    "timestamps",
    "public_keys",
    "profile",
    "policies",
    "files",
}


def _bad(why: str) -> InputError:
    return InputError(f"refused: the export's manifest is malformed ({why})")


def _obj(value: Any, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} is not an object")
    if set(value) != keys:
        missing, extra = sorted(keys - set(value)), sorted(set(value) - keys)
        raise _bad(
            f"{what}: "
            + "; ".join(
                x
                for x in (
                    missing and f"missing {', '.join(missing)}",
                    extra and f"unknown {', '.join(extra)}",
                )
                if x
            )
        )
    return value


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise _bad(f"{what} is not a whole number")
    return value


def _str(value: Any, what: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _bad(f"{what} is not a string")
    return value


def _b64_hash(value: Any, what: str) -> bytes:
    try:
        raw = base64.b64decode(_str(value, what) or "", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise _bad(f"{what} is not base64 of 32 bytes")
    return raw


def parse_manifest(data: bytes) -> Manifest:
    """Parse and strictly check ``manifest.json``; InputError says what is malformed."""
    from residentlog.ledger.checkpoints import origin_for

    try:
        doc = json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _bad("not a JSON object")
    if doc.get("format") != FORMAT_NAME:
        raise _bad(f"format is not {FORMAT_NAME!r}")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise InputError(
            f"the export was written by a newer residentlog (export format {version}; this version "
            f"reads {FORMAT_VERSION}); upgrade residentlog to import it"
        )
    if version != FORMAT_VERSION:
        raise _bad("version is not 1")
    _obj(doc, _TOP_KEYS, "the manifest")
    ledger_id = _str(doc["ledger_id"], "ledger_id") or ""
    if not _HEX32.fullmatch(ledger_id):
        raise _bad("ledger_id is not 32 lowercase hex digits")
    if doc["origin"] != origin_for(ledger_id):
        raise _bad("origin does not match ledger_id")
    if doc["records"] != RECORDS:
        raise _bad(f"records is not {RECORDS!r}")

    files: dict[str, tuple[int, str]] = {}
    if not isinstance(doc["files"], list):
        raise _bad("files is not a list")
    for i, entry in enumerate(doc["files"]):
        entry = _obj(entry, {"path", "size", "sha256"}, f"files[{i}]")
        path = _str(entry["path"], f"files[{i}].path") or ""
        check_member_name(path)
        if path == MANIFEST or not _is_known_file(path):
            raise InputError(f"refused: unexpected member {path!r} in the export's file list")
        if path in files:
            raise _bad(f"{path} is listed twice")
        sha = _str(entry["sha256"], f"files[{i}].sha256") or ""
        if not _HEX64.fullmatch(sha):
            raise _bad(f"files[{i}].sha256 is not 64 lowercase hex digits")
        files[path] = (_int(entry["size"], f"files[{i}].size"), sha)
    if RECORDS not in files:
        raise _bad(f"{RECORDS} is not in the file list")

    referenced = {RECORDS}

    def ref(value: Any, what: str, pattern: re.Pattern[str] | None = None) -> str:
        path = _str(value, what) or ""
        if pattern is not None and not pattern.fullmatch(path):
            raise _bad(f"{what} {path!r} is not a valid name")
        if path not in files:
            raise _bad(f"{what} {path!r} is not in the file list")
        if path in referenced:
            raise _bad(f"{what} {path!r} is used twice")
        referenced.add(path)
        return path

    checkpoints = []
    if not isinstance(doc["checkpoints"], list):
        raise _bad("checkpoints is not a list")
    for i, cp in enumerate(doc["checkpoints"]):
        cp = _obj(cp, {"file", "size", "root", "issued_at", "recipient"}, f"checkpoints[{i}]")
        checkpoints.append(
            {
                "file": ref(cp["file"], f"checkpoints[{i}].file", _CHECKPOINT),
                "size": _int(cp["size"], f"checkpoints[{i}].size"),
                "root": _b64_hash(cp["root"], f"checkpoints[{i}].root"),
                "issued_at": _str(cp["issued_at"], f"checkpoints[{i}].issued_at"),
                "recipient": _str(cp["recipient"], f"checkpoints[{i}].recipient", optional=True),
            }
        )

    stamps = []
    chains_used: set[str] = set()
    if not isinstance(doc["timestamps"], list):
        raise _bad("timestamps is not a list")
    stamp_keys = {
        "file",
        "chain",
        "checkpoint",
        "tsa_url",
        "hash_algorithm",
        "requested_at",
        "gen_time",
        "nonce",
        "trust",
    }
    for i, st in enumerate(doc["timestamps"]):
        st = _obj(st, stamp_keys, f"timestamps[{i}]")
        chain = _str(st["chain"], f"timestamps[{i}].chain") or ""
        if not _CHAIN.fullmatch(chain) or chain not in files:
            raise _bad(f"timestamps[{i}].chain {chain!r} is not in the file list")
        chains_used.add(chain)
        index = _int(st["checkpoint"], f"timestamps[{i}].checkpoint")
        if not 1 <= index <= len(checkpoints):
            raise _bad(f"timestamps[{i}].checkpoint names no checkpoint")
        if st["hash_algorithm"] not in ("sha256", "sha384", "sha512"):
            raise _bad(f"timestamps[{i}].hash_algorithm is not sha256, sha384 or sha512")
        nonce = _str(st["nonce"], f"timestamps[{i}].nonce", optional=True)
        if nonce is not None and not nonce.isdigit():
            raise _bad(f"timestamps[{i}].nonce is not a decimal number")
        if st["trust"] not in ("given", "first-use"):
            raise _bad(f"timestamps[{i}].trust is not 'given' or 'first-use'")
        stamps.append(
            {
                "file": ref(st["file"], f"timestamps[{i}].file", _TOKEN),
                "chain": chain,
                "checkpoint": index,
                "tsa_url": _str(st["tsa_url"], f"timestamps[{i}].tsa_url"),
                "hash_algorithm": st["hash_algorithm"],
                "requested_at": _str(st["requested_at"], f"timestamps[{i}].requested_at"),
                "gen_time": _str(st["gen_time"], f"timestamps[{i}].gen_time"),
                "nonce": nonce,
                "trust": st["trust"],
            }
        )
    referenced |= chains_used

    if not isinstance(doc["public_keys"], list):
        raise _bad("public_keys is not a list")
    keys = [ref(k, f"public_keys[{i}]", _KEY) for i, k in enumerate(doc["public_keys"])]
    for key in keys:
        if any(hint in key.lower() for hint in ("private", "secret", "seed", "skey")):
            raise InputError(f"refused: the export holds what looks like a private key ({key})")
    profile = None
    if doc["profile"] is not None:
        if doc["profile"] != PROFILE:
            raise _bad(f"profile is not {PROFILE!r}")
        profile = ref(doc["profile"], "profile")
    if not isinstance(doc["policies"], list):
        raise _bad("policies is not a list")
    policies = [ref(p, f"policies[{i}]", _POLICY) for i, p in enumerate(doc["policies"])]

    objects = set()
    for path in files:
        if path in referenced:
            continue
        if _OBJECT.fullmatch(path):
            objects.add(path)
            continue
        raise InputError(f"refused: unexpected member {path!r}: the manifest lists it but nothing uses it")

    return Manifest(
        created_at=_str(doc["created_at"], "created_at") or "",
        created_by=_str(doc["created_by"], "created_by") or "",
        ledger_id=ledger_id,
        size=_int(doc["size"], "size"),
        root=_b64_hash(doc["root"], "root"),
        files=files,
        checkpoints=checkpoints,
        timestamps=stamps,
        public_keys=keys,
        profile=profile,
        policies=policies,
        objects=objects,
    )


def _no_float(text: str) -> Any:
    raise ValueError(f"number {text} is not a whole number")


def read_manifest(src: _Source, limits: Limits) -> Manifest:
    """Read, parse and check the manifest, and that the members are exactly the files it lists."""
    if MANIFEST not in src.members:
        raise InputError("refused: this is not a residentlog export (it has no manifest.json)")
    declared = src.members[MANIFEST]
    if declared > limits.max_manifest:
        raise InputError(
            f"refused: manifest.json is {_human(declared)} (at most {_human(limits.max_manifest)})"
        )
    with src.open(MANIFEST) as fh:
        data = fh.read(limits.max_manifest + 1)
    if len(data) > limits.max_manifest:
        raise InputError("refused: manifest.json is larger than it says")
    manifest = parse_manifest(data)
    listed = set(manifest.files)
    present = set(src.members) - {MANIFEST}
    for name in sorted(present - listed):
        raise InputError(f"refused: unexpected member {name!r}: the manifest does not list it")
    for name in sorted(listed - present):
        raise VerificationFailed(f"{name} is missing from the export")
    total = 0
    for name, (size, _sha) in manifest.files.items():
        if src.members[name] != size:
            raise VerificationFailed(
                f"refused: {name} is {src.members[name]} bytes in the archive but {size} in the manifest"
            )
        _check_size(name, size, limits)
        total += size
    if total > limits.max_total:
        raise InputError(f"refused: the export unpacks to more than {_human(limits.max_total)}")
    return manifest
