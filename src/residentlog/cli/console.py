"""All terminal output: data to stdout, messages to stderr. The only module that imports rich.

Rich is imported only by the functions that draw tables, so quick commands such as ``add``
start without it. Times are shown in Europe/London local time.

Every piece of user text goes through :func:`residentlog.text.visible` first, so nothing is
hidden and nothing can move the cursor, recolour the terminal or forge a line.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from residentlog.ledger.when import format_local, from_rfc3339
from residentlog.text import HIDDEN_IN_TEXT, visible

if TYPE_CHECKING:
    from residentlog.integrity.verify import Report
    from residentlog.ledger.entry import Entry


def out(text: str = "") -> None:
    sys.stdout.write(visible(text, multiline=True) + "\n")


def err(text: str) -> None:
    sys.stderr.write(visible(text, multiline=True) + "\n")


def error(message: str) -> None:
    err(f"Error: {message}")


def print_json(data: Any) -> None:
    """JSON, exact: a control or bidi character in a string is written as its ``\\u`` escape."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    sys.stdout.write(HIDDEN_IN_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def when_text(record: dict[str, Any], short: bool = False) -> str:
    """When an entry happened, UK style: ``Sun 22 Nov 2026 18:00 GMT`` (``short``: no GMT/BST)."""
    instant = from_rfc3339(record["occurred_at"])
    return format_local(instant, record["occurred_precision"], zone=not short)


def _console(stderr: bool = False) -> Any:
    import os

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is not wrapped to a guessed 80 columns: files and other tools get whole lines.
    # Inside :func:`paged`, stdout is the pager, as wide as the terminal it shows on.
    width = getattr(stream, "columns", None) or (
        None if stream.isatty() or os.environ.get("COLUMNS") else 200
    )
    # No highlighting and no :emoji: codes: what a resident typed is shown as typed.
    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=False, width=width)


_LIST_HEADERS = ("#", "When (UK time)", "Kind", "Event", "Summary", "Case", "Notes")
_LIST_SUMMARY = 4  # the one column that wraps; the others are as wide as their widest cell
# Rich's HEAVY_HEAD box (what the list looked like when it was one Rich table), and ASCII.
_BOX_UTF8 = ("┏━┳┓", "┃┃┃", "┡━╇┩", "││││", "└─┴┘")
_BOX_ASCII = ("+-++", "|||", "+-++", "||||", "+-++")


def pager_command(no_pager: bool = False) -> list[str] | None:
    """The pager ``list`` writes through, like ``git log``: ``$PAGER`` (default ``less``, with
    ``LESS=FRX`` unless set: quit if it fits one screen, keep colours, leave the text on screen),
    only when stdout is a terminal; ``None`` with ``--no-pager``, when stdout is a file or a pipe,
    when ``$PAGER`` is empty or ``cat``, or when the pager's program cannot be found."""
    import os
    import shlex
    import shutil

    if no_pager or not sys.stdout.isatty():
        return None
    try:
        argv = shlex.split(os.environ.get("PAGER", "less"))
    except ValueError:
        return None
    if not argv or argv == ["cat"] or shutil.which(argv[0]) is None:
        return None
    return argv


def entries_table(views: list[Entry], *, no_pager: bool = False) -> None:
    """The list as a table, streamed: the column widths are measured first (one cheap pass),
    then each row is written as it is formatted, in chunks, through a pager on a terminal.

    Every cell is user text shown through :func:`visible` (single line: no control, bidi or
    line-break character reaches the terminal raw), and nothing is read as markup."""
    if not views:
        err("No entries match.")
        return
    stream_table(_LIST_HEADERS, [_list_cells(view) for view in views], wrap=_LIST_SUMMARY, no_pager=no_pager)
    err(f"{len(views)} entr{'y' if len(views) == 1 else 'ies'}.")


def stream_table(
    headers: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    *,
    wrap: int | tuple[int, ...],
    right: frozenset[int] = frozenset({0}),
    no_pager: bool = False,
    multiline: bool = False,
) -> None:
    """A table of any number of rows without building a Rich Table: each column as wide as its
    widest cell but the column(s) ``wrap``, which share the rest of the width and wrap; the
    columns in ``right`` are right-aligned. Written in chunks, through the pager on a terminal
    (:func:`pager_command`; inside :func:`paged`, into its pager). Every cell must already be
    shown through :func:`visible`: this writes cells as they are, and reads nothing as markup.

    ``multiline``: a cell may hold several lines, split at ``\n`` (only the caller's own breaks:
    :func:`visible` shows a newline in user text as ``\x0a``)."""
    wraps = (wrap,) if isinstance(wrap, int) else tuple(wrap)
    with paged(no_pager):
        _write_table(sys.stdout, headers, rows, _list_width(sys.stdout), wraps, right, multiline)


