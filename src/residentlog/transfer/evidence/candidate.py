"""What a reader makes of one source: a candidate entry, or why the source is bad.

A candidate's provenance (where it came from, the email's Message-ID, the DKIM result, the
camera) is written into ``details`` as labelled lines, so it is part of the hashed record: a
verifier sees exactly what the import said. The labels a later import reads back to find
what is already in the log are :data:`MESSAGE_ID` and :data:`ROW_KEY`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from residentlog.ledger.when import When

#: The tag every imported entry carries, and the first line of its details.
IMPORTED_TAG = "imported"
IMPORTED_FROM = "Imported from: "
MESSAGE_ID = "Message-ID: "
ROW_KEY = "Row key: "

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029\x0b\x0c\x85]+")


@dataclass
class Candidate:
    """One entry a source would become: its content (as ``add`` takes it), when it happened,
    the files to attach, and the keys that say it is already in the log."""

    source: str  # the file, or "inbox.mbox, message 3": what the report names
    content: dict[str, Any]
    when: When
    files: list[Path] = field(default_factory=list)
    #: ``sha256:<hex>`` of the source's bytes, ``message-id:<id>``, ``row:<key>``: any one
    #: already in the log means this candidate is a re-import, and adds nothing.
    keys: tuple[str, ...] = ()
    #: Message-IDs this email replies to: linked to their entries when they are in the log.
    replies_to: tuple[str, ...] = ()
    #: Facts kept out of the record's text and shown only when asked (a photo's GPS position).
    private: dict[str, str] = field(default_factory=dict)
    message_id: str = ""


@dataclass(frozen=True)
class Bad:
    """A source that cannot be imported, and why (the rest of the import goes on)."""

    source: str
    reason: str


def one_line(text: str, limit: int) -> str:
    """Text from a file as one clean line: NFC, no controls or bidi characters, at most ``limit``."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub(" ", text)
    text = _CONTROLS.sub("", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def multi_line(text: str, limit: int) -> str:
    """Text from a file as multi-line details: ``\\n`` line ends, no other control character."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if len(text) > limit:
        text = text[: limit - 60].rstrip() + "\n[… cut here: the whole original is attached]"
    return text


def safe_file_name(name: str, fallback: str) -> str:
    """A name an attachment may carry: no folder part, no control or bidi character."""
    name = one_line(name.replace("\\", "/").rsplit("/", 1)[-1], 120).strip(". ")
    return name or fallback


def labelled(pairs: list[tuple[str, str]]) -> str:
    """``Label: value`` lines, skipping empty values."""
    return "\n".join(f"{label}: {value}" for label, value in pairs if value)
