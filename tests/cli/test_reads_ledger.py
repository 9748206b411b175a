"""cli.app.reads_ledger: the cyclic garbage collector is off while a reading command runs."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from residentlog.cli.app import reads_ledger


def test_the_collector_is_off_while_the_command_runs_and_back_on_after() -> None:
    seen: list[bool] = []

    @reads_ledger
    def command(x: int) -> int:
        seen.append(gc.isenabled())
        return x + 1

    assert gc.isenabled()
    assert command(1) == 2
    assert seen == [False]
    assert gc.isenabled()


def test_it_is_back_on_after_an_error_and_stays_off_if_it_was_off() -> None:
    @reads_ledger
    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        failing()
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ValueError):
            failing()
        assert not gc.isenabled()  # it was off before: left as it was
    finally:
        gc.enable()


def test_every_command_that_reads_the_whole_ledger_uses_it() -> None:
    from residentlog.cli import clocks, documents, entries, reconcile, transfer

    wrapped = {
        name
        for module in (clocks, documents, entries, reconcile, transfer)
        for name, fn in vars(module).items()
        if callable(fn)
        and getattr(fn, "__wrapped__", None) is not None
        and getattr(fn.__wrapped__, "__wrapped__", None) is not None
    }
    assert {
        "status",
        "deadlines",
        "case_list",
        "case_show",
        "chronology",
        "bundle",
        "letter",
        "list_",
    } <= wrapped
    assert {"reconcile", "export"} <= wrapped
    assert "add" not in wrapped and "import_" not in wrapped


class _Ended(Exception):
    pass


def test_in_the_program_it_ends_the_process_once_the_command_has_returned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In the program (``program``), with nothing waiting for the end, a command that returned
    normally ends the process (``os._exit(0)``) holding the stores it opened (and what was read
    from them); one that failed, or a test calling the app, ends as usual."""
    import residentlog.cli.app as app
    from residentlog.ledger.store import Store

    with Store.create(tmp_path / "s"):
        pass
    ended: list[tuple[int, int]] = []

    def fake_exit(code: int) -> None:
        ended.append((code, len(app._state.kept or [])))
        raise _Ended

    monkeypatch.setattr(app.os, "_exit", fake_exit)
    monkeypatch.setattr(app, "_nothing_waits_for_exit", lambda: True)
    monkeypatch.setattr(app._state, "store", str(tmp_path / "s"))

    @reads_ledger
    def command() -> None:
        with app.open_store():
            pass

    command()  # not in the program: returns
    assert ended == []
    monkeypatch.setattr(app._state, "exit_when_done", True)
    with pytest.raises(_Ended):
        command()
    assert ended == [(0, 1)]
    assert app._state.kept is None  # let go of, had the process not ended

    @reads_ledger
    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        failing()
    assert ended == [(0, 1)]
