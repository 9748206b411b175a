"""Terminal output for clocks, cases and policy packs: ``status``, ``deadlines``, ``case``, ``policy``.

Follows :mod:`residentlog.cli.console`: data to stdout, messages to stderr, whole lines (wide tables)
when the output is not a terminal, times in UK local time. Rich is imported by the functions that
draw, never at import time. Anything a resident typed is escaped before it reaches Rich markup.

A table of more than :data:`STREAM_ROWS` rows (every clock of a 100,000-entry store) is not drawn by
Rich, which lays out the whole table in memory first: it is streamed as plain text by
:func:`residentlog.cli.console.stream_table`, with the same columns, and the command's whole output
goes through the pager on a terminal (:func:`residentlog.cli.console.paged`). Its cells are shown
through :func:`residentlog.text.visible`, never read as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from residentlog.cli.console import _console, err, out, paged, stream_table
from residentlog.cli.console import markup as _esc
from residentlog.deadlines.clocks import due_soon, missed_by_rule, overdue_now, this_month_counts
from residentlog.deadlines.engine import duration_text
from residentlog.documents.figures import (
    every_year_downtime,
    harm_text,
    incidents_text,
    outage_text,
    year_line,
)
from residentlog.ledger.outages import outages
from residentlog.ledger.when import LONDON, format_local
from residentlog.text import a_or_an, visible

if TYPE_CHECKING:
    from residentlog.deadlines.cases import CaseSummary
    from residentlog.deadlines.clocks import PackRow, StoreClocks
    from residentlog.deadlines.engine import Clock
    from residentlog.deadlines.policy import Pack, Rule
    from residentlog.ledger.incidents import Incident

OVERDUE_ROWS = 10
#: Tables of more rows than this are streamed as plain text (through the pager on a terminal).
STREAM_ROWS = 200
_STYLES = {"met": "green", "breached": "red", "overdue": "bold red", "running": "yellow", "unknown": "dim"}


# ---------------------------------------------------------------------------------------------
# Small pieces


def _day(d: date) -> str:
    """``Mon 10 Mar 2025`` (via format_local, so the names are English whatever the locale)."""
    return format_local(datetime.combine(d, time(12), tzinfo=LONDON), "day")


def _entry_when(sc: StoreClocks, number: int, at: datetime) -> str:
    return format_local(at, sc.precisions.get(number, "minute"))


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _due(c: Clock) -> str:
    text = f"end of {_day(c.due_date)}" if c.due_date is not None else format_local(c.due_at)
    if c.extension_entry is not None:
        text += f" (extended, entry {c.extension_entry})"
    return text


def _started(sc: StoreClocks, c: Clock) -> str:
    return f"entry {c.start_entry}, {_entry_when(sc, c.start_entry, c.started_at)}"


def _stopped(sc: StoreClocks, c: Clock) -> str:
    if c.stop_entry is None or c.stopped_at is None:
        return "—"
    return f"entry {c.stop_entry}, {_entry_when(sc, c.stop_entry, c.stopped_at)}"


def _status(c: Clock) -> str:
    return f"[{_STYLES[c.status.value]}]{_esc(c.status_text)}[/]"


def _case_name(case: str | None) -> str:
    return _esc(case) if case else "—"


def _allowed(rule: Rule) -> str:
    text = rule.allowed.describe()
    if rule.extension is not None:
        text += f" (extendable, {rule.extension.describe()})"
    return text


class _Sources:
    """Numbers each rule cited in a table, for a list of sources printed after it."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], tuple[int, Clock]] = {}

    def ref(self, c: Clock) -> int:
        key = (c.pack_id, c.pack_version, c.rule_id)
        if key not in self.items:
            self.items[key] = (len(self.items) + 1, c)
        return self.items[key][0]

    def print(self) -> None:
        if not self.items:
            return
        out()
        out("Sources")
        for n, c in self.items.values():
            cit = c.citation
            out(f"  [{n}] {c.title}: {c.rule.allowed.describe()}")
            out(f"      {cit.section} ({c.pack_title}, version {c.pack_version})")
            out(f'      "{cit.wording}"')
            for where in (cit.url, cit.document):
                if where:
                    out(f"      {where}")
            out(f"      confidence: {cit.confidence}")


