"""fsutil: a file the user names is written whole or not at all, and never over another."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from residentlog.errors import InputError
from residentlog.fsutil import write_output


def test_a_new_file_is_written_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "letter.md"
    write_output(target, "Dear landlord\n", replace=False)
    assert target.read_text() == "Dear landlord\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.md"]


def test_an_existing_file_is_never_replaced_without_replace(tmp_path: Path) -> None:
    """Even one made after any check the caller did: the write itself refuses it."""
    target = tmp_path / "letter.md"
    target.write_text("the resident's own notes\n")
    with pytest.raises(InputError) as refused:
        write_output(target, "Dear landlord\n", replace=False)
    assert refused.value.message == f"{target} already exists (nothing was written); give another name"
    assert target.read_text() == "the resident's own notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.md"]


def test_replace_overwrites_and_a_link_to_elsewhere_is_not_followed(tmp_path: Path) -> None:
    target, elsewhere = tmp_path / "out.md", tmp_path / "precious.txt"
    elsewhere.write_text("keep me\n")
    os.symlink(elsewhere, target)
    with pytest.raises(InputError, match="already exists"):
        write_output(target, "x", replace=False)
    write_output(target, "new\n", replace=True)
    assert (target.is_symlink(), target.read_text(), elsewhere.read_text()) == (False, "new\n", "keep me\n")


def test_a_directory_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as refused:
        write_output(tmp_path, "x")
    assert (refused.value.field, refused.value.for_cli()) == (
        "output",
        f"--output: {tmp_path} is a directory; give a file name",
    )
