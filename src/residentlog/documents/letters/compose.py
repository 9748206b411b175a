"""A letter in every format, from one rendering of its text template.

The text template renders the letter once, in the Markdown subset of
:mod:`residentlog.documents.markup`; ``md`` is that text without the box lines, and ``txt``, the
HTML page (``letters/letter.html.j2``, or ``letters/<type>.html.j2`` if present), the PDF (from
the same HTML) and the DOCX are built from its parsed blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.documents.letters.context import letter_context
from residentlog.documents.letters.types import LETTERS_DIR, letter_type
from residentlog.documents.markup import (
    Block,
    blocks_to_docx,
    blocks_to_text,
    markdown_text,
    md_unescape,
    parse_blocks,
)
from residentlog.documents.render import check_template, render, template_source
from residentlog.documents.wording import uk_time
from residentlog.errors import InputError

if TYPE_CHECKING:
    from residentlog.ledger.store import Store

FORMATS: tuple[str, ...] = ("md", "txt", "html", "pdf", "docx")
BINARY_FORMATS: frozenset[str] = frozenset({"pdf", "docx"})
PAGE_TEMPLATE = f"{LETTERS_DIR}/letter.html.j2"


@dataclass(frozen=True)
class Letter:
    """A rendered letter, with what went into it (for the record and for warnings)."""

    type: str
    fmt: str
    data: bytes
    template: str
    template_source: str  # "shipped" or "store"
    context: Mapping[str, Any]
    warnings: tuple[str, ...]

    @property
    def file_name(self) -> str:
        day = self.context["_today_iso"]
        return f"{self.type}-{day}.{self.fmt}"


def build_letter(
    store: Store,
    type_name: str,
    cases: Sequence[str] = (),
    fmt: str = "md",
    now: datetime | None = None,
    *,
    draft: bool = False,
) -> Letter:
    """Render a letter in ``fmt`` (md, txt, html, pdf, docx). Writes no file and records nothing
    beyond the checkpoint it prints, which a ``draft`` does not keep either."""
    from residentlog.ledger.when import utc_now

    if fmt not in FORMATS:
        raise _unknown_format(fmt)
    now = now or utc_now()
    lt = letter_type(type_name)
    name = lt.template
    check_template(name, store.root)  # a broken copy of it is named before a checkpoint is issued
    ctx = letter_context(store, lt.name, cases, now, draft=draft)
    ctx["_today_iso"] = uk_time(now).date().isoformat()
    source = template_source(store.root, name)
    text = render(name, {k: v for k, v in ctx.items() if not k.startswith("_")}, store.root)
    data = render_text(text, fmt, store_root=store.root, type_name=lt.name, title=_plain_title(ctx), now=now,
                       author=md_unescape(ctx["resident"]["name"]))  # fmt: skip
    return Letter(lt.name, fmt, data, name, source, ctx, tuple(ctx["_warnings"]))


def _plain_title(ctx: Mapping[str, Any]) -> str:
    return f"{ctx['title']}, {ctx['today']}"


def render_text(
    text: str,
    fmt: str,
    *,
    store_root: Path | None = None,
    type_name: str = "",
    title: str = "Letter",
    author: str = "",
    now: datetime | None = None,
) -> bytes:
    """A letter's Markdown (as the text template rendered it) in the given format."""
    from residentlog.ledger.when import utc_now

    if fmt == "md":
        return markdown_text(text).encode("utf-8")
    blocks = parse_blocks(text)
    if fmt == "txt":
        return blocks_to_text(blocks).encode("utf-8")
    if fmt == "docx":
        return blocks_to_docx(blocks, title=title, author=author, now=now or utc_now())
    html = render_html(blocks, store_root=store_root, type_name=type_name, title=title)
    if fmt == "html":
        return html.encode("utf-8")
    if fmt == "pdf":
        from residentlog.documents.pdf import html_to_pdf

        return html_to_pdf(html)
    raise _unknown_format(fmt)


def _unknown_format(fmt: str) -> InputError:
    return InputError(f"choose one of {', '.join(FORMATS)}, not {fmt!r}", field="format")


def render_html(blocks: Sequence[Block], *, store_root: Path | None, type_name: str, title: str) -> str:
    own = f"{LETTERS_DIR}/{type_name}.html.j2"
    page = own if type_name and template_source(store_root, own) else PAGE_TEMPLATE
    return render(page, {"blocks": blocks, "title": title}, store_root)


def render_letter(
    store: Store, type_name: str, cases: Sequence[str] = (), fmt: str = "md", now: datetime | None = None
) -> bytes:
    """The letter's bytes in ``fmt`` (see :func:`build_letter`)."""
    return build_letter(store, type_name, cases, fmt, now).data
