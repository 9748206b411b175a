"""Photos (JPEG, HEIC/HEIF, PNG, TIFF, WebP) and every other file: one entry each, the file
attached.

A photo's EXIF is read with ``exifread`` (pure Python: it reads the metadata of JPEG, HEIC,
PNG, TIFF and WebP without decoding the image, so nothing native is needed): the time it was
taken (``DateTimeOriginal``, with ``OffsetTimeOriginal`` when the camera wrote one, otherwise
read as UK local time, which is what a phone in the UK writes), the camera (``Make``,
``Model``) and the GPS position.

The GPS position is **not** written into the record's text: every document (chronology,
letters, bundle) prints ``details`` and kind-specific fields, and a position reveals the
resident's home. It is kept in the attached original, whose bytes the record commits to by
SHA-256, so it is both preserved and verifiable; ``details`` says only that the photo holds a
position. :func:`photo_position` reads it back when asked (``import-evidence --show-gps``).

A file with no date of its own (no EXIF, or not a photo) is dated by its modification time,
to the day, and ``details`` says so: that is when the file was last written, which may be
when it was copied, not when the event happened; correct it with ``amend --when``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from residentlog.ledger.when import When
from residentlog.transfer.evidence.candidate import (
    IMPORTED_FROM,
    Bad,
    Candidate,
    labelled,
    one_line,
)

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".heic", ".heif", ".png", ".tif", ".tiff", ".webp"})

_EXIF_TIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def is_photo(path: Path) -> bool:
    return path.suffix.lower() in PHOTO_SUFFIXES


def _looks_like(path: Path, head: bytes) -> str | None:
    """What the first bytes say the file is, or None if they do not match its suffix."""
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        return "JPEG" if head.startswith(b"\xff\xd8\xff") else None
    if suffix == ".png":
        return "PNG" if head.startswith(b"\x89PNG\r\n\x1a\n") else None
    if suffix in (".heic", ".heif"):
        return "HEIC" if head[4:8] == b"ftyp" else None
    if suffix in (".tif", ".tiff"):
        return "TIFF" if head[:4] in (b"II*\x00", b"MM\x00*") else None
    if suffix == ".webp":
        return "WebP" if head[:4] == b"RIFF" and head[8:12] == b"WEBP" else None
    return None


def exif_tags(path: Path) -> dict[str, Any]:
    """The EXIF tags exifread finds (``{}`` for none), without maker notes or thumbnails."""
    import logging

    import exifread

    logging.getLogger("exifread").setLevel(logging.ERROR)  # it logs "no EXIF" as a warning
    with open(path, "rb") as fh:
        try:
            return dict(exifread.process_file(fh, details=False))
        except Exception:
            if path.suffix.lower() not in (".heic", ".heif"):
                raise
    return _heif_exif(path)


def _heif_exif(path: Path) -> dict[str, Any]:
    """A HEIC/HEIF photo's EXIF when exifread cannot find it through the container (it fails on
    some writers' files: libheif's, as pillow-heif writes them). The Exif item holds an
    ``Exif\\0\\0`` header and then the TIFF block, so the TIFF block is read from there; no
    such block is an error."""
    import io
    import logging

    import exifread

    logging.getLogger("exifread").setLevel(logging.ERROR)
    data = path.read_bytes()
    at = data.find(b"Exif\x00\x00")
    while at >= 0:  # "Exif" also names the item's type in the container's index: skip those
        tiff = data[at + 6 :]
        if tiff[:4] in (b"MM\x00*", b"II*\x00"):
            return dict(exifread.process_file(io.BytesIO(tiff), details=False))
        at = data.find(b"Exif\x00\x00", at + 1)
    raise ValueError("no EXIF block found in the HEIF container")


def read_photo(path: Path, *, kind: str = "note") -> Candidate | Bad:
    data = path.read_bytes()
    what = _looks_like(path, data[:16])
    if what is None:
        return Bad(
            path.name, f"not a {path.suffix.lstrip('.').upper()} image (its first bytes say otherwise)"
        )
    try:
        tags = exif_tags(path)
    except Exception as exc:  # exifread raises many kinds on a damaged file
        return Bad(path.name, f"cannot read its EXIF ({type(exc).__name__}: {one_line(str(exc), 200)})")
    taken = _taken(tags)
    camera = one_line(" ".join(_tag(tags, k) for k in ("Image Make", "Image Model")).strip(), 120)
    position = _position(tags)
    if taken is not None:
        when, label = taken
        dated = f"{label} {when.text}"
    else:
        when, dated = _modified(path)
    summary = f"Photo {path.name}" + (f" ({camera})" if camera else "")
    details = labelled(
        [
            (IMPORTED_FROM.rstrip(": "), f"{path.name} (photo, {what})"),
            ("Date", dated),
            ("Camera", camera),
            (
                "GPS",
                "the photo records where it was taken; kept in the attached original, not shown here "
                "(it can reveal your home)"
                if position
                else "",
            ),
        ]
    )
    content = {
        "kind": kind,
        "summary": one_line(summary, 300),
        "details": details,
        "tags": ["photo"],
    }
    return Candidate(
        source=path.name,
        content=content,
        when=when,
        files=[path],
        keys=("sha256:" + hashlib.sha256(data).hexdigest(),),
        private={"gps": position} if position else {},
    )


def read_file(path: Path, *, kind: str = "note") -> Candidate | Bad:
    """Any other file (a PDF letter, a scan, a document): one entry, dated by the file."""
    data = path.read_bytes()
    if not data:
        return Bad(path.name, "the file is empty")
    if path.suffix.lower() == ".pdf" and not data.startswith(b"%PDF-"):
        return Bad(path.name, "not a PDF (it does not start with %PDF-)")
    when, dated = _modified(path)
    title = "Document" if path.suffix.lower() in (".pdf", ".doc", ".docx", ".odt", ".rtf", ".txt") else "File"
    details = labelled(
        [(IMPORTED_FROM.rstrip(": "), f"{path.name} (file, {len(data):,} bytes)"), ("Date", dated)]
    )
    content = {
        "kind": kind,
        "summary": one_line(f"{title} {path.name}", 300),
        "details": details,
        "tags": ["file"],
    }
    return Candidate(
        source=path.name,
        content=content,
        when=when,
        files=[path],
        keys=("sha256:" + hashlib.sha256(data).hexdigest(),),
    )


def photo_position(path: Path) -> str:
    """The GPS position a photo holds, ``"51.50135, -0.14189"``, or ``""``."""
    try:
        return _position(exif_tags(path))
    except Exception:
        return ""


def _tag(tags: dict[str, Any], key: str) -> str:
    value = tags.get(key)
    return str(value).strip() if value is not None else ""


def _taken(tags: dict[str, Any]) -> tuple[When, str] | None:
    for key, offset_key, label in (
        ("EXIF DateTimeOriginal", "EXIF OffsetTimeOriginal", "taken"),
        ("EXIF DateTimeDigitized", "EXIF OffsetTimeDigitized", "digitised"),
        ("Image DateTime", "EXIF OffsetTime", "last changed in the camera"),
    ):
        text = _tag(tags, key)
        match = _EXIF_TIME.fullmatch(text)
        if not match:
            continue
        try:
            y, mo, d, h, mi, sec = (int(g) for g in match.groups())
            local = datetime(y, mo, d, h, mi, sec)
        except ValueError:  # 0000:00:00 00:00:00 and other impossible dates
            continue
        offset = _OFFSET.fullmatch(_tag(tags, offset_key))
        if offset:
            sign = -1 if offset.group(1) == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3))))
            instant = local.replace(tzinfo=zone)
            how = f"(EXIF {key.split()[-1]}, offset {offset.group()})"
        else:
            from zoneinfo import ZoneInfo

            instant = local.replace(tzinfo=ZoneInfo("Europe/London"))
            how = f"(EXIF {key.split()[-1]}, no offset recorded: read as UK time)"
        return When(instant.astimezone(UTC), "minute", f"{text} {how}"), label
    return None


def _modified(path: Path) -> tuple[When, str]:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    local = datetime.fromtimestamp(path.stat().st_mtime, UTC).astimezone(london)
    day = datetime(local.year, local.month, local.day, tzinfo=london)
    text = f"{local:%Y-%m-%d} (the file's modification time)"
    said = (
        f"{local:%Y-%m-%d}, the day the file was last modified; it has no date of its own, so this "
        "may be when it was copied, not when it happened (correct it with residentlog amend --when)"
    )
    return When(day.astimezone(UTC), "day", text), said


def _position(tags: dict[str, Any]) -> str:
    lat = _degrees(tags.get("GPS GPSLatitude"), _tag(tags, "GPS GPSLatitudeRef"), "S")
    lon = _degrees(tags.get("GPS GPSLongitude"), _tag(tags, "GPS GPSLongitudeRef"), "W")
    if lat is None or lon is None:
        return ""
    return f"{lat:.5f}, {lon:.5f}"


def _degrees(tag: Any, ref: str, negative: str) -> float | None:
    values = getattr(tag, "values", None)
    if not values or len(values) != 3:
        return None
    try:
        d, m, s = (float(v.num) / float(v.den) if v.den else 0.0 for v in values)
    except (AttributeError, TypeError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if ref.upper().startswith(negative) else value
