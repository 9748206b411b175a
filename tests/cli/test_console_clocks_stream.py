"""Long clock tables (``deadlines``, ``case show``) are streamed as plain text, through the pager
on a terminal; short ones are the Rich tables they always were (issue 14, rendering side)."""

from __future__ import annotations

import dataclasses
import io
import shlex
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residentlog.cli import console, console_clocks
from residentlog.deadlines.clocks import StoreClocks, adopt_pack, compute_for_store, select_clocks
from residentlog.ledger.add import add_entry
from residentlog.ledger.store import Store
from tests.conftest import NOW

ROUNDS = 6
ROW = "│{case} │ {rule} │ {allowed} │ {started} │ {due} │ {stopped} │ {status}│"


class _Pipe(io.StringIO):
    """A stand-in stdout that is a file or a pipe (no pager)."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return False


class _Terminal(_Pipe):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def sc(store: Store, monkeypatch: pytest.MonkeyPatch) -> StoreClocks:
    """Case ``leak``: a routine repair reported and fixed six times (entries 2 to 13), each report
    starting a clock of the example pack that its fix stops; one summary looks like Rich markup."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("PAGER", raising=False)
    adopt_pack(store, Path(str(files("residentlog.deadlines.packs") / "example-landlord.toml")), NOW)
    for i in range(ROUNDS):
        for event, summary, when in (
            (
                "reported",
                "Leak [bold]under[/] the sink" if i == 2 else f"Leak under the sink ({i + 1})",
                "10:00",
            ),
            ("fixed", "Plumber fixed the leak", "16:00"),
        ):
            add_entry(
                store,
                {
                    "kind": "repair",
                    "summary": summary,
                    "case": "leak",
                    "fields": {"event": event, "priority": "routine"},
                },
                when_text=f"{2 * i + 1 + (event == 'fixed')}/10/2026 {when}",
                now=NOW,
            )
    return compute_for_store(store, NOW)


def _rich_clocks(sc: StoreClocks, show_case: bool = True, stdout: _Pipe | None = None) -> str:
    """What ``clocks_table`` printed before tables were streamed: the Rich table, sources, notes."""
    pipe = stdout if stdout is not None else _Pipe()
    saved, sys.stdout = sys.stdout, pipe
    try:
        sources = console_clocks._Sources()
        console_clocks._console().print(
            console_clocks._clock_rows(sc, sc.clocks, sources, show_case=show_case)
        )
        sources.print()
        console_clocks._notes(sc.clocks)
    finally:
        sys.stdout = saved
    return pipe.getvalue()


def _printed(monkeypatch: pytest.MonkeyPatch, show: Callable[[], None], stdout: _Pipe | None = None) -> str:
    pipe = stdout if stdout is not None else _Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    show()
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    return pipe.getvalue()


def _no_rich(*args: object, **kwargs: object) -> None:
    raise AssertionError("a long table must not be drawn by Rich")


_RULE = (f"{'Routine repair completed within 28':<39}", f"{'working days [1]':<39}")
_SOURCE = "Example repairs policy: routine repairs"
#: (start entry, its day, due, stop's day, working days to spare) of each clock of case leak.
_CLOCKS = [
    (2, "Thu 1 Oct", "Tue 10 Nov", "Fri 2 Oct", 27),
    (4, "Sat 3 Oct", "Wed 11 Nov", "Sun 4 Oct", 28),
    (6, "Mon 5 Oct", "Thu 12 Nov", "Tue 6 Oct", 27),
    (8, "Wed 7 Oct", "Mon 16 Nov", "Thu 8 Oct", 27),
    (10, "Fri 9 Oct", "Wed 18 Nov", "Sat 10 Oct", 28),
    (12, "Sun 11 Oct", "Wed 18 Nov", "Mon 12 Oct", 27),
]


