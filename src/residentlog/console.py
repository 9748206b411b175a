"""All terminal output: data to stdout, messages to stderr. The only module that imports rich.

Rich is imported only by the functions that draw tables, so quick commands such as ``add``
start without it. Times are shown in Europe/London local time.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from .when import format_local, format_local_short, from_rfc3339

if TYPE_CHECKING:
    from .verify import Report
    from .views import EntryView


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def error(message: str) -> None:
    err(f"Error: {message}")


def print_json(data: Any) -> None:
    out(json.dumps(data, ensure_ascii=False, indent=2))


def when_text(record: dict[str, Any], short: bool = False) -> str:
    instant = from_rfc3339(record["occurred_at"])
    fmt = format_local_short if short else format_local
    return fmt(instant, record["occurred_precision"])


def _console(stderr: bool = False) -> Any:
    import os

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is not wrapped to a guessed 80 columns: files and other tools get whole lines.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def entries_table(views: list[EntryView]) -> None:
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
            when_text(rec, short=True),
            rec["kind"],
            _escape(str(event)),
            _escape(rec["summary"]),
            _escape(rec["case"]),
            ", ".join(notes),
        )
    _console().print(table)
    err(f"{len(views)} entr{'y' if len(views) == 1 else 'ies'}.")


def entry_detail(view: EntryView) -> None:
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
            out(f"  corrected because: {rec['reason']}")
        _record_lines(rec)
        out(f"  hash:        {digest}")
        out()


def _record_lines(rec: dict[str, Any]) -> None:
    recorded = format_local(from_rfc3339(rec["recorded_at"]))
    out(f"  kind:        {rec['kind']}")
    out(
        f"  happened:    {when_text(rec)}"
        + (f"  (entered as {rec['occurred_text']!r})" if rec["occurred_text"] else "")
    )
    out(f"  recorded:    {recorded}")
    out(f"  summary:     {rec['summary']}")
    if rec["case"]:
        out(f"  case:        {rec['case']}")
    if rec["location"]:
        out(f"  location:    {rec['location']}")
    for key, value in rec["fields"].items():
        if key == "amount_pence":
            key, value = "amount", f"£{value // 100:,}.{value % 100:02d}"
        out(f"  {key.replace('_', ' ') + ':':<12} {value}")
    if rec["tags"]:
        out(f"  tags:        {', '.join(rec['tags'])}")
    for ref in rec["refs"]:
        out(f"  reference:   {ref['by']} {ref['ref']}")
    if rec["links"]:
        out(f"  see also:    {', '.join('entry ' + str(n) for n in rec['links'])}")
    for att in rec["attachments"]:
        out(f"  attachment:  {att['name']} ({att['size']:,} bytes, sha256 {att['sha256']})")
    if rec["details"]:
        out("  details:")
        for line in rec["details"].splitlines() or [""]:
            out(f"    {line}")


def verify_report(report: Report) -> None:
    if report.ok:
        out(f"OK: the ledger verifies. {report.size} record{'s' if report.size != 1 else ''}.")
        out(f"  root:        {report.as_json()['root']}")
        if report.first_occurred and report.last_occurred:
            first = format_local(from_rfc3339(report.first_occurred), "day")
            last = format_local(from_rfc3339(report.last_occurred), "day")
            out(f"  events from: {first} to {last}")
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


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
