"""cli.app.reads_ledger: the cyclic garbage collector is off while a reading command runs."""

from __future__ import annotations

import gc

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
