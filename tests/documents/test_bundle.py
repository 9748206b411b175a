"""The evidence bundle: exhibits with the right digests, the index, the checkpoint, no overwriting.

Uses the fixed ledger of test_render.py (two exhibits: a photo, and a letter attached to two
entries). Only the zip test and the command-line test render a PDF; the others skip it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from residentlog import background
from residentlog.cli.app import app
from residentlog.documents.bundle import build_bundle
from residentlog.errors import InputError, ResidentlogError, StoreError
from residentlog.integrity import verify as verifying
from residentlog.ledger.checkpoints import parse_checkpoint
from residentlog.ledger.objects import object_path
from residentlog.ledger.store import Store
from tests.conftest import NOW

PHOTO = b"\x89PNG fake"
LETTER = b"Footage deleted after 30 days.\n"
EXPECTED_EXHIBITS = {
    "exhibits/E01-door.png": PHOTO,
    "exhibits/E02-refusal-letter.txt": LETTER,
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_contents(files: dict[str, bytes], *, pdf: bool) -> None:
    """What every bundle holds, checked from its files' bytes."""
    expected = {
        "chronology.html",
        "exhibits.csv",
        "checkpoint.txt",
        "README.txt",
        "VERIFY.txt",
        "SHA256SUMS",
        *EXPECTED_EXHIBITS,
    }
    if pdf:
        expected.add("chronology.pdf")
        assert files["chronology.pdf"].startswith(b"%PDF-")
    assert set(files) == expected
    for path, data in EXPECTED_EXHIBITS.items():
        assert files[path] == data

    # The index matches the exhibits, byte for byte.
    rows = list(csv.DictReader(io.StringIO(files["exhibits.csv"].decode("utf-8-sig"))))
    assert [
        (r["exhibit"], r["file"], r["original_name"], r["bytes"], r["entries"], r["paragraphs"]) for r in rows
    ] == [
        ("E01", "exhibits/E01-door.png", "door.png", "9", "2", "2"),
        ("E02", "exhibits/E02-refusal-letter.txt", "refusal letter.txt", "31", "8; 9", "7; 8"),
    ]
    for row in rows:
        assert row["sha256"] == _sha(files[row["file"]])

    # SHA256SUMS covers every other file, in `sha256sum -c` format.
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode("utf-8").splitlines())
    assert set(sums) == expected - {"SHA256SUMS"}
    for path, digest in sums.items():
        assert digest == _sha(files[path]), path

    # The HTML links each exhibit to its file and prints its digest.
    html = files["chronology.html"].decode("utf-8")
    for row in rows:
        assert f'<a href="{row["file"]}">' in html
        assert row["sha256"] in html

    # The checkpoint is the one the chronology ends with.
    cp = parse_checkpoint(files["checkpoint.txt"].decode("utf-8"))
    assert (cp.origin, cp.size) == ("residentlog/0123456789abcdef0123456789abcdef", 9)
    assert cp.root_b64 in html
    verify = files["VERIFY.txt"].decode("utf-8")
    assert "sha256sum -c SHA256SUMS" in verify
    assert "residentlog verify --checkpoint checkpoint.txt" in verify
    assert cp.root_b64 in verify
    readme = files["README.txt"].decode("utf-8")
    assert "E02  exhibits/E02-refusal-letter.txt" in readme
    assert "refusal letter.txt, 31 bytes, cited in paragraphs 7, 8" in readme


