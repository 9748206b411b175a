"""What a document's file name says about its format: the one suffix table for every document.

``.htm`` and ``.html`` mean HTML, ``.md`` and ``.markdown`` Markdown, and so on, for a chronology
and a letter alike. A name whose suffix means a format the document cannot be written in is
refused, never written in another format; a name with no suffix known here is Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from residentlog.errors import InputError

#: Each file-name suffix (lower case) a document format is known by.
SUFFIXES: dict[str, str] = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".csv": "csv",
    ".json": "json",
}
DEFAULT = "md"


def choose_format(fmt: str | None, output: Path | None, formats: Sequence[str], document: str) -> str:
    """The format to write ``document`` (``"chronology"``, ``"letter"``) in: ``fmt`` if given,
    else what ``output``'s suffix means, else Markdown; always one of ``formats``."""
    if fmt is not None:
        fmt = fmt.strip().lower()
        if fmt not in formats:
            raise InputError(f"choose one of {', '.join(formats)}, not {fmt!r}", field="format")
        return fmt
    named = SUFFIXES.get(output.suffix.lower(), DEFAULT) if output is not None else DEFAULT
    if named not in formats:
        raise InputError(
            f"{output}: a {document} cannot be written as {named}; give a name ending "
            f"{', '.join(s for s, f in SUFFIXES.items() if f in formats)}, or give the format",
            field="output",
        )
    return named
