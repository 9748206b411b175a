"""Trusted timestamps (RFC 3161) over issued checkpoints: the only code that uses the network.

``residentlog timestamp`` sends a digest (SHA-512 by default) of the newest issued checkpoint,
exactly as it was handed out (the signed note's UTF-8 bytes), to one or more RFC 3161
time-stamping authorities (TSAs) by HTTP POST (``application/timestamp-query``). Each TSA
signs a token saying that digest existed at its ``genTime``. Nothing is ever sent unless that
command is run, and only the digest leaves the machine. Each token is checked at once, then
kept in the store's ``timestamps`` table (append-only like the ledger) and as a file
under ``<store>/timestamps/`` next to a copy of the checkpoint text and the TSA certificate
chain, so it can also be checked with stock OpenSSL.

Trust: the certificates inside a token prove nothing by themselves (anyone can embed any
certificate). A token is accepted only if its signature chains, at its ``genTime``, to a
self-signed root in the chain *pinned* for that TSA: the PEM chain given with its URL
(``trust = "given"``; ``--tsa-cert`` on the command line), or, when none is given the first
time a TSA is used, the certificates the TSA sent with its first token, if they include a root
(``trust = "first-use"``, trust on first use: later tokens must chain to the same root, but the
first one is only as good as the connection it came over; compare the printed fingerprint with
the one the TSA publishes).
Later runs reuse the chain pinned for each URL. Validation (:func:`check_token`,
:func:`verify_timestamps`) is offline, with ``rfc3161-client`` (>= 1.0.6).

``rfc3161_client``, ``cryptography`` and ``urllib.request`` are imported inside the functions
that need them, so no other command pays for them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.errors import InputError, ResidentlogError, VerificationFailed
from residentlog.fsutil import write_atomically
from residentlog.ledger.layout import TIMESTAMPS_DIR
from residentlog.ledger.store import StoredTimestamp

if TYPE_CHECKING:
    from cryptography import x509

    from residentlog.ledger.store import Store

HASH_ALGORITHMS = ("sha256", "sha512")
DEFAULT_HASH = "sha512"
DEFAULT_TIMEOUT = 20.0
MAX_RESPONSE = 1 << 20  # a token is a few KiB; refuse to read more than this from a TSA
CONTENT_TYPE = "application/timestamp-query"

_OIDS = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_FILE = re.compile(rf"{TIMESTAMPS_DIR}/[0-9]+-[0-9a-f]{{12}}-[0-9a-f]{{12}}\.tsr")


@dataclass(frozen=True)
class TokenCheck:
    """What :func:`check_token` found. ``ok`` False means ``problem`` says why."""

    ok: bool
    problem: str | None = None
    gen_time: datetime | None = None
    hash_algorithm: str | None = None
    serial: int | None = None
    signer: str | None = None  # subject of the TSA certificate that signed
    policy: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problem": self.problem,
            "gen_time": None if self.gen_time is None else _iso(self.gen_time),
            "hash_algorithm": self.hash_algorithm,
            "serial": None if self.serial is None else str(self.serial),
            "signer": self.signer,
            "policy": self.policy,
        }


@dataclass
class TimestampRun:
    """What :func:`timestamp_newest` did: tokens stored, and the TSAs that failed."""

    checkpoint_size: int
    checkpoint_text: str
    stored: list[StoredTimestamp] = field(default_factory=list)
    failures: list[tuple[str, str, int]] = field(default_factory=list)  # (url, why, exit code)
    first_use: list[tuple[str, list[str]]] = field(default_factory=list)  # (url, root fingerprints)


# -- digests and certificate chains -----------------------------------------------------------


def _check_hash(algorithm: str) -> None:
    if algorithm not in HASH_ALGORITHMS:
        raise InputError(f"use one of {', '.join(HASH_ALGORITHMS)}, not {algorithm!r}", field="hash")


def load_chain(pem: bytes | str) -> tuple[list[Any], list[Any]]:
    """Split a PEM bundle into (self-signed roots, other certificates). InputError if unusable."""
    from cryptography import x509

    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise InputError(f"not a PEM certificate chain ({exc})") from None
    roots: list[Any] = []
    others: list[Any] = []
    for cert in certs:
        if cert in roots or cert in others:
            continue
        (roots if _self_signed(cert) else others).append(cert)
    if not roots:
        raise InputError(
            "the certificate chain has no root (self-signed) certificate; include the TSA's root CA"
        )
    return roots, others


def _self_signed(cert: Any) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:
        return False
    return True


def fingerprint(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import hashes

    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _pem(certs: Sequence[Any]) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certs)


# -- checking a token offline -------------------------------------------------------------------


def check_token(
    token: bytes, checkpoint_text: str, tsa_chain_pem: bytes | str, *, nonce: int | None = None
) -> TokenCheck:
    """Check an RFC 3161 token (a whole TimeStampResp, DER) over ``checkpoint_text``, offline.

    It must be granted, signed by a certificate with a critical ``timeStamping`` extended key
    usage that chains, at the token's genTime, to a root in ``tsa_chain_pem`` (the
    certificates inside the token are not trusted by themselves), carry ``nonce`` if one is
    given, and its message imprint must be the digest (with the token's hash algorithm:
    SHA-256, SHA-384 or SHA-512) of the checkpoint text's UTF-8 bytes. Never raises for a bad
    token: the result says what is wrong.
    """
    return check_digest(token, checkpoint_text.encode("utf-8"), tsa_chain_pem, nonce=nonce, hashed=False)


def check_digest(
    token: bytes,
    message: bytes,
    tsa_chain_pem: bytes | str,
    *,
    nonce: int | None = None,
    hashed: bool = True,
) -> TokenCheck:
    """:func:`check_token` for a message given as bytes, or (``hashed``) as its digest already."""
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        resp = decode_timestamp_response(bytes(token))
    except Exception as exc:
        return TokenCheck(False, f"not an RFC 3161 timestamp response ({exc})")
    try:
        roots, others = load_chain(tsa_chain_pem)
    except InputError as exc:
        return TokenCheck(False, f"the pinned TSA chain is unusable: {exc.message}")
    try:
        info = resp.tst_info
        algorithm = _OIDS.get(info.message_imprint.hash_algorithm.dotted_string)
        embedded = len(resp.signed_data.certificates)
        details: dict[str, Any] = {
            "gen_time": info.gen_time,
            "hash_algorithm": algorithm,
            "serial": info.serial_number,
            "policy": info.policy.dotted_string,
            "signer": _signer(resp),
        }
    except Exception as exc:
        return TokenCheck(False, f"the token is malformed ({exc})")
    if algorithm is None:
        return TokenCheck(False, "the token uses an unsupported hash algorithm", **details)
    builder = VerifierBuilder(nonce=nonce)
    for cert in roots:
        builder = builder.add_root_certificate(cert)
    leaves = [c for c in others if _is_tsa_cert(c)]
    for cert in others:
        builder = builder.add_intermediate_certificate(cert)
    if not embedded and len(leaves) == 1:
        # A token without its certificate names its signer only by issuer and serial number;
        # the pinned chain then has to hold that TSA certificate.
        builder = builder.tsa_certificate(leaves[0])
    digest = message if hashed else hashlib.new(algorithm, message).digest()
    try:
        builder.build().verify(resp, digest)
    except (VerificationError, ValueError) as exc:
        return TokenCheck(False, _explain(str(exc)), **details)
    return TokenCheck(True, None, **details)


def _is_tsa_cert(cert: Any) -> bool:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in eku


def _signer(resp: Any) -> str | None:
    from cryptography import x509

    infos = list(resp.signed_data.signer_infos)
    if len(infos) != 1:
        return None
    for der in resp.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        if cert.issuer == infos[0].issuer and cert.serial_number == infos[0].serial_number:
            return cert.subject.rfc4514_string()
    return None


def _explain(message: str) -> str:
    if "Mismatch between messages" in message:
        return "it timestamps different data, not this checkpoint"
    if "Nonce mismatch" in message:
        return "its nonce is not the one sent with the request"
    if "not GRANTED" in message:
        return "the TSA did not grant it"
    if "Certificates neither found" in message:
        return "it carries no certificate and the pinned chain does not hold the TSA's own certificate"
    if "verifying certificates" in message or "pkcs7" in message.lower():
        reasons = list(dict.fromkeys(re.findall(r'(?:reason|data): "([^"]+)"', message)))
        detail = f" ({'; '.join(reasons)})" if reasons else ""
        return (
            "its signature does not check out against the pinned TSA certificates: it was altered, "
            f"or signed by another TSA{detail}"
        )
    return message


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


# -- the table and its files ------------------------------------------------------------------


def handed_out(store: Store) -> list[tuple[int, str]]:
    """(size, text as handed out) of every checkpoint issued, oldest first: the signed note, or
    the bare checkpoint for one issued before checkpoints were signed. This text is what is
    timestamped."""
    return [(row.size, row.handed_out) for row in store.issued_checkpoints()]


def stored_timestamps(store: Store) -> list[StoredTimestamp]:
    """Every stored token, oldest first (none if ``timestamp`` was never run)."""
    return store.timestamps()


def pinned_chains(store: Store) -> dict[str, tuple[str, str]]:
    """TSA URL -> (PEM chain, trust) pinned by its latest stored token."""
    return {row.tsa_url: (row.tsa_chain, row.trust) for row in stored_timestamps(store)}


def record_token(
    store: Store,
    *,
    checkpoint_text: str,
    checkpoint_size: int,
    tsa_url: str,
    token: bytes,
    chain_pem: str,
    requested_at: str,
    nonce: int | None,
    trust: str,
) -> StoredTimestamp:
    """Keep a checked token: files under ``timestamps/`` first, then the table row."""
    from rfc3161_client import decode_timestamp_response

    info = decode_timestamp_response(token).tst_info
    algorithm = _OIDS.get(info.message_imprint.hash_algorithm.dotted_string, "unknown")
    cp_sha = hashlib.sha256(checkpoint_text.encode("utf-8")).hexdigest()
    stem = f"{checkpoint_size}-{cp_sha[:12]}"
    name = f"{TIMESTAMPS_DIR}/{stem}-{hashlib.sha256(token).hexdigest()[:12]}.tsr"
    folder = store.timestamps_dir
    folder.mkdir(exist_ok=True)
    _write_file(folder / f"{stem}.checkpoint.txt", checkpoint_text.encode("utf-8"))
    _write_file(
        folder / f"tsa-{hashlib.sha256(chain_pem.encode('ascii')).hexdigest()[:12]}.pem",
        chain_pem.encode("ascii"),
    )
    _write_file(store.root / name, token)
    return store.add_timestamp(
        StoredTimestamp(
            0,
            cp_sha,
            checkpoint_size,
            tsa_url,
            algorithm,
            token,
            _iso(info.gen_time),
            str(info.serial_number),
            None if nonce is None else str(nonce),
            requested_at,
            chain_pem,
            trust,
            name,
        )
    )


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` durably, unless it already holds exactly that."""
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    write_atomically(path, data)


