"""Start-up of the real entry point: `add` runs with only the module that defines it, and help
and unknown commands still see every command.

``residentlog.cli.app.main`` hands Typer only the command that argv names (found in
``residentlog.cli.app.COMMANDS``, which names the module defining it); anything else gets the app
with every command, which is also what ``residentlog.cli.app.app`` is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.models import CommandInfo
from typer.testing import CliRunner

import residentlog.cli.app as cli
from residentlog.cli.app import app
from residentlog.ledger.store import Store

SRC = str(Path(cli.__file__).resolve().parents[2])
EVERY = [
    "init",
    "profile",
    "add",
    "amend",
    "list",
    "show",
    "verify",
    "checkpoint",
    "attachment",
    "status",
    "deadlines",
    "chronology",
    "bundle",
    "prove",
    "consistency",
    "check",
    "letter",
    "export",
    "import",
    "import-evidence",
    "import-landlord-records",
    "reconcile",
    "timestamp",
    "policy",
    "case",
    "templates",
]
COMMAND_MODULES = ("entries", "integrity", "clocks", "documents", "transfer", "evidence", "reconcile")


def listed_commands(help_text: str) -> list[str]:
    section = help_text.split("\nCommands:\n")[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ")]


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    """``cli.main()`` in this process with ``sys.argv`` = residentlog ARGS: (exit code, out, err)."""
    monkeypatch.setattr(sys, "argv", ["residentlog", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def run_app(capsys: pytest.CaptureFixture[str], *args: str):
    """The app with every command, run as ``main`` runs it: (exit code, out, err)."""
    with pytest.raises(SystemExit) as exit_info:
        app(list(args), prog_name="residentlog")
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RESIDENTLOG_DEBUG", "PYTHONPATH")}
    env["PYTHONPATH"] = SRC
    return env


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["add", "note", "x"], "add"),
        (["--store", "s", "add", "note", "x"], "add"),
        (["--store=s", "list"], "list"),
        (["--store", "a", "--store=b", "verify"], "verify"),
        (["--store", "add", "add"], "add"),
        (["--store", "--help", "show", "1"], "show"),
        (["attachment", "1"], "attachment"),
        ([], None),
        (["--help"], None),
        (["--help", "add"], None),
        (["--store"], None),
        (["--store", "s"], None),
        (["--store", "add"], None),
        (["--", "add"], None),
        (["--bogus", "add"], None),
        (["status"], "status"),
        (["policy", "list"], "policy"),
        (["--store", "s", "import", "x"], "import"),
        (["ad", "note", "x"], None),
        (["list_"], None),
    ],
)
def test_the_command_is_found_after_store_options_only(args: list[str], command: str | None) -> None:
    assert cli._command_name(args) == command


def test_each_command_is_defined_at_module_level_in_the_module_the_table_names() -> None:
    assert list(cli.COMMANDS) == EVERY
    assert sorted(set(cli.COMMANDS.values())) == sorted(COMMAND_MODULES)
    for name, module in cli.COMMANDS.items():
        info = cli._defined(name)
        callbacks = (
            [info.callback]
            if isinstance(info, CommandInfo)
            else [c.callback for c in info.typer_instance.registered_commands]
        )
        for callback in callbacks:
            assert callback.__module__ == f"residentlog.cli.{module}", name
            assert "." not in callback.__qualname__, name  # not nested in a function


def test_app_has_every_command() -> None:
    r = CliRunner().invoke(app, ["--help"])
    assert r.exit_code == 0
    assert listed_commands(r.stdout) == EVERY
    assert cli.app is app


def test_main_help_and_no_args_list_every_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "--help")
    assert (code, out, err) == run_app(capsys, "--help")
    assert (code, err) == (0, "")
    assert listed_commands(out) == EVERY

    code, out, err = run_main(monkeypatch, capsys)
    assert (code, out, err) == run_app(capsys)
    assert (code, out) == (2, "")
    assert listed_commands(err) == EVERY


@pytest.mark.parametrize("command", EVERY)
def test_main_gives_each_command_the_same_help(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "--store", "unused", command, "--help")
    assert (code, out, err) == run_app(capsys, command, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"Usage: residentlog {command} [OPTIONS]")


@pytest.mark.parametrize(("group", "command"), [("policy", "list"), ("case", "show"), ("templates", "copy")])
def test_main_gives_each_group_command_the_same_help(
    group: str, command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(monkeypatch, capsys, group, command, "--help")
    assert (code, out, err) == run_app(capsys, group, command, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"Usage: residentlog {group} {command} [OPTIONS]")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["statu"], "Error: No such command 'statu'. Did you mean 'status'?"),
        (["ad", "note", "x"], "Error: No such command 'ad'. Did you mean 'add'?"),
        (["--bogus", "add", "note", "x"], "Error: No such option: --bogus"),
        (["add", "note", "x", "--xyzzy"], "Error: No such option: --xyzzy"),
        (["add"], "Error: Missing argument 'kind'."),
    ],
)
def test_main_reports_usage_errors_as_the_app_does(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert (code, out, err) == run_app(capsys, *args)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == message


def test_add_through_the_entry_point_loads_only_the_module_defining_it(
    tmp_path: Path, isolated_store: Path
) -> None:
    code = (
        "import sys\n"
        "from residentlog.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.startswith('residentlog.cli.')), file=sys.stderr)\n"
        "    heavy = ('rich', 'sqlite_utils', 'jinja2', 'cryptography')\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    store = tmp_path / "elsewhere"
    Store.create(store).close()
    done = subprocess.run(
        [sys.executable, "-c", code, "--store", str(store), "add", "note", "Lift 2 out of service"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "['residentlog.cli.app', 'residentlog.cli.console', 'residentlog.cli.entries', "
        "'residentlog.cli.options']\n"
        "[]\n"
    )
    first, second = done.stdout.splitlines()
    assert first.startswith("Recorded entry 1  (happened ")
    assert second.startswith("hash ") and len(second) == 5 + 64
    assert not isolated_store.exists()


def test_python_m_residentlog_runs_core_and_other_commands(tmp_path: Path, isolated_store: Path) -> None:
    store = tmp_path / "s"

    def residentlog(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "residentlog", *args],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    assert residentlog("init", str(store)).returncode == 0
    added = residentlog(f"--store={store}", "add", "note", "Lift 2 out of service", "--case", "lift-2")
    assert added.returncode == 0, added.stderr
    assert added.stderr == ""
    listed = residentlog("--store", str(store), "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert (entry["number"], entry["summary"], entry["case"]) == (1, "Lift 2 out of service", "lift-2")
    clocks = residentlog("--store", str(store), "deadlines", "--json")
    assert (clocks.returncode, clocks.stdout, clocks.stderr) == (0, "[]\n", "")
    unknown = residentlog("--store", str(store), "statu")
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines()[-1] == "Error: No such command 'statu'. Did you mean 'status'?"
    assert not isolated_store.exists()


def test_the_program_ends_a_whole_ledger_command_at_once_with_everything_out_and_written(
    tmp_path: Path, isolated_store: Path
) -> None:
    """``residentlog`` (``program``) ends a command that read the whole ledger without freeing what
    it read (``reads_ledger``): what it printed is all out, what it wrote is all there."""
    from residentlog.ledger.add import add_entry

    store = tmp_path / "s"

    def residentlog(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "residentlog", "--store", str(store), *args],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    with Store.create(store) as s:
        for i in range(1, 41):
            add_entry(
                s, {"kind": "note", "summary": f"Note {i}: lights out"}, when_text=f"2026-03-{i % 28 + 1:02d}"
            )
    listed = residentlog("list", "--json")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert sorted(e["number"] for e in json.loads(listed.stdout)) == list(range(1, 41))
    table = residentlog("list", "--no-pager")
    assert (table.returncode, table.stderr) == (0, "40 entries.\n")
    assert table.stdout.count("lights out") == 40
    out = tmp_path / "c.html"
    made = residentlog("chronology", "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    with Store.open(store) as s:
        [checkpoint] = s.issued_checkpoints()  # the chronology's, written before the process ended
    assert checkpoint.size == 40
    verified = residentlog("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert not isolated_store.exists()


def test_the_program_ends_normally_when_something_waits_for_the_end(tmp_path: Path) -> None:
    """An ``atexit`` function (coverage's, a profiler's report) still runs after a whole-ledger
    command: the program ends at once only when nothing waits for the end."""
    with Store.create(tmp_path / "s"):
        pass
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        f"sys.argv = ['residentlog', '--store', {str(tmp_path / 's')!r}, 'list', '--json']\n"
        "from residentlog.cli.app import program\n"
        "program()\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", script], env=subprocess_env(), capture_output=True, text=True, timeout=120
    )
    assert (r.returncode, r.stdout, r.stderr) == (0, "[]\natexit ran\n", "")
