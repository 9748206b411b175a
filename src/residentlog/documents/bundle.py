"""An evidence bundle: the chronology with every exhibit, their digests and the ledger checkpoint.

What an Ombudsman caseworker, a councillor or a court expects to be handed, in one folder or
one zip file::

    chronology.html     the chronology (exhibits linked to their files)
    chronology.pdf      the same chronology, typeset by Typst from the same data
    exhibits/E01-….png  every attachment cited, named by its exhibit number
    exhibits.csv        the index: exhibit, file, original name, size, SHA-256, entries, paragraphs
    checkpoint.txt      the ledger checkpoint the chronology ends with
    SHA256SUMS          digests of every other file, for ``sha256sum -c``
    README.txt          what is in the bundle
    VERIFY.txt          how to check the digests and the checkpoint

Each exhibit is copied from the store's object files and its SHA-256 recomputed on the way:
a file that no longer matches the digest its entry recorded stops the bundle. An existing
output is never overwritten (an empty directory is the one exception). A zip is written to a
temporary file beside the target and linked into place only when complete; a directory is
built under a temporary name and renamed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from residentlog.documents.wording import noun
from residentlog.errors import InputError, StoreError
from residentlog.fsutil import fsync_dir
from residentlog.ledger.objects import CHUNK, object_path
from residentlog.ledger.store import Store
from residentlog.ledger.when import LONDON
from residentlog.text import visible

SUMS_FILE = "SHA256SUMS"
ZIP64_FROM = 1 << 31
EXHIBIT_COLUMNS = (
    "exhibit",
    "file",
    "original_name",
    "bytes",
    "sha256",
    "media_type",
    "entries",
    "paragraphs",
)
# Already-compressed media is stored in the zip as it is; everything else is deflated.
_STORED_PREFIXES = ("image/", "video/", "audio/")
_STORED_TYPES = frozenset({"application/pdf", "application/zip", "application/gzip"})


@dataclass(frozen=True)
class BundleFile:
    """One file of the bundle: its path inside it, and either its bytes or an exhibit to copy."""

    path: str
    data: bytes | None = None
    exhibit: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BundleResult:
    path: Path
    is_zip: bool
    entries: int
    exhibits: int
    files: int
    checkpoint_size: int
    checkpoint_root: str


def is_zip_target(output: Path) -> bool:
    return output.suffix.lower() == ".zip"


def build_bundle(
    store: Store,
    now: datetime,
    output: Path,
    *,
    cases: Sequence[str] = (),
    kinds: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    by_case: bool = False,
    pdf: bool = True,
) -> BundleResult:
    """Write the bundle for the selected entries to ``output`` (a new directory or ``FILE.zip``)."""
    from residentlog.documents.chronology import chronology_context, render_context

    _check_target(output)
    context = chronology_context(
        store, now, cases=cases, kinds=kinds, since=since, until=until, by_case=by_case
    )
    if not context["entries"]:
        raise InputError("nothing to bundle: no entries match this selection")
    html = render_context({**context, "exhibit_links": True}, "html", store)
    assert isinstance(html, str)
    files = [BundleFile("chronology.html", html.encode("utf-8"))]
    if pdf:
        document = render_context(context, "pdf", store)
        assert isinstance(document, bytes)
        files.append(BundleFile("chronology.pdf", document))
    files += [BundleFile(x["file"], exhibit=x) for x in context["exhibits"]]
    cp = context["checkpoint"]
    files += [
        BundleFile("exhibits.csv", exhibits_csv(context["exhibits"]).encode("utf-8")),
        BundleFile("checkpoint.txt", (cp.get("note") or cp["text"]).encode("utf-8")),
        BundleFile("README.txt", readme_text(context, pdf=pdf).encode("utf-8")),
        BundleFile("VERIFY.txt", verify_text(context).encode("utf-8")),
    ]
    objects = store.objects_dir
    if is_zip_target(output):
        _write_zip(output, files, objects, now)
    else:
        _write_dir(output, files, objects)
    return BundleResult(
        path=output,
        is_zip=is_zip_target(output),
        entries=len(context["entries"]),
        exhibits=len(context["exhibits"]),
        files=len(files) + 1,
        checkpoint_size=cp["size"],
        checkpoint_root=cp["root"],
    )


# ---------------------------------------------------------------------------------------------
# The text files


def exhibits_csv(exhibits: Sequence[Mapping[str, Any]]) -> str:
    """The index of exhibits, one row each (UTF-8 with a BOM, CRLF lines, like the chronology CSV)."""
    from residentlog.documents.chronology import csv_cell

    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(EXHIBIT_COLUMNS)
    for x in exhibits:
        row = [
            x["exhibit"],
            x["file"],
            x["name"],
            x["size"],
            x["sha256"],
            x["media_type"],
            "; ".join(str(n) for n in x["entries"]),
            "; ".join(str(n) for n in x["paragraphs"]),
        ]
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()


def _who(context: Mapping[str, Any]) -> list[str]:
    profile = context["profile"]
    lines = []
    if profile["name"]:
        lines.append(f"Resident:        {visible(profile['name'])}")
    if profile["landlord"]:
        ref = f" (tenancy reference {visible(profile['tenancy_ref'])})" if profile["tenancy_ref"] else ""
        lines.append(f"Landlord:        {visible(profile['landlord'])}{ref}")
    lines.append(
        f"Prepared:        {context['generated']}, with residentlog, from the resident's evidence ledger"
    )
    if context["period"]:
        lines.append(f"Period covered:  {context['period'][0]} to {context['period'][1]}")
    filters = context["filters"]
    chosen = []
    if filters["cases"]:
        chosen.append("cases " + ", ".join(filters["cases"]))
    if filters["kinds"]:
        chosen.append("kinds " + ", ".join(filters["kinds"]))
    if filters["since"]:
        chosen.append(f"from {filters['since']}")
    if filters["until"]:
        chosen.append(f"until {filters['until']}")
    if chosen:
        lines.append("Selection:       " + "; ".join(chosen))
    return lines


def readme_text(context: Mapping[str, Any], *, pdf: bool = True) -> str:
    exhibits = context["exhibits"]
    n_entries = len(context["entries"])
    lines = [
        "Evidence bundle: chronology and exhibits",
        "========================================",
        "",
        *_who(context),
        "",
        "What is in this bundle",
        "----------------------",
        "",
        "  chronology.html  the chronology: numbered, dated paragraphs in date order, the",
        "                   timeframes missed, a chart of incidents per month, the index of",
        "                   exhibits and the ledger checkpoint. Opens in any web browser and",
        "                   prints on A4.",
    ]
    if pdf:
        lines.append("  chronology.pdf   the same chronology as a PDF.")
    lines += [
        "  exhibits/        every file attached to an entry in the chronology, named by its",
        "                   exhibit number (E01, E02, ...).",
        "  exhibits.csv     the index of exhibits: number, file, original name, size, SHA-256",
        "                   digest, and the entries and paragraphs that cite it.",
        "  checkpoint.txt   the checkpoint of the resident's ledger when this bundle was made.",
        "  SHA256SUMS       the SHA-256 digest of every other file in this bundle.",
        "  VERIFY.txt       how to check the exhibits and the checkpoint.",
        "",
        f"{n_entries} {noun(n_entries, 'entry', 'entries')}, "
        f"{len(exhibits)} {noun(len(exhibits), 'exhibit')}.",
    ]
    if exhibits:
        lines += ["", "Exhibits", "--------", ""]
        for x in exhibits:
            paras = ", ".join(str(p) for p in x["paragraphs"])
            word = noun(len(x["paragraphs"]), "paragraph")
            lines.append(f"  {x['exhibit']}  {x['file']}")
            lines.append(f"       {visible(x['name'])}, {x['size']} bytes, cited in {word} {paras}")
    return "\n".join(lines) + "\n"


def verify_text(context: Mapping[str, Any]) -> str:
    cp = context["checkpoint"]
    first = context["exhibits"][0]["file"].replace("/", "\\") if context["exhibits"] else "exhibits\\E01-..."
    lines = [
        "How to check this bundle",
        "========================",
        "",
        "1. The exhibits are the files the resident recorded",
        "----------------------------------------------------",
        "",
        "When a file is attached to an entry, the resident's ledger records its SHA-256 digest",
        "(a fingerprint of its exact bytes) in the entry itself. The chronology prints that digest",
        "beside each exhibit, and exhibits.csv lists them all. A file with the same digest is the",
        "very file that was attached; a file changed in any way has a different digest.",
        "",
        "  Linux:       sha256sum -c SHA256SUMS",
        "  macOS:       shasum -a 256 -c SHA256SUMS",
        f"  Windows:     Get-FileHash -Algorithm SHA256 {first}",
        "               (in PowerShell; compare the Hash shown with the sha256 column of",
        "               exhibits.csv), or: certutil -hashfile FILE SHA256",
        "",
        "Every line should end in OK. SHA256SUMS also covers the chronology, exhibits.csv and the",
        "other files here, so it shows whether anything in the bundle changed after it was made.",
        "",
        "2. The ledger has not been rewritten since: the checkpoint",
        "----------------------------------------------------------",
        "",
        "checkpoint.txt begins with three lines: the ledger's name, its number of records and",
        "the Merkle root of those records (one SHA-256 fingerprint of all of them, in order,",
        "including every attachment digest):",
        "",
        *("  " + line for line in cp["text"].splitlines()),
        "",
        *(
            [
                "After a blank line comes a signature of those three lines, made with the key kept",
                "in the resident's residentlog store. This is the key that checks it (a verifier key",
                "is public: it can check signatures, never make them):",
                "",
                f"  {cp['vkey']}",
                "",
                "and this command says whether the signature was made with it:",
                "",
                f"  residentlog check --key {cp['vkey']} checkpoint.txt",
                "",
            ]
            if cp.get("note") and cp.get("vkey")
            else []
        ),
        f"It was issued on {cp['issued']}. Keep a copy. At any later time the resident, or anyone",
        "given a copy of the resident's residentlog store, can run",
        "",
        "  residentlog verify --checkpoint checkpoint.txt",
        "",
        f"which recomputes the fingerprint of the first {cp['size']} records and says whether it",
        "still matches. It fails if any of those records was changed, removed or reordered, or if",
        "the ledger was cut short. Corrections are added as new records, so they never break it;",
        "the chronology shows each one, with when and why it was made. The record hash printed",
        "under each paragraph of the chronology is that record's leaf in the Merkle tree.",
        "",
        "3. What this does not show",
        "--------------------------",
        "",
        "A digest shows a file is unchanged since it was attached; the checkpoint shows the ledger",
        "is unchanged since this bundle was made. Neither shows when something happened: for that",
        "the chronology gives, beside each entry, when it was written down if that was more than a",
        "day after the event.",
    ]
    return "\n".join(lines) + "\n"


def sums_text(digests: Mapping[str, str]) -> str:
    """``sha256sum`` format: digest, two spaces, path; sorted by path."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(digests.items()))