def verify_timestamps(store: Store) -> list[str]:
    """Re-check every stored token offline; one line per problem (empty: all verify).

    Each token must name a checkpoint this store issued, verify over that checkpoint's text
    against the chain pinned with it (:func:`check_token`, nonce included), agree with its row,
    and its file copy under ``timestamps/`` must hold the same bytes.
    """
    rows = stored_timestamps(store)
    if not rows:
        return []
    issued = {hashlib.sha256(text.encode("utf-8")).hexdigest(): text for _size, text in handed_out(store)}
    problems = []
    for row in rows:
        label = f"timestamp {row.id} (checkpoint of {row.checkpoint_size} entries, {row.tsa_url})"
        text = issued.get(row.checkpoint_sha256)
        if text is None:
            problems.append(f"{label}: it names a checkpoint this store never issued")
            continue
        check = check_token(row.token, text, row.tsa_chain, nonce=int(row.nonce) if row.nonce else None)
        if not check.ok:
            problems.append(f"{label}: {check.problem}")
            continue
        if check.gen_time is None or _iso(check.gen_time) != row.gen_time or str(check.serial) != row.serial:
            problems.append(f"{label}: its stored time or serial number differs from the token")
        path = store.root / row.file
        if not _FILE.fullmatch(row.file):
            problems.append(f"{label}: its file name {row.file!r} is not one residentlog writes")
        elif not path.is_file():
            problems.append(f"{label}: its file copy {row.file} is missing")
        elif path.read_bytes() != row.token:
            problems.append(f"{label}: its file copy {row.file} differs from the stored token")
    return problems


