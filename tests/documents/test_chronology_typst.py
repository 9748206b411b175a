"""The chronology PDF, typeset by Typst from templates/chronology.typ and JSON data.

Uses the fixed ledger of test_render.py: every entry, the checkpoint verbatim, the exhibits and
the page numbers are read back from the PDF's text (pypdf). What a resident typed, however much
it looks like Typst markup or holds control characters, comes out as the same text the HTML
shows and changes nothing else. A store's own copy of the template is used, and a broken copy
is a one-line error naming it.
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.documents.chronology import chronology_context, render_context, typst_data
from residentlog.documents.pdf import TYPST_REQUIREMENT, typst_to_pdf
from residentlog.documents.render import shipped_templates_dir
from residentlog.errors import InputError, MissingDependency
from residentlog.integrity import signing
from residentlog.ledger.add import add_entry
from residentlog.ledger.layout import Layout
from residentlog.ledger.store import Store
from residentlog.text import HIDDEN_IN_TEXT, visible
from tests.conftest import NOW

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("typst")

ROOT = Path(__file__).resolve().parents[2]
#: Typst markup, as a resident might type it (or paste it from somewhere).
TYPST_SYNTAX = "#set page(width: 1cm) = *x* _y_ $z$ [a] <b> @c // d \\\\ e"
#: Control and bidi characters an old record may hold (input refuses them now).
HIDDEN = "esc\x1b[31m red, nul\x00, rlo\u202etxt.exe, isolate\u2066x\u2069, c1\x9b"


@pytest.fixture(autouse=True)
def fixed_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing, "generate", lambda name: signing.Signer(name, bytes(range(32))))


def _pdf(context: Mapping[str, Any], store: Store | None = None) -> bytes:
    data = render_context(context, "pdf", store)
    assert isinstance(data, bytes) and data.startswith(b"%PDF-")
    return data


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _flat(pages: list[str]) -> str:
    """All the text, every run of whitespace one space (lines wrap differently in a PDF)."""
    return " ".join(" ".join(pages).split())


def _compact(pages: list[str]) -> str:
    """All the text with no whitespace at all: a digest wrapped over two lines is whole again."""
    return "".join("".join(pages).split())


# ---------------------------------------------------------------------------------------------
# What the PDF holds


def test_every_entry_its_hash_and_the_checkpoint_verbatim(fixed_store: Store) -> None:
    ctx = chronology_context(fixed_store, NOW)
    data = _pdf(ctx, fixed_store)
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = _pages(data)
    assert len(pages) == 4
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    for n, text in enumerate(pages, 1):
        assert text.rstrip().endswith(f"Chronology of events Page {n} of 4"), text[-80:]
    text = _flat(pages)
    assert [e["paragraph"] for e in ctx["entries"]] == list(range(1, 9))
    for e in ctx["entries"]:
        assert f"{e['paragraph']}. {e['when']} — {e['summary']}" in text, e["summary"]
        assert f"Entry {e['number']} · {e['kind_title']}" in text
        assert f"Record hash {e['hash']}" in text
    # In document order, and once each.
    places = [text.index(f"{e['paragraph']}. {e['when']} — ") for e in ctx["entries"]]
    assert places == sorted(places)
    for needle in (
        "Resident Sam Resident",
        "Address Flat 14 Example House",
        "Landlord Example HA",
        "Tenancy reference EHA-14",
        "Prepared Mon 23 Nov 2026 18:40 GMT, from the resident's residentlog evidence ledger",
        "Period covered Tue 3 Sep 2019 to Tue 21 Jan 2020",
        "8 entries, 2 exhibits; 1 timeframe missed.",
        "Sat 14 Dec 2019 16:25 GMT (¶ 3): Lift 2 <stuck> & [bold]trapped[/bold]: "
        "3 people trapped for 1 hour 50 minutes.",
        "Incidents: 3 incidents (lift fault: 2, door / entry fault: 1), reported twice",
        "Problems, longest-running first",
        "front-door door / entry fault Tue 3 Sep 2019 08:15 BST 1 1 0 2638 open",
        "1 timeframe from the policies listed below applied to these entries: 1 missed, 0 overdue now, "
        "0 met, 0 still running. Each one missed, by rule:",
        "Allowed: 1 calendar month (extendable, up to 2 calendar months). 1 missed.",
        "breached by 4 days",
        "Incidents per month, Sep 2019 to Jan 2020",
        "lift fault: 2 incidents (reported once) in the 2 months from Dec 2019 to Jan 2020 "
        "(in every one of them)",
        "Out of service, % of each month, Sep 2019 to Jan 2020",
        "Events, in date order",
        "People trapped: 3 · Trapped for: 110 minutes",
        "Neighbour and two small children. Fire brigade.",
        "Happened Sat 14 Dec 2019 16:25 GMT; written down Mon 23 Nov 2026 18:40 GMT, 2536 days later.",
        "Corrected on Mon 23 Nov 2026 18:40 GMT because: Time was 16:25",
        "when it happened was: Sat 14 Dec 2019 16:20 GMT",
        "Reference: landlord LFT-2",
        "See also: ¶ 5 (entry 6)",
        "from a ledger of 9 records whose Merkle root is i16cqlfmuLwOHDI+8zJu8O7iBjLDOcHjYfUNmC8Vd+w=:",
        "Made with residentlog from the resident's own evidence ledger.",
    ):
        assert needle in text, needle
    assert "Ledger checkpoint" in pages[-1]
    assert (
        text.index("Events, in date order")
        < text.index("Exhibits Each exhibit")
        < text.index("Ledger checkpoint")
    )


def test_the_signed_checkpoint_and_key_are_there_line_for_line(fixed_store: Store) -> None:
    ctx = chronology_context(fixed_store, NOW)
    cp = ctx["checkpoint"]
    lines = [line.strip() for line in _pages(_pdf(ctx, fixed_store))[-1].splitlines()]
    signed = cp["signed"].rstrip("\n").split("\n")
    assert len(signed) == 5 and signed[3] == ""
    start = lines.index(signed[0])
    assert lines[start : start + 3] == signed[:3]
    # The signature line may wrap at its one space, never inside the signature.
    dash, _origin, signature = signed[4].split(" ")
    assert dash == "—" and signature in lines and signed[4] in " ".join(lines)
    assert cp["vkey"] in lines


def test_exhibits_are_listed_with_name_size_digest_and_paragraphs(fixed_store: Store) -> None:
    ctx = chronology_context(fixed_store, NOW)
    pages = _pages(_pdf(ctx, fixed_store))
    text, compact = _flat(pages), _compact(pages)
    exhibits = ctx["exhibits"]
    assert [x["exhibit"] for x in exhibits] == ["E01", "E02"]
    section = text[text.index("Exhibits Each exhibit") : text.index("Ledger checkpoint")]
    assert "Exhibit File Bytes SHA-256 ¶" in section
    assert section.index("E01 door.png 9") < section.index("E02 refusal letter.txt 31")
    # Each row: exhibit, file, bytes, digest (which may wrap in its column), paragraphs.
    rows = "".join(
        f"{x['exhibit']}{x['name']}{x['size']}{x['sha256']}" + ",".join(map(str, x["paragraphs"]))
        for x in exhibits
    )
    assert "".join(rows.split()) in compact
    # Each attachment is named in its entry, as an exhibit with its size and digest.
    assert "Exhibit E01: door.png (9 bytes, SHA-256 " in text
    assert text.count("Exhibit E02: refusal letter.txt (31 bytes, SHA-256 ") == 2
    assert f"(9 bytes, SHA-256 {exhibits[0]['sha256']})" in text


def test_the_same_context_gives_the_same_bytes(fixed_store: Store) -> None:
    ctx = chronology_context(fixed_store, NOW)
    first = _pdf(ctx, fixed_store)
    assert _pdf(copy.deepcopy(ctx), fixed_store) == first
    info = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert info is not None and info.title == "Chronology of events — Sam Resident"
    assert info.creation_date is not None and info.creation_date.timestamp() == NOW.timestamp()


# ---------------------------------------------------------------------------------------------
# What the resident typed is text


def _with_summary(ctx: dict[str, Any], paragraph: int, summary: str) -> dict[str, Any]:
    """The context with entry ``paragraph``'s summary replaced (everywhere the document shows it)."""
    ctx = copy.deepcopy(ctx)
    entry = ctx["entries"][paragraph - 1]
    for group in ctx["groups"]:
        for e in group["entries"]:
            if e["number"] == entry["number"]:
                e["summary"] = summary
    entry["summary"] = summary
    for w in ctx["worst"]:
        if w["number"] == entry["number"]:
            w["summary"] = summary
    return ctx


