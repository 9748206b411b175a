"""Trusted timestamps: a round trip with a local RFC 3161 TSA, offline checks of stored tokens,
rfc3161-client's public fixtures, and the promise that nothing else touches the network."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog.integrity.timestamps import check_digest, check_token, stored_timestamps, verify_timestamps
from residentlog.ledger.store import Store
from tests.support_transfer import OPENSSL, local_tsa, make_pki, read_zip, relist, run, write_zip

DATA = Path(__file__).resolve().parents[1] / "data" / "rfc3161-client"
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is needed for the local TSA")


@pytest.fixture
def issued(runner: CliRunner, initialised: Path) -> Path:
    isolated_store = initialised
    assert run(runner, "add", "lift", "Lift 2 stuck").exit_code == 0
    assert run(runner, "add", "note", "Reported it").exit_code == 0
    assert run(runner, "checkpoint", "--to", "Example Housing").exit_code == 0
    return isolated_store


def newest_note(root: Path) -> str:
    with Store.open(root) as s:
        row = s.issued_checkpoints()[-1]
        return row.note or row.text


# -- a local TSA ----------------------------------------------------------------------------------


@needs_openssl
def test_round_trip_with_a_local_tsa(runner: CliRunner, issued: Path, tmp_path: Path) -> None:
    with local_tsa(tmp_path / "tsa") as tsa:
        r = run(runner, "timestamp", "--tsa", tsa.url, "--tsa-cert", str(tsa.pki.ca_pem))
        assert r.exit_code == 0, r.output
        assert "Timestamped the checkpoint of 2 entries" in r.stdout
        # What was sent: one RFC 3161 query, the SHA-512 of the signed note and nothing else.
        [(path, content_type, body)] = tsa.requests
        assert path == "/tsr" and content_type == "application/timestamp-query"
        note = newest_note(issued)
        assert hashlib.sha512(note.encode()).digest() in body
        assert b"Lift 2" not in body and len(body) < 200

        # A second run reuses the TSA and the chain pinned for it.
        r = run(runner, "timestamp", "--json")
        assert r.exit_code == 0, r.output
        assert [s["trust"] for s in json.loads(r.stdout)["stored"]] == ["given"]
        assert len(tsa.requests) == 2

    with Store.open(issued) as s:
        rows = stored_timestamps(s)
        assert [r.checkpoint_size for r in rows] == [2, 2]
        assert rows[0].hash_algorithm == "sha512" and rows[0].trust == "given" and rows[0].nonce
        assert rows[0].checkpoint_sha256 == hashlib.sha256(note.encode()).hexdigest()
        assert verify_timestamps(s) == []
        check = check_token(rows[0].token, note, rows[0].tsa_chain, nonce=int(rows[0].nonce))
        assert check.ok and check.signer == "CN=Test TSA,O=T" and check.hash_algorithm == "sha512"
    # The file copies are there, and stock OpenSSL verifies them by hand (as docs/export.md says).
    folder = issued / "timestamps"
    tsr = issued / rows[0].file
    assert tsr.read_bytes() == rows[0].token
    [text] = folder.glob("2-*.checkpoint.txt")
    [chain] = folder.glob("tsa-*.pem")
    assert text.read_text() == note
    done = subprocess.run(
        [OPENSSL or "openssl", "ts", "-verify", "-in", str(tsr), "-data", str(text), "-CAfile", str(chain)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "Verification: OK" in done.stdout

    r = run(runner, "timestamp", "--check")
    assert r.exit_code == 0 and "All 2 timestamps verify." in r.stdout


@needs_openssl
def test_sha256_digest(runner: CliRunner, issued: Path, tmp_path: Path) -> None:
    with local_tsa(tmp_path / "tsa") as tsa:
        r = run(runner, "timestamp", "--tsa", tsa.url, "--tsa-cert", str(tsa.pki.ca_pem), "--hash", "sha256")
        assert r.exit_code == 0, r.output
        assert hashlib.sha256(newest_note(issued).encode()).digest() in tsa.requests[0][2]
    with Store.open(issued) as s:
        assert stored_timestamps(s)[0].hash_algorithm == "sha256"
        assert verify_timestamps(s) == []
    r = run(runner, "timestamp", "--hash", "md5")
    assert r.exit_code == 2 and "--hash: use one of sha256, sha512, not 'md5'" in r.stderr


@needs_openssl
def test_trust_on_first_use_pins_the_tsas_own_root(runner: CliRunner, issued: Path, tmp_path: Path) -> None:
    with local_tsa(tmp_path / "tsa") as tsa:
        tsa.mode = "embed-root"
        r = run(runner, "timestamp", "--tsa", tsa.url)
        assert r.exit_code == 0, r.output
        assert "Pinned on first use" in r.stderr and "SHA-256" in r.stderr
    with Store.open(issued) as s:
        [row] = stored_timestamps(s)
        assert row.trust == "first-use"
        assert verify_timestamps(s) == []

    # Later, another TSA answers at that address: its tokens do not chain to the pinned root.
    with local_tsa(tmp_path / "impostor", name="Impostor") as impostor:
        impostor.mode = "embed-root"
        r = run(runner, "timestamp", "--tsa", impostor.url)  # a new URL: pinned on first use too
        assert r.exit_code == 0
    with Store.open(issued) as s:
        rows = stored_timestamps(s)
        # Each token is checked against its own pin only: the first TSA's pin is untouched.
        assert rows[0].tsa_chain != rows[1].tsa_chain
        assert not check_token(rows[1].token, newest_note(issued), rows[0].tsa_chain).ok


@needs_openssl
def test_a_tsa_that_does_not_send_its_root_needs_tsa_cert(
    runner: CliRunner, issued: Path, tmp_path: Path
) -> None:
    with local_tsa(tmp_path / "tsa") as tsa:
        r = run(runner, "timestamp", "--tsa", tsa.url)
        assert r.exit_code == 2 and "did not send its root certificate" in r.stderr
    with Store.open(issued) as s:
        assert stored_timestamps(s) == []
    assert not (issued / "timestamps").exists() or not list((issued / "timestamps").glob("*.tsr"))


@needs_openssl
def test_a_token_from_another_tsa_is_rejected_and_not_stored(
    runner: CliRunner, issued: Path, tmp_path: Path
) -> None:
    other = make_pki(tmp_path / "other", name="Other")
    with local_tsa(tmp_path / "tsa") as tsa:
        r = run(runner, "timestamp", "--tsa", tsa.url, "--tsa-cert", str(other.ca_pem))
    assert r.exit_code == 1 and "does not verify" in r.stderr and "another TSA" in r.stderr
    with Store.open(issued) as s:
        assert stored_timestamps(s) == []


@needs_openssl
@pytest.mark.parametrize(
    ("mode", "message"), [("garbage", "did not answer with an RFC 3161"), ("http-500", "HTTP 500")]
)
def test_a_broken_tsa_is_reported_and_nothing_is_stored(
    runner: CliRunner, issued: Path, tmp_path: Path, mode: str, message: str
) -> None:
    with local_tsa(tmp_path / "tsa") as tsa:
        tsa.mode = mode
        r = run(runner, "timestamp", "--tsa", tsa.url, "--tsa-cert", str(tsa.pki.ca_pem))
    assert r.exit_code == 2 and message in r.stderr
    with Store.open(issued) as s:
        assert stored_timestamps(s) == []


def test_an_unreachable_tsa_fails_quickly(runner: CliRunner, issued: Path, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pki = make_pki(tmp_path / "pki")
    r = run(
        runner,
        "timestamp",
        "--tsa",
        f"http://127.0.0.1:{port}/",
        "--tsa-cert",
        str(pki.ca_pem),
        "--timeout",
        "5",
    )
    assert r.exit_code == 2 and "cannot reach" in r.stderr


def test_timestamp_usage_errors_send_nothing(
    runner: CliRunner, isolated_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forbid_network(monkeypatch)
    assert run(runner, "init").exit_code == 0
    r = run(runner, "timestamp", "--tsa", "http://127.0.0.1:9/")
    assert r.exit_code == 2 and "no checkpoint" in r.stderr
    assert run(runner, "checkpoint").exit_code == 0
    r = run(runner, "timestamp")
    assert r.exit_code == 2 and "--tsa: name a time-stamping authority by its URL" in r.stderr
    r = run(runner, "timestamp", "--tsa", "file:///etc/passwd")
    assert r.exit_code == 2 and "--tsa: give the TSA's http:// or https:// address" in r.stderr
    (tmp_path / "junk.pem").write_text("not a certificate")
    r = run(runner, "timestamp", "--tsa", "http://127.0.0.1:9/", "--tsa-cert", str(tmp_path / "junk.pem"))
    assert r.exit_code == 2 and "PEM" in r.stderr
    pki = make_pki(tmp_path / "pki")
    r = run(runner, "timestamp", "--tsa", "http://127.0.0.1:9/", "--tsa-cert", str(pki.tsa_pem))
    assert r.exit_code == 2 and "root" in r.stderr
    r = run(runner, "timestamp", "--tsa", "http://a/", "--tsa", "http://b/", "--tsa-cert", str(pki.ca_pem))
    assert r.exit_code == 2 and "--tsa-cert: give one for each TSA, in the same order" in r.stderr
    r = run(runner, "timestamp", "--check")
    assert r.exit_code == 0 and "No timestamps stored yet" in r.stdout


# -- offline checks: tampering, wrong checkpoint ----------------------------------------------------


@pytest.fixture
def stamped(runner: CliRunner, issued: Path, tmp_path: Path) -> Path:
    if OPENSSL is None:
        pytest.skip("openssl is needed for the local TSA")
    with local_tsa(tmp_path / "tsa") as tsa:
        assert run(runner, "timestamp", "--tsa", tsa.url, "--tsa-cert", str(tsa.pki.ca_pem)).exit_code == 0
    return issued


def test_tampered_token_fails(stamped: Path) -> None:
    with Store.open(stamped) as s:
        [row] = stored_timestamps(s)
    note = newest_note(stamped)
    token = bytearray(row.token)
    # The imprint (the signed digest of the note) sits inside the signed TSTInfo.
    digest = hashlib.sha512(note.encode()).digest()
    at = bytes(token).find(digest)
    assert at > 0
    token[at + 5] ^= 1
    check = check_token(bytes(token), note, row.tsa_chain)
    assert not check.ok and "signature does not check out" in check.problem
    # The signature value itself (the last bytes of the token).
    token = bytearray(row.token)
    token[-3] ^= 1
    assert not check_token(bytes(token), note, row.tsa_chain).ok
    assert not check_token(b"\x30\x03\x02\x01\x00", note, row.tsa_chain).ok
    assert "not an RFC 3161" in (check_token(b"junk", note, row.tsa_chain).problem or "")


def test_wrong_checkpoint_or_nonce_fails(runner: CliRunner, stamped: Path) -> None:
    with Store.open(stamped) as s:
        [row] = stored_timestamps(s)
    note = newest_note(stamped)
    assert check_token(row.token, note, row.tsa_chain, nonce=int(row.nonce)).ok
    check = check_token(row.token, note.replace("\n2\n", "\n3\n"), row.tsa_chain)
    assert not check.ok and check.problem == "it timestamps different data, not this checkpoint"
    assert not check_token(row.token, note + " ", row.tsa_chain).ok
    check = check_token(row.token, note, row.tsa_chain, nonce=int(row.nonce) + 1)
    assert not check.ok and "nonce" in check.problem
    # A newer checkpoint is not covered by the old token.
    assert run(runner, "add", "note", "later").exit_code == 0
    assert run(runner, "checkpoint").exit_code == 0
    assert not check_token(row.token, newest_note(stamped), row.tsa_chain).ok


def test_verify_timestamps_finds_tampering_in_the_store(runner: CliRunner, stamped: Path) -> None:
    with Store.open(stamped) as s:
        [row] = stored_timestamps(s)
    copy = stamped / row.file
    token = copy.read_bytes()
    copy.write_bytes(token[:-1] + bytes([token[-1] ^ 1]))  # always differs
    with Store.open(stamped) as s:
        [problem] = verify_timestamps(s)
    assert "file copy" in problem and "differs" in problem
    r = run(runner, "timestamp", "--check")
    assert r.exit_code == 1 and "differs" in r.stderr
    copy.unlink()
    with Store.open(stamped) as s:
        assert "missing" in verify_timestamps(s)[0]
    # The table is append-only; someone who drops the trigger and edits the token is caught.
    conn = sqlite3.connect(stamped / "ledger.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE timestamps SET tsa_url = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM timestamps")
    conn.execute("DROP TRIGGER timestamps_no_update")
    token = bytearray(row.token)
    token[-3] ^= 1
    conn.execute("UPDATE timestamps SET token = ?", (bytes(token),))
    conn.commit()
    conn.close()
    with Store.open(stamped) as s:
        problems = verify_timestamps(s)
    assert any("signature does not check out" in p for p in problems)


def test_timestamps_travel_in_the_export(runner: CliRunner, stamped: Path, tmp_path: Path) -> None:
    r = run(runner, "export", str(tmp_path / "e.zip"))
    assert r.exit_code == 0 and "timestamps: 1" in r.stdout
    manifest, members = read_zip(tmp_path / "e.zip")
    [entry] = manifest["timestamps"]
    assert entry["checkpoint"] == 1 and entry["trust"] == "given" and entry["hash_algorithm"] == "sha512"
    assert (
        members[entry["file"]]
        == (stamped / "timestamps")
        .joinpath(next(p.name for p in (stamped / "timestamps").glob("*.tsr")))
        .read_bytes()
    )
    new = tmp_path / "new"
    assert run(runner, "import", str(tmp_path / "e.zip"), "--store", str(new)).exit_code == 0
    with Store.open(stamped) as old_s, Store.open(new) as new_s:
        old_rows, new_rows = stored_timestamps(old_s), stored_timestamps(new_s)
        assert [(r.token, r.tsa_chain, r.gen_time, r.nonce) for r in new_rows] == [
            (r.token, r.tsa_chain, r.gen_time, r.nonce) for r in old_rows
        ]
        assert verify_timestamps(new_s) == []
    # A token altered in the export is refused, and nothing is created.
    token = bytearray(members[entry["file"]])
    token[-3] ^= 1
    forged = {**members, entry["file"]: bytes(token)}
    write_zip(tmp_path / "f.zip", relist(manifest, forged), forged)
    r = run(runner, "import", str(tmp_path / "f.zip"), "--store", str(tmp_path / "n2"))
    assert r.exit_code == 1 and "timestamp 1" in r.stderr and not (tmp_path / "n2").exists()


# -- rfc3161-client's public fixtures (tokens from real TSAs) -------------------------------------


@pytest.mark.parametrize("alg", ["sha256", "sha384", "sha512"])
def test_sigstage_tokens_over_hello(alg: str) -> None:
    chain = (DATA / "sigstage" / "ts_chain.pem").read_bytes()
    check = check_token((DATA / "sigstage" / f"response-{alg}.tsr").read_bytes(), "hello", chain)
    assert check.ok, check.problem
    assert check.hash_algorithm == alg and check.signer == "CN=sigstore-tsa,O=sigstore.dev"
    assert check.gen_time is not None and check.gen_time.year == 2025
    assert not check_token((DATA / "sigstage" / f"response-{alg}.tsr").read_bytes(), "hello\n", chain).ok


def test_sigstage_bad_tokens() -> None:
    chain = (DATA / "sigstage" / "ts_chain.pem").read_bytes()
    check = check_token((DATA / "sigstage" / "response-invalid-signature.tsr").read_bytes(), "hello", chain)
    assert not check.ok and "signature does not check out" in check.problem
    # No certificate in the token: it verifies because the pinned chain holds the TSA's certificate.
    assert check_token((DATA / "sigstage" / "response-no-embedded-cert.tsr").read_bytes(), "hello", chain).ok
    other_chain = (DATA / "test_tsa" / "ts_chain.pem").read_bytes()
    assert not check_token((DATA / "sigstage" / "response-sha256.tsr").read_bytes(), "hello", other_chain).ok


def test_local_sigstore_tsa_tokens_and_injected_certificates() -> None:
    from rfc3161_client._rust import parse_timestamp_request

    request = parse_timestamp_request((DATA / "test_tsa" / "request.der").read_bytes())
    imprint, nonce = request.message_imprint.message, request.nonce
    chain = (DATA / "test_tsa" / "ts_chain.pem").read_bytes()
    good = check_digest((DATA / "test_tsa" / "response.tsr").read_bytes(), imprint, chain, nonce=nonce)
    assert good.ok and good.signer == "CN=Test TSA Timestamping,O=local"
    # GHSA-3xxc-pwj6-jgrj: a spoofed certificate in the bag does not change who signed.
    injected = check_digest(
        (DATA / "test_tsa" / "response-injected-certs.tsr").read_bytes(), imprint, chain, nonce=nonce
    )
    assert injected.ok and injected.signer == good.signer
    assert not check_digest(
        (DATA / "test_tsa" / "response.tsr").read_bytes(), imprint, chain, nonce=nonce + 1
    ).ok
    assert not check_digest((DATA / "test_tsa" / "other_response.tsr").read_bytes(), imprint, chain).ok


# -- nothing else uses the network ----------------------------------------------------------------


class _NoNetwork(socket.socket):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a command other than `timestamp` tried to open a socket")


def _forbid_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a command other than `timestamp` tried to use the network")

    monkeypatch.setattr(socket, "socket", _NoNetwork)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_no_other_command_opens_a_socket(
    runner: CliRunner, isolated_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forbid_network(monkeypatch)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"jpeg")
    commands = [
        ["init", "--name", "Sam"],
        ["add", "lift", "Lift 2 stuck", "--attach", str(photo)],
        ["amend", "1", "--reason", "typo", "--summary", "Lift 2 stuck again"],
        ["list"],
        ["show", "1"],
        ["verify"],
        ["checkpoint", "--to", "Example Housing"],
        ["status"],
        ["export", str(tmp_path / "e.zip")],
        ["export", str(tmp_path / "e-dir")],
        ["import", str(tmp_path / "e.zip"), "--store", str(tmp_path / "n")],
        ["--store", str(tmp_path / "n"), "verify"],
        ["timestamp", "--check"],
    ]
    for args in commands:
        r = run(runner, *args)
        assert r.exit_code == 0, (args, r.output)


def test_add_does_not_load_the_transfer_or_timestamp_code(tmp_path: Path) -> None:
    code = (
        "import sys, residentlog.cli.app as c\n"
        "import residentlog.cli.integrity, residentlog.cli.transfer\n"
        "c.app(['add', 'note', 'hello'], standalone_mode=False)\n"
        "print(sorted(m for m in ('residentlog.transfer.importer', 'residentlog.transfer.format',"
        " 'residentlog.integrity.timestamps',"
        " 'rfc3161_client',"
        " 'urllib.request', 'http.client') if m in sys.modules))\n"
    )
    env = {"RESIDENTLOG_STORE": str(tmp_path / "s"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
