"""import-evidence: emails, photos, files and diaries become dated entries with the originals
attached; a re-import adds nothing; a bad file is named and the rest go on; no network."""

from __future__ import annotations

import base64
import hashlib
import json
import mailbox
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from residentlog.cli.app import app
from residentlog.errors import InputError
from residentlog.ledger.add import add_entry
from residentlog.ledger.objects import object_path
from residentlog.ledger.profile import update_profile
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from residentlog.ledger.when import When
from residentlog.transfer.evidence.emails import dkim_body_results, dkim_signature_result
from residentlog.transfer.evidence.importing import Options, import_evidence

DATA = Path(__file__).resolve().parents[1] / "data" / "evidence"
NOW = datetime(2026, 11, 23, 18, 40, tzinfo=UTC)


@pytest.fixture
def landlord_store(store: Store) -> Store:
    update_profile(store.root, {"landlord_emails": ["repairs@landlord.example", "@landlord.example"]})
    return store


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may use DNS: dkimpy's lookup fails loudly if anything calls it."""
    import dkim

    def refuse(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a test asked DNS")

    monkeypatch.setattr(dkim, "get_txt", refuse)
    monkeypatch.setattr(dkim.dnsplug, "get_txt", refuse)


def entries(store: Store) -> list[Any]:
    return list_entries(store, Filters(), NOW)


def head(details: str) -> list[str]:
    return details.split("\n\n", 1)[0].split("\n")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


# -- emails ------------------------------------------------------------------------------------


def test_emails_become_contacts_with_direction_thread_and_attachments(landlord_store: Store) -> None:
    report = import_evidence(
        landlord_store, [DATA / "from-landlord.eml", DATA / "to-landlord.eml"], Options()
    )
    assert [(o.source, o.status, o.number) for o in report.outcomes] == [
        ("from-landlord.eml", "added", 1),  # its thread's first message is not in yet: no link
        ("to-landlord.eml", "added", 2),
    ]
    reply, first = entries(landlord_store)[1], entries(landlord_store)[0]
    assert first.num == 2 and first.kind == "contact"
    assert first.summary == "Email to Repairs Team <repairs@landlord.example>: Lift 2 broken again"
    assert first.fields == {
        "direction": "out",
        "channel": "email",
        "who": "Repairs Team <repairs@landlord.example>",
    }
    assert first.occurred_at == "2020-03-03T14:05:00+00:00"
    assert first.occurred_text == "Tue, 03 Mar 2020 14:05:00 +0000"
    assert first.tags == ["imported", "email"]
    assert head(first.details) == [
        "Imported from: to-landlord.eml (email)",
        "Message-ID: <first@example.com>",
        "Date: Tue, 03 Mar 2020 14:05:00 +0000",
        "From: Sam Resident <sam@example.com>",
        "To: Repairs Team <repairs@landlord.example>",
        "Subject: Lift 2 broken again",
        "Direction: to the landlord (repairs@landlord.example is a landlord address in your profile)",
        "DKIM: no DKIM signature",
        "Attached files: lift notice.pdf (15 bytes)",
    ]
    assert first.details.split("\n\n", 1)[1] == "Lift 2 is out of service again.\nPlease send an engineer."
    raw = (DATA / "to-landlord.eml").read_bytes()
    pdf = base64.b64decode("JVBERi0xLjQKJSVFT0YK")
    assert [(a["name"], a["sha256"], a["size"], a["media_type"]) for a in first.attachments] == [
        ("to-landlord.eml", hashlib.sha256(raw).hexdigest(), len(raw), "message/rfc822"),
        ("lift notice.pdf", hashlib.sha256(pdf).hexdigest(), 15, "application/pdf"),
    ]
    assert object_path(landlord_store.objects_dir, hashlib.sha256(pdf).hexdigest()).read_bytes() == pdf
    assert reply.kind == "contact" and reply.fields["direction"] == "in"
    assert reply.fields["who"] == "Housing Officer <officer@landlord.example>"
    assert (
        reply.details.split("\n\n", 1)[1] == "We will send an engineer.\nJob ref REP-1234"
    )  # HTML read as text
    assert "Thread: <first@example.com>" in head(reply.details)


def test_a_reply_links_to_the_message_it_answers_when_that_is_in_the_log(landlord_store: Store) -> None:
    import_evidence(landlord_store, [DATA / "to-landlord.eml", DATA / "from-landlord.eml"], Options())
    first, reply = entries(landlord_store)
    assert (first.num, reply.num, reply.links) == (1, 2, [1])


def test_reimport_adds_nothing_by_hash_and_by_message_id(landlord_store: Store, tmp_path: Path) -> None:
    import_evidence(landlord_store, [DATA / "to-landlord.eml"], Options())
    again = import_evidence(landlord_store, [DATA / "to-landlord.eml"], Options())
    # The same message with other bytes (a mail program re-saved it): its Message-ID is known.
    resaved = tmp_path / "resaved.eml"
    resaved.write_bytes(b"X-Saved-By: Thunderbird\n" + (DATA / "to-landlord.eml").read_bytes())
    # Its attachment on its own, as a file: the log already holds those bytes.
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(base64.b64decode("JVBERi0xLjQKJSVFT0YK"))
    later = import_evidence(landlord_store, [resaved, pdf], Options())
    assert [(o.source, o.status, o.reason) for o in again.outcomes + later.outcomes] == [
        ("to-landlord.eml", "already", "already in the log (entry 1)"),
        ("resaved.eml", "already", "already in the log (entry 1)"),
        ("notice.pdf", "already", "already in the log (entry 1)"),
    ]
    assert landlord_store.size() == 1


def test_a_message_id_in_an_email_body_is_not_read_as_one(landlord_store: Store, tmp_path: Path) -> None:
    """Only the labelled head of an imported entry is read back, never the email's text."""
    trick = tmp_path / "trick.eml"
    trick.write_text(
        "From: a@b.example\nDate: Mon, 02 Mar 2020 10:00:00 +0000\nMessage-ID: <t@b.example>\n\n"
        "\nMessage-ID: <first@example.com>\n"
    )
    import_evidence(landlord_store, [trick], Options())
    report = import_evidence(landlord_store, [DATA / "to-landlord.eml"], Options())
    assert [o.status for o in report.outcomes] == ["added"]


def test_mbox_and_maildir_each_message_an_entry(landlord_store: Store, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "Inbox")
    box.add((DATA / "to-landlord.eml").read_bytes())
    box.add((DATA / "from-landlord.eml").read_bytes())
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Archive")
    maildir.add(
        b"From: x@elsewhere.example\nTo: sam@example.com\nSubject: Party\n"
        b"Date: Sat, 07 Mar 2020 20:00:00 +0000\nMessage-ID: <p@elsewhere.example>\n\nCome!\n"
    )
    report = import_evidence(landlord_store, [tmp_path / "Inbox", tmp_path / "Archive"], Options())
    assert [(o.source, o.status, o.kind) for o in report.outcomes] == [
        ("Inbox (mbox), message 1", "added", "contact"),
        ("Inbox (mbox), message 2", "added", "contact"),
        ("Archive (Maildir), message 1", "added", "note"),  # not with the landlord
    ]
    first, reply, party = entries(landlord_store)
    assert first.attachments[0]["name"] == "2020-03-03 1405 Lift 2 broken again.eml"
    assert reply.links == [1]
    assert party.summary == "Email from x@elsewhere.example: Party"
    assert (
        "Direction: not with the landlord (no address matches the landlord addresses in your profile)"
        in head(party.details)
    )
    # The same messages as .eml files later: already in, by Message-ID.
    again = import_evidence(landlord_store, [DATA / "to-landlord.eml"], Options())
    assert again.outcomes[0].status == "already"


def test_a_bad_or_future_email_is_named_and_the_rest_go_on(landlord_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a-future.eml").write_text(
        "From: repairs@landlord.example\nDate: Fri, 01 Jan 2100 09:00:00 +0000\nMessage-ID: <f@x>\n\nhi\n"
    )
    (folder / "b-nodate.eml").write_text("From: repairs@landlord.example\nSubject: no date\n\nhi\n")
    (folder / "c-ok.eml").write_bytes((DATA / "to-landlord.eml").read_bytes())
    report = import_evidence(landlord_store, [folder, tmp_path / "missing.eml"], Options())
    assert [(o.source, o.status, o.reason) for o in report.outcomes] == [
        (str(tmp_path / "missing.eml"), "bad", "does not exist"),
        (
            "a-future.eml",
            "bad",
            "dated 2100-01-01T09:00:00+00:00, in the future (Fri, 01 Jan 2100 09:00:00 +0000)",
        ),
        ("b-nodate.eml", "bad", "no Date: header, so there is no date to record"),
        ("c-ok.eml", "added", ""),
    ]
    assert landlord_store.size() == 1


def test_no_landlord_addresses_every_email_is_a_note_saying_why(store: Store) -> None:
    import_evidence(store, [DATA / "to-landlord.eml"], Options())
    (entry,) = entries(store)
    assert entry.kind == "note" and entry.fields == {}
    assert (
        "Direction: unknown (no landlord email addresses in your profile: "
        "residentlog profile --landlord-email)" in head(entry.details)
    )


# -- DKIM --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, bytes]:
    """(private key PEM, the DNS TXT record publishing its public key) for a test key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def signed(pem: bytes) -> bytes:
    import dkim

    message = (DATA / "from-landlord.eml").read_bytes().replace(b"\n", b"\r\n")
    sig = dkim.sign(
        message, b"sel1", b"landlord.example", pem, include_headers=[b"from", b"to", b"subject", b"date"]
    )
    return bytes(sig) + message


def test_dkim_body_hash_is_checked_offline(dkim_key: tuple[bytes, bytes]) -> None:
    message = signed(dkim_key[0])
    assert dkim_body_results(message) == [
        "body hash matches the signature of landlord.example (selector sel1): the text is the one their "
        "server signed (checked offline; the signature itself needs their key from DNS: --online)"
    ]
    tampered = message.replace(b"We will send", b"We will NOT send")
    assert dkim_body_results(tampered) == [
        "body hash does NOT match the signature of landlord.example (selector sel1): the text was changed "
        "after it was signed (or re-encoded by a mail program)"
    ]


def test_dkim_signature_only_online_and_says_which_key(dkim_key: tuple[bytes, bytes]) -> None:
    pem, txt = dkim_key
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return txt

    message = signed(pem)
    good = dkim_signature_result(message, dns)
    assert good.startswith(
        "valid, checked with the public key published in DNS at sel1._domainkey.landlord.example ("
    )
    assert asked == [b"sel1._domainkey.landlord.example."]
    bad = dkim_signature_result(message.replace(b"Subject: Re:", b"Subject: Fw:"), dns)
    assert bad.startswith(
        "NOT valid, checked with the public key published in DNS at sel1._domainkey.landlord.example"
    )


def test_imported_email_records_the_dkim_result(
    landlord_store: Store, dkim_key: tuple[bytes, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "signed.eml"
    path.write_bytes(signed(dkim_key[0]))
    import_evidence(landlord_store, [path], Options())  # offline: the autouse fixture refuses DNS
    (entry,) = entries(landlord_store)
    assert [line for line in head(entry.details) if line.startswith("DKIM")] == [
        "DKIM: body hash matches the signature of landlord.example (selector sel1): the text is the one "
        "their server signed (checked offline; the signature itself needs their key from DNS: --online)"
    ]
    path2 = tmp_path / "signed-2.eml"
    path2.write_bytes(signed(dkim_key[0]).replace(b"<reply@landlord.example>", b"<reply2@landlord.example>"))
    import_evidence(
        landlord_store, [path2], Options(online=True, dnsfunc=lambda name, timeout=5: dkim_key[1])
    )
    lines = [line for line in head(entries(landlord_store)[1].details) if line.startswith("DKIM signature")]
    assert len(lines) == 1 and lines[0].startswith(
        "DKIM signature: valid, checked with the public key published in DNS at "
        "sel1._domainkey.landlord.example"
    )


# -- photos and files --------------------------------------------------------------------------


def make_photo(path: Path, *, taken: str | None, gps: bool = True, offset: str | None = None) -> Path:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 12"  # Model
    ifd = exif.get_ifd(0x8769)
    if taken:
        ifd[0x9003] = taken  # DateTimeOriginal
    if offset:
        ifd[0x9011] = offset  # OffsetTimeOriginal
    if gps:
        g = exif.get_ifd(0x8825)
        g[1], g[2], g[3], g[4] = "N", (51.0, 30.0, 4.86), "W", (0.0, 8.0, 30.6)
    fmt = {".png": "PNG", ".heic": "HEIF"}.get(path.suffix.lower(), "JPEG")
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    Image.new("RGB", (8, 8), (90, 90, 90)).save(path, fmt, exif=exif)
    return path


@pytest.mark.parametrize(("name", "what"), [("IMG_0002.HEIC", "HEIC"), ("IMG_0003.png", "PNG")])
def test_heic_and_png_photos_are_dated_by_their_exif(
    store: Store, tmp_path: Path, name: str, what: str
) -> None:
    photo = make_photo(tmp_path / name, taken="2020:07:01 18:30:05", gps=False)
    import_evidence(store, [photo], Options())
    (entry,) = entries(store)
    assert entry.occurred_at == "2020-07-01T17:30:05+00:00"
    assert entry.summary == f"Photo {name} (Apple iPhone 12)"
    assert head(entry.details)[0] == f"Imported from: {name} (photo, {what})"


def test_photo_dated_by_exif_camera_kept_gps_not_in_the_record(store: Store, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "IMG_0001.jpg", taken="2020:07:01 18:30:05")
    report = import_evidence(store, [photo], Options(kind="damp", case="mould-bedroom"))
    (entry,) = entries(store)
    assert entry.kind == "damp" and entry.case == "mould-bedroom" and entry.event == "observed"
    assert entry.summary == "Photo IMG_0001.jpg (Apple iPhone 12)"
    assert entry.occurred_at == "2020-07-01T17:30:05+00:00"  # BST: UK time, one hour ahead of UTC
    assert (
        entry.occurred_text
        == "2020:07:01 18:30:05 (EXIF DateTimeOriginal, no offset recorded: read as UK time)"
    )
    assert entry.details.split("\n") == [
        "Imported from: IMG_0001.jpg (photo, JPEG)",
        "Date: taken 2020:07:01 18:30:05 (EXIF DateTimeOriginal, no offset recorded: read as UK time)",
        "Camera: Apple iPhone 12",
        "GPS: the photo records where it was taken; kept in the attached original, not shown here "
        "(it can reveal your home)",
    ]
    record = json.dumps(entry.record)
    assert "51.5" not in record and "0.14" not in record
    assert report.outcomes[0].private == {"gps": "51.50135, -0.14183"}
    assert entry.attachments[0]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()


def test_photo_with_exif_offset_and_without_exif(store: Store, tmp_path: Path) -> None:
    with_offset = make_photo(tmp_path / "a.jpg", taken="2020:07:01 18:30:05", offset="+02:00", gps=False)
    bare = make_photo(tmp_path / "b.jpg", taken=None, gps=False)
    os.utime(bare, (datetime(2021, 5, 6, 12, tzinfo=UTC).timestamp(),) * 2)
    import_evidence(store, [with_offset, bare], Options())
    a, b = sorted(entries(store), key=lambda e: e.num)
    assert a.occurred_at == "2020-07-01T16:30:05+00:00" and "GPS" not in a.details
    assert (b.occurred_at, b.occurred_precision) == (
        "2021-05-05T23:00:00+00:00",
        "day",
    )  # 6 May, BST midnight
    assert head(b.details)[1] == (
        "Date: 2021-05-06, the day the file was last modified; it has no date of its own, so this may be "
        "when it was copied, not when it happened (correct it with residentlog amend --when)"
    )


def test_files_and_bad_files(store: Store, tmp_path: Path) -> None:
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n%%EOF\n")
    fake = tmp_path / "not-a-photo.jpg"
    fake.write_bytes(b"hello")
    bogus_pdf = tmp_path / "bogus.pdf"
    bogus_pdf.write_bytes(b"hello")
    report = import_evidence(store, [letter, fake, bogus_pdf, letter], Options())
    assert [(o.source, o.status, o.reason) for o in report.outcomes] == [
        ("letter.pdf", "added", ""),
        ("not-a-photo.jpg", "bad", "not a JPG image (its first bytes say otherwise)"),
        ("bogus.pdf", "bad", "not a PDF (it does not start with %PDF-)"),
        ("letter.pdf", "already", "already in the log (earlier in this import)"),
    ]
    (entry,) = entries(store)
    assert (entry.kind, entry.summary, entry.tags) == ("note", "Document letter.pdf", ["imported", "file"])


def test_dry_run_writes_nothing_and_reports_the_same(landlord_store: Store, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "p.jpg", taken="2020:07:01 18:30:05")
    paths = [DATA / "to-landlord.eml", DATA / "to-landlord.eml", photo]
    dry = import_evidence(landlord_store, paths, Options(), dry_run=True)
    assert landlord_store.size() == 0 and list(landlord_store.objects_dir.glob("??/*")) == []
    assert [(o.status, o.reason) for o in dry.outcomes] == [
        ("would-add", ""),
        ("already", "already in the log (earlier in this import)"),
        ("would-add", ""),
    ]
    real = import_evidence(landlord_store, paths, Options())
    assert [o.summary for o in real.outcomes] == [o.summary for o in dry.outcomes]


# -- diaries -----------------------------------------------------------------------------------

MAPPING = {
    "when": "Date",
    "time": "Time",
    "summary": "What happened",
    "details": "Notes",
    "kind": "Kind",
    "ref": "ref",
}


def test_csv_diary_rows_become_entries_bad_rows_are_named(store: Store) -> None:
    report = import_evidence(store, [DATA / "diary.csv"], Options(diary=True, mapping=MAPPING))
    assert [(o.source, o.status, o.reason) for o in report.outcomes] == [
        ("diary.csv, row 2", "added", ""),
        ("diary.csv, row 3", "added", ""),
        ("diary.csv, row 4", "bad", "'31/02/2020' is not a real date (February 2020 has no 31st)"),
    ]
    lift, door = entries(store)
    assert (lift.kind, lift.summary, lift.occurred_at, lift.occurred_text) == (
        "lift",
        "Lift 2 stuck between floors",
        "2020-03-03T18:00:00+00:00",
        "03/03/2020 18:00",
    )
    assert lift.refs == [{"by": "landlord", "ref": "REP-1"}]
    assert lift.details.split("\n\n", 1)[1] == "Waited 40 minutes.\nCalled the out-of-hours line."
    digest = hashlib.sha256((DATA / "diary.csv").read_bytes()).hexdigest()
    assert head(lift.details)[0] == f"Imported from: diary.csv, row 2 (diary, sha256 {digest})"
    assert (
        head(lift.details)[2]
        == "Column mapping: when=Date,time=Time,summary=What happened,details=Notes,kind=Kind,ref=ref"
    )
    assert (door.kind, door.occurred_precision, door.tags) == ("door", "day", ["imported", "diary"])
    assert lift.attachments[0]["sha256"] == door.attachments[0]["sha256"] == digest


def test_diary_reimport_adds_only_new_rows(store: Store, tmp_path: Path) -> None:
    diary = tmp_path / "diary.csv"
    diary.write_text("Date,What\n01/02/2020,First\n")
    import_evidence(store, [diary], Options(diary=True, mapping={"when": "Date", "summary": "What"}))
    diary.write_text("Date,What\n01/02/2020,First\n02/02/2020,Second\n")
    report = import_evidence(store, [diary], Options(diary=True, mapping={"when": "Date", "summary": "What"}))
    assert [(o.source, o.status) for o in report.outcomes] == [
        ("diary.csv, row 2", "already"),
        ("diary.csv, row 3", "added"),
    ]


def test_xlsx_diary_date_cells(store: Store, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Log"
    sheet.append(["When", "What"])
    sheet.append([datetime(2020, 3, 3, 18, 0), "Lift stuck"])
    sheet.append([datetime(2020, 3, 4), "Door broken"])
    path = tmp_path / "log.xlsx"
    book.save(path)
    report = import_evidence(store, [path], Options(diary=True, mapping={"when": "when", "summary": "what"}))
    assert [(o.source, o.occurred_at, o.occurred_precision) for o in report.outcomes] == [
        ("log.xlsx, sheet Log, row 2", "2020-03-03T18:00:00+00:00", "minute"),
        ("log.xlsx, sheet Log, row 3", "2020-03-04T00:00:00+00:00", "day"),
    ]


def test_diary_missing_column_is_a_bad_file(store: Store) -> None:
    report = import_evidence(
        store, [DATA / "diary.csv"], Options(diary=True, mapping={"when": "Day", "summary": "What happened"})
    )
    assert [(o.source, o.status, o.reason) for o in report.outcomes] == [
        ("diary.csv", "bad", "no column 'Day' (its columns: date, time, what happened, notes, kind, ref)")
    ]


# -- add_entry and the command line ------------------------------------------------------------


def test_add_entry_takes_an_exact_when_and_refuses_the_future(store: Store) -> None:
    future = When(datetime(2100, 1, 1, tzinfo=UTC), "minute", "Fri, 01 Jan 2100 00:00:00 +0000")
    with pytest.raises(InputError, match="'Fri, 01 Jan 2100 00:00:00 \\+0000' is in the future"):
        add_entry(store, {"kind": "note", "summary": "x"}, when_text=None, when=future)
    exact = When(datetime(2020, 3, 3, 14, 5, 7, tzinfo=UTC), "minute", "from a source")
    added = add_entry(store, {"kind": "note", "summary": "x"}, when_text="yesterday", when=exact)
    assert added.when == exact and entries(store)[0].occurred_at == "2020-03-03T14:05:07+00:00"


def test_cli_profile_landlord_emails_and_import(initialised: Path, tmp_path: Path) -> None:
    result = invoke(
        "profile", "--landlord-email", "Repairs@Landlord.example", "--landlord-email", "landlord.example"
    )
    assert result.exit_code == 0, result.output
    assert "landlord emails:  repairs@landlord.example, @landlord.example" in result.output
    assert invoke("profile", "--landlord-email", "not an address").exit_code == 2
    dry = invoke("import-evidence", str(DATA / "to-landlord.eml"), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout) == {
        "dry_run": True,
        "items": [
            {
                "source": "to-landlord.eml",
                "result": "would-add",
                "reason": None,
                "entry": None,
                "kind": "contact",
                "summary": "Email to Repairs Team <repairs@landlord.example>: Lift 2 broken again",
                "occurred_at": "2020-03-03T14:05:00+00:00",
                "occurred_precision": "minute",
            }
        ],
    }
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    result = invoke("import-evidence", str(DATA / "to-landlord.eml"), str(bad), "--tag", "lift-2")
    assert result.exit_code == 1
    assert "Added 1 entry; 0 already in the log; 1 could not be imported." in result.stderr
    assert "not a JPG image" in result.stdout
    shown = json.loads(invoke("show", "1", "--json").stdout)
    assert shown["tags"] == ["imported", "email", "lift-2"]


def test_cli_diary_mapping_is_saved_for_next_time(initialised: Path, tmp_path: Path) -> None:
    spec = "when=date,time=time,summary=what happened,details=notes,kind=kind,ref=ref"
    first = invoke("import-evidence", "--diary", str(DATA / "diary.csv"), "--map", spec)
    assert first.exit_code == 1  # row 4's date is impossible
    assert "Added 2 entries; 0 already in the log; 1 could not be imported." in first.stderr
    again = invoke("import-evidence", "--diary", str(DATA / "diary.csv"))
    assert "Using the saved mapping 'diary': " + spec in again.stderr
    assert "Added 0 entries; 2 already in the log; 1 could not be imported." in again.stderr
    assert (
        invoke("import-evidence", str(DATA / "diary.csv"), "--map", spec).exit_code == 2
    )  # --map needs --diary
    unknown = invoke("import-evidence", "--diary", str(DATA / "diary.csv"), "--map-name", "other")
    assert unknown.exit_code == 2 and "no saved mapping 'other'" in unknown.stderr


def test_cli_show_gps_only_when_asked(initialised: Path, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "p.jpg", taken="2020:07:01 18:30:05")
    plain = invoke("import-evidence", str(photo), "--dry-run")
    assert "51.50135" not in plain.output
    asked = invoke("import-evidence", str(photo), "--dry-run", "--show-gps", "--json")
    assert json.loads(asked.stdout)["items"][0]["gps"] == "51.50135, -0.14183"