def test_typst_syntax_and_hidden_characters_come_out_as_text_and_change_nothing_else(
    fixed_store: Store,
) -> None:
    ctx = chronology_context(fixed_store, NOW)
    plain = "PLAIN SUMMARY"
    hostile = f"{TYPST_SYNTAX} {HIDDEN}"
    base = _pdf(_with_summary(ctx, 3, plain), fixed_store)
    odd = _pdf(_with_summary(ctx, 3, hostile), fixed_store)
    shown = visible(hostile, multiline=True)
    assert shown == (
        "#set page(width: 1cm) = *x* _y_ $z$ [a] <b> @c // d \\\\ e "
        "esc\\x1b[31m red, nul\\x00, rlo\\u202etxt.exe, isolate\\u2066x\\u2069, c1\\x9b"
    )
    base_pages, odd_pages = _pages(base), _pages(odd)
    odd_text = _flat(odd_pages)
    assert f"3. Sat 14 Dec 2019 16:25 GMT — {shown}" in odd_text  # the entry
    assert f"(¶ 3): {shown}: 3 people trapped" in odd_text  # and the worst of it
    assert not HIDDEN_IN_TEXT.search(odd_text)
    # Everything else is as it was: the same pages, the same size, the same text.
    odd_reader, base_reader = pypdf.PdfReader(io.BytesIO(odd)), pypdf.PdfReader(io.BytesIO(base))
    assert len(odd_reader.pages) == len(base_reader.pages)
    assert {tuple(p.mediabox) for p in odd_reader.pages} == {tuple(p.mediabox) for p in base_reader.pages}
    assert odd_text.replace(shown, plain) == _flat(base_pages)


