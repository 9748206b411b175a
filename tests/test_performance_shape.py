"""The shape of the fast paths (issue 14): behaviour, never timings (those are in bench/)."""

from __future__ import annotations

import io
import random
import shlex
import shutil
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from residentlog.cli import console
from residentlog.deadlines.workdays import (
    CALENDARS,
    add_working_days,
    is_working_day,
    skipped_days,
    working_days_between,
)
from residentlog.errors import StoreError
from residentlog.ledger.add import add_entry
from residentlog.ledger.entry import Entry
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from tests.conftest import NOW, raw


def _walked(a: date, b: date, nation: str) -> int:
    """The day-by-day count working_days_between replaced (counted, not walked, since issue 14)."""
    lo, hi = (a, b) if a <= b else (b, a)
    count = sum(1 for k in range(1, (hi - lo).days + 1) if is_working_day(lo + timedelta(days=k), nation))
    return count if a <= b else -count


def test_working_days_between_counts_as_the_day_by_day_walk_did() -> None:
    rng = random.Random(14)
    for _ in range(1500):
        a = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
        b = a + timedelta(days=rng.randrange(-400, 1500))
        nation = rng.choice(list(CALENDARS))
        assert working_days_between(a, b, nation) == _walked(a, b, nation), (a, b, nation)


def test_working_days_between_known_values() -> None:
    # Fri 3 Jan 2025 to Fri 10 Jan 2025: Mon–Fri, 5 working days; Christmas week 2024 in England
    # and Wales: 23, 24, 27 (Fri), 30, 31 Dec minus 25 and 26 Dec bank holidays.
    assert working_days_between(date(2025, 1, 3), date(2025, 1, 10), "england") == 5
    assert working_days_between(date(2024, 12, 20), date(2024, 12, 31), "england") == 5
    assert working_days_between(date(2024, 12, 31), date(2024, 12, 20), "england") == -5
    assert working_days_between(date(2025, 1, 1), date(2025, 1, 1), "england") == 0
    # Scotland also has 2 January.
    assert working_days_between(date(2024, 12, 31), date(2025, 1, 3), "scotland") == 1
    assert working_days_between(date(2024, 12, 31), date(2025, 1, 3), "england") == 2


# -- list: streamed through a pager on a terminal ---------------------------------------------


class _Terminal(io.StringIO):
    """A stand-in stdout that says it is a terminal, and counts its writes."""

    encoding = "utf-8"

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


class _Pipe(_Terminal):
    def isatty(self) -> bool:
        return False


def _views(store: Store, summaries: list[str]) -> list[Entry]:
    for i, summary in enumerate(summaries):
        add_entry(
            store,
            {"kind": "lift", "summary": summary, "case": "lift-2"},
            when_text=None,
            now=NOW + timedelta(minutes=i),
        )
    return list_entries(store, Filters(), NOW + timedelta(days=1))


def test_pager_is_used_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGER", f"{sys.executable} -u")
    monkeypatch.setattr(sys, "stdout", _Terminal())
    assert console.pager_command() == [sys.executable, "-u"]
    assert console.pager_command(no_pager=True) is None
    monkeypatch.delenv("PAGER")
    assert console.pager_command() == (["less"] if shutil.which("less") else None)
    for empty in ("", "cat"):
        monkeypatch.setenv("PAGER", empty)
        assert console.pager_command() is None
    monkeypatch.setenv("PAGER", "no-such-pager-program-14 -R")
    assert console.pager_command() is None  # never swallow the output into a pager that is not there
    monkeypatch.setenv("PAGER", f"{sys.executable}")
    monkeypatch.setattr(sys, "stdout", _Pipe())
    assert console.pager_command() is None  # a file or a pipe gets the table itself


