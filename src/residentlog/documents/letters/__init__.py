"""Letters to the landlord (and the Ombudsman), built from the ledger and rendered with Jinja.

How a letter is made
--------------------
1. :func:`letter_context` (:mod:`.context`) gathers what the letter may say, from the ledger only:
   the selected entries grouped into *issues* (:mod:`.issues`: one per case; entries without a case
   grouped by kind), each with its reports, fixes, the landlord's own reference numbers and the
   clocks the deadline engine (:func:`residentlog.deadlines.clocks.compute_for_store`) derived from
   the policy packs in the store, with their citations (:mod:`.builder`). Timeframes the letter
   itself starts ("acknowledge within 5 working days") are worked out by the same engine, from a
   stand-in entry dated when the letter is written, so every number a letter prints comes from a
   policy pack. What only one type of letter says is in :mod:`.extras`. The context ends with a
   fresh checkpoint.
2. The letter's text template ``letters/<type>.md.j2`` (extending ``letters/_base.md.j2``, with
   ``letters/_macros.md.j2``) renders it once, in a small Markdown subset: ``#`` headings,
   paragraphs (two trailing spaces or a backslash end a line), ``-`` and ``1.`` lists, ``**bold**``,
   fenced blocks, backslash escapes, and ``::: name`` ... ``:::`` boxes that name a part of the letter
   (sender, recipient, ...) for layout (:mod:`residentlog.documents.markup`). User text is escaped
   before it goes in, so a resident's summary can never add structure.
3. Every format comes from that one rendering (:mod:`.compose`): ``md`` is it, without the box
   lines; ``txt``, the HTML page (``letters/letter.html.j2``, or ``letters/<type>.html.j2`` if
   present; autoescaped, print CSS, A4), the PDF (WeasyPrint, from the same HTML) and the DOCX
   (python-docx: headings, paragraphs and lists, for residents who edit letters in a word
   processor) are built from its parsed blocks.

A new type of letter is a row in :mod:`.types` and a template. A store's ``templates/`` folder
overrides any of these templates by name (:mod:`residentlog.documents.render`; :mod:`.templates`
lists and copies them). :func:`record_letter` (:mod:`.record`) appends the ``contact`` entry that
records the letter as sent, with the rendered bytes attached.
"""

from residentlog.documents.letters.compose import (
    BINARY_FORMATS,
    FORMATS,
    PAGE_TEMPLATE,
    Letter,
    build_letter,
    render_html,
    render_letter,
    render_text,
)
from residentlog.documents.letters.context import letter_context
from residentlog.documents.letters.record import SENT_PREFIX, record_letter
from residentlog.documents.letters.templates import (
    copy_template,
    resolve_template_name,
    shipped_template_files,
    template_rows,
)
from residentlog.documents.letters.types import LETTER_TYPES, LETTERS_DIR, LetterType, letter_type

__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "LETTERS_DIR",
    "LETTER_TYPES",
    "PAGE_TEMPLATE",
    "SENT_PREFIX",
    "Letter",
    "LetterType",
    "build_letter",
    "copy_template",
    "letter_context",
    "letter_type",
    "record_letter",
    "render_html",
    "render_letter",
    "render_text",
    "resolve_template_name",
    "shipped_template_files",
    "template_rows",
]
