"""Every command that writes a file the user names (-o FILE) has one overwrite policy: an existing
file is refused with one line naming it (exit 2), before any work, unless --force; and every one
reads the file name's suffix the same way (``.htm`` is HTML for a chronology and a letter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.cli.entries import _KIND_OPTIONS
from residentlog.ledger.store import Store
from residentlog.ledger.vocabulary import KINDS


def run(runner: CliRunner, *args: str | Path):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def resident(initialised: Path, runner: CliRunner, tmp_path: Path) -> Path:
    assert run(runner, "profile", "--name", "A Resident", "--landlord", "A Landlord").exit_code == 0
    assert (
        run(
            runner, "add", "lift", "Lift 2 out of order", "--case", "lift-2", "--when", "1 May 2026"
        ).exit_code
        == 0
    )
    cp = tmp_path / "cp.txt"
    assert run(runner, "checkpoint", "-o", cp).exit_code == 0
    assert run(runner, "add", "note", "later").exit_code == 0
    return cp


def _records(root: Path) -> tuple[int, int]:
    """(ledger records, checkpoints kept): what a refused command must not have changed."""
    with Store.open(root) as store:
        return store.size(), len(list((root / "checkpoints").iterdir()))


@pytest.mark.parametrize(
    "command",
    [
        ["checkpoint"],
        ["prove", "1"],
        ["consistency", "{cp}"],
        ["chronology"],
        ["letter", "repair-report", "-f", "txt"],
        ["policy", "new"],
    ],
)
def test_an_existing_file_is_refused_unless_force(
    command: list[str], resident: Path, runner: CliRunner, initialised: Path, tmp_path: Path
) -> None:
    args = [a.format(cp=resident) for a in command]
    target = tmp_path / "out.txt" if command[0] != "chronology" else tmp_path / "out.md"
    target.write_text("mine", encoding="utf-8")
    before = _records(initialised)

    refused = run(runner, *args, "-o", target)
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert refused.stderr == (
        f"Error: {target} already exists (nothing was written); "
        "use --force to replace it, or give another name\n"
    )
    assert target.read_text(encoding="utf-8") == "mine"
    assert _records(initialised) == before  # no checkpoint issued, no letter recorded
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    forced = run(runner, *args, "-o", target, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert target.read_text(encoding="utf-8") != "mine"


def test_a_new_file_needs_no_force(resident: Path, runner: CliRunner, tmp_path: Path) -> None:
    for name, args in (("d.txt", ["prove", "1"]), ("c.txt", ["consistency", str(resident)])):
        r = run(runner, *args, "-o", tmp_path / name)
        assert r.exit_code == 0, r.stderr
        assert (tmp_path / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".htm", ".html", ".HTML"])
@pytest.mark.parametrize("command", [["chronology"], ["letter", "repair-report", "--no-record"]])
def test_htm_and_html_mean_html_everywhere(
    command: list[str], suffix: str, resident: Path, runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / f"doc{suffix}"
    r = run(runner, *command, "-o", target)
    assert r.exit_code == 0, r.stderr
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("command", "name", "message"),
    [
        (["chronology"], "c.docx", "a chronology cannot be written as docx"),
        (["chronology"], "c.txt", "a chronology cannot be written as txt"),
        (["letter", "repair-report", "--no-record"], "l.csv", "a letter cannot be written as csv"),
    ],
)
def test_a_suffix_naming_another_format_is_refused(
    command: list[str], name: str, message: str, resident: Path, runner: CliRunner, tmp_path: Path
) -> None:
    r = run(runner, *command, "-o", tmp_path / name)
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: --output: {tmp_path / name}: {message}; give a name ending .md")
    assert not (tmp_path / name).exists()
    given = run(runner, *command, "-o", tmp_path / name, "--format", "md")  # an explicit format wins
    assert given.exit_code == 0, given.stderr


def test_an_unknown_suffix_is_markdown(resident: Path, runner: CliRunner, tmp_path: Path) -> None:
    r = run(runner, "chronology", "-o", tmp_path / "notes.chron")
    assert r.exit_code == 0, r.stderr
    assert "(md, " in r.stdout


# -- the kind options come from the kinds' field models -----------------------------------------


def test_every_kind_field_is_an_option_of_add_and_amend(runner: CliRunner) -> None:
    fields = {name for kind in KINDS.values() for name in kind.fields.model_fields}
    assert {field for field, _ in _KIND_OPTIONS.values()} == fields - {"letter"}  # set by `letter`
    add_help = run(runner, "add", "--help").stdout
    amend_help = run(runner, "amend", "--help").stdout
    for option in ("--lift", "--out-of-service", "--in-service", "--trapped-minutes", "--amount", "--stage"):
        assert option in add_help and option in amend_help
    assert "--letter" not in add_help
    assert "lift: which lift." in add_help
    assert "One of: first-hand, reported." in add_help


def test_kind_options_are_typed_and_validated_by_the_core(initialised: Path, runner: CliRunner) -> None:
    r = run(
        runner,
        *("add", "lift", "Trapped", "--trapped", "2", "--trapped-minutes", "40", "--out-of-service"),
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    r = run(runner, "add", "service-charge", "Bill", "--amount", "£125.50", "--charge-year", "2020/21")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(run(runner, "list", "--json").stdout)
    assert shown[0]["fields"] == {
        "event": "observed",
        "out_of_service": True,
        "trapped": 2,
        "trapped_minutes": 40,
    }
    assert shown[1]["fields"]["amount_pence"] == 12550
    bad = run(runner, "add", "lift", "x", "--trapped", "many")
    assert bad.exit_code == 2 and "--trapped" in bad.stderr
    wrong = run(runner, "add", "door", "x", "--lift", "2")
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("Error: --lift: does not apply to a door entry")