# -- asking a TSA (the network) ---------------------------------------------------------------

Post = Callable[[str, bytes, float], bytes]


def check_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"give the TSA's http:// or https:// address, not {url!r}", field="tsa")


def post_query(url: str, body: bytes, timeout: float) -> bytes:
    """POST a TimeStampReq to ``url``; returns the response body (at most 1 MiB)."""
    import urllib.error
    import urllib.request

    from residentlog import __version__

    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": CONTENT_TYPE,
            "Accept": "application/timestamp-reply",
            "User-Agent": f"residentlog/{__version__}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            data: bytes = resp.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as exc:
        raise ResidentlogError(f"{url} answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise ResidentlogError(f"cannot reach {url} ({exc.reason})") from None
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed answers
        raise ResidentlogError(f"cannot get a timestamp from {url} ({exc})") from None
    if len(data) > MAX_RESPONSE:
        raise ResidentlogError(f"{url} sent more than {MAX_RESPONSE} bytes: not a timestamp")
    return data


def timestamp_newest(
    store: Store,
    urls: Sequence[str] = (),
    *,
    tsa_certs: Sequence[bytes] = (),
    hash_algorithm: str = DEFAULT_HASH,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime | None = None,
    post: Post | None = None,
) -> TimestampRun:
    """Ask each TSA to timestamp the newest issued checkpoint; keep each token that checks out.

    ``urls`` defaults to every TSA used before. ``tsa_certs`` (PEM bytes) pairs with ``urls``,
    one each, in order. A TSA that fails is listed in ``failures``; the others are still kept.
    """
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

    checkpoints = handed_out(store)
    if not checkpoints:
        raise InputError("there is no checkpoint to timestamp yet: issue one with `residentlog checkpoint`")
    size, text = checkpoints[-1]
    _check_hash(hash_algorithm)
    pins = pinned_chains(store)
    urls = list(dict.fromkeys(urls)) or list(pins)
    if not urls:
        raise InputError(
            "name a time-stamping authority by its URL, and give its certificate chain (PEM, with its root)",
            field="tsa",
        )
    for url in urls:
        check_url(url)
    if tsa_certs and len(tsa_certs) != len(urls):
        raise InputError("give one for each TSA, in the same order", field="tsa_cert")
    given: list[str | None] = [None] * len(urls)
    for i, pem in enumerate(tsa_certs):
        load_chain(pem)  # refuse an unusable chain before anything is sent
        given[i] = pem.decode("ascii") if isinstance(pem, bytes) else pem
    post = post or post_query
    algorithm = HashAlgorithm.SHA512 if hash_algorithm == "sha512" else HashAlgorithm.SHA256
    run = TimestampRun(checkpoint_size=size, checkpoint_text=text)
    for url, chain in zip(urls, given, strict=True):
        request = (
            TimestampRequestBuilder()
            .data(text.encode("utf-8"))
            .hash_algorithm(algorithm)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        try:
            stamp = _stamp_one(store, url, request, text, size, chain, pins.get(url), post, timeout, now, run)
        except ResidentlogError as exc:
            run.failures.append((url, exc.message, exc.exit_code))
            continue
        run.stored.append(stamp)
    return run


def _stamp_one(
    store: Store,
    url: str,
    request: Any,
    text: str,
    size: int,
    given: str | None,
    pinned: tuple[str, str] | None,
    post: Post,
    timeout: float,
    now: datetime | None,
    run: TimestampRun,
) -> StoredTimestamp:
    from rfc3161_client import decode_timestamp_response

    from residentlog.ledger.when import to_rfc3339

    requested_at = to_rfc3339(now or datetime.now(UTC))
    data = post(url, request.as_bytes(), timeout)
    try:
        resp = decode_timestamp_response(data)
    except Exception as exc:
        raise ResidentlogError(f"{url} did not answer with an RFC 3161 timestamp ({exc})") from None
    if resp.status not in (0, 1):
        detail = "; ".join(resp.status_string) if resp.status_string else "no reason given"
        raise ResidentlogError(f"{url} refused to timestamp (status {resp.status}: {detail})")
    if given is not None:
        chain, trust = given, "given"
    elif pinned is not None:
        chain, trust = pinned
    else:
        chain, trust = _first_use_chain(url, resp), "first-use"
    check = check_token(data, text, chain, nonce=request.nonce)
    if not check.ok:
        raise VerificationFailed(f"the token from {url} does not verify: {check.problem}")
    stamp = record_token(
        store,
        checkpoint_text=text,
        checkpoint_size=size,
        tsa_url=url,
        token=data,
        chain_pem=chain,
        requested_at=requested_at,
        nonce=request.nonce,
        trust=trust,
    )
    if trust == "first-use" and pinned is None:
        roots, _ = load_chain(chain)
        run.first_use.append((url, [fingerprint(c) for c in roots]))
    return stamp


def _first_use_chain(url: str, resp: Any) -> str:
    """The TSA's own certificates, to pin on first use; they must include a root to chain to."""
    from cryptography import x509

    certs = [x509.load_der_x509_certificate(der) for der in resp.signed_data.certificates]
    if not any(_self_signed(c) for c in certs):
        raise ResidentlogError(
            f"{url} did not send its root certificate, so its token cannot be checked: download the "
            "TSA's certificate chain (PEM, with its root CA) and give it along with the TSA's URL"
        )
    return _pem(certs)
