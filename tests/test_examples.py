"""examples/build-example-ledger.sh builds exactly the ledger examples/README.md describes.

The script runs once per module (it makes ~75 CLI calls) into a temporary store, through
``python -m residentlog`` from this interpreter; the tests then read the store back through the
CLI's ``--json`` output, as any other program would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "build-example-ledger.sh"
LONDON = ZoneInfo("Europe/London")

pytestmark = [
    pytest.mark.skipif(os.name != "posix" or shutil.which("sh") is None, reason="needs a POSIX shell"),
    pytest.mark.skipif(" " in sys.executable, reason="RESIDENTLOG is split on spaces by the script"),
]

# (case, kind) -> number of entries; None is "no case".
EXPECTED_COUNTS: dict[tuple[str | None, str], int] = {
    ("lift-2", "lift"): 26,
    ("lift-2", "contact"): 1,
    ("front-door", "door"): 18,
    ("front-door", "contact"): 2,
    ("asb", "asb"): 5,
    ("cctv", "cctv"): 4,
    ("complaint-1", "complaint"): 8,
    ("complaint-1", "contact"): 1,
    (None, "note"): 1,
    (None, "damp"): 2,
    (None, "repair"): 1,
    (None, "service-charge"): 2,
}
ENTRIES = sum(EXPECTED_COUNTS.values())  # 71 entries
RECORDS = ENTRIES + 1  # plus one correction
AMENDED = 15  # the lift fault first entered at 19:40 instead of 07:40


@dataclass(frozen=True)
class Example:
    store: Path
    env: dict[str, str]
    stdout: str


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RESIDENTLOG_DEBUG", None)
    env["RESIDENTLOG"] = f"{sys.executable} -m residentlog"
    # --store is always given; point the default somewhere harmless in case it is not.
    env["RESIDENTLOG_STORE"] = str(base / "default-store-must-stay-unused")
    env["XDG_DATA_HOME"] = str(base / "xdg")
    env["TMPDIR"] = str(base)
    return env


def _run_script(store: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), str(store), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _cli(example: Example, *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "residentlog", "--store", str(example.store), *args],
        env=example.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _local(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["occurred_at"]).astimezone(LONDON)


def _day(entry: dict[str, Any]) -> date:
    return _local(entry).date()


def _event(entry: dict[str, Any]) -> str:
    return entry["fields"].get("event", "observed")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Example:
    base = tmp_path_factory.mktemp("example")
    store = base / "store"
    env = _env(base)
    result = _run_script(store, env)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert not Path(env["RESIDENTLOG_STORE"]).exists()
    return Example(store=store, env=env, stdout=result.stdout)


@pytest.fixture(scope="module")
def entries(example: Example) -> list[dict[str, Any]]:
    return _cli(example, "list", "--json")


@pytest.fixture(scope="module")
def door(example: Example) -> list[dict[str, Any]]:
    return _cli(example, "list", "--case", "front-door", "--json")


def _select(entries: list[dict[str, Any]], case: str | None, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in entries if e["case"] == case and (kind is None or e["kind"] == kind)]


# -- the script itself -------------------------------------------------------------------------


def test_script_is_an_executable_posix_script() -> None:
    assert os.access(SCRIPT, os.X_OK)
    text = SCRIPT.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n")
    assert "\nset -eu\n" in text
    assert "${RESIDENTLOG:-residentlog}" in text


def test_script_reports_every_entry_and_the_checkpoint(example: Example) -> None:
    lines = example.stdout.splitlines()
    assert sum(line.lstrip().startswith("#") for line in lines) == RECORDS
    assert f"correction of entry {AMENDED}" in example.stdout


def test_script_needs_exactly_one_argument(tmp_path: Path) -> None:
    result = subprocess.run([str(SCRIPT)], env=_env(tmp_path), capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_script_refuses_a_store_that_already_holds_a_ledger(example: Example) -> None:
    result = _run_script(example.store, example.env)
    assert result.returncode != 0
    assert "already holds a ledger" in result.stderr
    assert _cli(example, "verify", "--json")["size"] == RECORDS


# -- what the ledger holds ---------------------------------------------------------------------


def test_exact_entry_counts_per_case_and_kind(entries: list[dict[str, Any]]) -> None:
    assert Counter((e["case"], e["kind"]) for e in entries) == Counter(EXPECTED_COUNTS)
    assert len(entries) == ENTRIES


def test_entries_are_numbered_in_order_and_listed_oldest_first(entries: list[dict[str, Any]]) -> None:
    assert sorted(e["number"] for e in entries) == list(range(1, ENTRIES + 1))
    when = [e["occurred_at"] for e in entries]
    assert [datetime.fromisoformat(w) for w in when] == sorted(datetime.fromisoformat(w) for w in when)


def test_everything_happened_between_2019_and_2021(entries: list[dict[str, Any]]) -> None:
    days = [_day(e) for e in entries]
    assert {d.year for d in days} == {2019, 2020, 2021}
    assert min(days) == date(2019, 6, 28)
    assert max(days) == date(2021, 10, 12)
    assert len(set(days)) > 60


def test_links_point_to_earlier_entries(entries: list[dict[str, Any]]) -> None:
    numbers = {e["number"] for e in entries}
    linked = [e for e in entries if e["links"]]
    assert len(linked) >= 15
    for e in linked:
        assert all(link in numbers and link < e["number"] for link in e["links"]), e


def test_lift_2_failed_23_times_in_15_months(entries: list[dict[str, Any]]) -> None:
    lift = _select(entries, "lift-2", "lift")
    assert all(e["fields"]["lift"] == "Lift 2" for e in lift)
    faults = [e for e in lift if e["fields"].get("out_of_service") is True]
    assert len(faults) == 23
    assert _day(faults[0]) == date(2019, 7, 8)
    assert _day(faults[-1]) == date(2020, 10, 14)
    months = {(_day(f).year, _day(f).month) for f in faults}
    assert len(months) == 16  # at least one fault in every month from July 2019 to October 2020
    assert Counter(_event(e) for e in lift) == Counter(
        {"reported": 12, "observed": 7, "recurred": 4, "fixed": 1, "attended": 1, "not-fixed": 1}
    )
    for e in lift:
        if _event(e) == "reported":
            assert e["fields"]["channel"] == "phone"
            assert [r["by"] for r in e["refs"]] == ["landlord"]
    reported_refs = [e["refs"][0]["ref"] for e in lift if _event(e) == "reported"]
    assert len(set(reported_refs)) == len(reported_refs)
    back_in_service = [e for e in lift if e["fields"].get("out_of_service") is False]
    assert [_event(e) for e in back_in_service] == ["fixed"]


def test_neighbour_and_two_children_trapped_for_110_minutes(entries: list[dict[str, Any]]) -> None:
    trapped = [e for e in entries if "trapped" in e["fields"]]
    assert len(trapped) == 1
    (entrapment,) = trapped
    assert entrapment["case"] == "lift-2"
    assert entrapment["fields"]["trapped"] == 3
    assert entrapment["fields"]["trapped_minutes"] == 110
    assert entrapment["fields"]["priority"] == "emergency"
    assert _local(entrapment) == datetime(2019, 12, 14, 16, 20, tzinfo=LONDON)
    assert "two small children" in entrapment["summary"]
    (attended,) = [e for e in entries if entrapment["number"] in e["links"] and _event(e) == "attended"]
    assert _local(attended) == datetime(2019, 12, 14, 18, 10, tzinfo=LONDON)  # 110 minutes later


def test_front_door_reported_14_times_as_an_emergency(door: list[dict[str, Any]]) -> None:
    assert {e["case"] for e in door} == {"front-door"}
    reports = [e for e in door if e["kind"] == "door" and _event(e) == "reported"]
    assert len(reports) == 14
    for e in reports:
        assert e["fields"]["category"] == "communal-door"
        assert e["fields"]["priority"] == "emergency"
        assert e["fields"]["door"] == "Main entrance"
        assert [r["by"] for r in e["refs"]] == ["landlord"]
    assert len({e["refs"][0]["ref"] for e in reports}) == 14
    assert _local(reports[0]) == datetime(2019, 9, 3, 8, 15, tzinfo=LONDON)
    assert (_day(reports[-1]).year, _day(reports[-1]).month) == (2021, 10)
    assert all(date(2019, 9, 3) <= _day(e) <= date(2021, 10, 31) for e in reports)
    assert Counter(e["fields"].get("channel") for e in reports) == Counter(
        {"phone": 11, "email": 2, "online": 1}
    )


def test_front_door_secured_on_15_september_2020_then_failed_again(door: list[dict[str, Any]]) -> None:
    doors = [e for e in door if e["kind"] == "door"]
    (fixed,) = [e for e in doors if _event(e) == "fixed"]
    assert _day(fixed) == date(2020, 9, 15)
    (recurred,) = [e for e in doors if _event(e) == "recurred"]
    assert _day(recurred) > _day(fixed)
    assert fixed["number"] in recurred["links"]
    reports = [e for e in doors if _event(e) == "reported"]
    assert sum(_day(e) < _day(fixed) for e in reports) == 10
    assert sum(_day(e) >= _day(recurred) for e in reports) == 4
    assert [_event(e) for e in doors if _event(e) != "reported"] == [
        "observed",
        "not-fixed",
        "fixed",
        "recurred",
    ]
    contacts = [e for e in door if e["kind"] == "contact"]
    assert [c["fields"]["channel"] for c in contacts] == ["email", "email"]


def test_asb_youths_and_the_replica_gun_in_the_bins(entries: list[dict[str, Any]]) -> None:
    asb = _select(entries, "asb", "asb")
    assert [e["fields"].get("witness") for e in asb] == [
        "first-hand",
        None,
        "first-hand",
        None,
        "reported",
    ]
    (gun,) = [e for e in asb if any(r["by"] == "police" for r in e["refs"])]
    assert "replica gun" in gun["summary"].lower()
    assert _event(gun) == "reported"
    assert gun["refs"] == [{"by": "police", "ref": "CAD-4417-13MAR20"}]
    assert "bin-store" in gun["tags"]
    assert "drugs" in gun["summary"]
    assert _day(gun) == date(2020, 3, 13)
    (repair,) = _select(entries, None, "repair")
    assert repair["number"] in gun["links"]
    youths = [e for e in asb if "youths" in e["summary"].lower()]
    assert len(youths) == 3
    assert sum(any(r["by"] == "landlord" for r in e["refs"]) for e in asb) == 2


def test_cctv_requests_one_refused_one_provided(entries: list[dict[str, Any]]) -> None:
    cctv = _select(entries, "cctv", "cctv")
    assert [_event(e) for e in cctv] == ["requested", "requested", "refused", "provided"]
    first, second, refused, provided = cctv
    assert first["number"] in refused["links"]
    assert second["number"] in provided["links"]
    assert "deleted" in refused["summary"]
    assert {e["fields"]["camera"] for e in cctv} == {"Entrance lobby", "Bin store"}


def test_complaint_stages_then_the_ombudsman(entries: list[dict[str, Any]]) -> None:
    complaint = _select(entries, "complaint-1", "complaint")
    assert [(e["fields"]["stage"], e["fields"]["step"]) for e in complaint] == [
        (1, "raised"),
        (1, "acknowledged"),
        (1, "responded"),
        (2, "escalated"),
        (2, "acknowledged"),
        (2, "extended"),
        (2, "responded"),
        (2, "ombudsman"),
    ]
    raised, acknowledged = complaint[0], complaint[1]
    assert _day(raised) == date(2020, 10, 19)
    assert (_day(acknowledged) - _day(raised)).days == 22  # 16 working days: late
    assert all(any(r == {"by": "landlord", "ref": "CMP-20-0871"} for r in e["refs"]) for e in complaint[1:])
    ombudsman = complaint[-1]
    assert {"by": "ombudsman", "ref": "202101234"} in ombudsman["refs"]
    assert _day(ombudsman) == date(2021, 3, 8)
    assert complaint[-2]["number"] in ombudsman["links"]
    assert len(raised["links"]) == 6


def test_contacts_service_charges_damp_and_note(entries: list[dict[str, Any]]) -> None:
    contacts = [e for e in entries if e["kind"] == "contact"]
    assert Counter(c["fields"]["channel"] for c in contacts) == Counter({"phone": 2, "email": 2})
    assert all(c["fields"]["direction"] == "out" and c["fields"]["who"] for c in contacts)
    charges = _select(entries, None, "service-charge")
    assert sorted((c["fields"]["service"], c["fields"]["amount_pence"]) for c in charges) == [
        ("door entry", 8620),
        ("lifts", 31248),
    ]
    assert {c["fields"]["charge_year"] for c in charges} == {"2020/21"}
    damp = _select(entries, None, "damp")
    assert [_event(e) for e in damp] == ["observed", "reported"]
    assert {e["fields"]["rooms"] for e in damp} == {"bathroom, bedroom"}
    (note,) = _select(entries, None, "note")
    assert note["occurred_precision"] == "day"
    assert "refurbishment" in note["summary"]


# -- the correction, the attachments, and verification -----------------------------------------


def test_the_lift_fault_entered_at_the_wrong_time_shows_as_amended(
    example: Example, entries: list[dict[str, Any]]
) -> None:
    amended = [e for e in entries if e["amended"]]
    assert [e["number"] for e in amended] == [AMENDED]
    (entry,) = amended
    assert entry["kind"] == "lift" and entry["case"] == "lift-2"
    assert entry["versions"] == 2
    assert entry["latest_seq"] == RECORDS
    assert "19:40" in entry["correction_reason"]
    assert _local(entry) == datetime(2019, 11, 12, 7, 40, tzinfo=LONDON)
    assert entry["fields"]["out_of_service"] is True  # the correction kept the other fields
    history = _cli(example, "show", str(AMENDED), "--history", "--json")
    assert len(history) == 2
    original, correction = (h["record"] for h in history)
    assert original["occurred_text"] == "12 November 2019 19:40"
    assert correction["amends"] == AMENDED
    assert correction["seq"] == RECORDS


def test_attachments_are_stored_and_come_back_intact(
    example: Example, entries: list[dict[str, Any]], tmp_path: Path
) -> None:
    attached = [e for e in entries if e["attachments"]]
    assert [(e["kind"], [a["media_type"] for a in e["attachments"]]) for e in attached] == [
        ("door", ["image/png"]),
        ("complaint", ["text/plain"]),
    ]
    photo_entry, email_entry = attached
    for entry in attached:
        out = tmp_path / str(entry["number"])
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "residentlog",
                "--store",
                str(example.store),
                "attachment",
                str(entry["number"]),
                "--out",
                str(out),
            ],
            env=example.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        (attachment,) = entry["attachments"]
        data = (out / attachment["name"]).read_bytes()
        assert len(data) == attachment["size"]
    photo = (tmp_path / str(photo_entry["number"]) / "front-door-2019-09-02.png").read_bytes()
    assert photo.startswith(b"\x89PNG\r\n\x1a\n")
    email = (tmp_path / str(email_entry["number"]) / "stage-1-complaint-email.txt").read_text("utf-8")
    assert "Subject: Formal complaint" in email


def test_verify_is_ok_and_covers_the_checkpoint(example: Example) -> None:
    result = _cli(example, "verify", "--json")
    assert result["ok"] is True
    assert result["findings"] == []
    assert result["size"] == RECORDS
    assert result["checkpoints_checked"] >= 1
