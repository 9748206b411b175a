"""Clocks for a store: the deadline engine fed from the ledger, and the policy packs a store adopts.

This module joins the pure deadline engine (:mod:`residentlog.deadlines.engine`) to a store:

* :func:`entry_facts` turns the corrected view of each entry into the engine's input;
* a store keeps the packs it adopted in ``<store>/policies/<id>-<version>.toml``.
  :func:`adopt_pack` validates a pack file, copies its exact bytes in and records the adoption as a
  ``note`` entry tagged ``policy-pack`` with the file attached, so the ledger commits to the very
  bytes (a later letter can prove which version it cited); :func:`store_packs` loads them back;
* :func:`packs_for_store` is what the clocks use: the shipped packs (except example packs, which are
  templates to copy) plus the adopted ones, from which the engine picks, for each entry, the version
  in force on its date;
* :func:`compute_for_store` runs the engine with the resident's nation from the profile.

No terminal output here (no typer, no rich): the CLI renders what these functions return.
"""

from __future__ import annotations

import hashlib
import os
import re
import statistics
import tempfile
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from residentlog.deadlines.cases import CaseSummary, Unclocked, summarise_cases, unclocked_reports
from residentlog.deadlines.engine import (
    Clock,
    EntryFacts,
    InOrder,
    attr_text,
    compute_clocks,
    ordered_entries,
    resident_nation,
)
from residentlog.deadlines.policy import Pack, list_shipped_packs, packs_in_force, parse_pack
from residentlog.errors import InputError, NotFound, PolicyError, StoreError
from residentlog.fsutil import fsync_dir
from residentlog.ledger.vocabulary import entry_event
from residentlog.ledger.when import LONDON

if TYPE_CHECKING:
    from residentlog.ledger.add import Added
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.impact import Harm
    from residentlog.ledger.incidents import Incident
    from residentlog.ledger.store import Store

SOON = timedelta(days=7)
T = TypeVar("T")
ADOPTION_TAG = "policy-pack"

# Entry fields that are not matching attributes: the event itself, and a money amount.
_NOT_ATTRS = frozenset({"event", "step", "amount_pence", "cost_pence", "incident", "new_incident"})
_SCALARS = frozenset({str, int, bool})  # the field values that are attributes (not lists, not null)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------
# Entries -> engine input


#: Letters that are themselves a step a clock starts from: sending one counts as that entry
#: (kind, fields) for the deadline engine (see ``entry_facts``). A repair or hazard report
#: takes its priority, category or hazard from the rest of its case.
LETTER_FACTS: dict[str, tuple[str, dict[str, Any]]] = {
    "complaint-stage1": ("complaint", {"stage": 1, "step": "raised"}),
    "complaint-stage2": ("complaint", {"stage": 2, "step": "escalated"}),
    "repair-report": ("repair", {"event": "reported"}),
    "hazard-report": ("damp", {"event": "reported"}),
}


