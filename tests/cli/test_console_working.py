"""The spinner long commands show on stderr while they read the ledger or typeset a PDF."""

from __future__ import annotations

import io
import threading
import time

import pytest

from residentlog.cli import console


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_into_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    with console.Working("Reading the ledger", delay=0) as working:
        time.sleep(0.05)
        working.step("Typesetting the PDF")
    assert pipe.getvalue() == ""


def test_quick_work_draws_nothing_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with console.Working("Reading the ledger", delay=5):
        pass
    assert terminal.getvalue() == ""
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]


def test_slow_work_names_each_step_then_clears_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with console.Working("Reading the ledger", delay=0.01) as working:
        time.sleep(0.3)
        working.step("Typesetting the [b]PDF[/b]")  # shown as typed, never read as markup
        time.sleep(0.3)
    shown = terminal.getvalue()
    assert "Reading the ledger" in shown
    assert "Typesetting the [b]PDF[/b]" in shown
    assert shown.endswith("\x1b[2K")  # the spinner's line is cleared: nothing is left behind
