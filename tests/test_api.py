"""The Python API: a caller can open a store, add, list, verify and checkpoint without the CLI,
and gets errors worded for Python (field names, no --options)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import residentlog
from residentlog.integrity.signing import parse_note
from tests.conftest import NOW


def test_the_whole_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "log"
    with residentlog.init_store(root, {"name": "A Resident", "nation": "england"}) as store:
        first = residentlog.add(
            store,
            "lift",
            "Lift 2 out of service",
            when="3 March 2020 14:00",
            case="lift-2",
            refs=["landlord:REP-1"],
            fields={"lift": "2", "out_of_service": True, "trapped": 3, "trapped_minutes": 115},
            now=NOW,
        )
        residentlog.add(store, "door", "Front door will not lock", when="yesterday", now=NOW)
        fix = residentlog.amend(store, 1, "wrong time", when="3 March 2020 15:00", now=NOW)
    assert (first.num, fix.num, fix.seq) == (1, 1, 3)

    with residentlog.open_store(root) as store:
        lifts = residentlog.entries(store, kind="lift", now=NOW)
        assert [(e.num, e.kind, e.case, e.event, e.versions) for e in lifts] == [
            (1, "lift", "lift-2", "observed", 2)
        ]
        (lift,) = lifts
        assert lift.occurred_at == "2020-03-03T15:00:00+00:00"
        assert lift.fields == {
            "event": "observed",
            "lift": "2",
            "out_of_service": True,
            "trapped": 3,
            "trapped_minutes": 115,
        }
        assert lift.refs == [{"by": "landlord", "ref": "REP-1"}]
        assert lift.reason == "wrong time" and lift.kind_title == "lift fault" and lift.is_incident
        assert [e.summary for e in residentlog.entries(store, search="lock", now=NOW)] == [
            "Front door will not lock"
        ]
        assert residentlog.entry(store, 2).occurred_at == "2026-11-22T00:00:00+00:00"

        report = residentlog.verify(store)
        assert (report.ok, report.size) == (True, 3)
        cp = residentlog.checkpoint(store, recipient="Housing Ombudsman", now=NOW)
        assert (cp.size, cp.root) == (3, report.root)
        assert parse_note(cp.note).text == cp.text()


def test_errors_name_the_field_not_a_command_line_option(tmp_path: Path) -> None:
    with residentlog.init_store(tmp_path / "log") as store:
        with pytest.raises(residentlog.InputError) as empty:
            residentlog.add(store, "note", "   ")
        assert (empty.value.message, empty.value.field) == ("summary: must not be empty", "summary")
        assert empty.value.for_cli() == "--summary: must not be empty"
        with pytest.raises(residentlog.InputError) as wrong:
            residentlog.add(store, "door", "Door", fields={"trapped_minutes": 5})
        assert wrong.value.message.startswith(
            "trapped_minutes: does not apply to a door entry (its own fields: "
        )
        assert wrong.value.for_cli().startswith("--trapped-minutes: does not apply to a door entry")
        with pytest.raises(residentlog.NotFound, match=r"^there is no entry 9$"):
            residentlog.amend(store, 9, "typo")
        with pytest.raises(residentlog.InputError, match=r"^reason: say why the entry is being corrected$"):
            residentlog.add(store, "note", "n")
            residentlog.amend(store, 1, "  ")
        assert residentlog.verify(store).size == 1  # nothing invalid was written


def test_init_refuses_an_existing_store_and_open_refuses_a_missing_one(tmp_path: Path) -> None:
    residentlog.init_store(tmp_path / "log").close()
    with pytest.raises(residentlog.InputError, match=r"^a store already exists at "):
        residentlog.init_store(tmp_path / "log")
    with pytest.raises(residentlog.StoreError, match=r"^no store at "):
        residentlog.open_store(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_import_residentlog_loads_nothing_until_a_name_is_used() -> None:
    code = (
        "import sys, json, residentlog\n"
        "before = sorted(m for m in sys.modules if m.startswith(('residentlog.', 'pydantic', 'sqlite3')))\n"
        "residentlog.Store\n"
        "listed = sorted(dir(residentlog)) == sorted(residentlog.__all__)\n"
        "print(json.dumps([before, 'residentlog.ledger.store' in sys.modules, listed]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [[], True, True]


def test_every_exported_name_resolves() -> None:
    for name in residentlog.__all__:
        assert getattr(residentlog, name) is not None, name
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        residentlog.nope  # noqa: B018


def test_the_readme_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = readme.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    residentlog.init_store(tmp_path / "store").close()
    exec(code.replace("/path/to/store", str(tmp_path / "store")), {})
    first, *note = capsys.readouterr().out.splitlines()
    assert first.startswith("1 20") and first.endswith(" observed Lift 2 out of service")
    assert note[0].startswith("residentlog/") and note[1] == "1"  # origin, then the size: 1 entry
