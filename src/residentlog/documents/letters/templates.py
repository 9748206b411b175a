"""The shipped templates, and the copies of them a resident can edit in the store."""

from __future__ import annotations

import shutil
from pathlib import Path

from residentlog.documents.letters.types import LETTER_TYPES, LETTERS_DIR
from residentlog.documents.render import shipped_templates_dir, template_source
from residentlog.errors import InputError, NotFound, StoreError
from residentlog.ledger.layout import Layout

#: Template files: Jinja templates, and the Typst template of the PDF chronology.
_SUFFIXES = (".j2", ".typ")


def _template_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file()
    )


def shipped_template_files() -> list[str]:
    """Every shipped template, as a name relative to the templates folder (``letters/...``)."""
    return _template_files(shipped_templates_dir())


def resolve_template_name(name: str) -> str:
    """A shipped template's full name from what a resident types: the full name, a file name, or
    a letter type (``complaint-stage1`` -> ``letters/complaint-stage1.md.j2``)."""
    names = shipped_template_files()
    wanted = name.strip().replace("\\", "/").lstrip("/")
    if wanted in names:
        return wanted
    if wanted in LETTER_TYPES:
        return f"{LETTERS_DIR}/{wanted}.md.j2"
    matches = [n for n in names if n.rsplit("/", 1)[-1] in (wanted, f"{wanted}.j2", f"{wanted}.md.j2")]
    if len(matches) == 1:
        return matches[0]
    raise NotFound(f"no shipped template {name!r}; see: residentlog templates list")


def copy_template(store_root: Path, name: str) -> Path:
    """Copy a shipped template into the store's ``templates/`` folder; never overwrites."""
    full = resolve_template_name(name)
    source = shipped_templates_dir() / full
    target = Layout(store_root).templates_dir / full
    if target.exists():
        raise InputError(
            f"{target} already exists; edit it, or delete it first to start again from the shipped one"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as src, open(target, "xb") as dst:
            shutil.copyfileobj(src, dst)
    except FileExistsError:
        raise InputError(f"{target} already exists; nothing was copied") from None
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def template_rows(store_root: Path | None) -> list[tuple[str, str]]:
    """(name, where it is used from: "shipped" or the store's copy) for every shipped template,
    then any template only in the store."""
    rows = []
    names = shipped_template_files()
    for name in names:
        rows.append((name, template_source(store_root, name)))
    if store_root is not None and Layout(store_root).templates_dir.is_dir():
        folder = Layout(store_root).templates_dir
        extra = _template_files(folder)
        rows.extend((n, "store only") for n in extra if n not in names)
    return rows
