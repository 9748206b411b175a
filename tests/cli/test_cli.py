"""The command line: exit codes, stdout vs stderr, one-line errors, nothing written on error."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.ledger.store import Store


def run(runner: CliRunner, *args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def size(root: Path) -> int:
    with Store.open(root) as s:
        return s.size()


def test_first_add_needs_init_then_records(runner: CliRunner, isolated_store: Path) -> None:
    r = run(runner, "add", "lift", "Lift 2 out of order", "--when", "3 March 2020 14:00", "--out-of-service")
    assert r.exit_code == 2
    assert (
        r.stderr
        == f"Error: no store at {isolated_store} (run residentlog init {isolated_store} to create one)\n"
    )
    assert not isolated_store.exists()
    assert run(runner, "init").exit_code == 0
    r = run(runner, "add", "lift", "Lift 2 out of order", "--when", "3 March 2020 14:00", "--out-of-service")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "Recorded entry 1  (happened Tue 3 Mar 2020 14:00 GMT)"
    assert r.stdout.splitlines()[1].startswith("hash ") and len(r.stdout.splitlines()[1]) == 5 + 64
    assert r.stderr == ""
    assert size(isolated_store) == 1


def test_global_store_option(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert run(runner, "init", str(other)).exit_code == 0
    assert run(runner, "--store", str(other), "add", "note", "hello").exit_code == 0
    assert size(other) == 1


def test_init_with_profile_then_add(runner: CliRunner, isolated_store: Path) -> None:
    r = run(runner, "init", "--name", "Sam Resident", "--landlord", "Example Housing", "--nation", "scotland")
    assert r.exit_code == 0
    assert r.stdout.startswith(f"Created a residentlog store at {isolated_store}\nLedger id: ")
    r = run(runner, "profile", "--json")
    prof = json.loads(r.stdout)
    assert prof["name"] == "Sam Resident" and prof["nation"] == "scotland" and prof["address"] == ""
    r = run(runner, "profile", "--address", "Flat 14, Example House")
    assert "address:          Flat 14, Example House" in r.stdout
    assert run(runner, "init").exit_code == 2  # already exists


def test_init_without_terminal_creates_empty_profile(runner: CliRunner, tmp_path: Path) -> None:
    r = run(runner, "init", str(tmp_path / "s"))
    assert r.exit_code == 0
    assert "Your profile is empty" in r.stdout


def test_init_refuses_bad_nation_and_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    r = run(runner, "init", str(tmp_path / "s"), "--nation", "mars")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: --nation: must be one of england, wales, scotland or northern-ireland")
    assert not (tmp_path / "s").exists()


def test_list_show_and_json(
    initialised: Path, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # whole table cells whatever terminal the tests run in
    photo = tmp_path / "door.jpg"
    photo.write_bytes(b"jpeg")
    run(
        runner,
        "add",
        "door",
        "Front door will not lock",
        "--when",
        "03/09/2019",
        "--event",
        "reported",
        "--channel",
        "phone",
        "--ref",
        "landlord:REP-77",
        "--case",
        "front-door",
        "--attach",
        str(photo),
        "--priority",
        "emergency",
        "--category",
        "communal-door",
    )
    run(runner, "add", "lift", "Lift <b>stuck</b> [red]", "--when", "yesterday 6pm")
    r = run(runner, "list")
    assert r.exit_code == 0
    assert "Front door will not lock" in r.stdout and "Tue 3 Sep 2019" in r.stdout  # UK style
    assert "2019-09-03" not in r.stdout
    assert "Lift <b>stuck</b> [red]" in r.stdout  # shown literally, not as markup
    data = json.loads(run(runner, "list", "--json").stdout)
    assert [e["number"] for e in data] == [1, 2]
    assert data[0]["refs"] == [{"by": "landlord", "ref": "REP-77"}]
    assert data[0]["fields"] == {
        "event": "reported",
        "channel": "phone",
        "priority": "emergency",
        "category": "communal-door",
    }
    assert data[0]["attachments"][0]["name"] == "door.jpg"
    assert json.loads(run(runner, "list", "--json", "--case", "front-door").stdout)[0]["number"] == 1
    assert json.loads(run(runner, "list", "--json", "--search", "stuck").stdout)[0]["number"] == 2
    r = run(runner, "show", "1")
    assert "happened:    Tue 3 Sep 2019  (entered as '03/09/2019')" in r.stdout
    assert "reference:   landlord REP-77" in r.stdout
    assert json.loads(run(runner, "show", "1", "--json").stdout)["summary"] == "Front door will not lock"


def test_amend_and_history(initialised: Path, runner: CliRunner) -> None:
    run(runner, "add", "lift", "Lift fault", "--when", "3 March 2020 14:00")
    r = run(runner, "amend", "1", "--reason", "Wrong time", "--when", "3 March 2020 15:30")
    assert r.exit_code == 0
    assert r.stdout.startswith("Corrected entry 1: ledger record 2  (happened Tue 3 Mar 2020 15:30 GMT)")
    r = run(runner, "show", "1")
    assert "(amended: showing the corrected version)" in r.stdout and "15:30" in r.stdout
    r = run(runner, "show", "1", "--history")
    assert "version 1 (original), ledger record 1" in r.stdout
    assert "version 2 (correction 1), ledger record 2" in r.stdout
    assert "corrected because: Wrong time" in r.stdout
    hist = json.loads(run(runner, "show", "1", "--history", "--json").stdout)
    assert [h["record"]["occurred_at"] for h in hist] == [
        "2020-03-03T14:00:00+00:00",
        "2020-03-03T15:30:00+00:00",
    ]
    assert "amended" in run(runner, "list").stdout


def test_verify_and_checkpoint(
    initialised: Path, runner: CliRunner, tmp_path: Path, isolated_store: Path
) -> None:
    for i in range(3):
        run(runner, "add", "lift", f"fault {i}")
    r = run(runner, "checkpoint")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].startswith("residentlog/") and lines[1] == "3" and len(lines) == 5
    assert lines[3] == "" and lines[4].startswith("— " + lines[0] + " ")
    cp_file = tmp_path / "cp.txt"
    cp_file.write_text(r.stdout)
    run(runner, "add", "note", "later")
    r = run(runner, "verify", "--checkpoint", str(cp_file))
    assert r.exit_code == 0
    assert r.stdout.startswith("OK: the ledger verifies. 4 records.")
    assert json.loads(run(runner, "verify", "--json").stdout)["size"] == 4
    cp = json.loads(run(runner, "checkpoint", "--json").stdout)
    assert cp["size"] == 4 and cp["text"].splitlines()[2] == cp["root"]
    # now tamper: the CLI names the entry and exits 1
    conn = sqlite3.connect(isolated_store / "ledger.sqlite")
    conn.execute("DROP TRIGGER ledger_no_update")
    data = conn.execute("SELECT canonical FROM ledger WHERE seq = 2").fetchone()[0]
    conn.execute("UPDATE ledger SET canonical = ? WHERE seq = 2", (data.replace(b"fault 1", b"fault X"),))
    conn.commit()
    conn.close()
    r = run(runner, "verify")
    assert r.exit_code == 1
    assert (
        r.stderr.splitlines()[0]
        == "FAILED: entry 2: content changed: its bytes no longer match its stored hash"
    )
    report = json.loads(run(runner, "verify", "--json").stdout)
    assert report["ok"] is False and report["findings"][0] == {
        "entry": 2,
        "problem": "content changed: its bytes no longer match its stored hash",
    }
    r = run(runner, "checkpoint")
    assert r.exit_code == 1 and "not issuing a checkpoint" in r.stderr


def test_verify_against_truncating_checkpoint(initialised: Path, runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "add", "note", "one")
    origin = run(runner, "checkpoint").stdout.splitlines()[0]
    text = f"{origin}\n5\n{'A' * 43}=\n"
    r = run(runner, "verify", "--checkpoint", text)
    assert r.exit_code == 1
    assert "ledger truncated: the given checkpoint covers 5 entries but the ledger now holds 1" in r.stderr
    r = run(runner, "verify", "--checkpoint", str(tmp_path / "missing.txt"))
    assert r.exit_code == 2 and "does not exist" in r.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("residentlog/x\nfive\nroot\n")
    r = run(runner, "verify", "--checkpoint", str(bad))
    assert r.exit_code == 2 and r.stderr == "Error: not a checkpoint: bad size line 'five'\n"


def test_attachment_command(initialised: Path, runner: CliRunner, tmp_path: Path) -> None:
    photo = tmp_path / "lift photo.jpg"
    photo.write_bytes(b"jpeg bytes")
    run(runner, "add", "lift", "Lift", "--attach", str(photo))
    out = tmp_path / "out"
    r = run(runner, "attachment", "1", "--out", str(out))
    assert r.exit_code == 0 and r.stdout == f"{out / 'lift photo.jpg'}\n"
    assert (out / "lift photo.jpg").read_bytes() == b"jpeg bytes"
    r = run(runner, "attachment", "1", "--out", str(out))
    assert r.exit_code == 2 and "already exists" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "lfit", "x"],
            "Error: unknown kind 'lfit'; choose one of: lift, door, asb, cctv, repair, damp, "
            "contact, complaint, service-charge, note\n",
        ),
        (["add", "door", "x", "--trapped", "2"], "Error: --trapped: does not apply to a door entry"),
        (["add", "lift", "x", "--when", "31/02/2020"], "31/02/2020"),
        (["add", "lift", "x", "--when", "next tuesday"], "next tuesday"),
        (["add", "lift", "x", "--when", "1/1/2099"], "future"),
        (["add", "lift", ""], "Error: --summary: must not be empty\n"),
        (["add", "lift"], "Error: give a SUMMARY: one line saying what happened\n"),
        (["add", "lift", "x", "--attach", "/nonexistent/photo.jpg"], "does not exist"),
        (["add", "lift", "x", "--attach", "/"], "is a directory"),
        (["add", "lift", "x", "--link", "7"], "there is no entry 7"),
        (["add", "service-charge", "x", "--amount", "lots"], "is not an amount of money"),
        (["add", "complaint", "x", "--step", "raised"], "--stage"),
        (["add", "complaint", "x", "--stage", "3"], "--stage: must be one of 1 or 2"),
        (["add", "lift", "x", "--event", "exploded"], "--event: must be one of observed"),
        (["add", "note", "x", "--tag", "has space"], "--tags"),
        (["show", "9"], "Error: there is no entry 9\n"),
        (["amend", "9", "--reason", "x", "--details", "y"], "Error: there is no entry 9\n"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    initialised: Path, runner: CliRunner, isolated_store: Path, args: list[str], message: str
) -> None:
    run(runner, "add", "note", "existing entry")
    r = run(runner, *args)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("Error: ")
    assert message in r.stderr
    assert r.stdout == ""
    assert size(isolated_store) == 1


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert run(runner, "add", "lift", "x", "--bogus").exit_code == 2
    assert run(runner, "show", "one").exit_code == 2


def test_non_utf8_argument(initialised: Path, isolated_store: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "residentlog", "add", "note", b"caf\xe9 door"], capture_output=True
    )
    assert r.returncode == 2
    assert r.stderr.decode() == "Error: --summary: is not valid UTF-8 text\n"
    assert not (isolated_store / "ledger.sqlite").exists() or size(isolated_store) == 0


def test_commands_need_a_store(runner: CliRunner, isolated_store: Path) -> None:
    for args in (["list"], ["show", "1"], ["verify"], ["checkpoint"], ["profile"]):
        r = run(runner, *args)
        assert r.exit_code == 2
        assert (
            r.stderr
            == f"Error: no store at {isolated_store} (run residentlog init {isolated_store} to create one)\n"
        )


def test_foreign_and_corrupted_sqlite(runner: CliRunner, isolated_store: Path) -> None:
    isolated_store.mkdir()
    sqlite3.connect(isolated_store / "ledger.sqlite").execute("CREATE TABLE t (x)").connection.commit()
    r = run(runner, "add", "note", "x")
    assert r.exit_code == 2 and "is not a residentlog store (a different SQLite database)" in r.stderr
    (isolated_store / "ledger.sqlite").write_bytes(b"this is not a database at all" * 100)
    r = run(runner, "list")
    assert r.exit_code == 2 and "is not a usable residentlog store" in r.stderr


def test_newer_format_is_refused(initialised: Path, runner: CliRunner, isolated_store: Path) -> None:
    run(runner, "add", "note", "x")
    conn = sqlite3.connect(isolated_store / "ledger.sqlite")
    conn.execute("DROP TRIGGER IF EXISTS meta_no_update")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'store_format'")
    conn.commit()
    conn.close()
    r = run(runner, "add", "note", "y")
    assert r.exit_code == 2
    assert "written by a newer residentlog (store format 99" in r.stderr and "upgrade residentlog" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_store(initialised: Path, runner: CliRunner, isolated_store: Path) -> None:
    run(runner, "add", "note", "x")
    isolated_store.chmod(0o500)
    (isolated_store / "ledger.sqlite").chmod(0o400)
    try:
        r = run(runner, "add", "note", "y")
    finally:
        isolated_store.chmod(0o700)
        (isolated_store / "ledger.sqlite").chmod(0o600)
    assert r.exit_code == 2 and r.stderr.startswith("Error: cannot write to the store")
    assert size(isolated_store) == 1


def test_store_path_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "afile"
    f.write_text("x")
    r = run(runner, "init", str(f))
    assert r.exit_code == 2 and "is not a directory" in r.stderr
    r = run(runner, "--store", str(f), "add", "note", "x")
    assert r.exit_code == 2 and f"no store at {f}" in r.stderr
    assert f.read_text() == "x"


def test_help_lists_every_command(runner: CliRunner) -> None:
    r = run(runner, "--help")
    for command in ("init", "profile", "add", "list", "show", "amend", "verify", "checkpoint", "attachment"):
        assert command in r.stdout


def test_python_dash_m(initialised: Path, isolated_store: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "residentlog", "add", "note", "via -m"], capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stdout.startswith("Recorded entry 1")


def test_list_and_show_read_as_a_resident_would(initialised: Path, runner: CliRunner) -> None:
    """UK dates in list, yes/no for a flag, and 'an' before a vowel (issue 10 §6)."""
    r = run(runner, "add", "lift", "Lift 2 out", "--when", "22 Nov 2026 18:00", "--out-of-service")
    assert r.exit_code == 0
    listed = run(runner, "list").stdout
    assert "│ Sun 22 Nov 2026 18:00 │" in listed and "2026-11-22" not in listed
    shown = run(runner, "show", "1").stdout.splitlines()
    assert "  out of service: yes" in shown and not any("True" in line for line in shown)
    r = run(runner, "add", "asb", "x", "--trapped", "2")
    assert r.exit_code == 2 and r.stderr.startswith("Error: --trapped: does not apply to an asb entry (")
    policy = run(runner, "policy", "show", "hos-complaint-handling-code").stdout
    assert "recorded by an 'extended' entry" in policy and "a 'extended'" not in policy


def test_add_echoes_dates_residents_say(
    initialised: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'last Tuesday 6pm', 'yesterday evening' are echoed as the date understood (issue 12 §7)."""
    from datetime import UTC, datetime

    monkeypatch.setattr("residentlog.ledger.when.utc_now", lambda: datetime(2026, 11, 23, 18, 40, tzinfo=UTC))
    r = run(runner, "add", "lift", "Lift 2 stuck", "--when", "last Tuesday 6pm", "--out-of-service")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.splitlines()[0] == "Recorded entry 1  (happened Tue 17 Nov 2026 18:00 GMT)"
    r = run(runner, "add", "asb", "Shouting on the landing", "--when", "yesterday evening")
    # The date only: no clock time made up for "evening"; the words typed are kept.
    assert r.stdout.splitlines()[0] == "Recorded entry 2  (happened Sun 22 Nov 2026)"
    assert "(entered as 'yesterday evening')" in run(runner, "show", "2").stdout
    r = run(runner, "add", "note", "x", "--when", "last week")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: 'last week' is a range of days; say which day, e.g. 'last Tuesday' or '16 November 2026'\n"
    )
    assert size(initialised) == 2
