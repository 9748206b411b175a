"""Where the store lives: ``--store PATH``, else ``$RESIDENTLOG_STORE``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

ENV_STORE = "RESIDENTLOG_STORE"


def resolve_store(explicit: str | Path | None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_STORE)
    if env:
        return Path(env).expanduser()
    return default_store()


def default_store() -> Path:
    """The per-user data directory (e.g. ~/.local/share/residentlog on Linux)."""
    import platformdirs

    return platformdirs.user_data_path("residentlog", appauthor=False)
