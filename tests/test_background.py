"""Work in a second process (``residentlog.background``): the same value or the same error as
working it out here, whichever way it was done, and no child left behind."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from residentlog import background
from residentlog.background import Background
from residentlog.errors import InputError


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _refuse(text: str) -> None:
    raise InputError(text, field="x")


def _unpicklable() -> object:
    return lambda: None  # a lambda does not pickle: the parent works it out itself


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped: not a zombie, not running
    return False


def test_the_value_comes_from_a_child() -> None:
    with Background(_pid_and, 21) as work:
        assert work.forked
        pid = work._pid
        child, value = work.result()
    assert value == 42 and child == pid != os.getpid()
    assert _gone(pid)


def test_an_error_in_the_child_is_raised_here_as_it_would_be() -> None:
    with Background(_refuse, "no such case") as work, pytest.raises(InputError, match=r"^x: no such case$"):
        work.result()


def test_a_value_that_does_not_pickle_is_worked_out_here() -> None:
    with Background(_unpicklable) as work:
        value = work.result()
    assert callable(value)


def test_no_fork_while_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Background(_pid_and, 1) as work:
            assert not work.forked
            assert work.result() == (os.getpid(), 2)
    finally:
        stop.set()
        thread.join()


def test_no_fork_where_it_is_not_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "_CAN_FORK", False)  # not Linux, or no os.fork
    with Background(_pid_and, 3) as work:
        assert not work.forked
        assert work.result() == (os.getpid(), 6)


def test_leaving_early_stops_the_child(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), Background(_sleep, 60) as work:
        pid = work._pid
        raise RuntimeError("the command failed meanwhile")
    assert _gone(pid)


def _sleep(seconds: int) -> None:
    import time

    time.sleep(seconds)
