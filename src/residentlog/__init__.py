"""residentlog: a tamper-evident evidence ledger for social-housing residents.

The Python API (:mod:`residentlog.api`)::

    import residentlog

    with residentlog.open_store(path) as store:
        residentlog.add(store, "door", "Front door will not lock", when="this morning")
        for entry in residentlog.entries(store, kind="door"):
            print(entry.num, entry.occurred, entry.summary)
        assert residentlog.verify(store).ok
        print(residentlog.checkpoint(store).note)

Names are imported when first used, so ``import residentlog`` (and the command line, which
imports this package first) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: name -> module that defines it
_EXPORTS: dict[str, str] = {
    "init_store": "residentlog.api",
    "open_store": "residentlog.api",
    "add": "residentlog.api",
    "amend": "residentlog.api",
    "entries": "residentlog.api",
    "entry": "residentlog.api",
    "verify": "residentlog.api",
    "checkpoint": "residentlog.api",
    "Store": "residentlog.ledger.store",
    "Entry": "residentlog.ledger.entry",
    "Added": "residentlog.ledger.add",
    "KINDS": "residentlog.ledger.vocabulary",
    "Report": "residentlog.integrity.verify",
    "Checkpoint": "residentlog.ledger.checkpoints",
    "ResidentlogError": "residentlog.errors",
    "InputError": "residentlog.errors",
    "NotFound": "residentlog.errors",
    "StoreError": "residentlog.errors",
    "VerificationFailed": "residentlog.errors",
}

__all__ = [
    "KINDS",
    "Added",
    "Checkpoint",
    "Entry",
    "InputError",
    "NotFound",
    "Report",
    "ResidentlogError",
    "Store",
    "StoreError",
    "VerificationFailed",
    "__version__",
    "add",
    "amend",
    "checkpoint",
    "entries",
    "entry",
    "init_store",
    "open_store",
    "verify",
]

if TYPE_CHECKING:
    from residentlog.api import add, amend, checkpoint, entries, entry, init_store, open_store, verify
    from residentlog.errors import InputError, NotFound, ResidentlogError, StoreError, VerificationFailed
    from residentlog.integrity.verify import Report
    from residentlog.ledger.add import Added
    from residentlog.ledger.checkpoints import Checkpoint
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.store import Store
    from residentlog.ledger.vocabulary import KINDS


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'residentlog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
