"""Work done in a second process while this one goes on: a letter verifies the ledger (a second
read of every record) while it works out the case (the first), on the machine's other core.

:class:`Background` runs ``fn(*args)`` in a child made by ``fork`` and hands back what it
returned, pickled through a pipe. It never changes *what* a caller gets: where ``fork`` is not
there or not safe (anywhere but Linux), or threads are running (a child of a threaded process
may deadlock), or the child fails in any way (an error, a crash, a result that cannot be
pickled), ``result()`` runs ``fn(*args)`` here instead, so errors are raised as they always
were. The child shares nothing with this process that it could spoil: ``fn`` must open its own
files (a store is opened again: an SQLite connection must not cross a fork); it ends with
``os._exit``, so it flushes no output this process buffered, runs no ``atexit`` function and
closes nothing of this process's.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: The child's way of saying "work it out yourself" (it failed, or its result would not pickle).
_FAILED = b""
#: Linux only: macOS has fork, but a forked child may crash in system libraries the parent
#: loaded (Python's own multiprocessing spawns there); a crash would only cost the time lost.
_CAN_FORK = sys.platform == "linux" and hasattr(os, "fork")


class Background(Generic[T]):
    """``fn(*args)``, started now in a forked child where that is safe; :meth:`result` gives
    its value (waiting for it). Use it as a context manager: leaving the block before asking
    (an error meanwhile) stops the child."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        self._fn = fn
        self._args = args
        self._pid = 0
        self._read = -1
        if not _CAN_FORK or threading.active_count() > 1:
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _child(write, fn, args)
        os.close(write)
        self._pid, self._read = pid, read

    @property
    def forked(self) -> bool:
        """Whether a child is (or was) working it out."""
        return self._pid != 0

    def result(self) -> T:
        """What ``fn(*args)`` returned: from the child, or worked out here if it could not say."""
        if self._pid:
            data = _read_all(self._read)
            os.close(self._read)
            _, status = os.waitpid(self._pid, 0)
            self._pid, self._read = 0, -1
            if os.waitstatus_to_exitcode(status) == 0 and data != _FAILED:
                value: T = pickle.loads(data)
                return value
        return self._fn(*self._args)

    def cancel(self) -> None:
        """Stop the child, if it is still working."""
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self._read)
            os.waitpid(self._pid, 0)
            self._pid, self._read = 0, -1

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def _child(write: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    code = 1
    try:
        try:
            data = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # the parent works it out itself, and raises what it raises
            data = _FAILED
        view = memoryview(data)
        while view:
            view = view[os.write(write, view) :]
        code = 0
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)
