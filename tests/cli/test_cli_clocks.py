"""The clock commands: status, deadlines, case list/show, policy list/show/add/new.

Most tests read the example ledger (examples/build-example-ledger.sh, built once for this module)
after adopting the example landlord pack with ``policy add``, at a fixed "now".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.deadlines.policy import template_text
from tests.conftest import NOW, copy_example

EXAMPLE_PACK = files("residentlog.deadlines.packs") / "example-landlord.toml"
EXAMPLE_RECORDS = 72  # 71 entries and one correction (see tests/test_examples.py)
ADOPTION = EXAMPLE_RECORDS + 1  # the note recording the adopted pack
EMERGENCY_SOURCE = "https://castlesandcoasts.co.uk/your-home/repairs-maintenance/report-a-repair"


@dataclass(frozen=True)
class Example:
    store: Path
    adopted: str  # what `policy add` printed


def _quiet_env(mp: pytest.MonkeyPatch) -> None:
    """Fixed now; plain, wide output (no colour, no terminal width) whatever the caller's shell."""
    mp.setattr("residentlog.ledger.when.utc_now", lambda: NOW)
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "RESIDENTLOG_DEBUG"):
        mp.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    _quiet_env(monkeypatch)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory, example_ledger: Path) -> Iterator[Example]:
    store = copy_example(example_ledger, tmp_path_factory.mktemp("example") / "store")
    with pytest.MonkeyPatch.context() as mp:
        _quiet_env(mp)
        added = CliRunner().invoke(
            app, ["--store", str(store), "policy", "add", str(EXAMPLE_PACK)], catch_exceptions=False
        )
    assert added.exit_code == 0, added.stderr
    yield Example(store=store, adopted=added.stdout)