def test_list_on_a_terminal_goes_through_the_pager_with_less_defaults(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    views = _views(store, ["Lift 2 out", "Lift 2 out again"])
    paged = tmp_path / "paged.txt"
    script = f"import os, sys; open({str(paged)!r}, 'w').write(os.environ['LESS'] + '\\n' + sys.stdin.read())"
    monkeypatch.setenv("PAGER", shlex.join([sys.executable, "-c", script]))
    monkeypatch.delenv("LESS", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    console.entries_table(views)
    assert terminal.getvalue() == ""  # all of it went to the pager
    less, *table = paged.read_text().splitlines()
    assert less == "FRX"
    assert [line.split("│")[1].strip() for line in table if line.startswith("│")] == ["1", "2"]
    assert "2 entries." in capsys.readouterr().err
    console.entries_table(views, no_pager=True)  # --no-pager: straight to the terminal
    assert terminal.getvalue().splitlines() == table


def test_list_is_written_in_chunks_not_one_table(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    views = _views(store, [f"Lift fault {i}" for i in range(600)])
    pipe = _Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    console.entries_table(views)
    lines = pipe.getvalue().splitlines()
    assert len(lines) == 600 + 4  # top border, header, rule, one line per entry, bottom border
    assert lines[3].startswith("│  1 │ ") and "│ Lift fault 0 " in lines[3]
    assert "│ Lift fault 599 " in lines[-2] and lines[-1].startswith("└")
    assert 3 < pipe.writes < 20  # a few chunks of rows, not one write per row nor one per table


def test_list_wraps_long_summaries_without_losing_a_character(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_word = "x" * 150
    words = " ".join(f"word{i}" for i in range(40))
    wide = "日本語のテキスト" * 12
    views = _views(store, [long_word, words, wide])
    monkeypatch.setenv("COLUMNS", "100")
    pipe = _Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    console.entries_table(views)
    lines = pipe.getvalue().splitlines()
    widths = {cell_len(line) for line in lines}
    assert widths == {100}  # every line fits the width exactly, wide characters counted as two cells
    summaries = [line.split("│")[5].strip() for line in lines if line.startswith("│")]
    joined = "".join(summaries)
    assert long_word in joined and wide in joined
    assert words.replace(" ", "") in joined.replace(" ", "")
    assert all(len(s) < 100 for s in summaries)


def test_list_shows_user_text_visibly_in_every_column(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    raw_text = "Lift \x1b[31mRED\x1b[0m \x9b2J [bold]x[/bold] \u202egnp.exe"
    views = _views(store, ["placeholder"])
    record = dict(views[0].record, summary=raw_text, case="c\x1b]0;t\x07")
    nasty = Entry(num=1, record=record, versions=1, hash=views[0].hash)
    pipe = _Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    console.entries_table([nasty])
    out = pipe.getvalue()
    assert not any(c in out for c in ("\x1b", "\x9b", "\u202e", "\x07"))
    assert "Lift \\x1b[31mRED\\x1b[0m \\x9b2J [bold]x[/bold] \\u202egnp.exe" in out
    assert "c\\x1b]0;t\\x07" in out


# -- list_entries: one decode per command, never a stale one -----------------------------------


def test_list_entries_reads_once_while_nothing_changes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = 0
    records = Store.records

    def counting(self: Store) -> Iterator[tuple[int, bytes]]:
        nonlocal reads
        reads += 1
        return records(self)

    monkeypatch.setattr(Store, "records", counting)
    _views(store, ["one", "two"])  # reads the ledger once
    later = NOW + timedelta(days=1)
    first = list_entries(store, Filters(), later)
    assert [v.summary for v in list_entries(store, Filters(search="two"), later)] == ["two"]
    assert list_entries(store, Filters(), later) == first
    assert reads == 1
    add_entry(store, {"kind": "note", "summary": "three"}, when_text=None, now=later)  # a write
    assert [v.summary for v in list_entries(store, Filters(), later)] == ["one", "two", "three"]
    assert reads == 2


def test_list_entries_sees_a_change_made_through_another_connection(store: Store) -> None:
    _views(store, ["one", "two"])
    later = NOW + timedelta(days=1)
    assert [v.summary for v in list_entries(store, Filters(), later)] == ["one", "two"]
    conn = raw(store)
    (data,) = conn.execute("SELECT canonical FROM ledger WHERE seq = 2").fetchone()
    conn.execute("UPDATE ledger SET canonical = ? WHERE seq = 2", (bytes(data).replace(b'"two"', b'"TWO"'),))
    assert [v.summary for v in list_entries(store, Filters(), later)] == ["one", "TWO"]  # what the bytes say
    conn.execute(
        "UPDATE ledger SET canonical = ? WHERE seq = 2", (bytes(data).replace(b'"seq":2', b'"seq":7'),)
    )
    conn.close()
    with pytest.raises(StoreError, match="the ledger is damaged: record 2"):
        list_entries(store, Filters(), later)


def test_add_working_days_and_skipped_days_answer_as_walking_the_days_does() -> None:
    rng = random.Random(41)
    for _ in range(400):
        start = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
        n = rng.randrange(0, 40)
        nation = rng.choice(list(CALENDARS))
        due = add_working_days(start, n, nation)
        assert _walked(start, due, nation) == n and (n == 0 or is_working_day(due, nation))
        weekend, hols = skipped_days(start, due, nation)
        walked = [start + timedelta(days=k) for k in range(1, (due - start).days + 1)]
        assert weekend == sum(d.weekday() >= 5 for d in walked)
        assert [d for d, _ in hols] == [
            d for d in walked if d.weekday() < 5 and not is_working_day(d, nation)
        ]
    weekend, hols = skipped_days(date(2024, 12, 20), date(2024, 12, 31), "england")
    assert (weekend, [d for d, _ in hols]) == (4, [date(2024, 12, 25), date(2024, 12, 26)])
    hols.clear()  # the caller's own list: the cached answer is not changed
    assert len(skipped_days(date(2024, 12, 20), date(2024, 12, 31), "england")[1]) == 2


def test_stream_table_is_any_table(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = _Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    rows = [("lift-2", "Lift out " * 6, "12"), ("door", "Door", "3")]
    console.stream_table(("Case", "What", "Clocks"), rows, wrap=1, right=frozenset({2}))
    lines = pipe.getvalue().splitlines()
    # "What" is as wide as its widest cell, 6 times "Lift out " (54 cells, its last space too)
    assert lines[1] == f"┃Case   ┃ {'What':<54} ┃ Clocks┃"
    assert lines[3:5] == [f"│lift-2 │ {'Lift out ' * 6} │     12│", f"│door   │ {'Door':<54} │      3│"]
    assert lines[0] == "┏" + "━" * 7 + "┳" + "━" * 56 + "┳" + "━" * 7 + "┓"
    assert lines[5] == "└" + "─" * 7 + "┴" + "─" * 56 + "┴" + "─" * 7 + "┘"


def test_versions_of_an_entry_read_from_it_on_never_the_whole_ledger(store: Store) -> None:
    _views(store, ["one", "two", "three"])
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    assert [seq for seq, _ in store.versions(2)] == [2]
    store.conn.set_trace_callback(None)
    (sql,) = [s for s in seen if "FROM ledger" in s]
    plan = " ".join(str(row) for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "INTEGER PRIMARY KEY (rowid>?)" in plan and "SCAN" not in plan  # add on a 1M ledger stays flat