def entry_facts(views: Iterable[Entry], incidents: Iterable[Incident] | None = None) -> list[EntryFacts]:
    """The deadline engine's view of each (corrected) ledger entry.

    ``event`` is the entry's ``fields.event`` or, for a complaint, its ``step`` (with ``stage`` among
    the attributes); an entry with neither (a note, a contact without an event) has event ``""``
    and starts or stops no clock, but still belongs to its case. A complaint, repair or hazard letter
    recorded by ``residentlog letter`` counts as the step it is (``LETTER_FACTS``); a
    subject-access or CCTV request letter carries ``category = subject-access`` itself. Every
    other scalar field (priority, category, hazard, channel, direction, stage, lift, door, ...)
    becomes an attribute, as text. ``case`` is the entry's case, or ``None``. ``incident`` is the
    incident the entry belongs to (``incidents``, else grouped here from ``views``).
    """
    from residentlog.ledger.incidents import group_incidents, incident_numbers

    views = list(views)
    if incidents is None:
        incidents = group_incidents(views)
    incident_of = incident_numbers(incidents)
    out: list[EntryFacts] = []
    make = EntryFacts.clean
    for view in views:
        fields = view.rec.fields  # read only (Entry.fields copies)
        kind = view.kind
        if kind == "contact" and fields.get("letter") in LETTER_FACTS:
            kind, as_fields = LETTER_FACTS[fields["letter"]]
            fields = {**fields, **as_fields}
            event = entry_event(kind, fields)
        else:
            event = view.event  # entry_event(kind, fields), asked once per entry
        attrs = {
            key: value if type(value) is str else attr_text(value)
            for key, value in fields.items()
            if type(value) in _SCALARS and key not in _NOT_ATTRS  # as decoded: exact types
        }
        out.append(
            make(
                view.num,
                kind,
                event or "",
                view.occurred,
                view.case or None,
                MappingProxyType(attrs),
                incident_of.get(view.num),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Packs kept in a store


@dataclass(frozen=True)
class AdoptedPack:
    """A pack file in the store's ``policies/`` folder, and the ledger entry recording it."""

    pack: Pack
    path: Path
    sha256: str
    entry: int | None  # the note entry that attached these exact bytes; None if there is none


@dataclass(frozen=True)
class Adoption:
    """What :func:`adopt_pack` did."""

    pack: Pack
    path: Path  # the copy in the store
    sha256: str
    entry: int  # the note entry recording the adoption
    added: Added | None  # the new entry, or None if these bytes had already been adopted
    warnings: tuple[str, ...] = ()

    @property
    def already(self) -> bool:
        return self.added is None


def policies_dir(store: Store) -> Path:
    return store.policies_dir


def pack_file_name(pack: Pack) -> str:
    """``<id>-<version>.toml``, the version made safe for a file name (``March 2023`` -> ``march-2023``)."""
    version = re.sub(r"[^a-z0-9._-]+", "-", pack.version.lower()).strip("-.")[:60].strip("-.")
    if not version:
        version = hashlib.sha256(pack.version.encode("utf-8")).hexdigest()[:12]
    return f"{pack.id}-{version}.toml"


def adoption_entries(store: Store) -> dict[str, int]:
    """sha256 of every file attached to a ``policy-pack`` note -> the (first) entry attaching it."""
    from residentlog.ledger.views import Filters, list_entries
    from residentlog.ledger.when import utc_now

    found: dict[str, int] = {}
    for view in list_entries(store, Filters(kind="note", tags=(ADOPTION_TAG,)), utc_now()):
        for att in view.attachments:
            found.setdefault(att["sha256"], view.num)
    return found


def adopted_packs(store: Store) -> list[AdoptedPack]:
    """Every pack file in the store's ``policies/`` folder, validated, sorted by id and start date.

    A file that does not load raises :class:`~residentlog.errors.PolicyError` naming it.
    """
    folder = policies_dir(store)
    if not folder.is_dir():
        return []
    recorded = adoption_entries(store)
    out: list[AdoptedPack] = []
    for path in sorted(folder.glob("*.toml")):
        data = _read(path)
        pack = _parse(data, path)
        digest = hashlib.sha256(data).hexdigest()
        out.append(AdoptedPack(pack=pack, path=path, sha256=digest, entry=recorded.get(digest)))
    out.sort(key=lambda a: (a.pack.id, a.pack.effective_from or date.min, a.pack.version))
    return out


def store_packs(store: Store) -> list[Pack]:
    """The packs adopted into the store (see :func:`adopted_packs`)."""
    return [a.pack for a in adopted_packs(store)]


def shipped_packs_in_use() -> list[Pack]:
    """The shipped packs that start clocks: all but the example packs, which are templates."""
    return [p for p in list_shipped_packs() if not p.example]


def combine_packs(shipped: Sequence[Pack], adopted: Sequence[Pack]) -> list[Pack]:
    """Shipped plus adopted packs; an adopted pack replaces a shipped one of the same id and version."""
    taken = {(p.id, p.version) for p in adopted}
    return [p for p in shipped if (p.id, p.version) not in taken] + list(adopted)


def packs_for_store(store: Store) -> list[Pack]:
    """Every pack the store's clocks may use; the engine picks the version in force by date."""
    return combine_packs(shipped_packs_in_use(), store_packs(store))


def packs_in_force_on(packs: Sequence[Pack], day: date, nation: str) -> tuple[Pack, ...]:
    """For each pack id, the version in force on ``day`` that covers the resident's nation."""
    _, jurisdictions = resident_nation(nation)
    return packs_in_force([p for p in packs if p.jurisdiction in jurisdictions], day)


def adopt_pack(store: Store, path: str | os.PathLike[str], now: datetime) -> Adoption:
    """Validate the pack file at ``path``, copy it into the store and record the adoption.

    The exact bytes are written to ``policies/<id>-<version>.toml`` (atomically; an existing file
    there is never replaced) and attached to a new ``note`` entry tagged ``policy-pack``, whose
    details name the pack's id, version, effective dates and source. Adopting the same bytes
    again adds nothing (it completes an adoption interrupted before its entry was written).

    Refused, with nothing written: a file that does not validate; a different file with the same
    id and version as one already adopted, or as a shipped pack; a version taking effect on the
    same day as another version of the same pack.
    """
    from residentlog.ledger.add import add_entry
    from residentlog.ledger.profile import load_profile
    from residentlog.ledger.vocabulary import validate_content

    source = Path(path)
    if source.is_dir():
        raise InputError(f"{source} is a directory, not a policy pack file")
    data = _read(source)
    pack = _parse(data, source)
    digest = hashlib.sha256(data).hexdigest()
    folder = policies_dir(store)
    target = folder / pack_file_name(pack)

    existing = adopted_packs(store)
    same_bytes = next((a for a in existing if a.sha256 == digest), None)
    stored = target if same_bytes is None else same_bytes.path
    content = {
        "kind": "note",
        "summary": _adoption_summary(pack),
        "details": _adoption_details(pack, source, stored, digest),
        "tags": [ADOPTION_TAG],
    }
    validate_content(content)  # before anything is written
    if same_bytes is None:
        _check_conflicts(pack, target, existing)
        _write_new(folder, target, data)

    warnings = []
    nation = load_profile(store.root).nation
    _, jurisdictions = resident_nation(nation)
    if pack.jurisdiction not in jurisdictions:
        warnings.append(
            f"the pack is for {pack.jurisdiction} and your profile says {nation}: it will start no clocks"
        )
    if pack.example:
        warnings.append("this is an example pack: its figures are not your landlord's; check each one")

    recorded = adoption_entries(store).get(digest)
    if recorded is not None:
        return Adoption(pack, stored, digest, recorded, None, tuple(warnings))
    added = add_entry(store, content, when_text=None, attach=[stored], now=now)
    return Adoption(pack, stored, digest, added.num, added, tuple(warnings))


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise NotFound(f"{path}: no such policy pack file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the pack ({exc.strerror or exc})") from None


def _parse(data: bytes, path: Path) -> Pack:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: not UTF-8 text; save the pack as UTF-8") from None
    return parse_pack(text, str(path))


def _check_conflicts(pack: Pack, target: Path, existing: Sequence[AdoptedPack]) -> None:
    for other in existing:
        if other.pack.id == pack.id and other.pack.version == pack.version:
            raise PolicyError(
                f"{target.name}: version {pack.version!r} of pack {pack.id!r} is already adopted from a "
                f"different file ({other.path}); give the new one its own version"
            )
        if other.path == target:
            raise PolicyError(
                f"{target}: already holds version {other.pack.version!r} of pack {other.pack.id!r}; "
                "give the new one a different version"
            )
    for shipped in shipped_packs_in_use():
        if (shipped.id, shipped.version) == (pack.id, pack.version) and _content(shipped) != _content(pack):
            raise PolicyError(
                f"pack {pack.id!r} version {pack.version!r} differs from the one shipped with residentlog; "
                "give yours its own version"
            )
    adopted = {(a.pack.id, a.pack.version) for a in existing}
    rivals = [a.pack for a in existing] + [
        p for p in shipped_packs_in_use() if (p.id, p.version) not in adopted
    ]
    for rival in rivals:
        if (rival.id, rival.version) == (pack.id, pack.version):
            continue  # the same version: it replaces the shipped copy
        if rival.id == pack.id and rival.effective_from == pack.effective_from:
            when = pack.effective_from.isoformat() if pack.effective_from else "an unstated date"
            raise PolicyError(
                f"pack {pack.id!r}: version {rival.version!r} already takes effect on {when}; give "
                f"version {pack.version!r} a different effective_from"
            )


def _content(pack: Pack) -> dict[str, Any]:
    return pack.model_dump(mode="json")


def _write_new(folder: Path, target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` durably; never replaces an existing file."""
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {folder}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise StoreError(f"{folder} is not a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)  # adopted bytes are not edited in place: adopt a new version instead
            try:
                os.link(tmp, target)  # refuses an existing target, even one written concurrently
            except FileExistsError:
                if _same_bytes(target, data):  # a concurrent adoption of the same file
                    return
                raise
            except OSError:  # a file system without hard links: check, then rename
                if target.exists():
                    raise FileExistsError(str(target)) from None
                os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        fsync_dir(folder)
    except FileExistsError:
        raise PolicyError(f"{target} already exists; nothing was changed") from None
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _printable(name: str) -> str:
    """A file name as valid UTF-8 text (undecodable bytes in it become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _adoption_summary(pack: Pack) -> str:
    version = _line(pack.version)
    title = _line(pack.title)
    room = 300 - len("Adopted policy pack:  (version )") - len(version)
    if len(title) > room:
        title = title[: max(room - 1, 1)].rstrip() + "…"
    return f"Adopted policy pack: {title} (version {version})"


def _adoption_details(pack: Pack, source: Path, stored: Path, digest: str) -> str:
    def day(d: date | None) -> str:
        return d.isoformat() if d else "not stated"

    lines = [
        f"Policy pack id: {pack.id}",
        f"Version: {_line(pack.version)}",
        f"Title: {_line(pack.title)}",
        f"Publisher: {_line(pack.publisher)}",
        f"Jurisdiction: {pack.jurisdiction}",
        f"Effective from: {day(pack.effective_from)}",
        f"Effective to: {day(pack.effective_to)}",
        f"Source: {_line(pack.source)}",
        f"Rules: {', '.join(r.id for r in pack.rules)}",
        f"File: {stored.name} (sha256 {digest}), adopted from {_line(_printable(source.name))}",
    ]
    if pack.example:
        lines.append("This is an example pack, not a real landlord's policy.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Clocks for a store


@dataclass(frozen=True)
class StoreClocks:
    """Everything the clock commands show: the clocks, the case summaries and their inputs."""

    now: datetime
    nation: str
    calendar: str
    packs: tuple[Pack, ...]
    entries: tuple[EntryFacts, ...]
    clocks: tuple[Clock, ...]
    #: Each case at a glance, with its reports that started no clock (worked out when first read:
    #: ``deadlines`` never reads them).
    cases: Sequence[CaseSummary]
    summaries: Mapping[int, str] = field(default_factory=dict)  # entry number -> its summary
    precisions: Mapping[int, str] = field(default_factory=dict)  # entry number -> "minute" or "day"
    warnings: tuple[str, ...] = ()
    #: Every incident (ledger/incidents.py): what counts of occurrences are made from.
    incidents: tuple[Incident, ...] = ()
    #: Every entry that records harm, the worst first (ledger/impact.py; worked out when first
    #: read: ``status`` and ``deadlines`` never read them).
    harms: Sequence[Harm] = ()

    def case_incidents(self, case: str | None) -> list[Incident]:
        """The incidents of one case (``None``: those of entries with no case)."""
        return [i for i in self.incidents if (i.case or None) == case]

    def case_harms(self, case: str | None) -> list[Harm]:
        return [h for h in self.harms if (h.entry.case or None) == case]

    @property
    def unclocked(self) -> tuple[Unclocked, ...]:
        """Reports that started no clock, per case and kind, in case order (see ``unclocked_reports``)."""
        return tuple(u for s in self.cases for u in s.unclocked)

    def case(self, name: str) -> CaseSummary:
        for summary in self.cases:
            if summary.case == name:
                return summary
        raise NotFound(f"no entries in case {name!r}")


def compute_for_store(store: Store, now: datetime, case: str | None = None) -> StoreClocks:
    """Clocks and case summaries for the whole store, or for one ``case``.

    Uses the nation in the store's profile for bank holidays and for which packs apply. Raises
    :class:`~residentlog.errors.NotFound` if ``case`` is given and no entry belongs to it.
    """
    from residentlog.ledger.profile import load_profile

    nation = load_profile(store.root).nation
    calendar, _ = resident_nation(nation)
    with _bank_holidays_meanwhile(calendar, now) as bank_holidays_ready:
        return _compute_for_store(store, now, case, nation, calendar, bank_holidays_ready)


@contextmanager
def _bank_holidays_meanwhile(calendar: str, now: datetime) -> Iterator[Callable[[], None]]:
    """Bank holidays for the clocks, worked out in a second process while this one reads the
    ledger: the ``holidays`` package's first use takes about 0.1 s, most of it loading every
    country's calendar (vacanza/holidays#998). Yields what to call before the first clock: it
    waits for them (by then long done) and hands them to ``workdays``. The years from 20 before
    ``now`` to 5 after; any other year is worked out here when asked, as before."""
    from residentlog.background import Background
    from residentlog.deadlines.workdays import (
        bank_holiday_tables,
        has_bank_holiday_tables,
        resolve_calendar,
        use_bank_holiday_tables,
    )

    cal = resolve_calendar(calendar)
    years = range(now.year - 20, now.year + 6)
    if has_bank_holiday_tables(cal, years):  # given already, in this process
        yield lambda: None
        return
    with Background(bank_holiday_tables, cal, years) as job:
        yield lambda: use_bank_holiday_tables(cal, job.result())


def _compute_for_store(
    store: Store,
    now: datetime,
    case: str | None,
    nation: str,
    calendar: str,
    bank_holidays_ready: Callable[[], None],
) -> StoreClocks:
    from residentlog.ledger.impact import worst_first
    from residentlog.ledger.incidents import group_incidents
    from residentlog.ledger.views import Filters, entries_by_number, list_entries

    adopted = adopted_packs(store)
    packs = tuple(combine_packs(shipped_packs_in_use(), [a.pack for a in adopted]))
    views = list_entries(store, Filters(), now)
    if case is not None:
        chosen = [v for v in views if v.case == case]
        if not chosen:
            known = sorted({v.case for v in views if v.case})
            hint = f"; cases: {', '.join(known)}" if known else "; no entry has a case yet"
            raise NotFound(f"no entries in case {case!r}{hint}")
        views = chosen
    by_number = entries_by_number(store) if case is None else {v.num: v for v in views}
    incidents = tuple(group_incidents(views))
    facts = ordered_entries(entry_facts(views, incidents))  # in order once, for all three below
    bank_holidays_ready()
    clocks = compute_clocks(facts, packs, nation, now)

    def cases() -> tuple[CaseSummary, ...]:
        unclocked = unclocked_reports(facts, clocks, packs, nation)
        return with_unclocked(summarise_cases(facts, clocks, now), unclocked)

    warnings = tuple(
        f"{a.path} is not recorded in the ledger (no policy-pack entry attaches these bytes; it may "
        "have been changed after it was adopted): adopt it again with: residentlog policy add FILE"
        for a in adopted
        if a.entry is None
    )
    return StoreClocks(
        now=now,
        nation=nation,
        calendar=calendar,
        packs=packs,
        entries=facts,
        clocks=clocks,
        cases=_WhenRead(cases),
        summaries=_EntryText(by_number, "summary"),
        precisions=_EntryText(by_number, "occurred_precision"),
        warnings=warnings,
        incidents=incidents,
        harms=_WhenRead(lambda: tuple(worst_first(views))),
    )


class _WhenRead(Sequence[T]):
    """A sequence worked out the first time it is read, then kept: what a command never reads,
    it never pays for (at 100,000 entries the case summaries took 0.1 s and the harms 0.07 s,
    which ``deadlines`` never shows, nor ``status`` the harms). ``make`` must not depend on
    anything that can change meanwhile (here: what was read and worked out already)."""

    def __init__(self, make: Callable[[], tuple[T, ...]]) -> None:
        self._make: Callable[[], tuple[T, ...]] | None = make
        self._items: tuple[T, ...] = ()

    def _read(self) -> tuple[T, ...]:
        if self._make is not None:
            self._items, self._make = self._make(), None
        return self._items

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self._read()[index]

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self) -> Iterator[T]:
        return iter(self._read())

    def __eq__(self, other: object) -> bool:  # by value, as the tuple it stands for (StoreClocks ==)
        if isinstance(other, _WhenRead):
            return self._read() == other._read()
        return self._read() == other if isinstance(other, tuple) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a list: equal by value, so not hashable

    def __repr__(self) -> str:
        return f"_WhenRead({self._read()!r})"


class _EntryText(Mapping[int, str]):
    """One text of each entry (its summary, or its time's precision), by entry number: read when
    asked, as a command shows a few of a ledger's 100,000 entries."""

    def __init__(self, entries: Mapping[int, Entry], name: str) -> None:
        self._entries = entries
        self._name = name

    def __getitem__(self, num: int) -> str:
        return str(getattr(self._entries[num].rec, self._name))

    def get(self, num: int, default: str | None = None) -> str | None:  # type: ignore[override]
        # (Mapping.get calls __getitem__ and catches its KeyError: a table of 25,000 incidents asks.)
        entry = self._entries.get(num)
        return default if entry is None else str(getattr(entry.rec, self._name))

    def __iter__(self) -> Iterator[int]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def with_unclocked(cases: Sequence[CaseSummary], unclocked: Iterable[Unclocked]) -> tuple[CaseSummary, ...]:
    """Each case summary with the reports of its case that started no clock."""
    by_case: dict[str | None, list[Unclocked]] = {}
    for u in unclocked:
        by_case.setdefault(u.case, []).append(u)
    return tuple(replace(s, unclocked=tuple(by_case.get(s.case, ()))) for s in cases)


# ---------------------------------------------------------------------------------------------
# Plain data for --json


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat().replace("+00:00", "Z")


def case_to_dict(summary: CaseSummary, sc: StoreClocks, *, clocks: bool = False) -> dict[str, Any]:
    """A case summary as JSON-ready data, with its number of incidents; ``clocks=True`` adds every
    clock in full."""
    first = summary.first_report
    data: dict[str, Any] = {
        "case": summary.case,
        "kinds": list(summary.kinds),
        "entries": len(summary.entries),
        "incident_count": len(sc.case_incidents(summary.case)),
        "first_entry": {"entry": summary.first_entry, "at": _iso(summary.first_at)},
        "first_report": None if first is None else {"entry": first[0], "at": _iso(first[1])},
        "reports": summary.report_count,
        "recurrences": summary.recurrences,
        "open": summary.is_open,
        "closed_at": _iso(summary.closed_at),
        "days_open": summary.days_open,
        "clock_counts": summary.counts(),
        "unclocked": [u.to_dict() for u in summary.unclocked],
    }
    if clocks:
        data["report_entries"] = [{"entry": n, "at": _iso(at)} for n, at in summary.reports]
        data["clocks"] = [c.to_dict() for c in summary.clocks]
    return data


def pack_to_dict(pack: Pack, *, where: str, entry: int | None = None, used: bool = True) -> dict[str, Any]:
    """A pack as JSON-ready data, with where it comes from (shipped, example, adopted)."""
    data = pack.model_dump(mode="json")
    data["origin"] = pack.origin
    data["where"] = where
    data["adoption_entry"] = entry
    data["used"] = used
    return data


# ---------------------------------------------------------------------------------------------
# Choosing what to show


def select_clocks(sc: StoreClocks, *, every: bool = False) -> tuple[Clock, ...]:
    """The clocks ``deadlines`` lists: those still open (running or overdue), or ``every`` one."""
    if every:
        return sc.clocks
    return tuple(c for c in sc.clocks if c.is_open)


def overdue_now(clocks: Iterable[Clock]) -> list[Clock]:
    """Open clocks past their due time, the most overdue first."""
    return sorted((c for c in clocks if c.status.value == "overdue"), key=lambda c: (-c.exact, c.start_entry))


def due_soon(clocks: Iterable[Clock], now: datetime, within: timedelta = SOON) -> list[Clock]:
    """Running clocks falling due within ``within`` of ``now``, soonest first."""
    return sorted(
        (c for c in clocks if c.status.value == "running" and c.due_at <= now + within),
        key=lambda c: (c.due_at, c.start_entry),
    )


def this_month_counts(sc: StoreClocks) -> dict[str, int]:
    """Entries by kind whose event happened in the current UK calendar month, most first."""
    today = sc.now.astimezone(LONDON)
    start = datetime(today.year, today.month, 1, tzinfo=LONDON)  # the month's first midnight ...
    end = datetime(today.year + today.month // 12, today.month % 12 + 1, 1, tzinfo=LONDON)  # ... the next's
    entries = sc.entries
    if type(entries) is InOrder:  # in time order (as compute_for_store makes them): the month is a slice
        when = attrgetter("occurred_at")
        entries = entries[bisect_left(entries, start, key=when) : bisect_left(entries, end, key=when)]
    counts = Counter(e.kind for e in entries if start <= e.occurred_at < end)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class RuleRecord:
    """How one rule fared in one case, across all its clocks there (for ``status``)."""

    case: str | None
    clock: Clock  # the first clock of the rule in the case: its pack, rule and citation
    clocks: int
    met: int
    breached: int
    overdue: int
    running: int
    worst: Clock  # the latest of all (breached or overdue)
    worst_breached: Clock | None
    worst_overdue: Clock | None
    median_late: timedelta

    def to_dict(self) -> dict[str, Any]:
        first = self.clock.to_dict()
        return {
            "case": self.case,
            "pack": first["pack"],
            "rule": first["rule"],
            "citation": first["citation"],
            "clocks": self.clocks,
            "met": self.met,
            "breached": self.breached,
            "overdue": self.overdue,
            "running": self.running,
            "worst": _brief(self.worst),
            "worst_breached": _brief(self.worst_breached),
            "worst_overdue": _brief(self.worst_overdue),
            "median_late_seconds": int(self.median_late.total_seconds()),
        }


def _brief(c: Clock | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "start_entry": c.start_entry,
        "stop_entry": c.stop_entry,
        "status": c.status.value,
        "status_text": c.status_text,
        "margin": {"amount": c.margin, "unit": c.margin_unit},
        "exact_seconds": int(c.exact.total_seconds()),
    }


def _latest(clocks: Iterable[Clock]) -> Clock | None:
    return max(clocks, key=lambda c: (c.exact, -c.start_entry), default=None)


def missed_by_rule(clocks: Iterable[Clock]) -> list[RuleRecord]:
    """Per case, every rule with at least one late (breached or overdue) clock, most missed first."""
    groups: dict[tuple[str | None, str, str, str], list[Clock]] = {}
    for c in clocks:
        groups.setdefault((c.case, c.pack_id, c.pack_version, c.rule_id), []).append(c)
    out = []
    for (case, *_), group in groups.items():
        late = [c for c in group if c.late]
        if not late:
            continue
        statuses = Counter(c.status.value for c in group)
        out.append(
            RuleRecord(
                case=case,
                clock=group[0],
                clocks=len(group),
                met=statuses["met"],
                breached=statuses["breached"],
                overdue=statuses["overdue"],
                running=statuses["running"],
                worst=max(late, key=lambda c: (c.exact, -c.start_entry)),
                worst_breached=_latest(c for c in late if c.status.value == "breached"),
                worst_overdue=_latest(c for c in late if c.status.value == "overdue"),
                median_late=statistics.median_low([c.exact for c in late]),
            )
        )
    out.sort(key=lambda r: (-(r.breached + r.overdue), -r.worst.exact, r.clock.start_entry))
    return out


def status_to_dict(sc: StoreClocks) -> dict[str, Any]:
    """What ``status`` shows, as JSON-ready data."""
    return {
        "now": _iso(sc.now),
        "nation": sc.nation,
        "calendar": sc.calendar,
        "open_cases": [case_to_dict(s, sc) for s in sc.cases if s.case is not None and s.is_open],
        "missed": [r.to_dict() for r in missed_by_rule(sc.clocks)],
        "overdue": [c.to_dict() for c in overdue_now(sc.clocks)],
        "due_soon": [c.to_dict() for c in due_soon(sc.clocks, sc.now)],
        "this_month": this_month_counts(sc),
        "unclocked": [u.to_dict() for u in sc.unclocked],
        "warnings": list(sc.warnings),
    }


# ---------------------------------------------------------------------------------------------
# Packs to list


@dataclass(frozen=True)
class PackRow:
    """One pack for ``policy list`` and ``policy show``."""

    pack: Pack
    where: str  # "shipped", "shipped example", "adopted"
    entry: int | None  # the adoption entry
    used: bool  # does it feed the resident's clocks?
    why_not: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = pack_to_dict(self.pack, where=self.where, entry=self.entry, used=self.used)
        data["not_used_because"] = self.why_not or None
        return data


def pack_rows(store: Store) -> list[PackRow]:
    """Every pack the store knows: shipped (examples included) and adopted, by id and date."""
    from residentlog.ledger.profile import load_profile

    nation = load_profile(store.root).nation
    _, jurisdictions = resident_nation(nation)
    adopted = adopted_packs(store)
    taken = {(a.pack.id, a.pack.version) for a in adopted}
    rows: list[PackRow] = []
    for pack in list_shipped_packs():
        if pack.example:
            rows.append(PackRow(pack, "shipped example", None, False, "an example: adopt a copy to use it"))
        elif (pack.id, pack.version) in taken:
            rows.append(PackRow(pack, "shipped", None, False, "replaced by the adopted copy"))
        else:
            rows.append(PackRow(pack, "shipped", None, True))
    rows += [PackRow(a.pack, "adopted", a.entry, True) for a in adopted]
    out = []
    for row in rows:
        if row.used and row.pack.jurisdiction not in jurisdictions:
            row = PackRow(row.pack, row.where, row.entry, False, f"not for {nation} (your profile)")
        out.append(row)
    out.sort(key=lambda r: (r.pack.id, r.pack.effective_from or date.min, r.where))
    return out


def find_pack(store: Store, name: str, today: date) -> tuple[PackRow, list[PackRow]]:
    """The pack ``name`` (an id) to show, and its other versions.

    Of several versions, the one in force ``today`` among those used, else the latest.
    """
    rows = pack_rows(store)
    versions = [r for r in rows if r.pack.id == name]
    if not versions:
        known = ", ".join(sorted({r.pack.id for r in rows}))
        raise NotFound(f"no policy pack {name!r}; packs: {known} (or give a pack file's path)")
    used = [r for r in versions if r.used]
    chosen: PackRow | None = None
    if used:
        current = packs_in_force([r.pack for r in used], today)
        if current:
            chosen = next(r for r in used if r.pack is current[0])
    if chosen is None:
        chosen = (used or versions)[-1]
    return chosen, [r for r in versions if r is not chosen]