def _expected_rows() -> list[str]:
    rows = []
    for n, started, due, stopped, spare in _CLOCKS:
        start = f"entry {n}, {started} 2026 10:00 BST"
        stop = f"entry {n + 1}, {stopped} 2026 16:00 BST"
        rows += [
            f"│leak │ {_RULE[0]} │ 28 working days │ {start:<35} │ end of {due} 2026 │ {stop:<35} │ "
            f"met ({spare} working days to spare)│",
            f"│     │ {_RULE[1]} │ {'':15} │ {'':35} │ {'':22} │ {'':35} │ {'':30}│",
            f"│     │ {_SOURCE} │ {'':15} │ {'':35} │ {'':22} │ {'':35} │ {'':30}│",
        ]
    return rows


def test_a_long_clock_list_is_streamed_row_for_row(sc: StoreClocks, monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = select_clocks(sc, every=True)
    monkeypatch.setattr(console_clocks, "STREAM_ROWS", len(clocks) - 1)
    rich = _rich_clocks(sc)
    monkeypatch.setattr(console_clocks, "_console", _no_rich)
    text = _printed(monkeypatch, lambda: console_clocks.clocks_table(sc, clocks))
    lines = text.splitlines()
    assert lines[1].startswith(
        "┃Case ┃ Rule                                    ┃ Allowed         ┃ Started (UK time)"
    )
    rows = [line for line in lines if line.startswith("│")]
    # One clock per report, each stopped by its fix: the rule on two lines, and under it its source.
    assert rows == _expected_rows()
    assert lines[lines.index("Sources") + 1] == (
        "  [1] Routine repair completed within 28 working days: 28 working days"
    )
    # Where it fits the width, the streamed table is the Rich one, line for line, sources and notes too.
    assert text == rich


def test_a_short_clock_list_is_the_rich_table_it_was(
    sc: StoreClocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(sc.clocks) <= console_clocks.STREAM_ROWS
    streamed: list[object] = []
    monkeypatch.setattr(console_clocks, "stream_table", lambda *a, **k: streamed.append(a))
    # On a terminal, with a pager that would fail: a short list is not paged.
    monkeypatch.setenv("PAGER", shlex.join([sys.executable, "-c", "raise SystemExit(3)"]))
    text = _printed(monkeypatch, lambda: console_clocks.clocks_table(sc, sc.clocks), _Terminal())
    assert streamed == []
    assert text == _rich_clocks(sc, stdout=_Terminal())
    assert "\x1b[1m" in text  # Rich's bold headers: it is the Rich table, on a terminal


def test_a_long_case_goes_through_the_pager_once(
    sc: StoreClocks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = sc.case("leak")
    monkeypatch.setattr(console_clocks, "STREAM_ROWS", len(summary.reports) - 1)
    paged = tmp_path / "paged.txt"
    script = f"import sys; open({str(paged)!r}, 'a').write(sys.stdin.read())"
    monkeypatch.setenv("PAGER", shlex.join([sys.executable, "-c", script]))
    terminal = _Terminal()
    assert _printed(monkeypatch, lambda: console_clocks.case_detail(sc, summary), terminal) == ""
    text = paged.read_text()
    lines = text.splitlines()
    for heading in ("Case leak", f"Reports ({ROUNDS})", "How each due date was worked out", "Sources"):
        assert heading in lines
    start = lines.index(f"Reports ({ROUNDS})") + 1
    assert lines[start : start + 5] == [
        "┏━━┳━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃  ┃ Entry ┃ When (UK time)            ┃ Summary                     ┃",
        "┡━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        "│1 │     2 │ Thu 1 Oct 2026 10:00 BST  │ Leak under the sink (1)     │",
        "│2 │     4 │ Sat 3 Oct 2026 10:00 BST  │ Leak under the sink (2)     │",
    ]
    assert lines[start + 5] == "│3 │     6 │ Mon 5 Oct 2026 10:00 BST  │ Leak [bold]under[/] the sink│"
    assert "\x1b" not in text  # a pager gets plain text (no colour codes from the Rich tables either)
    # --no-pager: the same text, straight out.
    straight = _printed(monkeypatch, lambda: console_clocks.case_detail(sc, summary, no_pager=True), _Pipe())
    assert straight == text


def test_streamed_cells_are_shown_never_read_as_markup(
    sc: StoreClocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old records may hold control and bidi characters (input refuses them now)."""
    monkeypatch.setattr(console_clocks, "STREAM_ROWS", ROUNDS - 1)
    hostile = "Leak \x1b[31mred\u202e [bold]x[/]"
    sc = dataclasses.replace(sc, summaries={**sc.summaries, 4: hostile})
    text = _printed(monkeypatch, lambda: console_clocks.case_detail(sc, sc.case("leak")))
    assert (
        "│2 │     4 │ Sat 3 Oct 2026 10:00 BST  │ Leak \\x1b[31mred\\u202e [bold]x[/]│" in text.splitlines()
    )
    assert "\x1b" not in text and "\u202e" not in text


def test_stream_table_cells_of_several_lines_and_several_wrapped_columns() -> None:
    """The wrapped columns share the width left (the narrower first, none under 20 cells); a cell
    of several lines (the caller's own breaks) takes as many lines of the table."""
    rows = [("a", "one two three four five six seven\nsource", "x y z w v u t s r q p o n", "ok")]
    pipe = _Pipe()
    console._write_table(
        pipe, ("C", "Rule", "Allowed", "S"), rows, 60, (1, 2), frozenset({3}), multiline=True
    )
    assert pipe.getvalue().splitlines() == [
        "┏━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━┓",
        "┃C ┃ Rule                    ┃ Allowed                 ┃  S┃",
        "┡━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━┩",
        "│a │ one two three four five │ x y z w v u t s r q p o │ ok│",
        "│  │ six seven               │ n                       │   │",
        "│  │ source                  │                         │   │",
        "└──┴─────────────────────────┴─────────────────────────┴───┘",
    ]
    pipe = _Pipe()
    rows = [("a", "one two three four five six seven\nsource", "x y z", "ok")]
    console._write_table(
        pipe, ("C", "Rule", "Allowed", "S"), rows, 50, (1, 2), frozenset({3}), multiline=True
    )
    assert pipe.getvalue().splitlines()[3:6] == [
        "│a │ one two three four five six   │ x y z   │ ok│",  # Allowed as wide as it is, Rule the rest
        "│  │ seven                         │         │   │",
        "│  │ source                        │         │   │",
    ]


_CELL = st.text(alphabet="ab -", max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_CELL, _CELL, _CELL), max_size=6), width=st.integers(20, 90))
def test_a_row_of_plain_text_is_padded_as_any_other_row(rows: list[tuple[str, str, str]], width: int) -> None:
    """Rows of ASCII cells are padded by str.format; others cell by cell. The two agree: the same
    rows with every "a" an "á" (one cell wide, not ASCII) give the same table."""

    def table(cells: list[tuple[str, str, str]]) -> str:
        pipe = _Pipe()
        console._write_table(pipe, ("N", "Summary", "When"), cells, width, (1,), frozenset({0}))
        return pipe.getvalue()

    accented = [tuple(cell.replace("a", "á") for cell in row) for row in rows]
    assert table(accented).replace("á", "a") == table(rows)  # type: ignore[arg-type]


def test_a_table_of_plain_rows() -> None:
    pipe = _Pipe()
    rows = [("7", "Lift 2 out of service", "Mon 4 Jan"), ("12", "Door", "Tue 5 Jan")]
    console._write_table(pipe, ("N", "Summary", "When"), rows, 40, (1,), frozenset({0}))
    assert pipe.getvalue().splitlines() == [
        "┏━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┓",
        "┃ N ┃ Summary               ┃ When     ┃",
        "┡━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━┩",
        "│ 7 │ Lift 2 out of service │ Mon 4 Jan│",
        "│12 │ Door                  │ Tue 5 Jan│",
        "└───┴───────────────────────┴──────────┘",
    ]
