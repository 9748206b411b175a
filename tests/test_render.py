"""Rendered documents: golden chronology, escaping of user text, templates found in a wheel."""

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
from residentlog.ledger import add_entry, amend_entry
from residentlog.profile import update_profile
from residentlog.render import shipped_templates_dir, template_names
from residentlog.store import Store

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


@pytest.fixture
def fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A small ledger whose every random part is fixed, so its rendering is byte-stable."""
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
    return s


def test_chronology_markdown_golden(fixed_store: Store) -> None:
    text = render_chronology(fixed_store, NOW)
    golden = GOLDEN / "chronology.md"
    if not golden.exists():  # pragma: no cover - to regenerate, delete the file and run once
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_chronology_filters_and_checkpoint(fixed_store: Store) -> None:
    text = render_chronology(fixed_store, NOW, cases=["lift-2"])
    assert "Lift 2 <stuck> & [bold]trapped[/bold]" in text
    assert "Front door" not in text
    assert "Corrected on Mon 23 Nov 2026 18:40 GMT because: Time was 16:25" in text
    assert "residentlog/0123456789abcdef0123456789abcdef\n4\n" in text
    assert [c[0] for c in fixed_store.checkpoints()] == [4]


def test_templates_are_found() -> None:
    assert "chronology.md.j2" in template_names()
    assert (
        shipped_templates_dir() == ROOT / "templates" or shipped_templates_dir().parent.name == "residentlog"
    )


def test_user_template_overrides_the_shipped_one(fixed_store: Store) -> None:
    (fixed_store.root / "templates").mkdir()
    (fixed_store.root / "templates" / "chronology.md.j2").write_text("Mine: {{ entries | length }}\n")
    assert render_chronology(fixed_store, NOW) == "Mine: 3\n"


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
