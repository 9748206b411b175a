"""Emails: one ``.eml`` file, an mbox file, or a Maildir folder; each message one entry.

Read with the standard library (:mod:`email`, :mod:`mailbox`), which every mail program's
export is written for. Messages are parsed with ``policy.compat32`` and their headers decoded
with :mod:`email.header`: ``policy.default`` builds an object per header, about 5 ms a message,
which alone would put 10,000 emails over a minute. Each message becomes:

- a ``contact`` entry when it is from or to one of the landlord addresses in the profile
  (``direction`` ``in`` or ``out``, ``channel`` email, ``who`` the landlord's address), else a
  ``note``;
- dated by its ``Date:`` header (``occurred_text`` keeps the header as written);
- with the message itself attached (its exact bytes, as the mailbox holds them) and every
  attached file extracted and attached under its own name;
- with its provenance in ``details``: where it was read, Message-ID, From, To, Cc, Subject,
  In-Reply-To, the thread's first message, which way it went and why, the DKIM result; then
  the text of the message.

DKIM (RFC 6376): the body hash (``bh=``) is checked offline, with dkimpy's canonicalisation:
it says whether the body is the one the sender's server signed. The signature itself (over the
headers, with ``bh=``) needs the sender's public key from DNS: only with ``online=True``,
and the result says which DNS name was asked.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residentlog.ledger.when import When
from residentlog.transfer.evidence.candidate import (
    IMPORTED_FROM,
    MESSAGE_ID,
    Bad,
    Candidate,
    labelled,
    multi_line,
    one_line,
    safe_file_name,
)

if TYPE_CHECKING:
    import mailbox

#: A DNS TXT lookup as dkimpy calls it: ``dnsfunc(name, timeout=5) -> bytes``.
DnsFunc = Callable[..., Any]

_MSG_ID = re.compile(r"<[^<>\s]+>")
_BODY_LIMIT = 20_000


def is_mbox(path: Path) -> bool:
    """An mbox file: named ``.mbox``, or starting with an mbox ``From `` line."""
    if path.suffix.lower() == ".mbox":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def count_messages(path: Path) -> int:
    """How many messages an mbox file or Maildir folder holds (for the progress bar)."""

    box = _open_box(path)
    try:
        return len(box)
    finally:
        box.close()


def _open_box(path: Path) -> mailbox.Mailbox[Any]:
    import mailbox

    if path.is_dir():
        return mailbox.Maildir(path, factory=None, create=False)
    return mailbox.mbox(path, create=False)


def messages(path: Path) -> Iterator[tuple[str, bytes, Path | None]]:
    """(source name, exact bytes, the .eml file itself or None) of each message in an .eml
    file, mbox file or Maildir folder, in a fixed order."""

    if path.is_file() and not is_mbox(path):
        yield path.name, path.read_bytes(), path
        return
    box = _open_box(path)
    kind = "Maildir" if path.is_dir() else "mbox"
    try:
        for n, key in enumerate(sorted(box.keys()) if path.is_dir() else box.keys(), 1):
            yield f"{path.name} ({kind}), message {n}", box.get_bytes(key), None
    finally:
        box.close()


def landlord_match(address: str, landlord: list[str]) -> bool:
    """``address`` is one of the landlord's: the same address, or in a listed domain
    (``@landlord.org`` also covers ``mail.landlord.org``)."""
    address = address.strip().lower()
    for known in landlord:
        if known.startswith("@"):
            if address.endswith(known) or address.endswith("." + known[1:]):
                return True
        elif address == known:
            return True
    return False


def read_email(
    raw: bytes,
    source: str,
    original: Path | None,
    scratch: Path,
    *,
    landlord: list[str],
    online: bool = False,
    dnsfunc: DnsFunc | None = None,
) -> Candidate | Bad:
    """One message as a candidate entry. ``original`` is its .eml file, attached as it is;
    a message from a mailbox is written into ``scratch`` (empty), as are its attached files."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not msg.keys():
        return Bad(source, "not an email: no headers")
    date_text = one_line(_header(msg, "Date"), 200)
    if not date_text:
        return Bad(source, "no Date: header, so there is no date to record")
    try:
        sent = parsedate_to_datetime(date_text)
    except (TypeError, ValueError, IndexError):
        return Bad(source, f"cannot read its Date: header {date_text!r}")
    if sent.tzinfo is None:  # "-0000": the time is UTC, its zone unknown (RFC 5322 §3.3)
        sent = sent.replace(tzinfo=UTC)
    when = When(sent.astimezone(UTC), "minute", date_text)

    senders = _addresses(msg, "from")
    recipients = _addresses(msg, "to") + _addresses(msg, "cc")
    subject = one_line(_header(msg, "Subject"), 250)
    message_id = one_line(_header(msg, "Message-ID"), 500)
    in_reply_to = _MSG_ID.findall(_header(msg, "In-Reply-To"))
    references = _MSG_ID.findall(_header(msg, "References"))

    from_landlord = next((a for a in senders if landlord_match(a[1], landlord)), None)
    to_landlord = next((a for a in recipients if landlord_match(a[1], landlord)), None)
    fields: dict[str, Any] = {}
    if from_landlord is not None:
        kind, who, way = "contact", _shown(from_landlord), "in"
        direction = f"from the landlord ({from_landlord[1]} is a landlord address in your profile)"
        summary = f"Email from {who}: {subject or '(no subject)'}"
    elif to_landlord is not None:
        kind, who, way = "contact", _shown(to_landlord), "out"
        direction = f"to the landlord ({to_landlord[1]} is a landlord address in your profile)"
        summary = f"Email to {who}: {subject or '(no subject)'}"
    else:
        kind, who, way = "note", "", ""
        direction = (
            "not with the landlord (no address matches the landlord addresses in your profile)"
            if landlord
            else "unknown (no landlord email addresses in your profile: residentlog profile --landlord-email)"
        )
        sender = _shown(senders[0]) if senders else "unknown sender"
        summary = f"Email from {sender}: {subject or '(no subject)'}"
    if kind == "contact":
        fields = {"direction": way, "channel": "email", "who": one_line(who, 120)}

    if original is not None:  # an .eml file: attached as it is
        eml = original
    else:
        eml = scratch / "message" / safe_file_name(_message_file_name(when, subject), "message.eml")
        eml.parent.mkdir()
        eml.write_bytes(raw)
    body_part, attached = _parts(msg)
    files, listed = [eml], []
    for i, (fname, payload) in enumerate(attached, 1):
        part = scratch / f"part-{i}" / safe_file_name(fname, f"attachment-{i}.bin")
        part.parent.mkdir()
        part.write_bytes(payload)
        files.append(part)
        listed.append(f"{part.name} ({len(payload):,} bytes)")

    dkim_lines = [("DKIM", line) for line in dkim_body_results(raw)]
    if online:
        dkim_lines.append(("DKIM signature", dkim_signature_result(raw, dnsfunc)))
    head = labelled(
        [
            (IMPORTED_FROM.rstrip(": "), f"{source} (email)"),
            (MESSAGE_ID.rstrip(": "), message_id),
            ("Date", date_text),
            ("From", one_line(", ".join(_shown(a) for a in senders), 1000)),
            ("To", one_line(", ".join(_shown(a) for a in _addresses(msg, "to")), 1000)),
            ("Cc", one_line(", ".join(_shown(a) for a in _addresses(msg, "cc")), 1000)),
            ("Subject", subject),
            ("In-Reply-To", one_line(" ".join(in_reply_to), 1000)),
            ("Thread", (references or in_reply_to or [""])[0]),
            ("Direction", direction),
            *dkim_lines,
            ("Attached files", "; ".join(listed)),
        ]
    )
    body = multi_line(_body_text(body_part), _BODY_LIMIT)
    content = {
        "kind": kind,
        "summary": one_line(summary, 300),
        "details": head + ("\n\n" + body if body else ""),
        "tags": ["email"],
        "fields": fields,
    }
    keys = ["sha256:" + hashlib.sha256(raw).hexdigest()]
    if message_id:
        keys.append("message-id:" + message_id)
    return Candidate(
        source=source,
        content=content,
        when=when,
        files=files,
        keys=tuple(keys),
        replies_to=tuple(dict.fromkeys(in_reply_to + references[::-1])),
        message_id=message_id,
    )


