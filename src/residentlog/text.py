"""Which characters are never shown raw, and how they are shown: the one place that decides.

C0 controls, DEL, C1 controls, the bidi embeddings, overrides and isolates, and in single-line
text also newline, tab and the line and paragraph separators. :mod:`residentlog.ledger.vocabulary`
refuses the same characters at input; old records may still hold them, so every output
(terminal, Markdown, HTML, PDF, DOCX, CSV) shows each as ``\\x1b`` / ``\\u202e`` notation.
"""

from __future__ import annotations

import re

_C0_C1 = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 controls but tab and newline, DEL, C1 controls
_BIDI = "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
_BREAKS = "\t\n\u2028\u2029"  # tab, newline, line and paragraph separators
#: Refused in any text at input (tab and newline are allowed where text may have several lines).
CONTROLS = re.compile(f"[{_C0_C1}]")
#: Refused in single-line text at input; never shown raw in a single-line field.
HIDDEN_IN_LINE = re.compile(f"[{_C0_C1}{_BIDI}{_BREAKS}]")
#: Never shown raw in multi-line text (bidi controls, which old records or details may hold, too).
HIDDEN_IN_TEXT = re.compile(f"[{_C0_C1}{_BIDI}]")


def notation(char: str) -> str:
    """How a hidden character is shown: ``\\x1b``, ``\\x9b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control (and, in a single line, bidi) character shown as notation."""
    if text.isascii() and text.isprintable():  # most text: nothing hidden (all are unprintable or not ASCII)
        return text
    pattern = HIDDEN_IN_TEXT if multiline else HIDDEN_IN_LINE
    return pattern.sub(lambda m: notation(m.group()), text)


def a_or_an(word: str) -> str:
    """The indefinite article before ``word``: ``a`` lift, ``an`` extended, ``an`` asb."""
    return "an" if word[:1].lower() in ("a", "e", "i", "o", "u") else "a"
