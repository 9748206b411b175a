"""All terminal output: data to stdout, messages to stderr. The only module that imports rich.

Rich is imported only by the functions that draw tables, so quick commands such as ``add``
start without it. Times are shown in Europe/London local time.

Every piece of user text goes through :func:`residentlog.text.visible` first, so nothing is
hidden and nothing can move the cursor, recolour the terminal or forge a line.
"""

from __future__ import annotations

import json
import sys
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
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    # No highlighting and no :emoji: codes: what a resident typed is shown as typed.
    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=False, width=width)


def entries_table(views: list[Entry]) -> None:
    from rich.table import Table

    if not views:
        err("No entries match.")
        return
    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("When (UK time)", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Event", no_wrap=True)
    table.add_column("Summary")
    table.add_column("Case", no_wrap=True)
    table.add_column("Notes", no_wrap=True)
    for view in views:
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
        table.add_row(
            str(view.num),
            markup(when_text(rec, short=True)),
            markup(rec["kind"]),
            markup(str(event)),
            markup(rec["summary"]),
            markup(rec["case"]),
            ", ".join(notes),
        )
    _console().print(table)
    err(f"{len(views)} entr{'y' if len(views) == 1 else 'ies'}.")


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