class _PagerStream(io.TextIOWrapper):
    """The pager's standard input, which knows the width of the terminal the pager shows on."""

    columns = 0


@contextmanager
def paged(no_pager: bool = False) -> Iterator[None]:
    """Everything written to stdout in the ``with`` block (:func:`out`, :func:`stream_table`, Rich
    tables) goes through the pager on a terminal (:func:`pager_command`), as one text; elsewhere,
    or with ``no_pager``, straight to stdout. The reader quitting the pager early ends the block
    quietly. Messages (stderr) are not paged."""
    import os
    import subprocess

    argv = pager_command(no_pager)
    if argv is None:
        yield
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    encoding = sys.stdout.encoding or "utf-8"
    width = _list_width(sys.stdout)
    sys.stdout.flush()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    stream = _PagerStream(proc.stdin, encoding=encoding, errors="replace", write_through=False)
    stream.columns = width
    terminal = sys.stdout
    sys.stdout = stream
    try:
        yield
        stream.close()
    except BrokenPipeError:  # the reader quit the pager before the end: that is fine
        pass
    except KeyboardInterrupt:
        pass
    finally:
        sys.stdout = terminal
        try:
            stream.close()
        except (BrokenPipeError, ValueError):
            pass
        proc.wait()


def _list_cells(view: Entry) -> tuple[str, ...]:
    rec = view.record
    notes = []
    if view.amended:
        notes.append("amended")
    if rec["attachments"]:
        notes.append(f"{len(rec['attachments'])} file{'s' if len(rec['attachments']) > 1 else ''}")
    fields = rec["fields"]
    event = fields.get("event") or fields.get("step") or fields.get("direction", "")
    if rec["kind"] == "complaint":
        event = f"stage {fields.get('stage')} {event}"
    return (
        str(view.num),
        visible(when_text(rec, short=True)),
        visible(rec["kind"]),
        visible(str(event)),
        visible(rec["summary"]),
        visible(rec["case"]),
        ", ".join(notes),
    )


def _list_width(stream: Any) -> int:
    """The width to fit: the terminal's; piped output is not wrapped to a guessed 80 columns
    (``COLUMNS`` if set, else 200), so files and other tools get whole lines."""
    import os
    import shutil

    pager = getattr(stream, "columns", None)  # the pager of :func:`paged`
    if isinstance(pager, int) and pager > 0:
        return pager
    if stream.isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 200


