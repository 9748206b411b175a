"""The letter text format: a small Markdown subset, parsed into blocks for every other format.

A letter's template renders this text once (see :mod:`residentlog.documents.letters`): ``#`` headings,
paragraphs (two trailing spaces or a backslash end a line), ``-`` and ``1.`` lists, ``**bold**``,
fenced blocks, backslash escapes, and ``::: name`` ... ``:::`` boxes that name a part of the
letter. :func:`md_escape` makes user text inert in it; :func:`parse_blocks` reads it into
:class:`Block` s, from which the plain text (:func:`blocks_to_text`) and the Word document
(:func:`blocks_to_docx`) are written; :func:`markdown_text` is the Markdown without the box lines.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from residentlog.text import HIDDEN_IN_LINE, HIDDEN_IN_TEXT, visible

_MD_ANYWHERE = re.compile(r"([\\`*<&\[\]|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-:|])", re.MULTILINE)
_MD_NUMBER_START = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
#: Anything :func:`md_escape` would change (a character to escape, a line start to escape, a
#: character to show as notation), in single-line and multi-line text: text with none of it is
#: returned as it is, after one scan instead of four substitutions.
_MD_CHANGES = r"[\\`*<&\[\]|]|^\s*[#>+\-:|]|^\s*\d+[.)]|"
_MD_ANY = (
    re.compile(_MD_CHANGES + HIDDEN_IN_LINE.pattern, re.MULTILINE),
    re.compile(_MD_CHANGES + HIDDEN_IN_TEXT.pattern, re.MULTILINE),
)


def md_escape(text: str, *, multiline: bool = False) -> str:
    """User text made inert in Markdown (letters and the chronology): it can never add a heading,
    list, bold, table cell, link or HTML (``<script>`` becomes ``\\<script>``, shown as typed), and
    control characters are shown as ``\\x1b`` notation (a newline too, unless ``multiline``)."""
    if _MD_ANY[multiline].search(text) is None:  # most text: one scan, nothing to change
        return text
    text = _MD_ANYWHERE.sub(r"\\\1", visible(text, multiline=multiline))
    text = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _MD_NUMBER_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def md_unescape(text: str) -> str:
    """Escaped text as typed again (``Flat 1\\-2`` -> ``Flat 1-2``): for what leaves Markdown, such
    as a checkpoint's recipient, a document's author or a case name put back into an entry."""
    return re.sub(r"\\(.)", r"\1", text)


Run = tuple[str, bool]  # text, bold
Line = list[Run]


@dataclass
class Block:
    """One block of a letter: heading, para, bullets, numbers, pre or box (a named group)."""

    kind: str
    level: int = 0
    lines: list[Line] = field(default_factory=list)  # heading, para
    items: list[tuple[str, list[Line]]] = field(default_factory=list)  # lists: (number, lines)
    text: str = ""  # pre
    name: str = ""  # box
    children: list[Block] = field(default_factory=list)  # box

    def plain(self) -> str:
        return "\n".join(_plain(line) for line in self.lines)


_HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^(\d{1,4})[.)]\s+(.*)$")
_BOX_OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*$")
_ESCAPABLE = frozenset("\\`*_{}[]()#+-.!:|>~<\"'&")


def _plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def _hard_break(raw: str) -> bool:
    if raw.endswith("  "):
        return True
    stripped = raw.rstrip(" ")
    trailing = len(stripped) - len(stripped.rstrip("\\"))
    return trailing % 2 == 1


def _inline(raw_lines: Sequence[str]) -> list[Line]:
    """Lines of a paragraph -> lines of runs: soft breaks joined, hard breaks kept, escapes, bold."""
    parts: list[str] = []
    for i, raw in enumerate(raw_lines):
        brk = _hard_break(raw) and i < len(raw_lines) - 1
        text = raw.strip()
        if _hard_break(raw) and text.endswith("\\") and not raw.endswith("  "):
            text = text[:-1].rstrip()
        parts.append(text + ("\n" if brk else ("" if i == len(raw_lines) - 1 else " ")))
    text = "".join(parts)
    runs: list[Run] = []
    buf: list[str] = []
    bold = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            buf.append(text[i + 1])
            i += 2
            continue
        if text.startswith("**", i) and (bold or text.find("**", i + 2) != -1):
            if buf:
                runs.append(("".join(buf), bold))
                buf = []
            bold = not bold
            i += 2
            continue
        buf.append(ch)
        i += 1
    if buf:
        runs.append(("".join(buf), bold))
    lines: list[Line] = [[]]
    for run_text, run_bold in runs:
        pieces = run_text.split("\n")
        for j, piece in enumerate(pieces):
            if j:
                lines.append([])
            if piece:
                lines[-1].append((piece, run_bold))
    return lines


def parse_blocks(text: str) -> list[Block]:
    """Parse a letter's Markdown (the subset described in the module docs) into blocks."""
    root: list[Block] = []
    stack: list[list[Block]] = [root]
    para: list[str] = []
    items: list[tuple[str, list[str]]] = []
    list_kind = ""
    fence: list[str] | None = None

    def flush() -> None:
        nonlocal para, items, list_kind
        if para:
            stack[-1].append(Block("para", lines=_inline(para)))
            para = []
        if items:
            stack[-1].append(Block(list_kind, items=[(n, _inline(lines)) for n, lines in items]))
            items = []
            list_kind = ""

    for raw in text.replace("\r\n", "\n").split("\n"):
        stripped = raw.strip()
        if fence is not None:
            if stripped.startswith("```"):
                stack[-1].append(Block("pre", text="\n".join(fence)))
                fence = None
            else:
                fence.append(raw)
            continue
        if stripped.startswith("```"):
            flush()
            fence = []
            continue
        box = _BOX_OPEN.match(stripped)
        if box:
            flush()
            block = Block("box", name=box.group(1))
            stack[-1].append(block)
            stack.append(block.children)
            continue
        if stripped == ":::" and len(stack) > 1:
            flush()
            stack.pop()
            continue
        if not stripped:
            flush()
            continue
        heading = _HEADING.match(raw)
        if heading:
            flush()
            stack[-1].append(Block("heading", level=len(heading.group(1)), lines=_inline([heading.group(2)])))
            continue
        bullet = _BULLET.match(raw)
        number = _NUMBER.match(raw)
        if number and para and number.group(1) != "1":
            number = None  # as in CommonMark, only "1." may start a list inside a paragraph
        if bullet or number:
            kind = "bullets" if bullet else "numbers"
            if para or (items and list_kind != kind):
                flush()
            list_kind = kind
            if bullet:
                items.append(("", [bullet.group(1)]))
            else:
                assert number is not None
                items.append((number.group(1), [number.group(2)]))
            continue
        if items:  # a continuation line of the last item
            items[-1][1].append(raw.strip() + ("  " if raw.endswith("  ") else ""))
            continue
        para.append(raw)
    if fence is not None:
        stack[-1].append(Block("pre", text="\n".join(fence)))
    flush()
    return root