def run(runner: CliRunner, *args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def rl(runner: CliRunner, example: Example, *args: str | Path) -> Any:
    result = run(runner, "--store", example.store, *args)
    assert result.exit_code == 0, result.stderr
    return result


def rl_json(runner: CliRunner, example: Example, *args: str) -> Any:
    return json.loads(rl(runner, example, *args, "--json").stdout)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.rstrip("\n")


# -- policy add ----------------------------------------------------------------------------------


def test_policy_add_records_the_adoption_once(runner: CliRunner, example: Example) -> None:
    lines = example.adopted.splitlines()
    assert lines[0] == (
        "Adopted Example Housing Association: repairs, complaints and CCTV (EXAMPLE, adapt before use) "
        f"(version example-1) as entry {ADOPTION}"
    )
    stored = example.store / "policies" / "example-landlord-example-1.toml"
    assert lines[1] == f"  file:   {stored}"
    assert stored.read_bytes() == EXAMPLE_PACK.read_bytes()

    again = rl(runner, example, "policy", "add", str(EXAMPLE_PACK))
    assert again.stdout.splitlines()[0].startswith("Already adopted: Example Housing Association")
    assert again.stdout.splitlines()[0].endswith(f"(version example-1), entry {ADOPTION}")
    assert "Warning: this is an example pack" in again.stderr

    (note,) = [e for e in rl_json(runner, example, "list", "--tag", "policy-pack") if e["kind"] == "note"]
    assert note["number"] == ADOPTION
    assert note["summary"] == (
        "Adopted policy pack: Example Housing Association: repairs, complaints and CCTV "
        "(EXAMPLE, adapt before use) (version example-1)"
    )
    assert [(a["name"], a["size"]) for a in note["attachments"]] == [
        ("example-landlord-example-1.toml", len(EXAMPLE_PACK.read_bytes()))
    ]
    assert "Effective from: 2019-01-01" in note["details"]
    report = rl_json(runner, example, "verify")
    assert report["ok"] is True and report["size"] == ADOPTION


# -- status --------------------------------------------------------------------------------------


def test_status_shows_the_landlords_breached_timeframes_citing_sources(
    runner: CliRunner, example: Example
) -> None:
    out = rl(runner, example, "status").stdout
    lines = out.splitlines()
    assert lines[0] == "Status on Mon 23 Nov 2026 18:40 GMT (bank holidays: England and Wales)"
    assert "Open cases (4)" in lines
    assert "Timeframes missed, by case and rule" in lines
    assert "Overdue now, worst first (3)" in lines
    assert "Due in the next 7 days (0)" in lines
    assert "This month (Nov 2026): 1 entry: note 1" in lines
    # The front door: 14 reports of 2 failures against the 24-hour emergency rule: one clock per
    # failure (the same fault reported again is chased, not clocked again), the first fixed late,
    # the second never fixed.
    door = next(line for line in lines if line.startswith("│front-door") and "24 hours" in line)
    cells = [c.strip() for c in door.split("│")]
    assert cells[3:7] == ["24 hours", "2", "0", "1"]
    assert cells[7] == "1"
    assert "worst: 377 days 5 hours (9053 hours)" in out  # reported 3 Sep 2019, made secure 15 Sep 2020
    assert "worst: 2119 days 10 hours (50866 hours)" in out  # reported 1 Feb 2021, still not fixed
    # The complaint: the Customer Care Team's 10 working days.
    assert "worst: 21 working days (29 days)" in out
    # Each rule cites its source.
    assert "Sources" in lines
    assert (
        "  [2] Emergency repair (including communal entrance doors and ground-floor windows) made safe "
        "within 24 hours: 24 hours"
    ) in lines
    assert (
        "      Example repairs policy: emergency repairs (Example Housing Association: repairs, complaints "
        "and CCTV (EXAMPLE, adapt before use), version example-1)"
    ) in lines
    assert f"      {EMERGENCY_SOURCE}" in lines
    assert "  [3] Customer Care Team responds to a complaint within 10 working days: 10 working days" in lines
    assert (
        "      Example complaints procedure, step 2 (Customer Care Team) (Example Housing Association: "
        in out
    )
    assert "  - from an example pack: check it against your landlord's own policy" in lines
    assert "… and" not in out  # all 3 overdue clocks are listed


def test_status_json(runner: CliRunner, example: Example) -> None:
    data = rl_json(runner, example, "status")
    assert data["now"] == "2026-11-23T18:40:00Z" and data["nation"] == "england"
    assert [c["case"] for c in data["open_cases"]] == ["lift-2", "front-door", "asb", "complaint-1"]
    missed = [(m["case"], m["rule"]["id"], m["clocks"], m["breached"], m["overdue"]) for m in data["missed"]]
    assert missed == [
        (None, "routine-repair", 2, 0, 2),
        ("front-door", "emergency-repair", 2, 1, 1),
        ("complaint-1", "customer-care-response", 1, 1, 0),
        # The Complaint Handling Code in force on 19 Oct 2020 (and 7 Dec 2020): the July 2020 version.
        ("complaint-1", "stage-1-response", 1, 1, 0),
        ("complaint-1", "stage-2-response", 1, 1, 0),
        ("complaint-1", "stage-1-acknowledgement", 1, 1, 0),
    ]
    assert {m["pack"]["version"] for m in data["missed"][3:]} == {"2020"}
    door = data["missed"][1]
    assert door["citation"]["url"] == EMERGENCY_SOURCE
    assert door["worst_breached"]["status_text"] == "breached by 377 days 5 hours (9053 hours)"
    assert door["worst_breached"]["start_entry"] == 8
    assert len(data["overdue"]) == 3
    exact = [c["exact_seconds"] for c in data["overdue"]]
    assert exact == sorted(exact, reverse=True)
    assert data["due_soon"] == [] and data["this_month"] == {"note": 1}


# -- deadlines -----------------------------------------------------------------------------------


def test_deadlines_for_the_front_door(runner: CliRunner, example: Example) -> None:
    clocks = rl_json(runner, example, "deadlines", "--case", "front-door")
    assert len(clocks) == 2  # 2 failures, reported 14 times: the reports in between chased them
    assert {(c["pack"]["id"], c["rule"]["id"], c["rule"]["allowed"]) for c in clocks} == {
        ("example-landlord", "emergency-repair", "24 hours")
    }
    got = [
        (c["start"]["entry"], c["stop"] and c["stop"]["entry"], c["status"], c["margin"]["amount"])
        for c in clocks
    ]
    assert got == [(8, 54, "breached", 9053), (65, None, "overdue", 50866)]
    assert [c["incident"] for c in clocks] == [7, 64]
    first = clocks[0]
    assert first["start"]["at"] == "2019-09-03T07:15:00Z"
    assert first["due"]["at"] == "2019-09-04T07:15:00Z"
    assert first["stop"]["at"] == "2020-09-15T12:30:00Z"
    assert first["status_text"] == "breached by 377 days 5 hours (9053 hours)"
    assert first["citation"]["section"] == "Example repairs policy: emergency repairs"
    assert clocks[-1]["status_text"] == "overdue by 2119 days 10 hours (50866 hours)"


def test_what_a_command_never_shows_is_never_worked_out(
    runner: CliRunner, example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``deadlines`` shows no case summary and no harm, ``status`` no harm: neither is worked out
    (``StoreClocks.cases`` and ``.harms`` are made when first read), and the output is the same."""
    from residentlog.deadlines import clocks
    from residentlog.ledger import impact

    shown = {name: rl(runner, example, name).stdout for name in ("deadlines", "status")}

    def never(*args: object) -> Any:
        raise AssertionError("worked out, but the command does not show it")

    monkeypatch.setattr(impact, "worst_first", never)
    assert rl(runner, example, "status").stdout == shown["status"]
    monkeypatch.setattr(clocks, "summarise_cases", never)
    monkeypatch.setattr(clocks, "unclocked_reports", never)
    assert rl(runner, example, "deadlines").stdout == shown["deadlines"]


def test_deadlines_table_and_selection(runner: CliRunner, example: Example) -> None:
    open_clocks = rl_json(runner, example, "deadlines")
    assert len(open_clocks) == 3 and {c["status"] for c in open_clocks} == {"overdue"}
    assert len(rl_json(runner, example, "deadlines", "--all")) == 9  # 3 from the 2020 Code

    result = rl(runner, example, "deadlines", "--case", "front-door")
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "entry 8, Tue 3 Sep 2019 08:15 BST" in line)
    assert "Wed 4 Sep 2019 08:15 BST" in row
    assert "entry 54, Tue 15 Sep 2020 13:30 BST" in row
    assert "breached by 377 days 5 hours (9053 hours)" in row
    assert sum("breached by" in line for line in lines) == 1
    assert sum("overdue by" in line for line in lines) == 1
    assert f"      {EMERGENCY_SOURCE}" in lines
    assert result.stderr == "2 clocks.\n"


# -- cases ---------------------------------------------------------------------------------------


def test_case_list(runner: CliRunner, example: Example) -> None:
    cases = rl_json(runner, example, "case", "list")
    got = [
        (
            c["case"],
            c["entries"],
            c["incident_count"],
            c["reports"],
            c["recurrences"],
            c["open"],
            c["days_open"],
            c["clock_counts"],
        )
        for c in cases
    ]
    none = {"met": 0, "breached": 0, "running": 0, "overdue": 0, "unknown": 0}
    assert got == [
        # The entrapment's 24-hour clock: the lift broke down again on 2 Jan 2020 with no repair
        # recorded in between, so whether it was made safe in time is not known.
        ("lift-2", 27, 23, 12, 4, True, 2695, {**none, "unknown": 1}),
        ("front-door", 20, 2, 14, 1, True, 2638, {**none, "breached": 1, "overdue": 1}),
        ("asb", 5, 3, 3, 0, True, 2473, none),
        ("cctv", 4, 0, 2, 0, False, 53, none),
        ("complaint-1", 9, 0, 1, 0, True, 2226, {**none, "breached": 4}),
    ]
    table = rl(runner, example, "case", "list")
    assert "closed Thu 9 Apr 2020" in table.stdout
    assert table.stderr.splitlines() == ["7 entries with no case are not listed.", "5 cases."]


def test_case_show_front_door(runner: CliRunner, example: Example) -> None:
    out = rl(runner, example, "case", "show", "front-door").stdout
    lines = out.splitlines()
    assert lines[:13] == [
        "Case front-door",
        "  kinds:         door, contact",
        "  entries:       20 (first: entry 7, Mon 2 Sep 2019 21:30 BST)",
        "  first report:  Tue 3 Sep 2019 08:15 BST (entry 8)",
        "  reports:       14",
        "  incidents:     2 incidents, reported 14 times (1 of them the problem coming back)",
        "  outages:       Main entrance door was insecure twice, for at least 631 days 13 hours in all "
        "(the log does not say when it came back once); the longest spell 378 days 16 hours",
        "                   2019/20: 1 outage, 211 days 2 hours (57.7% of the year)",
        "                   2020/21: 2 outages, at least 225 days 15 hours (at least 61.8% of the year)",
        "                   2021/22: 1 outage, at least 194 days 19 hours (at least 53.4% of the year)",
        "  recurrences:   1",
        "  state:         open, 2638 days since the first report",
        "  clocks:        2 (1 breached, 1 overdue)",
    ]
    assert "Reports (14)" in lines
    assert "Clocks (2)" in lines
    assert sum("Reported front door" in line for line in lines) == 14
    assert "  entry 8: Due Wed 4 Sep 2019 08:15 BST = reported Tue 3 Sep 2019 08:15 BST (entry 8)" in out
    assert f"      {EMERGENCY_SOURCE}" in lines

    data = rl_json(runner, example, "case", "show", "front-door")
    assert data["reports"] == 14 and len(data["report_entries"]) == 14 and len(data["clocks"]) == 2
    assert data["first_report"] == {"entry": 8, "at": "2019-09-03T07:15:00Z"}
    assert data["incident_count"] == 2
    assert [(i["incident"], len(i["reports"]), i["open"]) for i in data["incidents"]] == [
        (7, 10, False),
        (64, 4, True),
    ]
    (door,) = data["outages"]
    assert (door["asset"], door["outages"], door["no_recorded_end"]) == ("Main entrance door", 2, 1)
    assert door["longest_seconds"] == (378 * 24 + 16) * 3600
    assert [(y["year"], y["outages"], y["percent"], y["at_least"]) for y in door["service_years"]] == [
        ("2019/20", 1, "57.7", False),
        ("2020/21", 2, "61.8", True),
        ("2021/22", 1, "53.4", True),
    ]


# -- policy list / show / new --------------------------------------------------------------------


def test_policy_list_and_show(runner: CliRunner, example: Example) -> None:
    rows = rl_json(runner, example, "policy", "list")
    got = {(r["id"], r["where"]): (r["used"], r["adoption_entry"]) for r in rows}
    assert got[("example-landlord", "adopted")] == (True, ADOPTION)
    assert got[("example-landlord", "shipped example")] == (False, None)
    assert got[("hos-complaint-handling-code", "shipped")] == (True, None)
    assert got[("spso-model-chp", "shipped")] == (False, None)
    chc = [
        (r["version"], r["effective_from"], r["effective_to"])
        for r in rows
        if r["id"] == "hos-complaint-handling-code"
    ]
    assert chc == [
        ("2020", "2020-07-01", "2022-03-31"),
        ("2022", "2022-04-01", "2024-03-31"),
        ("2024", "2024-04-01", None),
    ]
    assert len(rows) == 10  # 8 shipped packs (3 versions of the Code), the example, the adopted copy

    out = rl(runner, example, "policy", "show", "example-landlord").stdout
    assert f"  where:         adopted (entry {ADOPTION})" in out.splitlines()
    assert "Rule emergency-repair: Emergency repair (including communal entrance doors" in out
    assert f"                  {EMERGENCY_SOURCE}" in out.splitlines()
    shown = rl_json(runner, example, "policy", "show", "example-landlord")
    assert (shown["id"], shown["version"], shown["adoption_entry"]) == (
        "example-landlord",
        "example-1",
        ADOPTION,
    )


def test_policy_show_a_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "landlord.toml"
    path.write_bytes(EXAMPLE_PACK.read_bytes())
    result = run(runner, "policy", "show", path)
    assert result.exit_code == 0, result.stderr
    assert "  where:         file (not adopted); not used for your clocks" in result.stdout.splitlines()


def test_policy_new_writes_the_template_then_refuses(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "my-landlord.toml"
    first = run(runner, "policy", "new", "-o", target)
    assert first.exit_code == 0, first.stderr
    assert target.read_text(encoding="utf-8") == template_text()
    assert first.stdout == ""
    assert first.stderr.splitlines()[0] == f"Wrote a policy pack template to {target}."

    target.write_text("my edits", encoding="utf-8")
    second = run(runner, "policy", "new", "--output", target)
    assert one_line_error(second) == (
        f"Error: {target} already exists (nothing was written); "
        "use --force to replace it, or give another name"
    )
    assert target.read_text(encoding="utf-8") == "my edits"
    forced = run(runner, "policy", "new", "--output", target, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert target.read_text(encoding="utf-8") == template_text()

    to_stdout = run(runner, "policy", "new")
    assert to_stdout.exit_code == 0 and to_stdout.stdout == template_text()


def test_the_unfilled_template_is_refused_naming_the_field(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "t.toml"
    target.write_text(template_text(), encoding="utf-8")
    run(runner, "init", "--nation", "england")
    message = one_line_error(run(runner, "policy", "add", target))
    assert message.startswith(f"Error: {target}: pack header, field 'title': still says 'FILL IN'")


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "show", "lift-9"], "Error: no entries in case 'lift-9'; cases: "),
        (["deadlines", "--case", "lift-9"], "Error: no entries in case 'lift-9'; cases: "),
        (["policy", "show", "my-landlord"], "Error: no policy pack 'my-landlord'; packs: awaabs-law, "),
        (["policy", "add", "missing.toml"], "Error: missing.toml: no such policy pack file"),
        (["policy", "show", "missing.toml"], "Error: missing.toml: no such policy pack file"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    runner: CliRunner, example: Example, args: list[str], message: str
) -> None:
    result = run(runner, "--store", example.store, *args)
    assert one_line_error(result).startswith(message)


def test_a_conflicting_pack_is_refused(runner: CliRunner, example: Example, tmp_path: Path) -> None:
    changed = tmp_path / "changed.toml"
    changed.write_text(
        EXAMPLE_PACK.read_text(encoding="utf-8").replace("amount = 24", "amount = 48"), "utf-8"
    )
    message = one_line_error(run(runner, "--store", example.store, "policy", "add", changed))
    assert (
        "version 'example-1' of pack 'example-landlord' is already adopted from a different file" in message
    )
    assert rl_json(runner, example, "verify")["size"] == ADOPTION


def test_no_store_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    for args in (["status"], ["deadlines"], ["case", "list"], ["policy", "list"]):
        message = one_line_error(run(runner, "--store", tmp_path / "none", *args))
        assert message.startswith(f"Error: no store at {tmp_path / 'none'} (run residentlog init ")


# -- a small store of our own ---------------------------------------------------------------------


def test_status_on_a_new_store_and_a_deadline_this_week(runner: CliRunner) -> None:
    assert run(runner, "init", "--nation", "england").exit_code == 0
    assert (
        run(runner, "status").stdout.splitlines()[1]
        == "No entries yet. Record one with: residentlog add KIND SUMMARY"
    )
    added = run(
        runner, "add", "complaint", "Stage 1 complaint about the lift", "--stage", "1", "--case", "lift",
        "--when", "20 November 2026 10:00",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    out = run(runner, "status").stdout
    assert "Due in the next 7 days (1)" in out
    assert "running, due in 4 working days" in out
    assert "Complaint Handling Code 2024, paragraph 6.2" in out  # the shipped Code, in force since 2024
    assert "This month (Nov 2026): 1 entry: complaint 1" in out
    (clock,) = json.loads(run(runner, "deadlines", "--json").stdout)
    assert (clock["rule"]["id"], clock["due"]["date"], clock["status"]) == (
        "stage-1-acknowledgement",
        "2026-11-27",
        "running",
    )
    assert json.loads(run(runner, "case", "list", "--json").stdout)[0]["clock_counts"]["running"] == 1


# -- reports that start no clock, and the Code in force on the day (issue 12) --------------------

LIFT_UNCLOCKED = (
    "no timeframe applies to 11 of the 12 lift reports (entries 2, 5, 10, 15, 23, 31, 41, 45 and 3 more): "
    "give the landlord's priority (residentlog amend ENTRY --priority emergency, urgent or routine), or add "
    "your landlord's repairs policy: residentlog policy new"
)
LIFT_UNCLOCKED_ENTRIES = [2, 5, 10, 15, 23, 31, 41, 45, 49, 55, 56]
ASB_UNCLOCKED = (
    "no timeframe applies to 3 asb reports (entries 28, 33 and 34): add your landlord's anti-social "
    "behaviour policy: residentlog policy new"
)


def test_case_show_says_which_reports_start_no_clock(runner: CliRunner, example: Example) -> None:
    # Lift 2 was reported 12 times; only the entrapment was given a priority (emergency), and the
    # example landlord's repairs rules all need one. Each breakdown is its own incident, so the
    # entrapment's priority is not carried to the next breakdown.
    lines = rl(runner, example, "case", "show", "lift-2").stdout.splitlines()
    assert f"  no clock:      {LIFT_UNCLOCKED}" in lines
    data = rl_json(runner, example, "case", "show", "lift-2")
    assert data["unclocked"] == [
        {
            "case": "lift-2",
            "kind": "lift",
            "entries": LIFT_UNCLOCKED_ENTRIES,
            "reports": 12,
            "needs": ["priority"],
            "text": LIFT_UNCLOCKED,
        }
    ]
    assert [c["start"]["entry"] for c in data["clocks"]] == [18]
    # The front door's 14 reports all started a clock: nothing to say.
    assert rl_json(runner, example, "case", "show", "front-door")["unclocked"] == []
    assert not any(
        "no clock:" in line for line in rl(runner, example, "case", "show", "front-door").stdout.splitlines()
    )


def test_status_lists_reports_that_start_no_clock(runner: CliRunner, example: Example) -> None:
    lines = rl(runner, example, "status").stdout.splitlines()
    at = lines.index("Reports that started no clock (2)")
    assert lines[at + 1 : at + 3] == [f"  lift-2: {LIFT_UNCLOCKED}", f"  asb: {ASB_UNCLOCKED}"]
    data = rl_json(runner, example, "status")
    assert [(u["case"], u["kind"], u["entries"], u["needs"]) for u in data["unclocked"]] == [
        ("lift-2", "lift", LIFT_UNCLOCKED_ENTRIES, ["priority"]),
        ("asb", "asb", [28, 33, 34], []),
    ]


def test_status_without_a_landlord_pack_says_no_timeframe_applies(
    runner: CliRunner, example_ledger: Path, tmp_path: Path
) -> None:
    # The example ledger as built, with no landlord pack adopted: no repair report starts a clock,
    # and no rule in force would start one whatever priority is given.
    store = copy_example(example_ledger, tmp_path / "store")
    result = run(runner, "--store", store, "status", "--json")
    assert result.exit_code == 0, result.stderr
    texts = {u["case"]: u["text"] for u in json.loads(result.stdout)["unclocked"]}
    assert texts["lift-2"] == (
        "no timeframe applies to 12 lift reports (entries 2, 5, 10, 15, 18, 23, 31, 41 and 4 more): "
        "add your landlord's repairs policy: residentlog policy new"
    )
    assert texts["front-door"].startswith("no timeframe applies to 14 door reports (entries 8, 9, 12, ")


def test_stage_1_complaint_of_october_2020_is_clocked_under_the_2020_code(
    runner: CliRunner, example: Example
) -> None:
    # Raised Mon 19 Oct 2020 (entry 57), acknowledged Tue 10 Nov 2020 (entry 59): 16 working days.
    data = rl_json(runner, example, "case", "show", "complaint-1")
    chc = [c for c in data["clocks"] if c["pack"]["id"] == "hos-complaint-handling-code"]
    assert {c["pack"]["version"] for c in chc} == {"2020"}
    (ack,) = [c for c in chc if c["rule"]["id"] == "stage-1-acknowledgement"]
    assert (ack["start"]["entry"], ack["stop"]["entry"], ack["due"]["date"]) == (57, 59, "2020-10-26")
    assert ack["status_text"] == "breached by 11 working days (15 days)"
    assert ack["citation"] == {
        "section": "Complaint Handling Code (July 2020), section 4.1",
        "wording": (
            "When a complaint is made, it must be acknowledged and logged at stage one of the complaints "
            "procedure within five days of receipt."
        ),
        "url": "https://www.great-yarmouth.gov.uk/article/8964/Complaint-handling-principles",
        "document": (
            "Quoted in Great Yarmouth Borough Council's self-assessment against the Code, section 4 "
            "criteria (the Code's own text was not read)"
        ),
        "confidence": "medium",
    }
    assert ack["explanation"] == (
        "Due Mon 26 Oct 2020 = raised Mon 19 Oct (entry 57, day zero) + 5 working days; 2 weekend days "
        "skipped; no bank holidays (England and Wales); rule Complaint Handling Code (July 2020), section "
        "4.1 (Complaint Handling Code, version 2020)"
    )
    # The stage 2 response: the extension of 13 Jan 2021 came after the 20 working days had run out.
    (s2,) = [c for c in chc if c["rule"]["id"] == "stage-2-response"]
    assert (s2["start"]["entry"], s2["due"]["date"], s2["status_text"]) == (
        61,
        "2021-01-07",
        "breached by 19 working days (27 days)",
    )
    assert s2["notes"] == ["extension (entry 63) came after the due date, so it was not applied"]
    assert s2["citation"]["confidence"] == "low"
    lines = rl(runner, example, "case", "show", "complaint-1").stdout.splitlines()
    assert "  clocks:        4 (4 breached)" in lines
    assert any("[source confidence: low]" in line and line.startswith("  entry 61: ") for line in lines)