def _rule_cell(c: Clock, sources: _Sources) -> str:
    n = sources.ref(c)
    whose = " (your own deadline)" if c.party == "resident" else ""
    return f"{_esc(c.title)}{whose} [{n}]\n[dim]{_esc(c.citation.section)}[/]"


def _plain_rule_cell(c: Clock, sources: _Sources) -> str:
    """:func:`_rule_cell` as plain text for :func:`stream_table`: two lines, no markup."""
    n = sources.ref(c)
    whose = " (your own deadline)" if c.party == "resident" else ""
    return f"{visible(c.title)}{whose} [{n}]\n{visible(c.citation.section)}"


def _paged_if(long: bool, no_pager: bool) -> AbstractContextManager[None]:
    """The pager for a long output (on a terminal); a short one is printed as it always was."""
    return paged(no_pager) if long else nullcontext()


def _notes(clocks: Iterable[Clock]) -> None:
    seen = list(dict.fromkeys(note for c in clocks for note in c.notes))
    if seen:
        out()
        out("Notes")
        for note in seen:
            out(f"  - {note}")


def _table(*columns: tuple[str, dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    for name, options in columns:
        table.add_column(name, **options)
    return table


def _heading(text: str) -> None:
    out()
    out(text)


def show_warnings(sc: StoreClocks) -> None:
    for warning in sc.warnings:
        err(f"Warning: {warning}")


# ---------------------------------------------------------------------------------------------
# deadlines


def clocks_table(
    sc: StoreClocks, clocks: Sequence[Clock], *, show_case: bool = True, no_pager: bool = False
) -> None:
    """Every clock: case, rule and citation, start, due, stop and status; then the sources.

    More than :data:`STREAM_ROWS` clocks are streamed, with the sources and notes, through the
    pager on a terminal (``no_pager``: straight out)."""
    if not clocks:
        err("No clocks match.")
        return
    sources = _Sources()
    long = len(clocks) > STREAM_ROWS
    with _paged_if(long, no_pager):
        if long:
            _stream_clocks(sc, clocks, sources, show_case=show_case)
        else:
            _console().print(_clock_rows(sc, clocks, sources, show_case=show_case))
        sources.print()
        _notes(clocks)
    err(f"{_plural(len(clocks), 'clock')}.")


_CLOCK_HEADERS = ("Rule", "Allowed", "Started (UK time)", "Due", "Stopped", "Status")


def _stream_clocks(sc: StoreClocks, clocks: Sequence[Clock], sources: _Sources, *, show_case: bool) -> None:
    """:func:`_clock_rows` as plain text, streamed: the same columns, the rule and the allowed
    time wrapped, each rule's cells made once."""
    per_rule: dict[tuple[str, str, str], tuple[str, str]] = {}
    rows: list[tuple[str, ...]] = []
    for c in clocks:
        key = (c.pack_id, c.pack_version, c.rule_id)
        rule = per_rule.get(key)
        if rule is None:
            rule = per_rule[key] = (_plain_rule_cell(c, sources), visible(_allowed(c.rule)))
        row = (*rule, _started(sc, c), _due(c), _stopped(sc, c), visible(c.status_text))
        rows.append(((visible(c.case) if c.case else "—"), *row) if show_case else row)
    first = 1 if show_case else 0
    headers = (("Case",) if show_case else ()) + _CLOCK_HEADERS
    stream_table(headers, rows, wrap=(first, first + 1), right=frozenset(), multiline=True)


def _clock_rows(sc: StoreClocks, clocks: Sequence[Clock], sources: _Sources, *, show_case: bool) -> Any:
    columns: list[tuple[str, dict[str, Any]]] = []
    if show_case:
        columns.append(("Case", {"no_wrap": True}))
    columns += [
        ("Rule", {}),
        ("Allowed", {}),
        ("Started (UK time)", {"no_wrap": True}),
        ("Due", {"no_wrap": True}),
        ("Stopped", {"no_wrap": True}),
        ("Status", {"no_wrap": True}),
    ]
    table = _table(*columns)
    for c in clocks:
        row = [
            _rule_cell(c, sources),
            _esc(_allowed(c.rule)),
            _started(sc, c),
            _due(c),
            _stopped(sc, c),
            _status(c),
        ]
        table.add_row(*([_case_name(c.case)] if show_case else []), *row)
    return table


# ---------------------------------------------------------------------------------------------
# status


def status_dashboard(sc: StoreClocks) -> None:
    """Open cases, timeframes missed, clocks overdue now (worst first), due soon, this month."""
    from residentlog.deadlines.workdays import CALENDAR_LABELS

    console = _console()
    out(f"Status on {format_local(sc.now)} (bank holidays: {CALENDAR_LABELS[sc.calendar]})")
    if not sc.entries:
        out("No entries yet. Record one with: residentlog add KIND SUMMARY")
        return
    sources = _Sources()

    open_cases = [s for s in sc.cases if s.case is not None and s.is_open]
    _heading(f"Open cases ({len(open_cases)})")
    if open_cases:
        console.print(_cases_rows(sc, open_cases))
    else:
        out("  None.")

    if sc.unclocked:
        _heading(f"Reports that started no clock ({len(sc.unclocked)})")
        for u in sc.unclocked:
            out(f"  {u.case or '(no case)'}: {u.text}")

    late = [c for c in sc.clocks if c.late]
    _heading("Timeframes missed, by case and rule")
    if late:
        console.print(_missed_rows(sc.clocks, sources))
    else:
        out("  None: every clock so far was met or is still running.")

    overdue = overdue_now(sc.clocks)
    _heading(f"Overdue now, worst first ({len(overdue)})")
    if overdue:
        table = _table(
            ("Case", {"no_wrap": True}),
            ("Rule", {}),
            ("Started (UK time)", {"no_wrap": True}),
            ("Due", {"no_wrap": True}),
            ("Status", {}),
        )
        for c in overdue[:OVERDUE_ROWS]:
            table.add_row(_case_name(c.case), _rule_cell(c, sources), _started(sc, c), _due(c), _status(c))
        console.print(table)
        if len(overdue) > OVERDUE_ROWS:
            out(f"  … and {len(overdue) - OVERDUE_ROWS} more: see residentlog deadlines")
    else:
        out("  None.")

    soon = due_soon(sc.clocks, sc.now)
    _heading(f"Due in the next 7 days ({len(soon)})")
    if soon:
        table = _table(("Case", {"no_wrap": True}), ("Rule", {}), ("Due", {"no_wrap": True}), ("Status", {}))
        for c in soon:
            table.add_row(_case_name(c.case), _rule_cell(c, sources), _due(c), _status(c))
        console.print(table)
    else:
        out("  None.")

    month = this_month_counts(sc)
    label = format_local(sc.now, "day").split(" ", 2)[2]  # "Jan 2026"
    if month:
        counts = ", ".join(f"{kind} {n}" for kind, n in month.items())
        _heading(f"This month ({label}): {_plural(sum(month.values()), 'entry', 'entries')}: {counts}")
    else:
        _heading(f"This month ({label}): no entries yet")

    sources.print()
    _notes(late + overdue + soon)


def _missed_rows(clocks: Sequence[Clock], sources: _Sources) -> Any:
    table = _table(
        ("Case", {"no_wrap": True}),
        ("Rule", {}),
        ("Allowed", {}),
        ("Clocks", {"justify": "right"}),
        ("Met", {"justify": "right"}),
        ("Breached (stopped late)", {"no_wrap": True}),
        ("Overdue now", {"no_wrap": True}),
        ("Typical lateness", {}),
    )
    for row in missed_by_rule(clocks):
        table.add_row(
            _case_name(row.case),
            _rule_cell(row.clock, sources),
            _esc(_allowed(row.clock.rule)),
            str(row.clocks),
            str(row.met),
            _late_cell(row.breached, row.worst_breached),
            _late_cell(row.overdue, row.worst_overdue),
            f"{duration_text(row.median_late)} late (median)",
        )
    return table


def _late_cell(n: int, worst: Clock | None) -> str:
    if worst is None:
        return str(n)
    by = worst.status_text.split(" by ", 1)[-1]
    return f"[{_STYLES[worst.status.value]}]{n}[/]\nworst: {_esc(by)}\n[dim](entry {worst.start_entry})[/]"


# ---------------------------------------------------------------------------------------------
# cases


def _counts_text(summary: CaseSummary) -> str:
    counts = summary.counts()
    parts = [f"{n} {status}" for status, n in counts.items() if n]
    return ", ".join(parts) if parts else "none"


def _cases_rows(sc: StoreClocks, cases: Sequence[CaseSummary]) -> Any:
    table = _table(
        ("Case", {"no_wrap": True}),
        ("Kinds", {}),
        ("Entries", {"justify": "right"}),
        ("Incidents", {"justify": "right"}),
        ("Reports", {"justify": "right"}),
        ("First report (UK time)", {"no_wrap": True}),
        ("Recurrences", {"justify": "right"}),
        ("Days open", {"justify": "right"}),
        ("State", {"no_wrap": True}),
        ("Clocks", {}),
    )
    for s in cases:
        first = s.first_report
        state = "open" if s.is_open or s.closed_at is None else f"closed {format_local(s.closed_at, 'day')}"
        table.add_row(
            _case_name(s.case),
            _esc(", ".join(s.kinds)),
            str(len(s.entries)),
            str(len(sc.case_incidents(s.case))),
            str(s.report_count),
            "—" if first is None else f"{_entry_when(sc, first[0], first[1])} (entry {first[0]})",
            str(s.recurrences),
            str(s.days_open),
            state,
            _counts_text(s),
        )
    return table


def case_list(sc: StoreClocks) -> None:
    cases = [s for s in sc.cases if s.case is not None]
    if not cases:
        err("No cases yet: give entries a case with --case NAME.")
        return
    _console().print(_cases_rows(sc, cases))
    loose = next((s for s in sc.cases if s.case is None), None)
    if loose is not None:
        err(f"{_plural(len(loose.entries), 'entry', 'entries')} with no case are not listed.")
    err(f"{_plural(len(cases), 'case')}.")


def case_detail(sc: StoreClocks, s: CaseSummary, *, no_pager: bool = False) -> None:
    """One case: first report, reports, recurrences, days open, and every clock with its source.

    A case with a table of more than :data:`STREAM_ROWS` rows is shown through the pager on a
    terminal (``no_pager``: straight out), its long tables streamed."""
    incidents = sc.case_incidents(s.case)
    long = max(len(incidents), len(s.reports), len(s.clocks)) > STREAM_ROWS
    with _paged_if(long, no_pager):
        _case_detail(sc, s, incidents)


def _case_detail(sc: StoreClocks, s: CaseSummary, incidents: Sequence[Incident]) -> None:
    first = s.first_report
    out(f"Case {s.case}")
    out(f"  kinds:         {', '.join(s.kinds)}")
    first_when = _entry_when(sc, s.first_entry, s.first_at)
    out(f"  entries:       {len(s.entries)} (first: entry {s.first_entry}, {first_when})")
    if first is not None:
        out(f"  first report:  {_entry_when(sc, first[0], first[1])} (entry {first[0]})")
    out(f"  reports:       {s.report_count}")
    out(f"  incidents:     {_esc(incidents_text(incidents))}")
    for asset in outages(incidents):
        out(f"  outages:       {_esc(outage_text(asset))}")
        for year in every_year_downtime(asset, sc.now):
            out(f"                   {_esc(year_line(year))}")
    out(f"  recurrences:   {s.recurrences}")
    if s.is_open or s.closed_at is None:
        out(f"  state:         open, {_plural(s.days_open, 'day')} since the first report")
    else:
        closed = format_local(s.closed_at, sc.precisions.get(s.entries[-1], "minute"))
        out(f"  state:         closed {closed}, after {_plural(s.days_open, 'day')} open")
    out(f"  clocks:        {len(s.clocks)} ({_counts_text(s)})")
    for u in s.unclocked:
        out(f"  no clock:      {u.text}")

    harms = sc.case_harms(s.case)
    if harms:
        _heading(f"The worst of it ({len(harms)})")
        for h in harms:
            when = _entry_when(sc, h.num, h.entry.occurred)
            out(f"  entry {h.num}, {when}: {_esc(h.entry.summary)}: {_esc(harm_text(h))}")

    if incidents:
        _heading(f"Incidents ({len(incidents)})")
        _incidents_table(sc, incidents)

    if s.reports:
        _heading(f"Reports ({s.report_count})")
        _reports_table(sc, s)

    if not s.clocks:
        _heading("Clocks: none (no rule of a pack in force applies to these entries)")
        return
    _heading(f"Clocks ({len(s.clocks)})")
    sources = _Sources()
    if len(s.clocks) > STREAM_ROWS:
        _stream_clocks(sc, s.clocks, sources, show_case=False)
    else:
        _console().print(_clock_rows(sc, s.clocks, sources, show_case=False))
    _heading("How each due date was worked out")
    for c in s.clocks:
        out(f"  entry {c.start_entry}: {c.explanation}")
    sources.print()
    _notes(s.clocks)


def _incidents_table(sc: StoreClocks, incidents: Sequence[Incident]) -> None:
    """A case's incidents: a Rich table, or streamed plain text when there are many."""
    long = len(incidents) > STREAM_ROWS
    esc = visible if long else _esc
    rows: list[tuple[str, ...]] = []
    for inc in incidents:
        fixed = inc.fixed
        state = "not fixed" if fixed is None else f"fixed {_entry_when(sc, fixed.num, fixed.occurred)}"
        if inc.recurrence_of is not None:
            state += f"; came back after incident {inc.recurrence_of}"
        rows.append(
            (
                str(inc.number),
                _entry_when(sc, inc.number, inc.started),
                ", ".join(str(n) for n in inc.nums),
                str(inc.report_count),
                state,
                esc(inc.summary),
            )
        )
    columns: tuple[tuple[str, dict[str, Any]], ...] = (
        ("Incident", {"justify": "right"}),
        ("Started (UK time)", {"no_wrap": True}),
        ("Entries", {}),
        ("Reports", {"justify": "right"}),
        ("State", {}),
        ("Summary", {}),
    )
    _rows_table(columns, rows, wrap=(2, 4, 5))


def _reports_table(sc: StoreClocks, s: CaseSummary) -> None:
    """A case's reports: a Rich table, or streamed plain text when there are many."""
    long = len(s.reports) > STREAM_ROWS
    esc = visible if long else _esc
    rows = [
        (str(i), str(number), _entry_when(sc, number, at), esc(sc.summaries.get(number, "")))
        for i, (number, at) in enumerate(s.reports, 1)
    ]
    columns: tuple[tuple[str, dict[str, Any]], ...] = (
        ("", {"justify": "right"}),
        ("Entry", {"justify": "right"}),
        ("When (UK time)", {"no_wrap": True}),
        ("Summary", {}),
    )
    _rows_table(columns, rows, wrap=3)


def _rows_table(
    columns: Sequence[tuple[str, dict[str, Any]]],
    rows: Sequence[tuple[str, ...]],
    *,
    wrap: int | tuple[int, ...],
) -> None:
    """``rows`` under ``columns`` (name, Rich options): a Rich table, or streamed plain text when
    there are more than :data:`STREAM_ROWS` (the columns ``wrap`` wrap; right-justified columns
    stay right). The caller shows cells through :func:`visible` for a long table, else ``_esc``."""
    if len(rows) > STREAM_ROWS:
        right = frozenset(i for i, (_, options) in enumerate(columns) if options.get("justify") == "right")
        stream_table(tuple(name for name, _ in columns), rows, wrap=wrap, right=right)
        return
    table = _table(*columns)
    for row in rows:
        table.add_row(*row)
    _console().print(table)


# ---------------------------------------------------------------------------------------------
# policy packs


def _in_force_text(pack: Pack) -> str:
    start = _day(pack.effective_from) if pack.effective_from else "(no start date)"
    end = f" to {_day(pack.effective_to)}" if pack.effective_to else ""
    return f"from {start}{end}" if pack.effective_from else f"{start}{end}"


def policy_list(rows: Sequence[PackRow]) -> None:
    """Every pack: id, version, title, nation, dates, rules, and where it comes from."""
    table = _table(
        ("Pack", {"no_wrap": True}),
        ("Version", {"no_wrap": True}),
        ("Title", {}),
        ("For", {"no_wrap": True}),
        ("In force", {}),
        ("Rules", {"justify": "right"}),
        ("Where", {}),
    )
    for row in rows:
        table.add_row(
            _esc(row.pack.id),
            _esc(row.pack.version),
            _esc(row.pack.title),
            row.pack.jurisdiction,
            _in_force_text(row.pack),
            str(len(row.pack.rules)),
            _where(row),
        )
    _console().print(table)
    err(f"{_plural(len(rows), 'pack')}. Details: residentlog policy show ID")


def _where(row: PackRow, markup: bool = True) -> str:
    text = row.where + (f" (entry {row.entry})" if row.entry is not None else "")
    text = _esc(text) if markup else text
    if not row.used:
        note = f"not used for your clocks: {row.why_not}" if row.why_not else "not used for your clocks"
        text += f"; [dim]{_esc(note)}[/]" if markup else f"; {note}"
    return text


def _match_text(rule: Rule) -> str:
    return "; or ".join(alt.describe() for alt in rule.applies_to)


def policy_detail(row: PackRow, others: Sequence[PackRow] = ()) -> None:
    """A pack and each of its rules, with the wording to quote and where it comes from."""
    from residentlog.deadlines.workdays import CALENDAR_LABELS

    pack = row.pack
    out(pack.title)
    out(f"  id:            {pack.id}")
    out(f"  version:       {pack.version}")
    out(f"  publisher:     {pack.publisher}")
    out(f"  for:           {pack.jurisdiction}")
    out(f"  in force:      {_in_force_text(pack)}")
    out(f"  source:        {pack.source}")
    out(f"  where:         {_where(row, markup=False)}")
    if pack.origin:
        out(f"  file:          {pack.origin}")
    if pack.example:
        out("  EXAMPLE PACK:  its figures are typical, not your landlord's; copy and adapt it")
    for other in others:
        when = _in_force_text(other.pack)
        out(f"  also:          version {other.pack.version}, {when}; {_where(other, markup=False)}")
    if pack.notes.strip():
        out("  notes:")
        for line in pack.notes.strip().splitlines():
            out(f"    {line}")
    for rule in pack.rules:
        out()
        out(f"Rule {rule.id}: {rule.title}")
        whose = "yours (the resident's)" if rule.party == "resident" else "the landlord's"
        out(f"  whose deadline: {whose}")
        out(f"  applies to:     {_match_text(rule)}")
        out(f"  clock:          starts when {' or '.join(rule.start)}; stops when {' or '.join(rule.stop)}")
        if rule.unit == "hours":
            counting = "round the clock"
        elif rule.calendar == "nation":
            counting = "working days and bank holidays of your nation"
        else:
            counting = f"bank holidays of {CALENDAR_LABELS[rule.calendar]}"
        out(f"  allowed:        {rule.allowed.describe()} ({counting})")
        extras = []
        if rule.unit != "hours":
            extras.append(f"day zero: {rule.day_zero}")
        if rule.after_hours is not None:
            extras.append(f"after {rule.after_hours:%H:%M} counts as the next working day")
        if rule.inclusive:
            extras.append("the first day counts as day 1")
        if rule.roll_forward:
            extras.append("a due date on a non-working day moves to the next working day")
        if extras:
            out(f"  counting:       {'; '.join(extras)}")
        ext = rule.extension
        if ext is not None:
            needs = [
                label
                for flag, label in (
                    (ext.reasons_required, "reasons"),
                    (ext.ombudsman_details_required, "the Ombudsman's details"),
                )
                if flag
            ]
            text = f"{ext.describe()}, recorded by {a_or_an(ext.event)} '{ext.event}' entry"
            if needs:
                text += f"; must give {' and '.join(needs)}"
            if ext.confidence:
                text += f" (confidence: {ext.confidence})"
            out(f"  extension:      {text}")
            if ext.note:
                out(f"                  {ext.note}")
        cit = rule.citation
        out(f"  source:         {cit.section}")
        out(f'                  "{cit.wording}"')
        for where_found in (cit.url, cit.document, *cit.see_also):
            if where_found:
                out(f"                  {where_found}")
        out(f"  confidence:     {cit.confidence}")
        if rule.notes:
            out(f"  notes:          {rule.notes}")