def _dir_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_bundle_zip(fixed_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "out" / "evidence bundle.zip"
    target.parent.mkdir()
    result = build_bundle(fixed_store, NOW, target)
    assert result.is_zip and result.exhibits == 2 and result.entries == 8 and result.checkpoint_size == 9
    with zipfile.ZipFile(target) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert all(n.startswith("evidence-bundle/") for n in names)
        files = {n.removeprefix("evidence-bundle/"): zf.read(n) for n in names}
        assert zf.getinfo("evidence-bundle/exhibits/E01-door.png").compress_type == zipfile.ZIP_STORED
        assert zf.getinfo("evidence-bundle/chronology.html").compress_type == zipfile.ZIP_DEFLATED
    _check_contents(files, pdf=True)
    assert os.listdir(target.parent) == ["evidence bundle.zip"]  # the temporary file is gone


def test_bundle_directory(fixed_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    result = build_bundle(fixed_store, NOW, target, pdf=False)
    assert not result.is_zip
    _check_contents(_dir_files(target), pdf=False)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_bundle_of_one_case(fixed_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "door"
    result = build_bundle(fixed_store, NOW, target, cases=["front-door"], pdf=False)
    assert (result.entries, result.exhibits) == (2, 1)
    assert sorted(p.name for p in (target / "exhibits").iterdir()) == ["E01-door.png"]


def test_an_existing_output_is_never_overwritten(fixed_store: Store, tmp_path: Path) -> None:
    existing = tmp_path / "old.zip"
    existing.write_bytes(b"precious")
    with pytest.raises(InputError, match="already exists"):
        build_bundle(fixed_store, NOW, existing, pdf=False)
    assert existing.read_bytes() == b"precious"

    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        build_bundle(fixed_store, NOW, full, pdf=False)
    assert [p.name for p in full.iterdir()] == ["keep.txt"]

    a_file = tmp_path / "plainfile"
    a_file.write_text("x")
    with pytest.raises(InputError, match="already exists"):
        build_bundle(fixed_store, NOW, a_file, pdf=False)

    empty = tmp_path / "empty"
    empty.mkdir()
    build_bundle(fixed_store, NOW, empty, pdf=False)  # an empty directory is fine
    assert (empty / "SHA256SUMS").is_file()


def test_a_damaged_exhibit_stops_the_bundle_and_leaves_nothing(fixed_store: Store, tmp_path: Path) -> None:
    obj = object_path(fixed_store.objects_dir, _sha(LETTER))
    obj.chmod(0o644)
    obj.write_bytes(b"Footage kept.\n")
    out = tmp_path / "out"
    out.mkdir()
    for target in (out / "b.zip", out / "b"):
        with pytest.raises(ResidentlogError):  # the ledger no longer verifies: no checkpoint, no bundle
            build_bundle(fixed_store, NOW, target, pdf=False)
        assert not target.exists()
    assert list(out.iterdir()) == []


def test_an_exhibit_changed_while_bundling_is_caught(
    fixed_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy is checked against the recorded digest even after the ledger verified."""
    real = verifying.verify_at

    def verify_then_damage(root: Path) -> verifying.Report:
        obj = object_path(fixed_store.objects_dir, _sha(LETTER))
        obj.chmod(0o644)
        obj.write_bytes(LETTER)  # whole again for the ledger check ...
        report = real(root)
        obj.write_bytes(LETTER.upper())  # ... then changed before it is copied (same size)
        return report

    monkeypatch.setattr(verifying, "verify_at", verify_then_damage)
    monkeypatch.setattr(background, "ENABLED", False)  # verified here, where the patch is
    out = tmp_path / "out"
    out.mkdir()
    for target in (out / "b.zip", out / "b"):
        with pytest.raises(StoreError, match=r"E02 \(refusal letter.txt\) no longer matches the digest"):
            build_bundle(fixed_store, NOW, target, pdf=False)
        assert not target.exists()
    assert list(out.iterdir()) == []


def test_an_empty_selection_is_refused(fixed_store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no entries match"):
        build_bundle(fixed_store, NOW, tmp_path / "b.zip", since="1/1/2025", pdf=False)
    assert not (tmp_path / "b.zip").exists()


def test_cli_bundle(fixed_store: Store, runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "case.zip"
    args = ["--store", str(fixed_store.root), "bundle", "--case", "cctv", "-o", str(target)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Wrote zip file" in result.output and "1 exhibit with SHA-256 digests" in result.output
    with zipfile.ZipFile(target) as zf:
        assert sorted(n.removeprefix("case/") for n in zf.namelist()) == [
            "README.txt",
            "SHA256SUMS",
            "VERIFY.txt",
            "checkpoint.txt",
            "chronology.html",
            "chronology.pdf",
            "exhibits.csv",
            "exhibits/E01-refusal-letter.txt",
        ]
        assert zf.read("case/exhibits/E01-refusal-letter.txt") == LETTER
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "already exists" in again.output