def _write_table(
    stream: Any,
    headers: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    width: int,
    wraps: tuple[int, ...],
    right: frozenset[int],
    multiline: bool = False,
) -> None:
    from rich.cells import cell_len, chop_cells

    def cells(text: str) -> int:
        return len(text) if text.isascii() else cell_len(text)

    ascii_only = not (getattr(stream, "encoding", None) or "").lower().startswith("utf")
    top, head, rule, line, bottom = _BOX_ASCII if ascii_only else _BOX_UTF8
    widths = [cell_len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            n = max(map(cells, cell.split("\n"))) if multiline and "\n" in cell else cells(cell)
            if n > widths[i]:
                widths[i] = n
    # The wrapped columns (the summary) take what is left of the width (borders: one per column
    # plus one, and a space each side of a cell but the outer ones), never narrower than 20 cells
    # (a narrow terminal wraps the line rather than leave a summary unreadable). Nothing is cut
    # off: a word longer than the column is folded onto the next line.
    others = sum(w for i, w in enumerate(widths) if i not in wraps)
    chrome = len(widths) + 1 + 2 * (len(widths) - 1)
    room = width - others - chrome
    narrowest = sorted(wraps, key=lambda i: widths[i])
    for k, i in enumerate(narrowest):  # one wrapped column: min(its width, max(20, room))
        widths[i] = min(widths[i], max(20, room // (len(narrowest) - k)))
        room -= widths[i]
    last = len(widths) - 1

    def pad(i: int, cell: str) -> str:
        gap = widths[i] - cells(cell)
        return " " * gap + cell if i in right else cell + " " * gap

    def join(texts: Sequence[str], left: str, mid: str, right: str) -> str:
        parts = [(" " if i else "") + pad(i, c) + (" " if i < last else "") for i, c in enumerate(texts)]
        return left + mid.join(parts) + right + "\n"

    def border(left: str, fill: str, mid: str, right: str) -> str:
        parts = [fill * (w + (1 if i else 0) + (1 if i < last else 0)) for i, w in enumerate(widths)]
        return left + mid.join(parts) + right + "\n"

    wrapped: dict[tuple[int, str], list[str]] = {}  # rows often repeat a cell (a rule's name)

    def lines_of(i: int, cell: str) -> list[str]:
        """A cell's lines: split at its own breaks (``multiline``), a wrapped column wrapped."""
        parts = cell.split("\n") if multiline else [cell]
        if i not in wraps:
            return parts
        lines: list[str] = []
        for part in parts:
            if cells(part) <= widths[i]:
                lines.append(part)
                continue
            key = (i, part)
            if key not in wrapped:
                if len(wrapped) >= 4096:  # unique long summaries: keep the memory flat
                    wrapped.clear()
                wrapped[key] = _wrap(part, widths[i], chop_cells)
            lines += wrapped[key]
        return lines

    # The usual row, one line of ASCII cells (each as wide as it is long): padded by str.format,
    # as join pads it (a table of a lift's 25,000 breakdowns is written in a third of the time).
    specs = [
        (" " if i else "") + ("{:>%d}" if i in right else "{:<%d}") % w + (" " if i < last else "")
        for i, w in enumerate(widths)
    ]
    ascii_row = line[0] + line[1].join(specs) + line[3] + "\n"  # (no box character is a brace)
    stream.write(border(top[0], top[1], top[2], top[3]))
    stream.write(join(headers, head[0], head[1], head[2]))
    stream.write(border(rule[0], rule[1], rule[2], rule[3]))
    chunk: list[str] = []
    for row in rows:
        if not multiline and "".join(row).isascii() and all(len(row[i]) <= widths[i] for i in wraps):
            chunk.append(ascii_row.format(*row))
        elif not multiline and all(cells(row[i]) <= widths[i] for i in wraps):
            chunk.append(join(row, line[0], line[1], line[3]))  # one line
        else:
            columns = [lines_of(i, cell) for i, cell in enumerate(row)]
            for k in range(max(map(len, columns))):
                chunk.append(join([c[k] if k < len(c) else "" for c in columns], line[0], line[1], line[3]))
        if len(chunk) >= 256:
            stream.write("".join(chunk))
            chunk.clear()
    chunk.append(border(bottom[0], "─" if not ascii_only else "-", bottom[2], bottom[3]))
    stream.write("".join(chunk))
    stream.flush()


def _wrap(text: str, width: int, chop_cells: Callable[[str, int], list[str]]) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words where it can be."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(chop_cells(candidate, width)) == 1:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = chop_cells(word, width) or [""]
        lines.extend(pieces[:-1])
        current = pieces[-1]
    lines.append(current)
    return lines


def entry_detail(view: Entry) -> None:
    out(f"Entry {view.num}{'  (amended: showing the corrected version)' if view.amended else ''}")
    _record_lines(view.record)
    out(f"  hash:        {view.hash}")
    if view.amended:
        out(f"  versions:    {view.versions} (see every version with --history)")


def entry_history(num: int, versions: list[tuple[dict[str, Any], str]]) -> None:
    for i, (rec, digest) in enumerate(versions, 1):
        label = "original" if i == 1 else f"correction {i - 1}"
        out(f"Entry {num}, version {i} ({label}), ledger record {rec['seq']}")
        if rec["reason"]:
            out(f"  corrected because: {visible(rec['reason'])}")
        _record_lines(rec)
        out(f"  hash:        {digest}")
        out()


def _field_value(key: str, value: Any) -> str:
    """A kind-specific field as a resident reads it: ``yes``/``no``, pounds, minutes."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "amount_pence" and isinstance(value, int):
        return f"£{value // 100:,}.{value % 100:02d}"
    return visible(str(value))


def _record_lines(rec: dict[str, Any]) -> None:
    """One line per field; every value typed by a resident is one line, controls made visible."""
    v = visible
    recorded = format_local(from_rfc3339(rec["recorded_at"]))
    out(f"  kind:        {v(rec['kind'])}")
    out(
        f"  happened:    {when_text(rec)}"
        + (f"  (entered as {rec['occurred_text']!r})" if rec["occurred_text"] else "")
    )
    out(f"  recorded:    {recorded}")
    out(f"  summary:     {v(rec['summary'])}")
    if rec["case"]:
        out(f"  case:        {v(rec['case'])}")
    if rec["location"]:
        out(f"  location:    {v(rec['location'])}")
    for key, value in rec["fields"].items():
        label = "amount" if key == "amount_pence" else v(key).replace("_", " ")
        out(f"  {label + ':':<12} {_field_value(key, value)}")
    if rec["tags"]:
        out(f"  tags:        {v(', '.join(rec['tags']))}")
    for ref in rec["refs"]:
        out(f"  reference:   {v(ref['by'])} {v(ref['ref'])}")
    if rec["links"]:
        out(f"  see also:    {', '.join('entry ' + str(n) for n in rec['links'])}")
    for att in rec["attachments"]:
        out(f"  attachment:  {v(att['name'])} ({att['size']:,} bytes, sha256 {v(att['sha256'])})")
    if rec["details"]:
        out("  details:")
        for line in v(rec["details"], multiline=True).split("\n"):
            out(f"    {line}")


def verify_report(report: Report) -> None:
    if report.ok:
        out(f"OK: the ledger verifies. {report.size} record{'s' if report.size != 1 else ''}.")
        out(f"  root:        {report.as_json()['root']}")
        if report.checkpoints_checked:
            out(f"  checkpoints: {report.checkpoints_checked} checked, all consistent")
        if report.anchor:
            issued = format_local(from_rfc3339(report.anchor_issued_at or ""), "day")
            first = "record 1" if report.anchor == 1 else f"records 1–{report.anchor}"
            out(
                f"  {first} unchanged since the checkpoint of {issued}, when they were read in full "
                "(--full reads them again)"
            )
        return
    err(f"FAILED: {report.findings[0]}")
    for finding in report.findings[1:20]:
        err(f"  also: {finding}")
    if len(report.findings) > 20:
        err(f"  … and {len(report.findings) - 20} more problems (use --json to see all)")


def markup(text: object) -> str:
    """Text for a Rich table cell: shown as typed, never read as markup, no control characters."""
    from rich.markup import escape

    return escape(visible(str(text)))


class ProgressBar:
    """A progress bar on stderr, drawn only on a terminal (never into a pipe or a file):
    ``with ProgressBar("Importing") as bar: bar.start(total); ... bar.advance()``."""

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=_console(stderr=True),
                transient=True,
            )
            self._bar.start()
        return self

    def start(self, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(self.label, total=total)

    def advance(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def evidence_table(rows: list[tuple[str, ...]], headings: tuple[str, ...]) -> None:
    """The result of ``import-evidence``: one row per source item, every cell user text."""
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    for heading in headings:
        table.add_column(heading, no_wrap=heading not in ("Summary", "Source"), justify="left")
    for row in rows:
        table.add_row(*(markup(cell) for cell in row))
    _console().print(table)


def reconcile_report(rec: Any) -> None:
    """``reconcile``: the landlord's files, the counts per kind, every match with its reason,
    then each finding (a :class:`residentlog.documents.reconcile.Reconciliation`)."""
    from residentlog.documents.reconcile import TITLES
    from residentlog.documents.wording import long_date
    from residentlog.ledger.vocabulary import kind_title

    for s in rec.sources:
        out(f"Landlord's records: entry {s.entry.num}, {s.source} ({s.file}, {len(s.sheet.records)} rows)")
    for b in rec.bad:
        out(f"  Row not read: {b}")
    out(
        f"Period: {long_date(rec.period[0])} to {long_date(rec.period[1])}; "
        f"tolerance {rec.tolerance_days} days"
    )
    out()
    evidence_table(
        [(kind_title(h.kind), str(h.landlord), str(h.incidents), str(h.reports)) for h in rec.headlines],
        ("Kind", "Landlord's records", "Incidents in my log", "Reports in my log"),
    )
    out()
    rows = [(m.row.record, str(m.entry.num) if m.entry else "", m.reason) for m in rec.matches] + [
        (r.record, "", "no match in my log") for r in rec.unmatched
    ]
    evidence_table(
        [(r.ref, f"{r.reported:%d/%m/%Y}", r.kind or "", num, why) for r, num, why in rows],
        ("Ref", "Logged", "Kind", "Entry", "Summary"),
    )
    for type_, title in TITLES.items():
        found = rec.of(type_)
        if found:
            out()
            out(f"{title.format(recur=rec.recur_days)} ({len(found)}):")
            for f in found:
                out(f"- {f.text}")


class Working:
    """A spinner on stderr naming what is being done, for work with no count to show (reading
    and checking the ledger, working out the clocks, typesetting a PDF): drawn only on a terminal,
    and only once the work has taken ``delay`` seconds, so nothing flickers past on a quick
    command; gone when the block ends, before anything is printed. ``step(text)`` names the next
    stage. ``with Working("Reading the ledger") as w: ...; w.step("Typesetting the PDF")``."""

    def __init__(self, label: str, *, delay: float = 1.0) -> None:
        self.label = label
        self.delay = delay
        self._status: Any = None
        self._timer: Any = None
        self._lock: Any = None

    def __enter__(self) -> Working:
        if sys.stderr.isatty():
            import threading

            self._lock = threading.Lock()
            self._status = _console(stderr=True).status(markup(self.label))
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _show(self) -> None:
        with self._lock:
            if self._status is not None:
                self._status.start()

    def step(self, label: str) -> None:
        self.label = label
        if self._status is not None:
            with self._lock:
                self._status.update(markup(label))

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
            with self._lock:
                self._status.stop()
                self._status = None
