"""Writing an export: the whole store as a portable zip file or folder (``docs/export.md``).

The format and its member names are in :mod:`residentlog.transfer.format`, the import side in
:mod:`residentlog.transfer.importer`. An export is written only for a ledger that verifies, to
a temporary name beside the destination, and renamed into place when complete; zip members carry
a fixed date, so the same ledger gives the same zip.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from residentlog.errors import InputError, StoreError, VerificationFailed
from residentlog.fsutil import fsync_dir, fsync_path
from residentlog.ledger import merkle
from residentlog.transfer.format import (
    _KEY,
    _POLICY,
    CHUNK,
    FORMAT_NAME,
    FORMAT_VERSION,
    KEYS_DIR,
    MANIFEST,
    POLICIES_DIR,
    PROFILE,
    RECORDS,
    ExportResult,
    KiB,
)

if TYPE_CHECKING:
    from residentlog.ledger.store import Store

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member dates: the same ledger gives the same zip


def export_store(store: Store, dest: Path, *, now: datetime | None = None) -> ExportResult:
    """Write the whole store to ``dest``: a zip file if its name ends in ``.zip``, else a folder.

    The ledger is verified first (a damaged ledger is not exported: ``verify`` says what is
    wrong). ``dest`` must not exist (a folder may exist if it is empty). The export is written
    to a temporary name next to ``dest`` and renamed into place when complete.
    """
    from residentlog.integrity.verify import verify_store
    from residentlog.ledger.checkpoints import origin_for
    from residentlog.ledger.when import to_rfc3339

    as_zip = dest.name.lower().endswith(".zip")
    _check_export_dest(store, dest, as_zip)
    report = verify_store(store)
    report.raise_if_failed(
        "not exporting: the ledger does not verify", "; run `residentlog verify` for details"
    )
    if now is None:
        from residentlog.ledger.when import utc_now

        now = utc_now()
    parent = dest.parent
    writer: _Writer
    try:
        if as_zip:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=parent)
            os.close(fd)
            writer = _ZipWriter(Path(tmp_name))
        else:
            writer = _DirWriter(
                Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=parent))
            )
    except OSError as exc:
        raise InputError(f"cannot write to {parent}: {exc.strerror or exc}") from None
    try:
        with store.snapshot():  # one read snapshot: a concurrent `add` cannot tear the export
            manifest = _write_export(store, writer, report.size, report.root)
        manifest_head = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "created_at": to_rfc3339(now),
            "created_by": _created_by(),
            "ledger_id": store.ledger_id,
            "origin": origin_for(store.ledger_id),
            "size": report.size,
            "root": base64.b64encode(report.root).decode("ascii"),
        }
        data = json.dumps({**manifest_head, **manifest}, ensure_ascii=False, indent=2, sort_keys=True)
        writer.add_bytes(MANIFEST, (data + "\n").encode("utf-8"))
        writer.close()
        writer.commit(dest)
    except OSError as exc:
        writer.abort()
        raise InputError(
            f"cannot write the export to {dest}: {exc.strerror or exc} (nothing was written)"
        ) from None
    except BaseException:
        writer.abort()
        raise
    return ExportResult(
        path=dest,
        ledger_id=store.ledger_id,
        size=report.size,
        root=report.root,
        objects=len([f for f in manifest["files"] if f["path"].startswith("objects/")]),
        checkpoints=len(manifest["checkpoints"]),
        timestamps=len(manifest["timestamps"]),
        files=len(manifest["files"]) + 1,
        total_bytes=sum(f["size"] for f in manifest["files"]),
    )


def _created_by() -> str:
    from residentlog import __version__

    return f"residentlog {__version__}"


def _check_export_dest(store: Store, dest: Path, as_zip: bool) -> None:
    parent = dest.parent
    if not parent.is_dir():
        raise InputError(f"the folder {parent} does not exist; create it first")
    if dest.is_symlink():
        raise InputError(f"{dest} is a symbolic link; choose a new name")
    if as_zip:
        if dest.exists():
            raise InputError(f"{dest} already exists; choose a new file name (nothing was written)")
    elif dest.exists():
        if not dest.is_dir():
            raise InputError(f"{dest} exists and is not a folder; choose a new name")
        if any(dest.iterdir()):
            raise InputError(f"the folder {dest} is not empty; export into a new or empty folder")
    try:
        dest.resolve().relative_to(store.root.resolve())
    except ValueError:
        return
    raise InputError(f"{dest} is inside the store; export to a place outside it")


def _write_export(store: Store, writer: _Writer, size: int, root: bytes) -> dict[str, Any]:
    """Write every member but the manifest; return the rest of the manifest."""
    from residentlog.ledger.checkpoints import all_issued
    from residentlog.ledger.objects import object_path
    from residentlog.ledger.record import decode

    if store.size() != size:
        raise StoreError("the ledger changed while it was being exported; run export again")
    files: list[dict[str, Any]] = []

    # Records: each record's exact canonical bytes, one per line.
    cited: dict[str, int] = {}
    leaves: list[bytes] = []
    count, length = store.records_length(size)
    with writer.stream(RECORDS, length + count) as out:  # each record and its newline
        for seq, data, _leaf in store.iter_ledger():
            data = bytes(data)
            if seq > size:
                break
            if b"\n" in data:  # canonical JSON never holds a raw newline; verify would have said so
                raise VerificationFailed(f"entry {seq} is not in canonical form; run `residentlog verify`")
            out.write(data + b"\n")
            leaves.append(merkle.leaf_hash(data))
            for att in decode(data)["attachments"]:
                cited[att["sha256"]] = att["size"]
    files.append(out.entry)
    if len(leaves) != size or merkle.root(leaves) != root:
        raise StoreError("the ledger changed while it was being exported; run export again")

    # Objects: the attachments the records cite, once each.
    for digest in sorted(cited):
        name = f"objects/{digest[:2]}/{digest[2:]}"
        entry = writer.add_file(name, object_path(store.objects_dir, digest))
        if entry["sha256"] != digest or entry["size"] != cited[digest]:
            raise VerificationFailed(f"attachment {digest} changed while it was being exported")
        files.append(entry)

    # Checkpoints: every one issued, as handed out (the signed note), when and to whom.
    checkpoints: list[dict[str, Any]] = []
    handed_out: dict[str, int] = {}  # SHA-256 of the text as handed out -> its number here
    for i, cp in enumerate(all_issued(store), start=1):
        name = f"checkpoints/{i:06d}.txt"
        text = cp.handed_out.encode("utf-8")
        files.append(writer.add_bytes(name, text))
        handed_out.setdefault(hashlib.sha256(text).hexdigest(), i)
        checkpoints.append(
            {
                "file": name,
                "size": cp.size,
                "root": base64.b64encode(cp.root).decode("ascii"),
                "issued_at": cp.issued_at,
                "recipient": cp.recipient,
            }
        )

    # Trusted timestamps over those checkpoints, with the TSA chains they were checked against.
    stamps: list[dict[str, Any]] = []
    chains: dict[str, str] = {}
    for n, row in enumerate(store.timestamps(), start=1):
        index = handed_out.get(row.checkpoint_sha256)
        if index is None:
            raise VerificationFailed(
                "a stored timestamp names a checkpoint this store never issued; "
                "run `residentlog timestamp --check`"
            )
        chain_name = chains.get(row.tsa_chain)
        if chain_name is None:
            chain_name = f"timestamps/chain-{len(chains) + 1:06d}.pem"
            chains[row.tsa_chain] = chain_name
            files.append(writer.add_bytes(chain_name, row.tsa_chain.encode("ascii")))
        token_name = f"timestamps/token-{n:06d}.tsr"
        files.append(writer.add_bytes(token_name, row.token))
        stamps.append(
            {
                "file": token_name,
                "chain": chain_name,
                "checkpoint": index,
                "tsa_url": row.tsa_url,
                "hash_algorithm": row.hash_algorithm,
                "requested_at": row.requested_at,
                "gen_time": row.gen_time,
                "nonce": row.nonce,
                "trust": row.trust,
            }
        )

    # Public keys (never a private key), the profile and the adopted policy packs.
    public_keys = []
    for path in _public_key_files(store.keys_dir):
        name = f"{KEYS_DIR}/{path.name}"
        files.append(writer.add_file(name, path))
        public_keys.append(name)
    profile = None
    if store.profile_path.is_file() and not store.profile_path.is_symlink():
        files.append(writer.add_file(PROFILE, store.profile_path))
        profile = PROFILE
    policies = []
    folder = store.policies_dir
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if _POLICY.fullmatch(f"{POLICIES_DIR}/{path.name}") and path.is_file() and not path.is_symlink():
                name = f"{POLICIES_DIR}/{path.name}"
                files.append(writer.add_file(name, path))
                policies.append(name)

    return {
        "records": RECORDS,
        "checkpoints": checkpoints,
        "timestamps": stamps,
        "public_keys": public_keys,
        "profile": profile,
        "policies": policies,
        "files": files,
    }


_PRIVATE_HINTS = ("private", "secret", "seed", "skey", ".key", ".pem")


def _public_key_files(folder: Path) -> list[Path]:
    """Files in the store's ``keys/`` that hold a PUBLIC key, never the private key.

    Allow-list, not deny-list: a file is exported only if its name says it is public
    (``*.pub``, ``*.vkey``, or ``public`` in the name), its name says nothing private, and its
    content holds no ``PRIVATE`` marker. Anything else in ``keys/`` stays behind.
    """
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        name = path.name
        lower = name.lower()
        if not _KEY.fullmatch(f"{KEYS_DIR}/{name}") or path.is_symlink() or not path.is_file():
            continue
        if not (lower.endswith((".pub", ".vkey")) or "public" in lower):
            continue
        if any(hint in lower for hint in _PRIVATE_HINTS):
            continue
        data = path.read_bytes()
        if len(data) > 64 * KiB or b"PRIVATE" in data.upper():
            continue
        found.append(path)
    return found


# -- writers -----------------------------------------------------------------------------------


class _HashingStream:
    """A writable wrapper that counts and hashes what passes through it."""

    def __init__(self, name: str, raw: IO[bytes]) -> None:
        self.name = name
        self.raw = raw
        self.size = 0
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.raw.write(data)
        self.hash.update(data)
        self.size += len(data)

    @property
    def entry(self) -> dict[str, Any]:
        return {"path": self.name, "size": self.size, "sha256": self.hash.hexdigest()}


class _Writer:
    def stream(self, name: str, size: int) -> AbstractContextManager[_HashingStream]:
        raise NotImplementedError

    def add_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        with self.stream(name, len(data)) as out:
            out.write(data)
        return out.entry

    def add_file(self, name: str, path: Path) -> dict[str, Any]:
        with self.stream(name, path.stat().st_size) as out, open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                out.write(chunk)
        return out.entry

    def close(self) -> None: ...

    def commit(self, dest: Path) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class _ZipWriter(_Writer):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.zf = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)

    @contextmanager
    def stream(self, name: str, size: int) -> Iterator[_HashingStream]:
        info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, so the mode below means what it says
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        # ZIP64 headers only where needed (a member near 2 GiB), for the widest compatibility.
        with self.zf.open(info, "w", force_zip64=size >= (1 << 31) - (1 << 20)) as raw:
            out = _HashingStream(name, raw)
            yield out

    def close(self) -> None:
        self.zf.close()
        fsync_path(self.path)

    def commit(self, dest: Path) -> None:
        if dest.exists():
            raise InputError(f"{dest} appeared while exporting; nothing was written there")
        os.replace(self.path, dest)
        fsync_dir(dest.parent)

    def abort(self) -> None:
        try:
            self.zf.close()
        except Exception:
            pass
        self.path.unlink(missing_ok=True)


class _DirWriter(_Writer):
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def stream(self, name: str, size: int) -> Iterator[_HashingStream]:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as raw:
            out = _HashingStream(name, raw)
            yield out
            raw.flush()
            os.fsync(raw.fileno())

    def close(self) -> None:
        for folder, _dirs, _files in os.walk(self.path):
            fsync_dir(Path(folder))

    def commit(self, dest: Path) -> None:
        if dest.exists():
            dest.rmdir()  # checked empty before; rmdir fails (and we stop) if it no longer is
        os.rename(self.path, dest)
        fsync_dir(dest.parent)

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
