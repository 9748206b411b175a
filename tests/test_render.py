"""Rendered documents: golden chronologies (Markdown and HTML), templates found in a wheel.

The fixed ledger here is shared with test_chronology_html.py and test_bundle.py.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from residentlog import record
from residentlog import store as store_module
from residentlog.chronology import render_chronology
from residentlog.errors import NotFound
from residentlog.ledger import add_entry, amend_entry
from residentlog.profile import update_profile
from residentlog.render import shipped_templates_dir, template_names
from residentlog.store import Store

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


def make_fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A small ledger whose every random part is fixed, so its rendering is byte-stable.

    Eight entries and one correction (nine records: record 4 corrects entry 3, so there is no
    entry 4): a door case (a report, then a photo of the door still open), a lift case (an
    entrapment whose time was corrected; the fault back in January and reported half an hour
    later, one incident), and a CCTV subject access request answered late with a refusal
    letter, the same letter later attached to a note.
    Incidents per month: door 2 in Sep 2019, lift 1 in Dec 2019 and 1 in Jan 2020 (3 bars).
    The uk-gdpr pack's one-month clock on the CCTV request is breached.
    """
    counter = itertools.count()
    monkeypatch.setattr(record, "new_salt", lambda: f"salt-{next(counter):04d}")
    monkeypatch.setattr(store_module, "new_ledger_id", lambda: "0123456789abcdef0123456789abcdef")
    s = Store.create(tmp_path / "store")
    update_profile(
        s.root,
        {
            "name": "Sam Resident",
            "address": "Flat 14\nExample House",
            "landlord": "Example HA",
            "tenancy_ref": "EHA-14",
        },
    )
    photo = tmp_path / "door.png"
    photo.write_bytes(b"\x89PNG fake")
    letter = tmp_path / "refusal letter.txt"
    letter.write_bytes(b"Footage deleted after 30 days.\n")

    def add(kind: str, summary: str, when: str, now: datetime = NOW, **kw: object) -> None:
        add_entry(s, {"kind": kind, "summary": summary, **kw}, when_text=when, now=now)

    add(
        "door",
        "Front door will not lock",
        "3/9/2019 08:15",
        case="front-door",
        fields={"event": "reported", "channel": "phone"},
        refs=[{"by": "landlord", "ref": "DR-1"}],
    )
    add_entry(
        s,
        {"kind": "door", "summary": "Door still pushes open", "case": "front-door", "links": [1]},
        when_text="19/9/2019 18:40",
        attach=[photo],
        now=datetime(2019, 9, 19, 19, 0, tzinfo=UTC),
    )
    add(
        "lift",
        "Lift 2 <stuck> & [bold]trapped[/bold]",
        "14 December 2019 16:20",
        case="lift-2",
        fields={"trapped": 3, "trapped_minutes": 110},
        details="Neighbour and two small children.\nFire brigade.",
    )
    amend_entry(s, 3, reason="Time was 16:25", changes={}, when_text="14 December 2019 16:25", now=NOW)
    add(
        "cctv",
        "Asked for the lift CCTV footage of 14 December",
        "16/12/2019 10:00",
        now=datetime(2019, 12, 16, 10, 30, tzinfo=UTC),
        case="cctv",
        links=[3],
        fields={"event": "requested", "category": "subject-access", "channel": "email"},
    )
    add(
        "lift",
        "Lift 2 out of service again",
        "5/1/2020 08:00",
        now=datetime(2020, 1, 5, 9, 0, tzinfo=UTC),
        case="lift-2",
        links=[3],
        fields={"event": "recurred"},
    )
    add(
        "lift",
        "Reported Lift 2 out of service",
        "5/1/2020 08:30",
        now=datetime(2020, 1, 5, 9, 0, tzinfo=UTC),
        case="lift-2",
        links=[6],
        fields={"event": "reported", "channel": "phone"},
        refs=[{"by": "landlord", "ref": "LFT-2"}],
    )
    add_entry(
        s,
        {
            "kind": "cctv",
            "summary": "Told the footage was deleted after 30 days",
            "case": "cctv",
            "links": [5],
            "fields": {"event": "refused", "category": "subject-access"},
        },
        when_text="20/1/2020 09:00",
        attach=[letter],
        now=datetime(2020, 1, 20, 12, 0, tzinfo=UTC),
    )
    add_entry(
        s,
        {"kind": "note", "summary": "Sent the refusal letter to my councillor", "links": [8]},
        when_text="21/1/2020",
        attach=[letter],
        now=datetime(2020, 1, 21, 20, 0, tzinfo=UTC),
    )
    return s


@pytest.fixture
def fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return make_fixed_store(tmp_path, monkeypatch)


def _golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if not golden.exists():  # pragma: no cover - to regenerate, delete the file and run once
        golden.write_bytes(text.encode("utf-8"))
    assert text == golden.read_bytes().decode("utf-8")


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
    assert "Lift 2 <stuck> & [bold]trapped[/bold]" in text
    assert "Front door" not in text
    assert "Corrected on Mon 23 Nov 2026 18:40 GMT because: Time was 16:25" in text
    assert "  - when it happened was: Sat 14 Dec 2019 16:20 GMT" in text
    assert "residentlog/0123456789abcdef0123456789abcdef\n9\n" in text
    assert [c[0] for c in fixed_store.checkpoints()] == [9]


def test_chronology_unknown_case_is_an_error(fixed_store: Store) -> None:
    with pytest.raises(NotFound, match="no entries in case 'lift-9'; cases: cctv, front-door, lift-2"):
        render_chronology(fixed_store, NOW, cases=["lift-9"])


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
    assert any(n.startswith("residentlog/packs/") and n.endswith(".toml") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import residentlog.render as r, residentlog.policy as p; "
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
