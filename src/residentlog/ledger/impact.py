"""The harm an entry records: people trapped or injured, children or vulnerable people affected,
the police involved, a risk to safety, footage lost, a cost to the resident.

Letters and the chronology's summary lead with these ("the worst facts first") instead of bare
counts. Like incidents, this is read from the entries' own fields; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from residentlog.ledger.entry import Entry
from residentlog.ledger.vocabulary import money

#: How much each kind of harm weighs when the worst are put first.
_WEIGHTS = {
    "injured": 50,
    "trapped": 40,
    "safety_risk": 35,
    "children": 20,
    "vulnerable": 15,
    "police": 10,
    "footage": 8,
    "cost": 5,
}


#: The fields a harm is read from (with a police reference, and a CCTV request refused).
_HARM_FIELDS = frozenset(
    {"injured", "trapped", "children", "vulnerable", "safety_risk", "police", "cost_pence"}
)


@dataclass(frozen=True)
class Harm:
    """One entry's harms, each a short phrase ("3 people trapped for 1 hour 50 minutes")."""

    entry: Entry
    phrases: tuple[str, ...]
    weight: int

    @property
    def num(self) -> int:
        return self.entry.num


def harm_of(entry: Entry) -> Harm | None:
    """The harms ``entry`` records, or ``None`` if it records none."""
    record = entry.rec  # read only (Entry.fields, .refs copy)
    f = record.fields
    refs = record.refs
    if (
        _HARM_FIELDS.isdisjoint(f)
        and entry.kind != "cctv"
        and not (refs and any(r["by"] == "police" for r in refs))
    ):
        return None  # most entries: nothing below can apply
    phrases: list[str] = []
    weight = 0

    def add(key: str, phrase: str) -> None:
        nonlocal weight
        phrases.append(phrase)
        weight += _WEIGHTS[key]

    if f.get("injured"):
        add("injured", _people(int(f["injured"]), "injured"))
    if f.get("trapped"):
        minutes = f.get("trapped_minutes")
        add(
            "trapped",
            _people(int(f["trapped"]), "trapped") + (f" for {minutes_text(int(minutes))}" if minutes else ""),
        )
    if f.get("children"):
        n = int(f["children"])
        add("children", f"{n} {'child' if n == 1 else 'children'} affected")
    if f.get("vulnerable"):
        add("vulnerable", f"vulnerable people affected: {f['vulnerable']}")
    if f.get("safety_risk"):
        add("safety_risk", f"a risk to safety: {f['safety_risk']}")
    police = [r["ref"] for r in refs if r["by"] == "police"]
    if f.get("police") or (police and entry.event in ("observed", "reported", "recurred")):
        add("police", "police involved" + (f" (reference {', '.join(police)})" if police else ""))
    if entry.kind == "cctv" and entry.event == "refused":
        add("footage", "footage not provided or deleted")
    if f.get("cost_pence"):
        add("cost", f"it cost me {money(int(f['cost_pence']))}")
    return Harm(entry, tuple(phrases), weight) if phrases else None


def worst_first(entries: Iterable[Entry]) -> list[Harm]:
    """Every entry that records harm, the worst first (then the earliest)."""
    found = [h for h in map(harm_of, entries) if h is not None]
    found.sort(key=lambda h: (-h.weight, h.entry.occurred_at, h.num))
    return found


def _people(n: int, what: str) -> str:
    return f"{n} {'person' if n == 1 else 'people'} {what}"


def minutes_text(minutes: int) -> str:
    """110 -> '1 hour 50 minutes'; 45 -> '45 minutes'."""
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not hours:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


def harm_to_dict(harm: Harm) -> dict[str, object]:
    return {"entry": harm.num, "occurred_at": harm.entry.occurred_at, "harms": list(harm.phrases)}
