"""The landlord's own records against the log (issue 13 §2): importing a landlord's repair log
as one hashed entry, matching its rows to the example ledger's reports, the findings, the CLI,
the chronology section and the letters' sentence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.documents.reconcile import Reconciliation, store_reconciliation
from residentlog.errors import InputError, VerificationFailed
from residentlog.ledger.landlord_records import (
    LandlordRecord,
    entry_records,
    import_records,
    is_landlord_records,
    parse_mapping,
)
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from tests.conftest import NOW, copy_example

DATA = Path(__file__).resolve().parents[1] / "data" / "landlord"
LOG = DATA / "repairs-log.csv"
MAP = "ref=Job No,reported=Logged,kind=Type,priority=Priority,status=Status,closed=Completed,outcome=Notes"
SOURCE = "repairs log from my subject access request, 3 March 2021"


@pytest.fixture
def example(example_ledger: Path, tmp_path: Path) -> Path:
    return copy_example(example_ledger, tmp_path / "store")


def _imported(root: Path) -> Reconciliation:
    with Store.open(root) as s:
        done = import_records(s, LOG, parse_mapping(MAP), source=SOURCE, kind=None, now=NOW)
        assert done.added and done.num == 73 and len(done.sheet.records) == 7 and done.sheet.bad == ()
        found = store_reconciliation(s, NOW)
    assert found is not None
    return found


def test_the_import_is_one_note_with_the_file_and_the_mapping(example: Path) -> None:
    with Store.open(example) as s:
        before = s.size()
        done = import_records(s, LOG, parse_mapping(MAP), source=SOURCE, kind=None, now=NOW)
        again = import_records(s, LOG, parse_mapping(MAP), source="again", kind=None, now=NOW)
        assert (again.num, again.added, s.size()) == (done.num, False, before + 1)
        (entry,) = [e for e in list_entries(s, Filters(), NOW) if is_landlord_records(e)]
        assert entry.kind == "note" and entry.tags == ["landlord-records"] and not entry.is_incident
        assert entry.summary == f"Landlord's records (not my evidence): {SOURCE}"
        assert entry.details.splitlines()[:4] == [
            f"Source: {SOURCE}",
            f"File: repairs-log.csv (sha256 {done.sha256})",
            f"Column mapping: {MAP}",
            "Rows: 7 read, 0 could not be read",
        ]
        assert [a["sha256"] for a in entry.attachments] == [done.sha256]
        records = entry_records(s, entry, NOW).records
        assert records[2] == LandlordRecord(
            row=4,
            ref="DR-21107",
            reported=records[2].reported.fromisoformat("2019-09-19"),
            category="Communal door",
            kind="door",
            priority="Routine",
            status="Closed - no access",
            closed=records[2].reported.fromisoformat("2019-09-24"),
            outcome="No access - card left",
        )
        assert (records[2].priority_level, records[2].no_access, records[2].closed_as_fixed) == (
            "routine",
            True,
            False,
        )
        assert [r.closed_as_fixed for r in records] == [True, True, False, True, False, True, True]
        # The rows are read from the stored file: a changed file is caught, not believed.
        from residentlog.ledger.objects import object_path

        stored = object_path(s.objects_dir, done.sha256)
        stored.chmod(0o600)
        stored.write_bytes(stored.read_bytes().replace(b"Routine", b"Emergency"))
        with pytest.raises(VerificationFailed, match="does not match the SHA-256"):
            entry_records(s, entry, NOW)


def test_reconcile_the_example_ledger_against_the_landlords_repair_log(example: Path) -> None:
    found = _imported(example)
    assert found.period[0].isoformat() == "2019-07-01" and found.period[1].isoformat() == "2020-10-31"
    assert [(m.row.record.ref, m.entry.num if m.entry else None, m.reason) for m in found.matches] == [
        ("LFT-10452", 2, "same reference LFT-10452"),
        ("LFT-10700", 6, "same kind, 1 day apart from incident 6, which the log has no report of"),
        ("DR-21107", 9, "same reference DR-21107"),
        ("LFT-11530", 18, "same reference LFT-11530"),
        ("LFT-12330", 41, "same reference LFT-12330"),
        ("DR-23540", 51, "same reference DR-23540"),
        ("LFT-13688", 56, "same reference LFT-13688"),
    ]
    assert found.unmatched == ()
    unrecorded = found.of("unrecorded")
    assert [(f.entries, f.landlord_ref) for f in unrecorded] == [
        ((5,), "LFT-10611"),
        ((8,), "DR-20931"),
        ((10,), "LFT-10877"),
        ((12,), "DR-21342"),
        ((14,), "DR-21690"),
        ((15,), "LFT-11204"),
        ((20,), "DR-21977"),
        ((23,), "LFT-11802"),
        ((25,), "DR-22310"),
        ((30,), "DR-22604"),
        ((31,), "LFT-12045"),
        ((44,), "DR-23015"),
        ((45,), "LFT-12611"),
        ((48,), "DR-23288"),
        ((49,), "LFT-12910"),
        ((55,), "LFT-13420"),
    ]
    assert unrecorded[7].text == (
        "20 January 2020: “Lift 2 out of service” (entry 23; the landlord's reference LFT-11802): "
        "not in the landlord's records"
    )
    assert [f.text for f in found.of("recurred")] == [
        "LFT-10452: the landlord's records close it as fixed on 9 July 2019; the log records the fault "
        "again 18 days later, on 27 July 2019: “Lift 2 out of service again: doors opening and closing "
        "without moving” (entry 4)",
        "LFT-10700: the landlord's records close it as fixed on 4 September 2019; the log records the "
        "fault again 17 days later, on 21 September 2019: “Lift 2 out of service” (entry 10)",
        "LFT-11530: the landlord's records close it as fixed on 28 December 2019; the log records the "
        "fault again 5 days later, on 2 January 2020: “Lift 2 out of service again after the entrapment "
        "repair” (entry 21)",
    ]
    (no_access,) = found.of("no-access")
    assert no_access.text == (
        "DR-21107: the landlord's records close it as “No access - card left” on 24 September 2019; the "
        "log records that day: “Contractor adjusted the door closer; door still pushes open” (entry 11)"
    )
    assert no_access.data == {"contested": True}
    (priority,) = found.of("priority")
    assert priority.text == (
        "DR-21107: the landlord's records give it priority routine; it should be emergency: the "
        "resident's report of it records priority emergency (entry 9)"
    )
    (dates,) = found.of("dates")
    assert dates.text == (
        "LFT-12330: the landlord's records log it on 27 April 2020; the log records reporting it on "
        "21 April 2020 (6 days later in the landlord's records), entry 41"
    )
    assert [(h.kind, h.landlord, h.incidents, h.reports) for h in found.headlines] == [
        ("lift", 5, 23, 12),
        ("door", 2, 1, 10),
    ]
    assert found.headlines[0].sentence == (
        "your records show 5 lift faults between July 2019 and October 2020; my log records 23 "
        "incidents and 12 reports, listed with their dates and your references"
    )


def test_tolerance_and_recurrence_window_change_the_findings(example: Path) -> None:
    _imported(example)
    with Store.open(example) as s:
        wide = store_reconciliation(s, NOW, tolerance_days=7, recur_days=10)
    assert wide is not None
    # Within 7 days the two dates of LFT-12330 no longer differ; only the 5-day recurrence is
    # within 10 days.
    assert wide.of("dates") == []
    assert [f.landlord_ref for f in wide.of("recurred")] == ["LFT-11530"]


def test_the_policy_packs_priority_is_named_when_a_pack_gives_one(example: Path, runner: CliRunner) -> None:
    pack = Path(__file__).resolve().parents[2] / "src/residentlog/deadlines/packs/example-landlord.toml"
    adopted = runner.invoke(app, ["--store", str(example), "policy", "add", str(pack)])
    assert adopted.exit_code == 0, adopted.output
    found = _imported_after_policy(example)
    (priority,) = found.of("priority")
    assert priority.text.startswith(
        "DR-21107: the landlord's records give it priority routine; it should be emergency: "
    )
    assert priority.text.endswith(
        ": the policy lists communal entrance doors and ground-floor windows that are not secure as "
        "emergency repairs"
    )
    assert priority.data == {"landlord_priority": "routine", "expected_priority": "emergency", "lower": True}


def _imported_after_policy(root: Path) -> Reconciliation:
    with Store.open(root) as s:
        import_records(s, LOG, parse_mapping(MAP), source=SOURCE, kind=None, now=NOW)
        found = store_reconciliation(s, NOW)
    assert found is not None
    return found


def test_mapping_and_unreadable_files_are_refused_with_nothing_written(example: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="map a column to reported"):
        parse_mapping("ref=Job No")
    with pytest.raises(InputError, match="unknown target 'when'"):
        parse_mapping("ref=Job No,reported=Logged,when=Date")
    with Store.open(example) as s:
        size = s.size()
        with pytest.raises(InputError, match=r"no column 'Date logged' \(its columns: Job No, Logged"):
            import_records(
                s, LOG, parse_mapping("ref=Job No,reported=Date logged"), source="", kind=None, now=NOW
            )
        empty = tmp_path / "empty.csv"
        empty.write_text("")
        with pytest.raises(InputError, match="no heading row"):
            import_records(s, empty, parse_mapping(MAP), source="", kind=None, now=NOW)
        text = tmp_path / "log.txt"
        shutil.copy(LOG, text)
        with pytest.raises(InputError, match=r"must be a \.csv or \.xlsx file"):
            import_records(s, text, parse_mapping(MAP), source="", kind=None, now=NOW)
        assert s.size() == size


def test_an_xlsx_log_reads_as_the_csv_does(example: Path, tmp_path: Path) -> None:
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    with LOG.open(newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    path = tmp_path / "repairs.xlsx"
    book.save(path)
    with Store.open(example) as s:
        from_xlsx = import_records(s, path, parse_mapping(MAP), source="", kind=None, now=NOW).sheet
        from_csv = import_records(s, LOG, parse_mapping(MAP), source="", kind=None, now=NOW).sheet
    assert from_xlsx.records == from_csv.records


# -- the command line ---------------------------------------------------------------------------


def test_cli_import_reimport_and_bad_rows(example: Path, runner: CliRunner) -> None:
    store = ["--store", str(example)]
    first = runner.invoke(
        app, [*store, "import-landlord-records", str(LOG), "--map", MAP, "--source", SOURCE]
    )
    assert first.exit_code == 0, first.output
    assert first.stdout == "Recorded the landlord's records as entry 73: 7 rows read.\n"
    again = runner.invoke(app, [*store, "import-landlord-records", str(LOG)])  # the saved mapping
    assert again.exit_code == 0, again.output
    assert again.stdout == "Already imported as entry 73; nothing added.\n"
    assert f"Using the saved mapping 'landlord': {MAP}" in again.stderr
    bad = runner.invoke(
        app, [*store, "import-landlord-records", str(DATA / "repairs-bad-rows.csv"), "--json"]
    )
    assert bad.exit_code == 1
    out = json.loads(bad.stdout)
    assert (out["entry"], out["added"], out["rows"]) == (74, True, 1)
    assert out["bad_rows"] == [
        "repairs-bad-rows.csv, row 3: column 'Job No': no reference",
        "repairs-bad-rows.csv, row 4: column 'Logged': '31/02/2020' is not a real date (February 2020 has "
        "no 31st)",
        "repairs-bad-rows.csv, row 5: column 'Completed': is before the day it was logged (2020-06-03)",
    ]
    listed = runner.invoke(app, [*store, "list", "--no-pager", "--tag", "landlord-records"])
    assert listed.exit_code == 0, listed.output
    assert "Landlord's records (not my evidence): repairs log from my subject access request" in listed.stdout


def test_cli_reconcile_table_and_json(example: Path, runner: CliRunner) -> None:
    store = ["--store", str(example)]
    assert runner.invoke(app, [*store, "reconcile"]).exit_code == 2  # nothing imported yet
    runner.invoke(app, [*store, "import-landlord-records", str(LOG), "--map", MAP, "--source", SOURCE])
    table = runner.invoke(app, [*store, "reconcile"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0] == f"Landlord's records: entry 73, {SOURCE} (repairs-log.csv, 7 rows)"
    assert lines[1] == "Period: 1 July 2019 to 31 October 2020; tolerance 2 days"
    assert "Reports in the log that the landlord's records do not have (16):" in lines
    assert "Closed as fixed, and the fault back within 30 days (3):" in lines
    assert any("LFT-10700" in line and "same kind, 1 day apart from incident 6" in line for line in lines)
    data = json.loads(runner.invoke(app, [*store, "reconcile", "--json"]).stdout)
    assert data["period"] == {"from": "2019-07-01", "to": "2020-10-31"}
    assert [h["sentence"] for h in data["headlines"]][1] == (
        "your records show 2 door / entry faults between July 2019 and October 2020; my log records "
        "1 incident and 10 reports, listed with their dates and your references"
    )
    assert {f["type"] for f in data["findings"]} == {
        "unrecorded",
        "recurred",
        "no-access",
        "priority",
        "dates",
    }
    assert len(data["records"]) == 7 and data["sources"][0]["rows"] == 7
    lift = json.loads(runner.invoke(app, [*store, "reconcile", "--json", "--kind", "lift"]).stdout)
    assert [h["kind"] for h in lift["headlines"]] == ["lift"]
    assert len([f for f in lift["findings"] if f["type"] == "unrecorded"]) == 8


def test_the_chronology_and_the_ombudsman_letter_quote_the_landlords_records(
    example: Path, runner: CliRunner, tmp_path: Path
) -> None:
    store = ["--store", str(example)]
    runner.invoke(app, [*store, "import-landlord-records", str(LOG), "--map", MAP, "--source", SOURCE])
    chron = runner.invoke(app, [*store, "chronology", "-o", str(tmp_path / "c.md")])
    assert chron.exit_code == 0, chron.output
    text = (tmp_path / "c.md").read_text()
    section = text.split("## The landlord's records against this log\n")[1].split("\n## Events")[0]
    assert (
        "- The landlord's records show 5 lift faults between July 2019 and October 2020; the log records "
        "23 incidents and 12 reports, listed with their dates and the landlord's references." in section
    )
    assert "### Closed as 'no access'\n\n- DR-21107: " in section
    assert "(entry 11) (paragraph 11)" in section
    letter = runner.invoke(
        app, [*store, "letter", "ombudsman-referral", "--no-record", "-o", str(tmp_path / "o.md")]
    )
    assert letter.exit_code == 0, letter.output
    body = (tmp_path / "o.md").read_text()
    assert (
        "My landlord's records show 5 lift faults between July 2019 and October 2020; my log records 23 "
        "incidents and 12 reports, listed with their dates and their references.\n" in body
    )
    assert "My landlord's records show 2 door / entry faults between July 2019 and October 2020" in body
