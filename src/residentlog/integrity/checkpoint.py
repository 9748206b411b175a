"""Checkpoints handed in and kept: one given by the user, and the file an issued one is kept in.

The checkpoint itself (its text form, :class:`Checkpoint`, the parsers) is defined in
:mod:`residentlog.ledger.checkpoints`, below this layer, because the store's restored-backup
guard reads kept checkpoints before every append; its names are also importable from here.
Handing a checkpoint to someone else (e.g. printing it in a letter) is what makes later
rewriting detectable: the ledger must still produce that root from its first N entries.
"""

from __future__ import annotations

from pathlib import Path

from residentlog.errors import InputError
from residentlog.ledger.checkpoints import ORIGIN_PREFIX, Checkpoint, parse_checkpoint


def read_checkpoint_arg(value: str) -> Checkpoint:
    """A checkpoint given as a file name or as the checkpoint text itself."""
    if "\n" not in value and not value.startswith(ORIGIN_PREFIX):
        path = Path(value)
        if not path.is_file():
            raise InputError(f"checkpoint file {value!r} does not exist")
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read checkpoint file {value!r}: {exc}") from None
    elif "\n" not in value:
        raise InputError("checkpoint text must hold three lines; pass it in a file instead")
    return parse_checkpoint(value)


def write_checkpoint_file(store_root: Path, cp: Checkpoint, note: str) -> Path:
    """Keep an issued note as ``<store>/checkpoints/<size>-<root prefix>.txt`` (atomically).

    The same checkpoint issued again (to another recipient) has the same name; the first file
    is kept. Written after the database row, so a crash in between leaves a row without a file
    (harmless), never a file the database does not know.
    """
    from residentlog.errors import StoreError
    from residentlog.fsutil import write_atomically
    from residentlog.ledger.layout import Layout

    path = Layout(store_root).checkpoint_path(cp.size, cp.root)
    if path.exists():
        return path
    try:
        path.parent.mkdir(exist_ok=True)
        write_atomically(path, note.encode("utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
