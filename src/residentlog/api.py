"""The Python API: open a store, add and amend entries, list them, verify, checkpoint.

Everything here is what the command line does, without the command line: the same validation
(nothing invalid is ever written), the same errors (worded without ``--options``: an error
about one input names it in ``field``), the same formats. ``import residentlog`` loads none of
it until a name is used (see ``residentlog.__init__``)::

    import residentlog

    with residentlog.init_store("/path/to/store") as store:
        residentlog.add(store, "lift", "Lift 2 out of service", when="yesterday 6pm",
                        fields={"lift": "2", "out_of_service": True})
        report = residentlog.verify(store)
        cp = residentlog.checkpoint(store, recipient="Housing Ombudsman")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from residentlog.errors import InputError
from residentlog.integrity.issue import issue_checkpoint
from residentlog.integrity.signing import load_or_create_signer
from residentlog.integrity.verify import Report, verify_store
from residentlog.ledger.add import Added, add_entry, amend_entry
from residentlog.ledger.checkpoints import Checkpoint, origin_for
from residentlog.ledger.entry import Entry
from residentlog.ledger.profile import check_profile, update_profile
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, get_entry, list_entries
from residentlog.ledger.vocabulary import parse_ref
from residentlog.ledger.when import utc_now


def init_store(path: str | Path, profile: Mapping[str, str] | None = None) -> Store:
    """Create a new store at ``path`` with the resident's profile and its signing key; open.

    ``profile`` holds any of name, address, email, phone, landlord, landlord_address,
    tenancy_ref, nation. Refused (InputError) if a store is already there.
    """
    root = Path(path)
    given = dict(profile or {})
    refuse_existing_store(root)
    check_profile(given)  # before anything is created
    store = Store.create(root)
    try:
        update_profile(root, given)
        load_or_create_signer(root, origin_for(store.ledger_id))
    except BaseException:
        store.close()
        raise
    return store


def refuse_existing_store(root: Path) -> None:
    """InputError if ``root`` already holds a store (checked before asking for a profile)."""
    if Store.exists(root):
        raise InputError(f"a store already exists at {root}")


def open_store(path: str | Path) -> Store:
    """Open the existing store at ``path`` (use it as a context manager, or call ``close()``)."""
    return Store.open(Path(path))


def add(
    store: Store,
    kind: str,
    summary: str,
    *,
    when: str | None = None,
    details: str = "",
    location: str = "",
    case: str | None = None,
    tags: Sequence[str] = (),
    refs: Sequence[str | Mapping[str, str]] = (),
    links: Sequence[int] = (),
    fields: Mapping[str, Any] | None = None,
    attach: Sequence[str | Path] = (),
    now: datetime | None = None,
) -> Added:
    """Append a new entry, exactly as ``residentlog add`` does.

    ``when`` is text as a resident types it ("yesterday 6pm", "3 March 2020 14:00"; default
    now); ``refs`` are ``"landlord:REP-123"`` strings or ``{"by": ..., "ref": ...}``; ``fields``
    are the kind's own fields (``residentlog.ledger.vocabulary.KINDS[kind].fields``).
    """
    data: dict[str, Any] = {
        "kind": kind,
        "summary": summary,
        "details": details,
        "location": location,
        "case": case,
        "tags": list(tags),
        "refs": [parse_ref(r) if isinstance(r, str) else dict(r) for r in refs],
        "links": list(links),
        "fields": dict(fields or {}),
    }
    return add_entry(store, data, when_text=when, attach=[Path(p) for p in attach], now=now)


def amend(
    store: Store,
    num: int,
    reason: str,
    *,
    when: str | None = None,
    changes: Mapping[str, Any] | None = None,
    attach: Sequence[str | Path] = (),
    now: datetime | None = None,
) -> Added:
    """Append a correction of entry ``num`` (the original stays): ``changes`` replace values."""
    return amend_entry(
        store, num, reason=reason, changes=dict(changes or {}), when_text=when,
        attach=[Path(p) for p in attach], now=now,
    )  # fmt: skip


def entries(
    store: Store,
    *,
    kind: str | None = None,
    case: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tags: Sequence[str] = (),
    search: str | None = None,
    now: datetime | None = None,
) -> list[Entry]:
    """Every entry as it stands now (corrections applied), oldest event first, filtered as
    ``residentlog list`` filters; each read from the hashed record bytes."""
    filters = Filters(kind=kind, case=case, since=since, until=until, tags=tuple(tags), search=search)
    return list_entries(store, filters, now or utc_now())


def entry(store: Store, num: int) -> Entry:
    """Entry ``num`` as it stands now (NotFound if there is none)."""
    return get_entry(store, num)


def verify(store: Store) -> Report:
    """Re-hash every record, attachment and checkpoint; ``report.ok`` and ``report.findings``."""
    return verify_store(store)


def checkpoint(store: Store, recipient: str = "", now: datetime | None = None) -> Checkpoint:
    """Verify, then issue and keep a signed checkpoint (VerificationFailed if it does not
    verify). ``cp.note`` is the signed note to hand to ``recipient``."""
    return issue_checkpoint(store, now, recipient)