def _decoded(value: str) -> str:
    """A header as text: RFC 2047 encoded words (``=?utf-8?q?...?=``) decoded."""
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return value


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else _decoded(str(value))


def _addresses(msg: Message, header: str) -> list[tuple[str, str]]:
    values = [str(v) for v in msg.get_all(header, [])]
    return [(one_line(_decoded(n), 120), one_line(a, 200).lower()) for n, a in getaddresses(values) if a]


def _shown(address: tuple[str, str]) -> str:
    name, addr = address
    return f"{name} <{addr}>" if name else addr


def _message_file_name(when: When, subject: str) -> str:
    title = re.sub(r"[^\w .,'()&+-]+", "-", subject)[:60].strip(" .-") or "email"
    return f"{when.instant:%Y-%m-%d %H%M} {title}.eml"


def _parts(msg: Message) -> tuple[Message | None, list[tuple[str, bytes]]]:
    """The part holding the message's text (the first plain-text part, else the first HTML
    one), and (file name, bytes) of every attached file, in the order the message holds them."""
    plain = html = None
    attached = []
    for n, part in enumerate(msg.walk(), 1):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        attachment = part.get_content_disposition() == "attachment" or bool(filename)
        ctype = part.get_content_type()
        if not attachment:
            if ctype == "text/plain" and plain is None:
                plain = part
            elif ctype == "text/html" and html is None:
                html = part
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attached.append((_decoded(filename) if filename else f"attachment-{n}.bin", payload))
    return plain or html, attached


