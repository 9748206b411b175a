"""Work in a second process (``residentlog.background``): the same value or the same error as
working it out here, whichever way it was done, and no child left behind."""

from __future__ import annotations

import os
import threading

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


def _sleep(seconds: int) -> None:
    import time

    time.sleep(seconds)


def test_the_value_comes_from_a_child() -> None:
    with Background(_pid_and, 21) as work:
        assert work.started
        child = work._child
        assert child is not None
        pid, value = work.result()
    assert value == 42 and pid == child.pid != os.getpid()
    assert child.returncode == 0  # reaped


def test_an_error_in_the_child_is_raised_here_as_it_would_be() -> None:
    with Background(_refuse, "no such case") as work, pytest.raises(InputError, match=r"^x: no such case$"):
        work.result()


def test_a_value_that_does_not_pickle_is_worked_out_here() -> None:
    with Background(_unpicklable) as work:
        value = work.result()
    assert callable(value)


def test_a_child_is_started_while_a_thread_runs() -> None:
    """A terminal's spinner runs in a thread while a letter is made: a fresh process is safe then."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Background(_pid_and, 1) as work:
            assert work.started
            pid, value = work.result()
        assert value == 2 and pid != os.getpid()
    finally:
        stop.set()
        thread.join()


def test_arguments_that_do_not_pickle_are_worked_out_here() -> None:
    with Background(_pid_and, lambda: 1) as work:
        assert not work.started
        with pytest.raises(TypeError):  # as calling it here raises: a lambda times 2
            work.result()


def test_worked_out_here_when_no_process_may_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "ENABLED", False)
    with Background(_pid_and, 3) as work:
        assert not work.started
        assert work.result() == (os.getpid(), 6)


def test_leaving_early_stops_the_child() -> None:
    with pytest.raises(RuntimeError), Background(_sleep, 60) as work:
        child = work._child
        assert child is not None
        raise RuntimeError("the command failed meanwhile")
    assert child.returncode is not None  # killed and reaped, not left running
