"""Terminal and document spoofing (issue 10, §3): control, bidi and markup characters.

New text with them is refused at input; records that already hold them (written before the
check, or by hand) are shown with every such character as visible ``\\x1b`` notation, in every
output: the terminal, Markdown, HTML, CSV, DOCX and the bundle's text files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.documents.chronology import render_chronology
from residentlog.documents.letters import render_letter
from residentlog.errors import InputError
from residentlog.ledger.record import build_record, encode
from residentlog.ledger.store import Store
from residentlog.ledger.vocabulary import check_attachment_name, check_line, validate_content
from residentlog.text import visible

from .conftest import NOW

ESC = "\x1b"
CSI = "\x9b"  # the C1 control sequence introducer
RLO = "\u202e"  # right-to-left override
FORBIDDEN = (ESC, CSI, RLO, "\x07", "\x7f", "\x85", "\u2066", "\u2069")
FAKE_SHA = "sha256 " + "0" * 64
ONE, TWO = b"one\n", b"two\n"
SHA_ONE, SHA_TWO = hashlib.sha256(ONE).hexdigest(), hashlib.sha256(TWO).hexdigest()


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


# -- refused at input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        (ESC, r"\x1b"),
        (CSI, r"\x9b"),
        ("\x00", r"\x00"),
        ("\x7f", r"\x7f"),
        ("\x85", r"\x85"),
        (RLO, r"\u202e"),
        ("\u202a", r"\u202a"),
        ("\u2066", r"\u2066"),
        ("\u2069", r"\u2069"),
        ("\u2028", r"\u2028"),
    ],
)
def test_single_line_fields_refuse_control_and_bidi_characters(char: str, shown: str) -> None:
    with pytest.raises(InputError) as exc:
        validate_content({"kind": "note", "summary": f"fixed{char}ok"})
    assert str(exc.value) == f"summary: contains control characters ({shown}): remove them"
    assert exc.value.for_cli() == f"--summary: contains control characters ({shown}): remove them"
    with pytest.raises(InputError, match=r"^location: contains control characters"):
        validate_content({"kind": "note", "summary": "s", "location": f"stair{char}well"})
    with pytest.raises(InputError, match=r"^ref: contains control characters"):
        validate_content({"kind": "note", "summary": "s", "refs": [{"by": "landlord", "ref": f"R{char}1"}]})


def test_details_keep_newlines_and_tabs_but_refuse_other_controls() -> None:
    ok = validate_content({"kind": "note", "summary": "s", "details": "line 1\n\tline 2"})
    assert ok.details == "line 1\n\tline 2"
    for char, shown in ((ESC, r"\x1b"), (CSI, r"\x9b"), ("\r", r"\x0d"), ("\x7f", r"\x7f")):
        with pytest.raises(InputError) as exc:
            validate_content({"kind": "note", "summary": "s", "details": f"a{char}b"})
        assert str(exc.value) == f"details: contains control characters ({shown}): remove them"


def test_a_line_given_outside_a_model_is_checked_the_same_way() -> None:
    assert check_line("  cafe\u0301 closed ", "reason") == "café closed"  # NFC, stripped
    with pytest.raises(InputError, match=r"^reason: contains control characters \(\\x9b\): remove them$"):
        check_line(f"typo{CSI}2J", "reason")


def test_attachment_names_may_hold_no_control_character_at_all() -> None:
    assert check_attachment_name("cafe\u0301 door.jpg") == "café door.jpg"  # NFC
    for name in ("a\nsha256 0000.txt", f"{ESC}[31ma.txt", "a\tb.png", f"{CSI}2Ja.txt", f"{RLO}gpj.exe"):
        with pytest.raises(InputError, match=r"^attachment name .* contains a control character \(\\"):
            check_attachment_name(name)


def test_add_refuses_an_attachment_whose_name_holds_a_newline(
    runner: CliRunner, tmp_path: Path, isolated_store: Path
) -> None:
    assert run(runner, "init").exit_code == 0
    photo = tmp_path / "door.jpg\n  note:        VERIFIED BY OMBUDSMAN"
    photo.write_bytes(b"jpeg")
    r = run(runner, "add", "door", "Front door", "--attach", str(photo))
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: attachment name 'door.jpg\\n  note:")
    with Store.open(isolated_store) as s:
        assert s.size() == 0


# -- shown visibly on output ---------------------------------------------------------------------


def _append_raw(store: Store, **content: Any) -> None:
    """Append a record as an older version (or a hand edit) might have: no input checks at all."""
    attachments = content.pop("attachments", [])
    base = {
        "kind": "door",
        "summary": "s",
        "details": "",
        "location": "",
        "tags": [],
        "case": None,
        "links": [],
        "refs": [],
        "fields": {},
    }
    when = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)

    def build(tip: Any) -> tuple[bytes, bytes]:
        return encode(
            build_record(
                ledger_id=store.ledger_id,
                seq=tip.seq + 1,
                prev=tip.leaf_hash,
                recorded_at=NOW,
                content={**base, **content},
                occurred_at=when,
                occurred_precision="minute",
                occurred_text="",
                attachments=attachments,
            )
        )

    store.append(build)


NASTY = {
    "summary": f"Door {ESC}[31mRED{ESC}[0m {CSI}2J [bold]not bold[/bold] :warning: {RLO}gnp.exe",
    "details": f"first line\n{ESC}]0;title{ESC}\\ second {CSI}1A",
    "location": "stairs\n  note:        VERIFIED BY OMBUDSMAN",
    "case": "front-door",
    "refs": [{"by": "landlord", "ref": f"DR{ESC}[2K-1"}],
    "fields": {"event": "reported", "door": f"main{CSI}K"},
    "attachments": [
        {
            "sha256": SHA_ONE,
            "size": 4,
            "name": f"a.txt\n  attachment:  b.txt (4 bytes, {FAKE_SHA})\n"
            "  note:        VERIFIED BY OMBUDSMAN",
            "media_type": "text/plain",
        },
        {"sha256": SHA_TWO, "size": 4, "name": f"{ESC}[31ma.txt", "media_type": "text/plain"},
    ],
}


def _objects(store: Store) -> None:
    """The attachments' bytes, stored under their digests (so the ledger verifies)."""
    from residentlog.ledger.objects import object_path

    for data in (ONE, TWO):
        path = object_path(store.objects_dir, hashlib.sha256(data).hexdigest())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture
def nasty_store(store: Store) -> Store:
    from residentlog.ledger.profile import update_profile

    update_profile(store.root, {"name": "Sam Resident", "landlord": "Example HA"})
    _objects(store)
    _append_raw(store, **NASTY)
    return store


def _no_raw_controls(text: str) -> None:
    for char in FORBIDDEN:
        assert char not in text, f"{char!r} reached the output raw"


def test_show_prints_every_field_on_its_own_line_with_controls_visible(
    nasty_store: Store, runner: CliRunner
) -> None:
    r = run(runner, "show", "1")
    assert r.exit_code == 0
    _no_raw_controls(r.stdout)
    lines = r.stdout.splitlines()
    assert not any(line.lstrip().startswith("note:") for line in lines)  # no forged line
    assert sum(line.lstrip().startswith("attachment:") for line in lines) == 2
    assert "  location:    stairs\\x0a  note:        VERIFIED BY OMBUDSMAN" in lines
    assert (
        "  attachment:  a.txt\\x0a  attachment:  b.txt (4 bytes, "
        f"{FAKE_SHA})\\x0a  note:        VERIFIED BY OMBUDSMAN (4 bytes, sha256 {SHA_ONE})"
    ) in lines
    assert f"  attachment:  \\x1b[31ma.txt (4 bytes, sha256 {SHA_TWO})" in lines
    assert "  door:        main\\x9bK" in lines
    assert "  reference:   landlord DR\\x1b[2K-1" in lines
    assert "    first line" in lines and "    \\x1b]0;title\\x1b\\ second \\x9b1A" in lines
    assert "\\u202egnp.exe" in r.stdout


def test_json_output_stays_exact_and_valid(nasty_store: Store, runner: CliRunner) -> None:
    import json

    r = run(runner, "show", "1", "--json")
    assert r.exit_code == 0
    _no_raw_controls(r.stdout)
    assert json.loads(r.stdout)["summary"] == NASTY["summary"]  # escaped as JSON, not altered