# ---------------------------------------------------------------------------------------------
# Writing


def _check_target(output: Path) -> None:
    if is_zip_target(output):
        if output.exists() or output.is_symlink():
            raise InputError(f"{output} already exists; give a new file name (nothing was overwritten)")
        if not output.parent.is_dir():
            raise InputError(f"{output.parent} is not a directory")
        return
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise InputError(f"{output} already exists; give a new directory name (nothing was overwritten)")
    if output.is_dir() and any(output.iterdir()):
        raise InputError(f"{output} already exists and is not empty; give a new directory name")


def _exhibit_chunks(objects: Path, exhibit: Mapping[str, Any]) -> Iterator[bytes]:
    """The exhibit's bytes from the store, checked against the digest and size its entry recorded."""
    source = object_path(objects, exhibit["sha256"])
    digest = hashlib.sha256()
    size = 0
    try:
        with open(source, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                yield chunk
    except FileNotFoundError:
        raise StoreError(
            f"exhibit {exhibit['exhibit']} ({exhibit['name']}) is missing from the store; "
            "run residentlog verify"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot read exhibit {exhibit['exhibit']}: {exc.strerror or exc}") from None
    if digest.hexdigest() != exhibit["sha256"] or size != exhibit["size"]:
        raise StoreError(
            f"exhibit {exhibit['exhibit']} ({exhibit['name']}) no longer matches the digest its entry "
            "recorded: the store is damaged; run residentlog verify"
        )


def _copy_out(f: BundleFile, objects: Path, out: BinaryIO) -> str:
    """Write one file's bytes to ``out``; returns their SHA-256."""
    digest = hashlib.sha256()
    if f.exhibit is not None:
        for chunk in _exhibit_chunks(objects, f.exhibit):
            out.write(chunk)
            digest.update(chunk)
    else:
        assert f.data is not None
        out.write(f.data)
        digest.update(f.data)
    return digest.hexdigest()


def _write_dir(target: Path, files: Sequence[BundleFile], objects: Path) -> None:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{_safe(target.name)}.", suffix=".tmp"))
    except OSError as exc:
        raise InputError(f"cannot create {target}: {exc.strerror or exc}") from None
    try:
        digests = {}
        for f in files:
            path = tmp / f.path
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as out:
                digests[f.path] = _copy_out(f, objects, out)
                out.flush()
                os.fsync(out.fileno())
        with open(tmp / SUMS_FILE, "x", encoding="utf-8", newline="\n") as out:
            out.write(sums_text(digests))
            out.flush()
            os.fsync(out.fileno())
        for folder in {(tmp / f.path).parent for f in files}:
            fsync_dir(folder)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; make it like any new folder
        if target.is_dir():
            target.rmdir()  # empty (checked before); refuses if something appeared meanwhile
        os.rename(tmp, target)
        fsync_dir(parent)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise


def _write_zip(target: Path, files: Sequence[BundleFile], objects: Path, now: datetime) -> None:
    parent = target.parent
    top = _safe(target.stem) or "bundle"
    stamp = now.astimezone(LONDON).timetuple()[:6]
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{_safe(target.name)}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot create {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w") as zf:
                digests = {}
                for f in files:
                    info = _zip_info(f"{top}/{f.path}", stamp, _media_type(f))
                    size = f.exhibit["size"] if f.exhibit is not None else len(f.data or b"")
                    with zf.open(info, "w", force_zip64=size >= ZIP64_FROM) as out:
                        digests[f.path] = _copy_out(f, objects, out)  # type: ignore[arg-type]
                info = _zip_info(f"{top}/{SUMS_FILE}", stamp, "text/plain")
                zf.writestr(info, sums_text(digests).encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        _link_new(Path(tmp_name), target)
        fsync_dir(parent)
    except BaseException as exc:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        if isinstance(exc, FileExistsError):
            raise InputError(
                f"{target} already exists; give a new file name (nothing was overwritten)"
            ) from None
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    if os.path.exists(tmp_name):
        os.unlink(tmp_name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _link_new(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target``, refusing an existing target even one created meanwhile."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)


def _zip_info(name: str, stamp: tuple[int, ...], media_type: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
    stored = media_type.startswith(_STORED_PREFIXES) or media_type in _STORED_TYPES
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _media_type(f: BundleFile) -> str:
    if f.exhibit is not None:
        return str(f.exhibit["media_type"])
    return "application/pdf" if f.path.endswith(".pdf") else "text/plain"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