def test_a_recorded_entry_full_of_typst_syntax_is_shown_as_typed(fixed_store: Store) -> None:
    add_entry(
        fixed_store,
        {
            "kind": "note",
            "summary": TYPST_SYNTAX,
            "details": '#pagebreak() line one\n#read("/etc/passwd")\n\n$ x^2 $ and ```raw```',
            "location": "#text(size: 40pt)[big]",
            "refs": [{"by": "other", "ref": "<label>"}],
        },
        when_text="1/2/2020",
        now=NOW,
    )
    ctx = chronology_context(fixed_store, NOW)
    text = _flat(_pages(_pdf(ctx, fixed_store)))
    assert f"— {TYPST_SYNTAX} Entry 10 · note Where:" in text
    assert "Where: #text(size: 40pt)[big]" in text and "Reference: other <label>" in text
    assert '#pagebreak() line one #read("/etc/passwd") $ x^2 $ and ```raw```' in text


def test_the_data_is_json_with_nothing_hidden(fixed_store: Store) -> None:
    ctx = _with_summary(chronology_context(fixed_store, NOW), 1, HIDDEN)
    data = typst_data(ctx)
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert not HIDDEN_IN_TEXT.search(text)
    assert data["groups"][0]["entries"][0]["summary"] == visible(HIDDEN, multiline=True)
    # Only what the template shows: no raw fields, no timestamps it does not print.
    entry = data["groups"][0]["entries"][0]
    assert "fields" not in entry and "details" not in entry and "recorded_at" not in entry


def test_a_word_too_long_for_its_line_wraps(fixed_store: Store) -> None:
    word = "x" * 150 + "y" * 150
    add_entry(
        fixed_store,
        {"kind": "note", "summary": "A long word", "details": word},
        when_text="1/2/2020",
        now=NOW,
    )
    data = _pdf(chronology_context(fixed_store, NOW), fixed_store)
    reader = pypdf.PdfReader(io.BytesIO(data))
    starts: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            starts.append(tm[4] * cm[0] + cm[4])

    lines: list[str] = []
    for page in reader.pages:
        lines += (page.extract_text(visitor_text=visit) or "").splitlines()
    assert word in _compact(lines)
    assert len([line for line in lines if set(line.strip()) <= {"x", "y"} and line.strip()]) >= 2
    assert max(starts) < 595 - 42  # nothing starts right of the right margin (15 mm)


# ---------------------------------------------------------------------------------------------
# The template: the store's own copy, a broken copy, no Typst


def _own_copy(store: Store, text: str) -> Path:
    target = Layout(store.root).templates_dir / "chronology.typ"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def test_a_stores_own_copy_of_the_template_is_used(fixed_store: Store) -> None:
    shipped = (shipped_templates_dir() / "chronology.typ").read_text(encoding="utf-8")
    assert shipped.count("[Ledger checkpoint]") == 1
    _own_copy(fixed_store, shipped.replace("[Ledger checkpoint]", "[Ledger checkpoint, my own copy]"))
    text = _flat(_pages(_pdf(chronology_context(fixed_store, NOW), fixed_store)))
    assert "Ledger checkpoint, my own copy" in text
    assert "Record hash " in text


def test_a_broken_copy_is_a_one_line_error_naming_it(fixed_store: Store) -> None:
    shipped = (shipped_templates_dir() / "chronology.typ").read_text(encoding="utf-8")
    broken = _own_copy(fixed_store, shipped.replace("== Summary\n", "== Summary\n#d.no_such_value(\n", 1))
    line = shipped.splitlines().index("== Summary") + 2
    with pytest.raises(InputError) as caught:
        render_context(chronology_context(fixed_store, NOW), "pdf", fixed_store)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"template {broken}, line {line}: ")


