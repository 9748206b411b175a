"""Small durable-file helpers: fsync a file or directory, replace a file atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from residentlog.errors import InputError


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


def write_atomically(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Put ``data`` at ``path`` whole or not at all: written to a temporary file beside it,
    fsynced, renamed over it, and the folder fsynced. With ``replace=False`` an existing file is
    never replaced, even one another process makes meanwhile: the temporary file is published
    with a hard link, which fails (FileExistsError) if ``path`` exists. Raises OSError (the
    temporary file removed); callers turn that into their own error."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            _publish_new(tmp, path)
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    fsync_dir(path.parent)


def _publish_new(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename (a narrow race)
        if path.exists() or path.is_symlink():
            raise FileExistsError(str(path)) from None
        os.replace(tmp, path)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON (sorted keys, indented, final newline) with :func:`write_atomically`."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomically(path, text.encode("utf-8"))


def write_output(path: Path, data: bytes | str, *, replace: bool = True) -> None:
    """Write a file the user asked for (an output file): whole or not at all, and with
    ``replace=False`` never over an existing file.

    See :func:`write_atomically`; a failure is an InputError naming the file.
    """
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name", field="output")
    try:
        write_atomically(path, data.encode("utf-8") if isinstance(data, str) else data, replace=replace)
    except FileExistsError:
        raise InputError(f"{path} already exists (nothing was written); give another name") from None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


#: A temporary file or folder left by a process that was killed is removed by the next run once
#: it is this old and nobody holds its lock (so a slow writer at work now is never disturbed).
ORPHAN_AGE = 60.0


def hold_lock(fd: int) -> None:
    """Mark a temporary file or folder (open as ``fd``) as in use by this process, until it closes."""
    try:
        import fcntl
    except ImportError:  # not POSIX: orphans are then left to their age alone
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def remove_orphans(paths: list[Path], now: float | None = None) -> list[Path]:
    """Remove each temporary path that no live process holds (see :func:`hold_lock`) and that is
    older than :data:`ORPHAN_AGE`; returns what was removed. Errors leave a path as it is."""
    import shutil
    import time

    removed = []
    now = time.time() if now is None else now
    for path in paths:
        try:
            if now - path.lstat().st_mtime < ORPHAN_AGE or path.is_symlink():
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                try:
                    import fcntl

                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except ImportError:
                    pass
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
            finally:
                os.close(fd)
        except OSError:
            continue  # held by a live process, or gone already
    return removed