def _body_text(part: Message | None) -> str:
    if part is None:
        return ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # an unknown charset name
        text = payload.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = _html_text(text)
    return text


def _html_text(html: str) -> str:
    """The words of an HTML body, one block per line (no markup, scripts or styles)."""
    from html.parser import HTMLParser

    blocks = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table"}

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style", "head"):
                self.skip += 1
            elif tag in blocks:
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in ("script", "style", "head") and self.skip:
                self.skip -= 1

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    reader = Text()
    reader.feed(html)
    lines = (" ".join(line.split()) for line in "".join(reader.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# -- DKIM --------------------------------------------------------------------------------------


def dkim_body_results(raw: bytes) -> list[str]:
    """For each DKIM-Signature: does the body hash (``bh=``) match this body? Offline: only the
    body is hashed, as RFC 6376 §3.7 says, with the signature's own canonicalisation."""
    import dkim
    from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
    from dkim.util import InvalidTagValueList, parse_tag_value

    try:
        headers, body = dkim.rfc822_parse(raw)
    except dkim.MessageFormatError as exc:
        return [f"not checked: the headers cannot be read ({exc})"]
    results = []
    for name, value in headers:
        if name.lower() != b"dkim-signature":
            continue
        try:
            tags = parse_tag_value(re.sub(rb"\r?\n", b"", value))
            policy = CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
            signer = f"{tags[b'd'].decode('ascii')} (selector {tags[b's'].decode('ascii')})"
            algorithm = tags[b"a"].decode("ascii").lower()
            expected = base64.b64decode(re.sub(rb"\s+", b"", tags[b"bh"]), validate=True)
            canonical = policy.canonicalize_body(body)
            if b"l" in tags:
                canonical = canonical[: int(tags[b"l"])]
        except (KeyError, ValueError, UnicodeError, InvalidTagValueList, InvalidCanonicalizationPolicyError):
            results.append("a DKIM-Signature header that cannot be read")
            continue
        if algorithm not in ("rsa-sha256", "ed25519-sha256", "rsa-sha1"):
            results.append(f"signed by {signer} with {algorithm!r}, which is not checked")
            continue
        digest = (hashlib.sha1 if algorithm == "rsa-sha1" else hashlib.sha256)(canonical).digest()
        if digest == expected:
            results.append(
                f"body hash matches the signature of {signer}: the text is the one their server signed "
                "(checked offline; the signature itself needs their key from DNS: --online)"
            )
        else:
            results.append(
                f"body hash does NOT match the signature of {signer}: the text was changed after it "
                "was signed (or re-encoded by a mail program)"
            )
    return results or ["no DKIM signature"]


def dkim_signature_result(raw: bytes, dnsfunc: DnsFunc | None = None) -> str:
    """Check the first DKIM signature with the sender's public key, fetched from DNS (the
    network) unless ``dnsfunc`` is given; say which DNS name was asked."""
    import dkim
    from dkim.util import parse_tag_value

    try:
        headers, _ = dkim.rfc822_parse(raw)
        sig = next(v for n, v in headers if n.lower() == b"dkim-signature")
        tags = parse_tag_value(re.sub(rb"\r?\n", b"", sig))
        name = f"{tags[b's'].decode('ascii')}._domainkey.{tags[b'd'].decode('ascii')}"
    except Exception:  # no signature, or one that cannot be read: the offline line says which
        return "not checked online: no readable DKIM signature"
    asked = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        ok = dkim.verify(raw, dnsfunc=dnsfunc) if dnsfunc else dkim.verify(raw)
    except Exception as exc:
        return f"could not be checked with the key at {name} ({asked}): {one_line(str(exc), 200)}"
    verdict = "valid" if ok else "NOT valid"
    return f"{verdict}, checked with the public key published in DNS at {name} ({asked})"
