"""Rendered documents: golden chronologies (Markdown and HTML), templates found in a wheel.

The fixed ledger (``fixed_store``, from support_render.py) is shared with
test_chronology_html.py and test_bundle.py.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from residentlog.documents.chronology import render_chronology, render_context
from residentlog.documents.render import shipped_templates_dir, template_names
from residentlog.errors import InputError, NotFound, VerificationFailed
from residentlog.integrity import signing
from residentlog.ledger.store import Store
from tests.conftest import NOW, raw
from tests.support_render import GOLDEN, assert_golden

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fixed_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed Ed25519 key, so the signed checkpoint and its verifier key in a golden file are
    the same on every run (Ed25519 signatures are deterministic)."""
    monkeypatch.setattr(signing, "generate", lambda name: signing.Signer(name, bytes(range(32))))


def _golden(name: str, text: str) -> None:
    assert_golden(GOLDEN / name, text)


def test_chronology_markdown_golden(fixed_store: Store) -> None:
    _golden("chronology.md", render_chronology(fixed_store, NOW))


def test_chronology_html_golden(fixed_store: Store) -> None:
    _golden("chronology.html", render_chronology(fixed_store, NOW, fmt="html"))


def test_chronology_by_case_golden(fixed_store: Store) -> None:
    """Grouped by case (in order of each case's first entry, no case last), numbered throughout."""
    text = render_chronology(fixed_store, NOW, by_case=True)
    _golden("chronology-by-case.md", text)
    headings = [
        line for line in text.splitlines() if line.startswith("### Case") or line.startswith("### Entries")
    ]
    assert headings == [
        "### Case front-door",
        "### Case lift-2",
        "### Case cctv",
        "### Entries not in a case",
    ]
    paragraphs = [int(line.split()[1].rstrip(".")) for line in text.splitlines() if line.startswith("#### ")]
    assert paragraphs == list(range(1, 9))


def test_chronology_filters_and_checkpoint(fixed_store: Store) -> None:
    text = render_chronology(fixed_store, NOW, cases=["lift-2"])
    assert r"Lift 2 \<stuck> \& \[bold\]trapped\[/bold\]" in text  # Markdown-escaped: shown as typed
    assert "Front door" not in text
    assert "Corrected on Mon 23 Nov 2026 18:40 GMT because: Time was 16:25" in text
    assert "  - when it happened was: Sat 14 Dec 2019 16:20 GMT" in text
    assert "residentlog/0123456789abcdef0123456789abcdef\n9\n" in text
    assert [c.size for c in fixed_store.issued_checkpoints()] == [9]


def test_no_chronology_of_a_ledger_that_does_not_verify(fixed_store: Store) -> None:
    """The ledger is verified (in a second process) before the chronology's checkpoint is
    issued: an altered record stops it, and no checkpoint is kept."""
    conn = raw(fixed_store)
    data = conn.execute("SELECT canonical FROM ledger WHERE seq = 3").fetchone()[0]
    conn.execute(
        "UPDATE ledger SET canonical = ? WHERE seq = 3", (data.replace(b'"details":"', b'"details":"X'),)
    )
    conn.close()
    with pytest.raises(VerificationFailed) as caught:
        render_chronology(fixed_store, NOW)
    assert str(caught.value) == (
        "not issuing a checkpoint: the ledger does not verify "
        "(entry 3: content changed: its bytes no longer match its stored hash)"
    )
    assert fixed_store.issued_checkpoints() == []


def test_chronology_unknown_case_is_an_error(fixed_store: Store) -> None:
    with pytest.raises(NotFound) as caught:
        render_chronology(fixed_store, NOW, cases=["lift-9"])
    assert str(caught.value) == "case: no entries in case 'lift-9'; cases: cctv, front-door, lift-2"
    assert caught.value.for_cli().startswith("--case: no entries in case 'lift-9'")


def test_chronology_format_errors_name_the_input_not_an_option(fixed_store: Store) -> None:
    with pytest.raises(InputError) as caught:
        render_chronology(fixed_store, NOW, fmt="pdf")
    assert str(caught.value) == "format: 'pdf' is not a text format (md, html, csv, json)"
    with pytest.raises(InputError) as caught:
        render_context({}, "docx")
    assert str(caught.value) == "format: choose one of md, html, pdf, csv, json, not 'docx'"
    assert caught.value.for_cli() == "--format: choose one of md, html, pdf, csv, json, not 'docx'"


def test_templates_are_found() -> None:
    assert {"chronology.md.j2", "chronology.html.j2"} <= set(template_names())
    assert (
        shipped_templates_dir() == ROOT / "templates" or shipped_templates_dir().parent.name == "residentlog"
    )


def test_user_template_overrides_the_shipped_one(fixed_store: Store) -> None:
    (fixed_store.root / "templates").mkdir()
    (fixed_store.root / "templates" / "chronology.md.j2").write_text("Mine: {{ entries | length }}\n")
    assert render_chronology(fixed_store, NOW) == "Mine: 8\n"


def test_wheel_carries_templates_and_packs(tmp_path: Path) -> None:
    """A wheel install (not editable) finds every template and policy pack."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(wheel_dir.glob("residentlog-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in template_names():
        assert f"residentlog/templates/{template}" in names
    letters = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "templates" / "letters").glob("*.j2"))
    assert len(letters) >= 11
    for template in letters:
        assert f"residentlog/{template}" in names
    assert any(n.startswith("residentlog/deadlines/packs/") and n.endswith(".toml") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import residentlog.documents.render as r, residentlog.deadlines.policy as p; "
        "print(r.shipped_templates_dir()); print(','.join(r.template_names())); "
        "print(len(p.list_shipped_packs()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(target)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0] == str(target / "residentlog" / "templates")
    assert out[1] == ",".join(template_names())
    assert int(out[2]) >= 6
