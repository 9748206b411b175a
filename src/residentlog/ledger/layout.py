"""The layout of a store folder: every name inside it is defined here, and only here.

:class:`Layout` says where each part of the store at a root is; a
:class:`residentlog.ledger.store.Store` is one. Kept checkpoints are files named
``checkpoints/<size>-<first 8 hex of root>.txt``; :meth:`Layout.checkpoint_files` is the one
reader of that folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from residentlog.errors import StoreError

DB_NAME = "ledger.sqlite"
OBJECTS_DIR = "objects"  # objects/ab/cdef…: attachments, named by their SHA-256 (ledger.objects)
OBJECTS_TMP_DIR = "tmp"  # objects/tmp/incoming-*: attachments being copied in
PROFILE_FILE = "profile.json"  # the resident's profile (ledger.profile)
KEYS_DIR = "keys"  # the store's signing key (integrity.signing)
PRIVATE_KEY_FILE = "ed25519.pem"  # keys/ed25519.pem
PUBLIC_KEY_FILE = "ed25519.vkey"  # keys/ed25519.vkey
IMPORTED_KEYS_DIR = "imported"  # keys/imported/: the public keys an import brought with it
CHECKPOINTS_DIR = "checkpoints"  # checkpoints/<size>-<first 8 hex of root>.txt: issued notes
TIMESTAMPS_DIR = "timestamps"  # RFC 3161 tokens and what they cover (integrity.timestamps)
POLICIES_DIR = "policies"  # adopted policy packs (deadlines)
TEMPLATES_DIR = "templates"  # the resident's own document templates (documents)
MAPS_FILE = "import-maps.json"  # saved spreadsheet column mappings, by name (ledger.sheets)
#: What else a store folder holds (a folder with any of these but no ledger file is a damaged
#: store, not an empty folder): attachments, profile, signing keys, issued checkpoints, packs.
STORE_PARTS = frozenset(
    {
        OBJECTS_DIR,
        PROFILE_FILE,
        KEYS_DIR,
        CHECKPOINTS_DIR,
        POLICIES_DIR,
        TIMESTAMPS_DIR,
        TEMPLATES_DIR,
        DB_NAME + "-wal",
    }
)


def checkpoint_file_name(size: int, root: bytes) -> str:
    """Name of the file an issued checkpoint is kept in: ``<size>-<first 8 hex of root>.txt``."""
    return f"{size}-{root.hex()[:8]}.txt"


def parse_checkpoint_file_name(name: str) -> tuple[int, str] | None:
    """(size, first 8 hex digits of the root) from ``<size>-<8 hex>.txt``; None for any other name."""
    stem, _, ext = name.partition(".")
    size, dash, prefix = stem.partition("-")
    if ext != "txt" or not dash or len(prefix) != 8 or any(c not in "0123456789abcdef" for c in prefix):
        return None
    if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")) or len(size) > 19:
        return None
    return int(size), prefix


class CheckpointFile(NamedTuple):
    """A file in ``<store>/checkpoints/``, by its name: what checkpoint it says it holds."""

    path: Path
    size: int
    prefix: str  # the first 8 hex digits of the root

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def where(self) -> str:
        """The file relative to the store, as messages name it: ``checkpoints/<name>``."""
        return f"{CHECKPOINTS_DIR}/{self.name}"


class Layout:
    """Where each part of the store folder at ``root`` is. A :class:`Store` is one; code with
    only a folder uses ``Layout(root)``. No other module names a file inside a store."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def objects_dir(self) -> Path:
        return self.root / OBJECTS_DIR

    @property
    def profile_path(self) -> Path:
        return self.root / PROFILE_FILE

    @property
    def keys_dir(self) -> Path:
        return self.root / KEYS_DIR

    @property
    def private_key_path(self) -> Path:
        return self.keys_dir / PRIVATE_KEY_FILE

    @property
    def public_key_path(self) -> Path:
        return self.keys_dir / PUBLIC_KEY_FILE

    @property
    def imported_keys_dir(self) -> Path:
        return self.keys_dir / IMPORTED_KEYS_DIR

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / CHECKPOINTS_DIR

    @property
    def timestamps_dir(self) -> Path:
        return self.root / TIMESTAMPS_DIR

    @property
    def policies_dir(self) -> Path:
        return self.root / POLICIES_DIR

    @property
    def templates_dir(self) -> Path:
        return self.root / TEMPLATES_DIR

    def checkpoint_path(self, size: int, root_hash: bytes) -> Path:
        """Where the checkpoint of ``size`` entries with Merkle root ``root_hash`` is kept."""
        return self.checkpoints_dir / checkpoint_file_name(size, root_hash)

    def checkpoint_files(self) -> list[CheckpointFile]:
        """Every file in ``checkpoints/`` named like a kept checkpoint, smallest size first
        (others are ignored). The one reader of that folder."""
        folder = self.checkpoints_dir
        found = []
        try:
            with os.scandir(folder) as it:
                for item in it:
                    parsed = parse_checkpoint_file_name(item.name)
                    if parsed is not None:
                        found.append(CheckpointFile(folder / item.name, *parsed))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise StoreError(f"cannot read {folder}: {exc.strerror or exc}") from None
        return sorted(found, key=lambda f: (f.size, f.name))
