"""The case a log tells (issue 12 §1, §2, §5): incidents counted once, outages, the worst facts
first, in add's echo, case show, status, the chronology and letters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.documents.chart import Series, axis_months, stacked_bars_svg

runner = CliRunner()


def rl(store: Path, *args: str) -> str:
    result = runner.invoke(app, ["--store", str(store), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def case_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    rl(store, "init", "--name", "Sam Resident", "--landlord", "Example HA")
    return store


def add(store: Path, *args: str) -> str:
    return rl(store, "add", *args)


def test_add_says_which_incident_an_entry_was_counted_in(case_store: Path) -> None:
    out = add(
        case_store,
        "lift",
        "Lift 2 out",
        "--when",
        "3 March 2020 14:00",
        "--case",
        "lift-2",
        "--out-of-service",
    )
    assert out.splitlines()[-1] == "A new incident: incident 1"
    out = add(
        case_store,
        "lift",
        "Reported it",
        "--when",
        "3 March 2020 15:00",
        "--case",
        "lift-2",
        "--event",
        "reported",
    )
    assert out.splitlines()[-1] == (
        "Part of incident 1 (the report of what was seen); to count it as a new incident instead, amend "
        "it with --new-incident"
    )
    out = add(
        case_store, "lift", "Out again", "--when", "5 March 2020", "--case", "lift-2", "--event", "recurred"
    )
    assert out.splitlines()[-1] == "A new incident (the problem came back): incident 3"
    out = add(
        case_store,
        "cctv",
        "Asked for footage",
        "--when",
        "5 March 2020",
        "--case",
        "x",
        "--event",
        "requested",
    )
    assert out.splitlines()[-1] == (
        "Not counted as an incident: 'requested' follows an incident, and this case has no earlier "
        "CCTV incident"
    )
    out = add(case_store, "note", "A note")
    assert "incident" not in out
    # JSON output is unchanged: no note in it
    data = json.loads(rl(case_store, "add", "note", "Another", "--json"))
    assert set(data) == {"number", "record", "hash"}


def test_an_explicit_new_incident_is_kept(case_store: Path) -> None:
    add(case_store, "door", "Door will not lock", "--when", "3 March 2020 14:00", "--case", "door")
    out = add(
        case_store,
        "door",
        "Door broken in a different way",
        "--when",
        "4 March 2020 14:00",
        "--case",
        "door",
        "--new-incident",
    )
    assert out.splitlines()[-1] == "A new incident: incident 2"


def build_case(store: Path) -> None:
    add(
        store,
        "lift",
        "Family trapped in Lift 2",
        "--when",
        "14 December 2019 16:20",
        "--case",
        "lift-2",
        "--lift",
        "Lift 2",
        "--out-of-service",
        "--trapped",
        "3",
        "--trapped-minutes",
        "115",
        "--children",
        "2",
    )
    add(
        store,
        "lift",
        "Reported the entrapment",
        "--when",
        "14 December 2019 16:30",
        "--case",
        "lift-2",
        "--lift",
        "Lift 2",
        "--event",
        "reported",
        "--ref",
        "landlord:LFT-1",
    )
    add(
        store,
        "lift",
        "Lift 2 back in service",
        "--when",
        "16 December 2019 10:30",
        "--case",
        "lift-2",
        "--lift",
        "Lift 2",
        "--in-service",
        "--event",
        "fixed",
    )
    add(
        store,
        "lift",
        "Lift 2 out again",
        "--when",
        "2 January 2020 09:00",
        "--case",
        "lift-2",
        "--lift",
        "Lift 2",
    )
    add(
        store,
        "asb",
        "Replica gun in the bins",
        "--when",
        "13 March 2020 16:30",
        "--case",
        "asb",
        "--safety-risk",
        "replica gun in the bin store",
        "--ref",
        "police:CAD-1",
        "--event",
        "reported",
    )


def test_case_show_and_status_count_incidents_and_lead_with_the_worst(case_store: Path) -> None:
    build_case(case_store)
    out = rl(case_store, "case", "show", "lift-2")
    lines = out.splitlines()
    assert "  reports:       1" in lines
    assert "  incidents:     2 incidents, reported once" in lines
    assert (
        "  outages:       Lift 2 was out of service twice, for at least 42 hours in all (the log does not "
        "say when it came back once); the longest spell 42 hours; 3 people trapped for 1 hour 55 minutes"
        in lines
    )
    worst = lines.index("The worst of it (1)")
    assert lines[worst + 1] == (
        "  entry 1, Sat 14 Dec 2019 16:20 GMT: Family trapped in Lift 2: 3 people trapped for 1 hour 55 "
        "minutes; 2 children affected"
    )
    assert "Incidents (2)" in lines
    status = rl(case_store, "status")
    assert "Incidents" in status


def test_chronology_leads_with_the_worst_and_counts_incidents(case_store: Path) -> None:
    build_case(case_store)
    md = rl(case_store, "chronology", "--format", "md")
    worst = md.index("### The worst of it")
    assert md.index("| Kind | Entries |") > worst
    assert (
        "- Fri 13 Mar 2020 16:30 GMT (paragraph 5): Replica gun in the bins: a risk to safety: replica gun "
        "in the bin store; police involved (reference CAD-1)." in md
    )
    assert "**Incidents:** 3 incidents (lift fault: 2, anti-social behaviour: 1), reported twice" in md
    assert "- lift fault: 2 incidents (reported once) in the 2 months from Dec 2019 to Jan 2020" in md
    assert (
        "### Out of service, % of each month, Dec 2019\n\n| Month | Lift 2 |\n|---|---|\n| Dec 2019 | 5.7% |"
        in md
    )


def test_letters_cover_every_open_problem_and_lead_with_the_worst(case_store: Path) -> None:
    build_case(case_store)
    text = rl(case_store, "letter", "complaint-stage1", "--no-record", "--format", "md")
    # No timeframe was missed (no pack gives one here), yet both open problems are in the letter.
    assert "## 1. Lift 2" in text
    assert "## 2. Anti-social behaviour" in text
    assert (
        "- 14 December 2019 at 16:20: Family trapped in Lift 2: **3 people trapped for 1 hour 55 minutes; "
        "2 children affected**." in text
    )
    assert (
        "My log records 2 breakdowns, the first on 14 December 2019 at 16:20 and the latest on "
        "2 January 2020 at 09:00." in text
    )


def test_the_chart_axis_breaks_long_empty_runs() -> None:
    months = axis_months((2019, 7), (2026, 11), [(2019, 7), (2019, 8), (2020, 1), (2026, 10), (2026, 11)])
    assert months == [
        (2019, 7),
        (2019, 8),
        *[(2019, m) for m in range(9, 13)],
        (2020, 1),
        None,
        (2026, 10),
        (2026, 11),
    ]
    svg = stacked_bars_svg(months, [Series("lift", "lift fault", {(2019, 7): 1, (2026, 11): 2})], title="t")
    assert svg.count('class="axis-break"') == 1
    assert "runs of more than a year with no incident are left out of the axis" in svg
    assert ">2026</text>" in svg  # the year after a break is labelled


def test_an_entrapment_is_an_emergency_under_a_pack_that_says_so(case_store: Path) -> None:
    # The example landlord's pack makes people trapped in a lift an emergency: the report made
    # straight after the entrapment was seen (entry 3; adopting the pack is entry 1) starts the
    # 24-hour clock, and says why; the lift was back in service 42 hours later.
    pack = Path(__file__).resolve().parents[2] / "src/residentlog/deadlines/packs/example-landlord.toml"
    rl(case_store, "policy", "add", str(pack))
    build_case(case_store)
    data = json.loads(rl(case_store, "case", "show", "lift-2", "--json"))
    (clock,) = data["clocks"]
    assert (clock["start"]["entry"], clock["rule"]["id"], clock["stop"]["entry"], clock["status"]) == (
        3,
        "emergency-repair",
        4,
        "breached",
    )
    assert [d["default"] for d in clock["defaults"]] == ["lift-entrapment-is-emergency"]
    assert data["unclocked"] == []
