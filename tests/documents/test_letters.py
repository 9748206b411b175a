"""Letters: golden files for every type, every format, escaping, recording, templates, the example.

Goldens are rendered from a small ledger whose every random part is fixed (salts, ledger id) at a
fixed "now", after adopting the example landlord pack, so they are byte-stable. To regenerate one,
delete it and run the tests once; then read the diff.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from residentlog.cli import app as cli
from residentlog.cli.documents import LETTER_TYPE_NAMES
from residentlog.deadlines.clocks import adopt_pack
from residentlog.documents.letters import (
    LETTER_TYPES,
    build_letter,
    record_letter,
    render_letter,
    shipped_template_files,
)
from residentlog.documents.markup import blocks_to_text, md_escape, parse_blocks
from residentlog.errors import InputError, NotFound
from residentlog.ledger import record
from residentlog.ledger import store as store_module
from residentlog.ledger.add import add_entry
from residentlog.ledger.checkpoints import Checkpoint
from residentlog.ledger.profile import update_profile
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from tests.conftest import copy_example, raw
from tests.support_render import assert_golden

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "letters"
NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)
EXAMPLE_PACK = Path(str(files("residentlog.deadlines.packs") / "example-landlord.toml"))

# The cases each golden letter is about ((): the letter picks its own).
GOLDEN_CASES: dict[str, tuple[str, ...]] = {
    "repair-report": ("front-door",),
    "repair-chaser": (),
    "complaint-stage1": ("front-door", "lift-2"),
    "complaint-stage2": ("complaint-1",),
    "ombudsman-referral": (),
    "cctv-request": (),
    "subject-access": (),
    "service-charge-query": (),
    "hazard-report": (),
    "timeframes-request": (),
}


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("residentlog.ledger.when.utc_now", lambda: NOW)


def _fix_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count()
    monkeypatch.setattr(record, "new_salt", lambda: f"salt-{next(counter):04d}")
    monkeypatch.setattr(store_module, "new_ledger_id", lambda: "0123456789abcdef0123456789abcdef")


def _build(s: Store, tmp_path: Path) -> None:
    """A resident's ledger touching every letter type, in 2026 (so the 2024 Code and Awaab's Law apply)."""
    update_profile(
        s.root,
        {
            "name": "Sam Resident",
            "address": "Flat 14\nExample House\n1 Sample Road\nLondon E1 0AA",
            "email": "sam@example.org",
            "landlord": "Example HA",
            "landlord_address": "Customer Care\n2 Placeholder Street\nLondon E2 0ZZ",
            "tenancy_ref": "EHA-14",
            "nation": "england",
        },
    )
    adopt_pack(s, EXAMPLE_PACK, datetime(2026, 8, 1, 9, 0, tzinfo=UTC))
    photo = tmp_path / "door.png"
    photo.write_bytes(b"\x89PNG fake photo of the door")
    email = tmp_path / "complaint.txt"
    email.write_text("Dear Customer Care, this is a formal complaint.\n", encoding="utf-8")

    def add(kind: str, summary: str, when: str, *, attach: tuple[Path, ...] = (), **kw: Any) -> int:
        return add_entry(
            s, {"kind": kind, "summary": summary, **kw}, when_text=when, attach=attach, now=NOW
        ).num

    door = {"door": "Main entrance", "category": "communal-door"}
    reported = {**door, "event": "reported", "priority": "emergency"}
    first = add(
        "door",
        "Front door pushes open even when locked",
        "1 September 2026 21:30",
        case="front-door",
        location="Main entrance, ground floor",
        fields=door,
        attach=(photo,),
    )
    add(
        "door",
        "Reported front door not locking",
        "2 September 2026 08:15",
        case="front-door",
        fields={**reported, "channel": "phone"},
        refs=[{"by": "landlord", "ref": "DR-1"}],
        links=[first],
    )
    add(
        "door",
        "Reported front door still not locking",
        "10 September 2026 18:40",
        case="front-door",
        fields={**reported, "channel": "email"},
        refs=[{"by": "landlord", "ref": "DR-2"}],
    )
    add(
        "door",
        "Contractor adjusted the closer; door still pushes open",
        "12 September 2026 14:10",
        case="front-door",
        fields={**door, "event": "not-fixed"},
    )
    add(
        "door",
        "New maglock fitted; door holds",
        "30 September 2026 13:30",
        case="front-door",
        fields={**door, "event": "fixed"},
    )
    add(
        "door",
        "Door pushes open again",
        "20 October 2026 21:00",
        case="front-door",
        fields={**door, "event": "recurred"},
    )
    door_report = add(
        "door",
        "Reported front door insecure again",
        "21 October 2026 08:30",
        case="front-door",
        fields={**reported, "channel": "phone"},
        refs=[{"by": "landlord", "ref": "DR-3"}],
    )
    add(
        "lift",
        "Lift 2 stuck between floors <again> & *no* alarm",
        "5 October 2026 07:50",
        case="lift-2",
        fields={
            "lift": "Lift 2",
            "event": "reported",
            "priority": "emergency",
            "channel": "phone",
            "out_of_service": True,
        },
        refs=[{"by": "landlord", "ref": "LFT-1"}],
    )
    add(
        "lift",
        "Engineer attended; part on order",
        "5 October 2026 10:00",
        case="lift-2",
        fields={"lift": "Lift 2", "event": "attended"},
        refs=[{"by": "landlord", "ref": "LFT-1"}],
    )
    add(
        "lift",
        "Lift 2 back in service",
        "8 October 2026 16:00",
        case="lift-2",
        fields={"lift": "Lift 2", "event": "fixed", "out_of_service": False},
    )
    incident = add(
        "asb",
        "Youths pushed the front door open and smoked in the stairwell",
        "14 October 2026 22:40",
        case="asb",
        location="Stairwell, 2nd floor",
        fields={"witness": "first-hand"},
    )
    add(
        "asb",
        "Reported the youths to the landlord",
        "15 October 2026 10:05",
        case="asb",
        fields={"event": "reported", "channel": "phone"},
        refs=[{"by": "landlord", "ref": "ASB-1"}],
        links=[incident],
    )
    add(
        "cctv",
        "Asked for the lobby footage of 14 October",
        "16 October 2026 09:00",
        case="cctv",
        fields={"camera": "Entrance lobby", "event": "requested", "channel": "email"},
        links=[incident],
    )
    add(
        "cctv",
        "Told the footage was overwritten",
        "18 November 2026 11:15",
        case="cctv",
        fields={"camera": "Entrance lobby", "event": "refused", "channel": "phone"},
    )
    add(
        "service-charge",
        "Charged for lift maintenance while Lift 2 keeps failing",
        "1 April 2026",
        fields={"amount_pence": 31248, "charge_year": "2026/27", "service": "lifts"},
    )
    add(
        "damp",
        "Black mould on bathroom ceiling",
        "3 November 2026 20:00",
        fields={"rooms": "bathroom, bedroom", "hazard": "significant"},
    )
    add(
        "damp",
        "Reported the mould",
        "4 November 2026 09:30",
        fields={
            "rooms": "bathroom, bedroom",
            "hazard": "significant",
            "event": "reported",
            "channel": "phone",
            "priority": "routine",
        },
        refs=[{"by": "landlord", "ref": "DMP-9"}],
    )
    raised = add(
        "complaint",
        "Stage 1 complaint: front door and lift",
        "19 October 2026 10:30",
        case="complaint-1",
        fields={"stage": 1, "step": "raised", "channel": "email"},
        links=[door_report, incident],
        attach=(email,),
    )
    add(
        "complaint",
        "Stage 1 complaint acknowledged",
        "30 October 2026 14:20",
        case="complaint-1",
        fields={"stage": 1, "step": "acknowledged"},
        refs=[{"by": "landlord", "ref": "CMP-1"}],
        links=[raised],
    )
    add(
        "complaint",
        "Stage 1 response: door 'now fixed', lift not upheld",
        "10 November 2026 16:45",
        case="complaint-1",
        fields={"stage": 1, "step": "responded"},
        refs=[{"by": "landlord", "ref": "CMP-1"}],
    )
    add(
        "complaint",
        "Escalated to stage 2",
        "16 November 2026 09:10",
        case="complaint-1",
        fields={"stage": 2, "step": "escalated"},
        refs=[{"by": "landlord", "ref": "CMP-1"}],
    )


@pytest.fixture
def letters_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    _fix_randomness(monkeypatch)
    with Store.create(tmp_path / "letters-store") as s:
        _build(s, tmp_path)
        yield s


VKEY = re.compile(r"(residentlog/[0-9a-f]{32})\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}")


def _unsigned(text: str) -> str:
    """The letter without the checkpoint's signature lines, and its verifier key as a placeholder
    (the key is new in every store)."""
    assert len(VKEY.findall(text)) == 1, "the letter prints the verifier key once"
    text = VKEY.sub(r"\1+KEYID+PUBLICKEY", text)
    text = re.sub(r"\n\n(?:— [^\n]*\n)+```", "\n```", text)
    return re.sub(r"\n\n— [^\n]*(?:\n— [^\n]*)*</pre>", "</pre>", text)


def _golden(name: str, text: str) -> None:
    assert_golden(GOLDEN / name, _unsigned(text))


# -- golden letters --------------------------------------------------------------------------------


def test_every_letter_type_has_a_golden_case() -> None:
    assert set(GOLDEN_CASES) == set(LETTER_TYPES) == set(LETTER_TYPE_NAMES)
    assert list(LETTER_TYPES) == list(LETTER_TYPE_NAMES)


@pytest.mark.parametrize("kind", list(GOLDEN_CASES))
def test_letter_markdown_golden(letters_store: Store, kind: str) -> None:
    text = render_letter(letters_store, kind, GOLDEN_CASES[kind], "md", NOW).decode("utf-8")
    _golden(f"{kind}.md", text)
    # Every letter ends with the ledger checkpoint, printed as the checkpoint's own text.
    assert text.rstrip().endswith("(the key above, and the checkpoint saved in FILE).")
    assert "```\nresidentlog/0123456789abcdef0123456789abcdef\n22\n" in text
    assert ":::" not in text


def test_letter_html_golden(letters_store: Store) -> None:
    html = render_letter(letters_store, "complaint-stage1", ("front-door", "lift-2"), "html", NOW)
    _golden("complaint-stage1.html", html.decode("utf-8"))


def test_complaint_quotes_the_pack_timeframes_with_their_citations(letters_store: Store) -> None:
    text = render_letter(letters_store, "complaint-stage1", ("front-door",), "md", NOW).decode("utf-8")
    assert "# Formal complaint under your complaints policy and the Housing Ombudsman Service's" in text
    assert "**This is a formal complaint**" in text
    assert "Since 2 September 2026 I have reported this 3 times (your references DR-1, DR-2, DR-3)." in text
    assert (
        "Under your policy (Example repairs policy: emergency repairs), emergency repairs, including "
        "communal entrance doors and ground-floor windows that are not secure, are made safe within 24 "
        "hours of being reported. None of the 2 reported faults was fixed in time:"
    ) in text
    assert (
        "1. 2 September 2026 at 08:15 (your ref DR-1): fixed on 30 September 2026 at 13:30, 28 days later; "
        "due by 3 September 2026 at 08:15, so 27 days late."
    ) in text
    # DR-2 chased the first failure (one timeframe missed, not two); DR-3 reported the next.
    assert (
        "2. 21 October 2026 at 08:30 (your ref DR-3): still not fixed when I wrote this, 33 days later"
        in text
    )
    assert "(your ref DR-2): fixed" not in text
    # The Code's acknowledgement and response times, counted from the letter's date.
    assert (
        "Under Complaint Handling Code 2024, paragraph 6.2, a stage 1 complaint must be acknowledged, "
        "defined and logged within 5 working days of being received. Counting 5 working days from the "
        "date of this letter, that is by Monday 30 November 2026."
    ) in text
    assert (
        "Under Complaint Handling Code 2024, paragraphs 6.3 to 6.5, the landlord must send its stage 1"
        in text
    )
    # A low-confidence source is worded as the resident's understanding.
    assert "As I understand it, under your policy (Example complaints procedure, step 2" in text
    # No compensation figures, no timeframe that is not in a pack.
    assert "£" not in text
    for unsourced in ("8 weeks", "12 months", "20 working days", "one month", "30 days"):
        assert unsourced not in text


def test_the_letter_prints_the_checkpoint_note_in_full(letters_store: Store) -> None:
    text = render_letter(letters_store, "repair-report", ("front-door",), "md", NOW).decode("utf-8")
    block = text[text.index("```\nresidentlog/") :]
    block = block[: block.index("```", 3) + 3]
    note = block.removeprefix("```\n").removesuffix("```")
    kept = letters_store.issued_checkpoints()[-1]  # the letter's checkpoint is kept in the store
    size, root = kept.size, kept.root
    assert note.startswith(f"residentlog/0123456789abcdef0123456789abcdef\n{size}\n")
    assert note.splitlines()[2] == base64.b64encode(root).decode("ascii")
    if hasattr(Checkpoint, "signed_text"):  # signed checkpoints: the whole signed note is printed
        assert "\n\n— residentlog/0123456789abcdef0123456789abcdef " in note


def test_letter_warns_about_example_packs_and_low_confidence_sources(letters_store: Store) -> None:
    made = build_letter(letters_store, "complaint-stage1", ("front-door",), "md", NOW)
    assert any("example pack 'example-landlord'" in w for w in made.warnings)
    assert any("source confidence low" in w for w in made.warnings)


def test_every_format_comes_from_the_same_text(letters_store: Store) -> None:
    md = render_letter(letters_store, "repair-report", ("front-door",), "md", NOW).decode("utf-8")
    txt = render_letter(letters_store, "repair-report", ("front-door",), "txt", NOW).decode("utf-8")
    assert "Repair report: Main entrance door\n=================================" in txt
    assert "**" not in txt and ":::" not in txt and "#" not in txt.replace("##", "")
    for line in (
        "1. 2 September 2026 at 08:15, by phone (your ref DR-1): Reported front door not locking",
        "- Your references: DR-1, DR-2, DR-3",
    ):
        assert line in md and line in txt
    assert "    residentlog/0123456789abcdef0123456789abcdef\n" in txt  # the checkpoint, indented


# -- escaping --------------------------------------------------------------------------------------


def test_user_text_is_escaped_in_html_and_inert_in_markdown(letters_store: Store) -> None:
    add_entry(
        letters_store,
        {
            "kind": "door",
            "summary": "<script>alert('x')</script> **not bold** & more",
            "case": "front-door",
            "fields": {"event": "reported", "priority": "emergency", "category": "communal-door"},
            "refs": [{"by": "landlord", "ref": "<b>DR-9</b>"}],
        },
        when_text="22 November 2026 10:00",
        now=NOW,
    )
    html = render_letter(letters_store, "repair-report", ("front-door",), "html", NOW).decode("utf-8")
    assert "<script>" not in html and "<b>DR-9" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; **not bold** &amp; more" in html
    assert "&lt;b&gt;DR-9&lt;/b&gt;" in html
    md = render_letter(letters_store, "repair-report", ("front-door",), "md", NOW).decode("utf-8")
    # Markdown: no raw HTML for a Markdown viewer to run; every character still shown as typed.
    assert "<script>" not in md.replace(r"\<script>", "") and "<b>" not in md.replace(r"\<b>", "")
    assert r"\<script>alert('x')\</script> \*\*not bold\*\* \& more" in md
    assert r"\<b>DR-9\</b>" in md


def test_md_escape_keeps_user_text_from_adding_structure() -> None:
    nasty = "# not a heading\n- not a list\n1. not numbered\n::: box\n```\n**not bold** \\ `code`"
    blocks = parse_blocks(md_escape(nasty, multiline=True))
    assert [b.kind for b in blocks] == ["para"]
    assert blocks[0].plain() == " ".join(nasty.split("\n"))
    assert all(not bold for line in blocks[0].lines for _, bold in line)


def test_md_escape_shows_controls_and_keeps_one_line() -> None:
    text = md_escape("a\nb\x1b[31m <img src=x onerror=alert(1)> [x](javascript:y) | \u202e")
    assert text == r"a\\x0ab\\x1b\[31m \<img src=x onerror=alert(1)> \[x\](javascript:y) \| \\u202e"
    assert blocks_to_text(parse_blocks(text)) == (
        r"a\x0ab\x1b[31m <img src=x onerror=alert(1)> [x](javascript:y) | \u202e" + "\n"
    )


def test_parse_blocks_reads_the_letter_subset() -> None:
    blocks = parse_blocks(
        "::: sender\nA  \nB\n:::\n\n# Title\n\nSome **bold** text\nwraps here.\n\n- one\n- two\n  more\n\n"
        "3. three\n4. four\n\n```\nx\ny\n```\n"
    )
    assert [b.kind for b in blocks] == ["box", "heading", "para", "bullets", "numbers", "pre"]
    assert blocks[0].name == "sender" and blocks[0].children[0].plain() == "A\nB"
    assert blocks[2].lines == [[("Some ", False), ("bold", True), (" text wraps here.", False)]]
    assert [(n, "".join(t for t, _ in lines[0])) for n, lines in blocks[3].items] == [
        ("", "one"),
        ("", "two more"),
    ]
    assert [n for n, _ in blocks[4].items] == ["3", "4"]
    assert blocks[5].text == "x\ny"
    # A year at the start of a wrapped line does not start a list (only "1." may, as in CommonMark).
    (para,) = parse_blocks("the Data Protection Act\n2018. I ask for it.")
    assert para.kind == "para" and para.plain() == "the Data Protection Act 2018. I ask for it."


# -- PDF and Word ------------------------------------------------------------------------------------


def test_pdf_opens_and_holds_the_entries(letters_store: Store) -> None:
    pypdf = pytest.importorskip("pypdf")
    data = render_letter(letters_store, "complaint-stage1", ("front-door",), "pdf", NOW)
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "Formal complaint under your complaints policy",
        "2 September 2026 at 08:15 (your ref DR-1): fixed on 30 September 2026 at 13:30",
        "21 October 2026 at 08:30 (your ref DR-3)",
        "Contractor adjusted the closer; door still pushes open",
        "residentlog/0123456789abcdef0123456789abcdef",
    ):
        assert expected in text


def test_docx_opens_with_headings_paragraphs_and_lists(letters_store: Store) -> None:
    docx = pytest.importorskip("docx")
    data = render_letter(letters_store, "complaint-stage1", ("front-door",), "docx", NOW)
    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    texts = [t for _, t in paragraphs]
    assert (
        "Heading 1",
        "Formal complaint under your complaints policy and the Housing Ombudsman Service's "
        "Complaint Handling Code",
    ) in paragraphs
    assert ("Heading 2", "1. Main entrance door") in paragraphs
    assert any(
        s == "List Bullet" and t.startswith("Main entrance door: a lasting repair") for s, t in paragraphs
    )
    assert any(
        t.startswith("1.\t2 September 2026 at 08:15 (your ref DR-1): fixed on 30 September") for t in texts
    )
    assert "Sam Resident\nFlat 14\nExample House\n1 Sample Road\nLondon E1 0AA\nsam@example.org" in texts
    assert any(t.startswith("residentlog/0123456789abcdef0123456789abcdef\n22\n") for t in texts)
    assert document.core_properties.author == "Sam Resident"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


# -- what a letter needs ---------------------------------------------------------------------------


def test_missing_profile_is_one_clear_error(store: Store) -> None:
    with pytest.raises(InputError) as caught:
        build_letter(store, "repair-report", (), "md", NOW)
    message = caught.value.message
    assert "your name and your landlord" in message
    assert 'residentlog profile --name "Your Name" --landlord "Your Landlord"' in message
    assert "\n" not in message


def test_unknown_case_type_and_format_are_refused(letters_store: Store) -> None:
    with pytest.raises(NotFound, match="no entries in case 'nope'; cases: asb, cctv, complaint-1"):
        build_letter(letters_store, "repair-report", ("nope",), "md", NOW)
    with pytest.raises(InputError, match="unknown letter type 'apology'"):
        build_letter(letters_store, "apology", (), "md", NOW)
    with pytest.raises(InputError, match=r"^format: choose one of md, txt, html, pdf, docx, not 'rtf'$"):
        build_letter(letters_store, "repair-report", (), "rtf", NOW)


def test_letters_the_law_does_not_cover_are_refused_by_nation(letters_store: Store) -> None:
    update_profile(letters_store.root, {"nation": "scotland"})
    with pytest.raises(InputError, match="Awaab's Law applies to social housing in England only"):
        build_letter(letters_store, "hazard-report", (), "md", NOW)
    with pytest.raises(InputError, match="England and Wales only"):
        build_letter(letters_store, "service-charge-query", (), "md", NOW)


def test_a_letter_with_nothing_to_say_asks_for_a_case(store: Store) -> None:
    update_profile(store.root, {"name": "Sam", "landlord": "Example HA"})
    with pytest.raises(InputError, match=r"nothing for a repair-report letter.*--case NAME"):
        build_letter(store, "repair-report", (), "md", NOW)
    text = render_letter(store, "subject-access", (), "md", NOW).decode("utf-8")
    assert "**This is a subject access request**" in text
    assert "The time allowed is 1 calendar month: counting from the date of this\nletter, that is by " in text


def test_a_chaser_never_says_a_fault_was_reported_when_the_log_records_no_report(store: Store) -> None:
    update_profile(store.root, {"name": "Sam", "landlord": "Example HA"})

    def breakdown(when: str) -> str:
        """Lift 2 seen stuck (never reported), then the chaser about it."""
        entry = {"kind": "lift", "summary": "Lift stuck", "case": "lift-b", "fields": {"lift": "2"}}
        add_entry(store, entry, when_text=when, now=NOW)
        return render_letter(store, "repair-chaser", (), "md", NOW).decode("utf-8")

    text = breakdown("2 November 2026 08:00")
    assert "## 1. Lift 2\n" in text
    assert "My log first records this on 2 November 2026 at 08:00.\n" in text
    assert "It has not been reported to you before this letter." in text
    assert "reported this on" not in text
    # a second breakdown: the breakdowns are counted, and the letter still says none was reported
    assert (
        "My log first records this on 2 November 2026 at 08:00.\n"
        "My log records no repair of any of the 2 breakdowns; the latest was on 12 November 2026 at 08:00. "
        "None of them has been reported to you before this letter.\n"
    ) in breakdown("12 November 2026 08:00")


# -- recording the letter ----------------------------------------------------------------------------


def test_recording_appends_an_outgoing_contact_with_the_letter_attached(letters_store: Store) -> None:
    made = build_letter(letters_store, "repair-chaser", ("front-door",), "md", NOW)
    added = record_letter(letters_store, made, channel="email", now=NOW)
    (entry,) = [v for v in list_entries(letters_store, Filters(), NOW) if v.num == added.num]
    rec = entry.record
    assert rec["kind"] == "contact"
    assert rec["case"] == "front-door"
    assert rec["summary"] == "Sent letter: repair-chaser (Repair chaser) about front-door"
    assert rec["fields"] == {
        "direction": "out",
        "channel": "email",
        "event": "chased",
        "letter": "repair-chaser",
    }
    (attachment,) = rec["attachments"]
    assert attachment["name"] == "repair-chaser-2026-11-23.md"
    assert attachment["sha256"] == hashlib.sha256(made.data).hexdigest()
    assert "Checkpoint printed in the letter: size 22" in rec["details"]
    assert "Policy packs quoted: example-landlord example-1." in rec["details"]
    # A later letter does not list an earlier one as an enclosure.
    again = render_letter(letters_store, "repair-chaser", ("front-door",), "md", NOW).decode("utf-8")
    assert "repair-chaser-2026-11-23.md" not in again


def test_recording_refuses_a_channel_letters_are_not_sent_by(letters_store: Store) -> None:
    made = build_letter(letters_store, "repair-chaser", ("front-door",), "md", NOW, draft=True)
    before = letters_store.size()
    with pytest.raises(InputError) as caught:
        record_letter(letters_store, made, channel="fax", now=NOW)
    assert str(caught.value) == "channel: must be letter or email, not 'fax'"
    assert caught.value.for_cli() == "--channel: must be letter or email, not 'fax'"
    assert letters_store.size() == before


# -- the command line --------------------------------------------------------------------------------


def _cli(runner: CliRunner, root: Path, *args: str | Path) -> Any:
    return runner.invoke(cli.app, ["--store", str(root), *[str(a) for a in args]], catch_exceptions=False)


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_cli_letter_to_stdout_records_it(
    runner: CliRunner, letters_store: Store, fixed_now: None, tmp_path: Path
) -> None:
    root = letters_store.root
    before = letters_store.size()
    result = _cli(runner, root, "letter", "complaint-stage1", "--case", "front-door")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Sam Resident  \nFlat 14  \n")
    assert "Recorded as sent: entry 23" in result.stderr
    assert "This entry starts the landlord's response clock: see residentlog deadlines." in result.stderr
    assert "Warning: this letter quotes the example pack" in result.stderr
    (entry,) = [v for v in list_entries(letters_store, Filters(), NOW) if v.num == before + 1]
    assert entry.record["attachments"][0]["sha256"] == hashlib.sha256(result.stdout.encode()).hexdigest()
    assert entry.record["fields"]["channel"] == "letter"
    assert entry.record["fields"]["letter"] == "complaint-stage1"

    draft = _cli(runner, root, "letter", "subject-access", "--no-record", "-f", "txt")
    assert draft.exit_code == 0 and "Not recorded in your log (--no-record)." in draft.stderr
    assert letters_store.size() == before + 1


def test_a_letter_is_refused_for_a_ledger_that_does_not_verify(
    runner: CliRunner, letters_store: Store, fixed_now: None
) -> None:
    """The ledger is verified (in a second process) before the letter's checkpoint is issued: an
    altered record stops the letter, and nothing is recorded or kept."""
    root = letters_store.root
    before = letters_store.size()
    issued = len(letters_store.issued_checkpoints())
    conn = raw(letters_store)
    data = conn.execute("SELECT canonical FROM ledger WHERE seq = 2").fetchone()[0]
    conn.execute(
        "UPDATE ledger SET canonical = ? WHERE seq = 2", (data.replace(b'"summary":"', b'"summary":"X'),)
    )
    conn.close()
    result = _cli(runner, root, "letter", "complaint-stage1", "--case", "front-door")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: not issuing a checkpoint: the ledger does not verify "
        "(entry 2: content changed: its bytes no longer match its stored hash)\n"
    )
    assert letters_store.size() == before and len(letters_store.issued_checkpoints()) == issued


def test_cli_letter_files_and_refusals(
    runner: CliRunner, letters_store: Store, fixed_now: None, tmp_path: Path
) -> None:
    root = letters_store.root
    assert "give one with -o FILE" in _one_line_error(
        _cli(runner, root, "letter", "repair-report", "-f", "docx")
    )
    assert "choose one of md, txt" in _one_line_error(
        _cli(runner, root, "letter", "repair-report", "-f", "rtf")
    )
    assert "choose letter or email" in _one_line_error(
        _cli(runner, root, "letter", "repair-report", "--channel", "fax")
    )
    out = tmp_path / "letter.docx"
    made = _cli(runner, root, "letter", "repair-report", "--case", "front-door", "-f", "docx", "-o", out)
    assert made.exit_code == 0, made.stderr
    assert made.stdout == f"Wrote {out}\n"
    assert out.read_bytes()[:2] == b"PK"
    size = letters_store.size()
    again = _cli(runner, root, "letter", "repair-report", "-f", "docx", "-o", out)
    assert "already exists" in _one_line_error(again)
    assert letters_store.size() == size  # nothing recorded for a refused letter
    nobody = tmp_path / "empty"
    Store.create(nobody).close()
    assert "residentlog profile --name" in _one_line_error(_cli(runner, nobody, "letter", "repair-report"))


def test_cli_templates_list_and_copy_never_overwrites(runner: CliRunner, letters_store: Store) -> None:
    root = letters_store.root
    listed = _cli(runner, root, "templates", "list")
    assert listed.exit_code == 0
    for name in ("letters/_base.md.j2", "letters/letter.html.j2", "letters/complaint-stage1.md.j2"):
        assert name in listed.stdout
    copied = _cli(runner, root, "templates", "copy", "complaint-stage1")
    assert copied.exit_code == 0, copied.stderr
    target = root / "templates" / "letters" / "complaint-stage1.md.j2"
    assert target.read_bytes() == (ROOT / "templates" / "letters" / "complaint-stage1.md.j2").read_bytes()
    target.write_text("edited", encoding="utf-8")
    refused = _cli(runner, root, "templates", "copy", "letters/complaint-stage1.md.j2")
    assert "already exists" in _one_line_error(refused)
    assert target.read_text(encoding="utf-8") == "edited"
    rows = [line.split() for line in _cli(runner, root, "templates", "list").stdout.splitlines()]
    assert ["letters/complaint-stage1.md.j2", "your", "copy", "is", "used"] in rows
    assert ["letters/repair-chaser.md.j2"] in rows
    assert "no shipped template 'nope'" in _one_line_error(_cli(runner, root, "templates", "copy", "nope"))


def test_a_template_in_the_store_overrides_the_shipped_one(letters_store: Store) -> None:
    folder = letters_store.root / "templates" / "letters"
    folder.mkdir(parents=True)
    (folder / "repair-chaser.md.j2").write_text(
        '{% extends "letters/_base.md.j2" %}\n{% block body %}\nMy own words about {{ issues | length }} '
        "problems.\n{% endblock %}\n",
        encoding="utf-8",
    )
    (folder / "letter.html.j2").write_text("<p>{{ title }}</p>\n", encoding="utf-8")
    made = build_letter(letters_store, "repair-chaser", (), "md", NOW)
    assert made.template_source == "store"
    text = made.data.decode("utf-8")
    assert "My own words about 2 problems." in text
    assert "residentlog/0123456789abcdef0123456789abcdef" in text  # the shared base still ends it
    html = render_letter(letters_store, "repair-chaser", (), "html", NOW).decode("utf-8")
    assert html == "<p>Repair chaser, 23 November 2026</p>\n"


def test_a_copied_template_with_a_syntax_error_is_named_with_its_line(
    runner: CliRunner, letters_store: Store, fixed_now: None
) -> None:
    root = letters_store.root
    assert _cli(runner, root, "templates", "copy", "repair-chaser").exit_code == 0
    copy = root / "templates" / "letters" / "repair-chaser.md.j2"
    lines = copy.read_text(encoding="utf-8").splitlines()
    lines[2] = "{% if issues %}unclosed"
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checkpoints = sorted((root / "checkpoints").glob("*.txt"))
    error = _one_line_error(_cli(runner, root, "letter", "repair-chaser"))
    assert error.startswith(f"Error: template {copy}, line ")
    assert "Unexpected end of template" in error, error
    assert sorted((root / "checkpoints").glob("*.txt")) == checkpoints  # none issued for it


def test_shipped_templates_are_all_listed() -> None:
    names = shipped_template_files()
    assert "letters/letter.html.j2" in names
    for kind in LETTER_TYPES:
        assert f"letters/{kind}.md.j2" in names


# -- the example ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    store: Path


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory, example_ledger: Path) -> Example:
    store = copy_example(example_ledger, tmp_path_factory.mktemp("example-letters") / "store")
    return Example(store=store)


def test_example_ledger_stage1_complaint_about_the_front_door(
    runner: CliRunner, example: Example, fixed_now: None
) -> None:
    adopted = _cli(runner, example.store, "policy", "add", EXAMPLE_PACK)
    assert adopted.exit_code == 0, adopted.stderr
    result = _cli(runner, example.store, "letter", "complaint-stage1", "--case", "front-door")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    # The landlord's own 24-hour timeframe, with its citation.
    assert (
        "Under your policy (Example repairs policy: emergency repairs), emergency repairs, including "
        "communal entrance doors and ground-floor windows that are not secure, are made safe within 24 "
        "hours of being reported. None of the 2 reported faults was fixed in time:"
    ) in text
    # Correct counts and dates, with the landlord's references.
    assert "Since 3 September 2019 I have reported this 14 times (your references DR-20931, DR-21107," in text
    assert (
        "1. 3 September 2019 at 08:15 (your ref DR-20931): fixed on 15 September 2020 at 13:30, 378 days "
        "later; due by 4 September 2019 at 08:15, so 377 days late."
    ) in text
    assert (
        "It was fixed on 15 September 2020, but it failed again on 1 February 2021 and is still not fixed."
        in text
    )
    # The second failure, from its first report; the 12 other reports chased one of the two.
    assert "2. 2 February 2021 at 08:30 (your ref DR-" in text
    assert "3. " not in text[text.index("None of the 2 reported faults") : text.index("## About the dates")]
    assert "- 24 September 2019 at 14:10: Contractor adjusted the door closer; door still pushes open" in text
    # The checkpoint of the ledger (72 records and the adoption) at the end.
    checkpoint = json.loads(_cli(runner, example.store, "verify", "--json").stdout)
    assert checkpoint["size"] == 74  # the letter's own entry came after the checkpoint
    tail = text[text.index("## About the dates in this letter") :]
    assert "When I wrote this letter the log held\n73 records" in tail
    assert "```\nresidentlog/" in tail and "\n73\n" in tail
    # A contact entry for the letter, with the letter attached.
    entries = json.loads(_cli(runner, example.store, "list", "--case", "front-door", "--json").stdout)
    sent = entries[-1]
    assert sent["number"] == 74
    assert (sent["kind"], sent["fields"]["direction"], sent["fields"]["channel"]) == (
        "contact",
        "out",
        "letter",
    )
    assert sent["summary"].startswith("Sent letter: complaint-stage1")
    (attachment,) = sent["attachments"]
    assert attachment["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
