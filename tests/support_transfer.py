"""Helpers for test_transfer.py and test_timestamps.py: the CLI app with the transfer commands,
crafting export zips, and a small RFC 3161 time-stamping authority on 127.0.0.1.

The TSA is ``http.server`` in a thread answering each query with ``openssl ts -reply``, signed
by a TSA certificate (critical extendedKeyUsage = timeStamping) issued by a test CA, both made
here with ``cryptography``. Every subprocess and HTTP call is bounded in time.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import struct
import subprocess
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import residentlog.cli.app as cli

OPENSSL = shutil.which("openssl")


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli.app, list(args), catch_exceptions=False)


# -- reading and crafting exports ----------------------------------------------------------------


def read_zip(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(manifest, every other member's bytes) of an export zip."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(members.pop("manifest.json")), members


def relist(manifest: dict[str, Any], members: dict[str, bytes]) -> dict[str, Any]:
    """The manifest with its file list recomputed from ``members`` (what a careful forger does)."""
    import hashlib

    manifest = dict(manifest)
    manifest["files"] = [
        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in members.items()
    ]
    return manifest


def write_zip(
    path: Path,
    manifest: dict[str, Any] | bytes | None,
    members: dict[str, bytes] | list[tuple[str, bytes]],
    *,
    modes: dict[str, int] | None = None,
) -> Path:
    """Write a zip: the manifest (as given: dict, raw bytes, or none) and ``members``."""
    items = list(members.items()) if isinstance(members, dict) else list(members)
    if isinstance(manifest, dict):
        items.append(("manifest.json", json.dumps(manifest, indent=2).encode()))
    elif isinstance(manifest, bytes):
        items.append(("manifest.json", manifest))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names; some tests want them
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = (modes or {}).get(name, 0o100644) << 16
                zf.writestr(info, data)
    return path


def patch_claimed_size(path: Path, name: str, claimed: int) -> None:
    """Make the zip headers of ``name`` claim ``claimed`` uncompressed bytes (data unchanged)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    pos = 0
    patched = 0
    while True:
        local = data.find(b"PK\x03\x04", pos)
        central = data.find(b"PK\x01\x02", pos)
        hits = [p for p in (local, central) if p >= 0]
        if not hits:
            break
        p = min(hits)
        if p == local:
            n = struct.unpack_from("<H", data, p + 26)[0]
            if bytes(data[p + 30 : p + 30 + n]) == encoded:
                struct.pack_into("<I", data, p + 22, claimed)
                patched += 1
        else:
            n = struct.unpack_from("<H", data, p + 28)[0]
            if bytes(data[p + 46 : p + 46 + n]) == encoded:
                struct.pack_into("<I", data, p + 24, claimed)
                patched += 1
        pos = p + 4
    assert patched == 2, patched
    path.write_bytes(bytes(data))


# -- a local RFC 3161 TSA -----------------------------------------------------------------------


@dataclass
class Pki:
    folder: Path
    ca_pem: Path  # the root CA alone: what --tsa-cert is given
    tsa_pem: Path
    tsa_key: Path
    config: Path


def make_pki(folder: Path, name: str = "Test") -> Pki:
    """A root CA and a TSA certificate (critical EKU timeStamping), valid now, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)

    def subject(cn: str, org: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    # A long CA subject makes the CA certificate larger than the TSA's, so `openssl ts -chain`
    # lists them in DER SET OF order, which rfc3161-client requires.
    ca_name = subject(f"{name} Root Certification Authority for residentlog tests", f"{name} Test PKI")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (
        x509.CertificateBuilder()
        .subject_name(subject(f"{name} TSA", "T"))
        .issuer_name(ca.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder, folder / "ca.pem", folder / "tsa.pem", folder / "tsa.key", folder / "ts.cnf")
    pki.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.tsa_pem.write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    pki.tsa_key.write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (folder / "serial").write_text("01\n")
    pki.config.write_text(
        "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\n"
        f"serial = {folder / 'serial'}\n"
        "crypto_device = builtin\n"
        "signer_digest = sha256\ndefault_policy = 1.2.3.4.1\n"
        "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\n"
        "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
    )
    return pki


@dataclass
class LocalTsa:
    url: str
    pki: Pki
    requests: list[tuple[str, str | None, bytes]] = field(default_factory=list)
    mode: str = "ok"  # ok | embed-root | garbage | http-500 | rejection


def _reply(tsa: LocalTsa, query: bytes) -> tuple[int, bytes]:
    if tsa.mode == "garbage":
        return 200, b"this is not a timestamp"
    if tsa.mode == "http-500":
        return 500, b"broken"
    with tempfile.TemporaryDirectory() as tmp:
        q, r = Path(tmp) / "q.der", Path(tmp) / "r.tsr"
        q.write_bytes(query)
        cmd = [
            OPENSSL or "openssl", "ts", "-reply", "-config", str(tsa.pki.config), "-queryfile", str(q),
            "-signer", str(tsa.pki.tsa_pem), "-inkey", str(tsa.pki.tsa_key), "-out", str(r),
        ]  # fmt: skip
        if tsa.mode == "embed-root":
            cmd += ["-chain", str(tsa.pki.ca_pem)]
        done = subprocess.run(cmd, capture_output=True, timeout=20, check=False)
        if done.returncode != 0:
            return 500, done.stderr
        return 200, r.read_bytes()


@contextmanager
def local_tsa(folder: Path, name: str = "Test") -> Iterator[LocalTsa]:
    """Serve a TSA on 127.0.0.1 (a free port) for the duration of the block."""
    pki = make_pki(folder, name)
    holder: dict[str, LocalTsa] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 16))
            tsa = holder["tsa"]
            tsa.requests.append((self.path, self.headers.get("Content-Type"), body))
            status, data = _reply(tsa, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    holder["tsa"] = LocalTsa(f"http://127.0.0.1:{server.server_address[1]}/tsr", pki)
    try:
        yield holder["tsa"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