def test_list_shows_controls_visibly_and_never_reads_user_text_as_rich_markup(
    nasty_store: Store, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # the whole summary on one line of the table
    r = run(runner, "list")
    assert r.exit_code == 0
    _no_raw_controls(r.stdout)
    assert "\\x1b[31mRED\\x1b[0m \\x9b2J [bold]not bold[/bold] :warning: \\u202egnp.exe" in r.stdout
    assert "⚠" not in r.stdout


def test_markdown_chronology_escapes_html_and_shows_controls(store: Store) -> None:
    _objects(store)
    _append_raw(
        store,
        summary="<script>alert(1)</script> | cell",
        details="<img src=x onerror=alert(1)>\n[link](javascript:alert(1))",
        location=f"hall{ESC}[31m",
        attachments=[{"sha256": SHA_ONE, "size": 4, "name": "<b>x</b>\n.png", "media_type": "image/png"}],
    )
    md = render_chronology(store, NOW, fmt="md")
    _no_raw_controls(md)
    assert not re.search(r"(?<!\\)<(script|img|b)\b", md)  # every tag escaped: shown, never run
    assert r"— \<script>alert(1)\</script> \| cell" in md
    assert "\\<img src=x onerror=alert(1)>\n\\[link\\](javascript:alert(1))" in md
    assert r"- Where: hall\\x1b\[31m" in md
    assert r"| E01 | \<b>x\</b>\\x0a.png |" in md


def test_html_chronology_shows_controls_and_escapes_markup(nasty_store: Store) -> None:
    html = render_chronology(nasty_store, NOW, fmt="html")
    _no_raw_controls(html)
    assert "\\x1b[31mRED\\x1b[0m \\x9b2J [bold]not bold[/bold] :warning: \\u202egnp.exe" in html


def test_csv_shows_controls_and_defuses_formulas_after_tab_or_cr(store: Store) -> None:
    _append_raw(store, summary=f"{ESC}[31m=1+1", details="\t=cmd|' /C calc'!A0", location="\r@SUM(A1)")
    text = render_chronology(store, NOW, fmt="csv")
    _no_raw_controls(text)
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["summary"] == "\\x1b[31m=1+1"
    assert row["details"] == "'\t=cmd|' /C calc'!A0"
    assert row["location"] == "\\x0d@SUM(A1)"  # shown visibly, so no longer a formula


def test_letter_docx_and_markdown_show_controls(nasty_store: Store) -> None:
    md = render_letter(nasty_store, "repair-report", ("front-door",), "md", NOW).decode("utf-8")
    _no_raw_controls(md)
    assert "Door \\\\x1b\\[31mRED" in md
    docx = render_letter(nasty_store, "repair-report", ("front-door",), "docx", NOW)
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    _no_raw_controls(xml)
    assert "Door \\x1b[31mRED" in xml


def test_bundle_text_files_show_controls(nasty_store: Store, tmp_path: Path) -> None:
    from residentlog.documents.bundle import build_bundle

    out = tmp_path / "bundle"
    build_bundle(nasty_store, NOW, out, pdf=False)
    for name in ("README.txt", "exhibits.csv", "chronology.html", "VERIFY.txt"):
        _no_raw_controls((out / name).read_text("utf-8"))
    readme = (out / "README.txt").read_text("utf-8").splitlines()
    assert not any(line.lstrip().startswith("note:") for line in readme)
    names = sorted(p.name for p in (out / "exhibits").iterdir())
    assert len(names) == 2 and all(n.isascii() and n.isprintable() for n in names)


def test_visible_notation() -> None:
    assert visible(f"a{ESC}b{CSI}c\n\td{RLO}") == r"a\x1bb\x9bc\x0a\x09d\u202e"
    assert visible(f"a{ESC}b\n\td{RLO}", multiline=True) == "a\\x1bb\n\td\\u202e"
    assert visible("café — ok") == "café — ok"


def test_amend_refuses_a_reason_with_control_characters(runner: CliRunner, isolated_store: Path) -> None:
    assert run(runner, "init").exit_code == 0
    assert run(runner, "add", "door", "Front door").exit_code == 0
    r = run(runner, "amend", "1", "--reason", f"typo{ESC}[2J", "--summary", "Front door broken")
    assert r.exit_code == 2
    assert r.stderr == "Error: --reason: contains control characters (\\x1b): remove them\n"
    with Store.open(isolated_store) as s:
        assert s.size() == 1