def markdown_text(text: str) -> str:
    """The letter as Markdown: the template's output without the ``:::`` box lines."""
    out: list[str] = []
    in_fence = False
    for raw in text.replace("\r\n", "\n").split("\n"):
        stripped = raw.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (_BOX_OPEN.match(stripped) or stripped == ":::"):
            continue
        out.append(raw)
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")
    return result + "\n"


def blocks_to_text(blocks: Sequence[Block]) -> str:
    """Plain text: headings underlined, lists with '-' or their numbers, no markup."""
    parts: list[str] = []

    def walk(items: Sequence[Block]) -> None:
        for b in items:
            if b.kind == "box":
                walk(b.children)
            elif b.kind == "heading":
                title = b.plain().replace("\n", " ")
                if b.level <= 2:
                    title += "\n" + ("=" if b.level == 1 else "-") * len(title)
                parts.append(title)
            elif b.kind == "para":
                parts.append(b.plain())
            elif b.kind in ("bullets", "numbers"):
                rows = []
                for number, lines in b.items:
                    marker = "- " if b.kind == "bullets" else f"{number}. "
                    text = "\n".join(_plain(line) for line in lines)
                    rows.append(marker + text.replace("\n", "\n" + " " * len(marker)))
                parts.append("\n".join(rows))
            elif b.kind == "pre":
                parts.append("\n".join("    " + line for line in b.text.split("\n")))

    walk(blocks)
    return "\n\n".join(parts) + "\n"


def blocks_to_docx(blocks: Sequence[Block], *, title: str, author: str, now: datetime) -> bytes:
    """A Word document with the letter's headings, paragraphs and lists, on A4."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for level, size in ((1, 13), (2, 12), (3, 11)):
        style = document.styles[f"Heading {level}"]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = now.replace(tzinfo=None)
    props.revision = 1

    def add_runs(paragraph: Any, lines: Sequence[Line]) -> None:
        for i, line in enumerate(lines):
            if i:
                paragraph.add_run().add_break()
            for text, bold in line:
                run = paragraph.add_run(text)
                run.bold = bold or None

    def walk(items: Sequence[Block], box: str) -> None:
        for b in items:
            if b.kind == "box":
                walk(b.children, b.name)
            elif b.kind == "heading":
                heading = document.add_heading(level=b.level)
                add_runs(heading, b.lines)
            elif b.kind == "para":
                paragraph = document.add_paragraph()
                add_runs(paragraph, b.lines)
                if box in ("sender", "date"):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif b.kind == "bullets":
                for _, lines in b.items:
                    add_runs(document.add_paragraph(style="List Bullet"), lines)
            elif b.kind == "numbers":
                for number, lines in b.items:
                    paragraph = document.add_paragraph()
                    paragraph.paragraph_format.left_indent = Mm(8)
                    paragraph.paragraph_format.first_line_indent = Mm(-8)
                    paragraph.add_run(f"{number}.\t")
                    add_runs(paragraph, lines)
            elif b.kind == "pre":
                paragraph = document.add_paragraph()
                for i, line in enumerate(b.text.split("\n")):
                    if i:
                        paragraph.add_run().add_break()
                    run = paragraph.add_run(line)
                    run.font.name = "Courier New"
                    run.font.size = Pt(9)

    walk(blocks, "")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
