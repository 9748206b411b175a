"""Small durable-file helpers: fsync a file or directory, write a JSON file atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import InputError


def fsync_path(path: Path) -> None:
    """Flush a file's (or directory's) data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry after a rename; a no-op where the platform cannot do it."""
    try:
        fsync_path(path)
    except OSError:
        pass


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file, fsync it, and rename it over ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_output(path: Path, data: bytes | str) -> None:
    """Write a file the user asked for (``-o FILE``): whole or not at all.

    The bytes go to a temporary file beside it, fsynced, then renamed over it; on failure the
    temporary file is removed and an InputError names the file.
    """
    if path.is_dir():
        raise InputError(f"-o {path}: is a directory; give a file name")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