def test_cli_broken_copy_exits_2_and_writes_nothing(
    fixed_store: Store, runner: CliRunner, tmp_path: Path
) -> None:
    _own_copy(fixed_store, "#let d = json(bytes(sys.inputs.data))\n#d.nothing_here\n")
    out = tmp_path / "chronology.pdf"
    result = runner.invoke(app, ["--store", str(fixed_store.root), "chronology", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "chronology.typ, line 2: dictionary does not contain key" in result.stderr
    assert not out.exists()


def test_cli_writes_the_pdf(fixed_store: Store, runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "chronology.pdf"
    result = runner.invoke(app, ["--store", str(fixed_store.root), "chronology", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} (pdf, 8 entries, 2 exhibits)" in " ".join(result.output.split())
    assert "Page 1 of 4" in _pages(out.read_bytes())[0]


def test_without_typst_pdf_is_a_missing_dependency(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "typst", None)  # import typst now raises ImportError
    template = tmp_path / "x.typ"
    template.write_text("x")
    with pytest.raises(MissingDependency) as caught:
        typst_to_pdf(template, {})
    message = str(caught.value)
    assert "\n" not in message and f"pip install '{TYPST_REQUIREMENT}'" in message


def test_a_template_importing_an_online_package_fails_without_going_online(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "packages.typst.org")
    template = tmp_path / "chronology.typ"
    template.write_text('#import "@preview/cetz:0.3.4"\nHello\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        typst_to_pdf(template, {})
    assert str(caught.value) == (
        f"template {template}, line 1: it imports an online Typst package, and residentlog never goes "
        "online to make a document"
    )
    # The environment is as it was.
    assert (os.environ["HTTPS_PROXY"], os.environ["NO_PROXY"]) == (
        "http://proxy.example:3128",
        "packages.typst.org",
    )
    assert "ALL_PROXY" not in os.environ or os.environ["ALL_PROXY"] != "http://127.0.0.1:9"


def test_text_in_a_script_the_built_in_fonts_lack_falls_back_to_the_machines_fonts(tmp_path: Path) -> None:
    fonts = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not fonts.is_file():
        pytest.skip("needs fonts-dejavu-core (README: system packages)")
    template = tmp_path / "names.typ"
    template.write_text(
        '#let d = json(bytes(sys.inputs.data))\n#set text(font: "Libertinus Serif")\n#d.name\n',
        encoding="utf-8",
    )
    reader = pypdf.PdfReader(io.BytesIO(typst_to_pdf(template, {"name": "محمد and Ελένη"})))
    assert reader.pages[0].extract_text().split() == ["محمد", "and", "Ελένη"]
    used = {
        str(f.get_object()["/BaseFont"]).split("+")[-1]
        for f in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert used == {"LibertinusSerif-Regular-Identity-H", "DejaVuSans"}


def test_pyproject_requires_the_typst_the_template_is_written_for() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"{TYPST_REQUIREMENT}",' in pyproject


# ---------------------------------------------------------------------------------------------
# Every part of the template: selections, cases, the landlord's records, links, no entries


def test_every_part_of_the_template_typesets(example_ledger: Path, tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "store"
    shutil.copytree(example_ledger, root)
    data_dir = ROOT / "tests" / "data" / "landlord"
    mapping = "ref=Job No,reported=Logged,kind=Type,priority=Priority,status=Status,closed=Completed"
    imported = runner.invoke(
        app,
        [
            "--store",
            str(root),
            "import-landlord-records",
            str(data_dir / "repairs-log.csv"),
            "--map",
            f"{mapping},outcome=Notes",
            "--source",
            "repairs log",
        ],
    )
    assert imported.exit_code == 0, imported.output
    with Store.open(root) as store:
        ctx = chronology_context(store, NOW, by_case=True)
        assert ctx["reconciliation"] and ctx["missed"] and ctx["exhibits"] and ctx["downtime_chart"]
        text = _flat(_pages(_pdf({**ctx, "exhibit_links": True}, store)))
        assert "The landlord's records against this log" in text and "Events, by case" in text
        for group in ctx["groups"]:
            assert group["title"] in text
        for e in ctx["entries"]:
            assert f"Record hash {e['hash']}" in text
        for headline in ctx["reconciliation"]["headlines"]:
            assert " ".join(headline["sentence"].split()) in text
        selected = chronology_context(store, NOW, kinds=["lift"], since="1990-01-01", until="1990-01-02")
        assert selected["entries"] == []
        text = _flat(_pages(_pdf(selected, store)))
        assert "Selection kinds lift; from 1990-01-01; until 1990-01-02;" in text
        assert "No entries match this selection." in text
