"""Recording a letter as sent: the outgoing ``contact`` entry, with the letter attached."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.documents.letters.types import letter_type
from residentlog.documents.markup import md_unescape
from residentlog.errors import InputError

if TYPE_CHECKING:
    from residentlog.documents.letters.compose import Letter
    from residentlog.ledger.add import Added
    from residentlog.ledger.store import Store

#: How the summary of a sent letter's entry starts (so a later letter does not enclose it again).
SENT_PREFIX = "Sent letter:"


def record_letter(
    store: Store,
    letter: Letter,
    *,
    channel: str = "letter",
    attach: Path | None = None,
    now: datetime | None = None,
) -> Added:
    """Append the ``contact`` entry for a letter sent: outgoing, the letter attached.

    ``attach`` is the file holding the letter's bytes (the -o file); without it the bytes are
    written to a temporary file named after the letter, which the store copies in.
    """
    from residentlog.ledger.add import add_entry

    if channel not in ("letter", "email"):
        raise InputError(f"must be letter or email, not {channel!r}", field="channel")
    ctx = letter.context
    cases = [md_unescape(c) for c in ctx["cases"]]
    lt = letter_type(letter.type)
    about = f" about {', '.join(cases)}" if cases else ""
    summary = f"{SENT_PREFIX} {lt.name} ({lt.title}){about}"
    if len(summary) > 300:
        summary = summary[:299] + "…"
    cp = ctx["checkpoint"]
    details = "\n".join(
        [
            f"Letter: {lt.name} ({lt.title}), format {letter.fmt}, sent by {channel}.",
            f"Template: {letter.template} ({letter.template_source or 'unknown'}).",
            f"Checkpoint printed in the letter: size {cp['size']}, root {cp['root']}.",
            "Policy packs quoted: " + (", ".join(ctx["_packs"]) or "none") + ".",
            "Entries cited: " + (_ranges(ctx["_entries"]) or "none") + ".",
        ]
    )
    links = list(ctx["_entries"]) if len(ctx["_entries"]) <= 100 else []
    fields: dict[str, Any] = {"direction": "out", "channel": channel, "letter": lt.name}
    if lt.event:
        fields["event"] = lt.event
    if lt.category:
        fields["category"] = lt.category
    content: dict[str, Any] = {"kind": "contact", "summary": summary, "details": details, "fields": fields}
    if len(cases) == 1:
        content["case"] = cases[0]
    if links:
        content["links"] = links
    if attach is not None:
        return add_entry(store, content, when_text=None, attach=[attach], now=now)
    tmp = Path(tempfile.mkdtemp(prefix="residentlog-letter-"))
    try:
        path = tmp / letter.file_name
        path.write_bytes(letter.data)
        return add_entry(store, content, when_text=None, attach=[path], now=now)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ranges(nums: Sequence[int]) -> str:
    """``1-3, 7, 9-10``."""
    out: list[str] = []
    start = prev = None
    for n in sorted(nums):
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)
