"""Attachments, stored git-style: ``objects/ab/cdef…`` named by the SHA-256 of their bytes.

An object is written to a temporary file, fsynced, then renamed into place, and its directory
fsynced, all before the record that cites it is appended; a crash at any point leaves either
no object or a complete one. Identical files are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from residentlog.errors import InputError, StoreError
from residentlog.fsutil import fsync_dir, hold_lock, remove_orphans

CHUNK = 1 << 20


def object_path(objects_dir: Path, digest: str) -> Path:
    return objects_dir / digest[:2] / digest[2:]


def check_readable(path: Path) -> None:
    """Fail early, before anything is written, if an attachment cannot be read."""
    if not path.exists():
        raise InputError(f"attachment {str(path)!r} does not exist")
    if path.is_dir():
        raise InputError(f"attachment {str(path)!r} is a directory, not a file")
    if not path.is_file():
        raise InputError(f"attachment {str(path)!r} is not a regular file")
    if not os.access(path, os.R_OK):
        raise InputError(f"attachment {str(path)!r} cannot be read (permission denied)")


def attachment_name(path: Path) -> str:
    """The name a record keeps for an attachment: NFC, valid UTF-8, no control or bidi character."""
    from residentlog.ledger.vocabulary import check_attachment_name

    return check_attachment_name(path.name)


def store_object(objects_dir: Path, source: Path) -> dict[str, Any]:
    """Copy ``source`` into the object store; returns what a record commits to about it."""
    from residentlog.ledger.layout import OBJECTS_TMP_DIR  # loaded already: add opened the store

    check_readable(source)
    name = attachment_name(source)
    tmp_dir = objects_dir / OBJECTS_TMP_DIR
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        remove_orphans(list(tmp_dir.glob("incoming-*")))  # copies cut short by a killed add
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="incoming-")
        try:
            hold_lock(fd)
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            hexdigest = digest.hexdigest()
            final = object_path(objects_dir, hexdigest)
            if final.is_file() and final.stat().st_size == size:
                os.unlink(tmp_name)  # already stored: identical content, stored once
            else:
                final.parent.mkdir(exist_ok=True)
                os.chmod(tmp_name, 0o400)  # read-only, and private like the rest of the store
                os.replace(tmp_name, final)
                fsync_dir(final.parent)
                fsync_dir(objects_dir)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
    except PermissionError as exc:
        if exc.filename and Path(exc.filename) == source:
            raise InputError(f"attachment {str(source)!r} cannot be read (permission denied)") from None
        raise StoreError(f"cannot write to {objects_dir}: permission denied") from None
    except OSError as exc:
        raise StoreError(f"cannot store attachment {str(source)!r}: {exc.strerror or exc}") from None
    import mimetypes  # reads the system's MIME tables: only when there is a file to describe

    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return {"sha256": hexdigest, "size": size, "name": name, "media_type": media_type}


def hash_object(objects_dir: Path, digest: str) -> tuple[str, int] | None:
    """(sha256 hex, size) of a stored object's bytes as they are now, or None if it is missing."""
    path = object_path(objects_dir, digest)
    try:
        h = hashlib.sha256()
        size = 0
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return h.hexdigest(), size


def stored_digests(objects_dir: Path) -> list[str]:
    """The digest of every object in the store, by file name (``ab/cdef…``), sorted."""
    found = []
    hexdigits = set("0123456789abcdef")
    try:
        with os.scandir(objects_dir) as top:
            for sub in top:
                if len(sub.name) != 2 or not sub.is_dir(follow_symlinks=False):
                    continue
                with os.scandir(sub.path) as inner:
                    found += [
                        sub.name + item.name
                        for item in inner
                        if len(item.name) == 62 and set(sub.name + item.name) <= hexdigits
                    ]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"cannot read {objects_dir}: {exc.strerror or exc}") from None
    return sorted(found)
