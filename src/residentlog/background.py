"""Work done in a second process while this one goes on: a letter verifies the ledger (a second
read of every record) while it works out the case (the first), on the machine's other core.

:class:`Background` runs ``fn(*args)`` in a fresh Python process (this interpreter, with this
process's ``sys.path``, so the same code) and hands back what it returned, pickled through a
pipe. A fresh process, not a fork: a fork copies whatever the other threads hold (a terminal's
spinner runs in one while a letter is made), and macOS does not forgive it. It never changes
*what* a caller gets: where no process can be started, or the child fails in any way (an error,
a crash, a result that cannot be pickled), ``result()`` runs ``fn(*args)`` here instead, so
errors are raised as they always were. ``fn`` must be a module-level function and ``args``
picklable; the child opens its own files (a store is opened again), prints nothing (its
output is discarded) and is stopped if the caller leaves before asking.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Whether a second process may be started (tests turn it off to run ``fn`` here).
ENABLED = bool(sys.executable)

#: What the child runs: read (sys.path, module, function, args) from stdin, write the pickled
#: result to stdout, or nothing if it failed (the parent then works it out itself).
_CHILD = """\
import importlib, pickle, sys
path, module, name, args = pickle.load(sys.stdin.buffer)
sys.path[:] = path
try:
    fn = getattr(importlib.import_module(module), name)
    data = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
except BaseException:
    data = b""
sys.stdout.buffer.write(data)
"""


class Background(Generic[T]):
    """``fn(*args)``, started now in a second process where one can be; :meth:`result` gives its
    value (waiting for it). Use it as a context manager: leaving the block before asking (an
    error meanwhile) stops the child."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        self._fn = fn
        self._args = args
        self._child: subprocess.Popen[bytes] | None = None
        if not ENABLED:
            return
        try:
            job = pickle.dumps((list(sys.path), fn.__module__, fn.__qualname__, args))
        except Exception:  # arguments that do not pickle: worked out here, when asked
            return
        try:
            child = subprocess.Popen(
                [sys.executable, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return  # worked out here, when asked
        assert child.stdin is not None
        try:
            child.stdin.write(job)
            child.stdin.close()
        except OSError:  # it died at once
            with contextlib.suppress(OSError):
                child.stdin.close()
            self._child = child
            self.cancel()
            return
        self._child = child

    @property
    def started(self) -> bool:
        """Whether a second process is working it out (until :meth:`result` is asked)."""
        return self._child is not None

    def result(self) -> T:
        """What ``fn(*args)`` returned: from the child, or worked out here if it could not say."""
        child, self._child = self._child, None
        if child is not None:
            assert child.stdout is not None
            with child.stdout:
                data = child.stdout.read()
            if child.wait() == 0 and data:
                try:
                    value: T = pickle.loads(data)
                except Exception:  # e.g. a class the child's code has and this one has not
                    pass
                else:
                    return value
        return self._fn(*self._args)

    def cancel(self) -> None:
        """Stop the child, if it is still working."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            assert child.stdout is not None
            child.stdout.close()
            child.wait()

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
