"""A complaint's history, derived from the ledger: what happened at each stage of the landlord's
complaints procedure, and whether it reached the Ombudsman.

Nothing here is stored: :func:`complaint_histories` reads ``complaint`` entries (``fields.stage``
1 or 2, ``fields.step`` raised, acknowledged, extended, responded, escalated or ombudsman) and the
letters ``residentlog letter`` recorded as sent (a ``contact`` entry whose ``fields.letter`` is a
complaint letter counts as the step it is, as the clocks count it), and groups them by case. A
stage 2 response is the landlord's final response (Complaint Handling Code 2024 §6.10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from residentlog.ledger.when import LONDON

if TYPE_CHECKING:
    from residentlog.ledger.entry import Entry

#: A letter recorded as sent that is itself a complaint step: letter type -> (stage, step). The
#: deadline engine counts the first two the same way (``deadlines.clocks.LETTER_FACTS``).
LETTER_STEPS: Mapping[str, tuple[int, str]] = {
    "complaint-stage1": (1, "raised"),
    "complaint-stage2": (2, "escalated"),
    "ombudsman-referral": (2, "ombudsman"),
}


@dataclass(frozen=True)
class ComplaintStep:
    """One step of a complaint: its stage (1 or 2), what happened, and the entry recording it."""

    stage: int
    step: str  # raised, acknowledged, extended, responded, escalated, ombudsman
    entry: int
    occurred: datetime
    landlord_refs: tuple[str, ...] = ()
    ombudsman_refs: tuple[str, ...] = ()
    letter: str = ""  # the type of letter, if the step is a letter recorded as sent

    @property
    def day(self) -> date:
        """The day it happened, in UK time."""
        return self.occurred.astimezone(LONDON).date()


@dataclass(frozen=True)
class ComplaintHistory:
    """The steps of the complaint in one case (``case`` None: complaint entries with no case)."""

    case: str | None
    steps: tuple[ComplaintStep, ...]  # in date order

    def find(self, stage: int, *steps: str) -> list[ComplaintStep]:
        """The steps at ``stage`` that are one of ``steps``, in date order."""
        return [s for s in self.steps if s.stage == stage and s.step in steps]

    def first(self, stage: int, *steps: str) -> ComplaintStep | None:
        found = self.find(stage, *steps)
        return found[0] if found else None

    def last(self, stage: int, *steps: str) -> ComplaintStep | None:
        found = self.find(stage, *steps)
        return found[-1] if found else None

    @property
    def raised(self) -> ComplaintStep | None:
        """When the complaint was made (the first stage 1 ``raised``)."""
        return self.first(1, "raised")

    @property
    def stage1_response(self) -> ComplaintStep | None:
        return self.last(1, "responded")

    @property
    def escalated(self) -> ComplaintStep | None:
        """When it was taken to stage 2 (the first stage 2 ``escalated`` or ``raised``)."""
        return self.first(2, "escalated", "raised")

    @property
    def final_response(self) -> ComplaintStep | None:
        """The landlord's final response: its (last) stage 2 response."""
        return self.last(2, "responded")

    @property
    def referred(self) -> ComplaintStep | None:
        """When it was referred to the Ombudsman (the first ``ombudsman`` step, at either stage)."""
        return next((s for s in self.steps if s.step == "ombudsman"), None)

    @property
    def stage(self) -> int:
        """The stage the complaint has reached (1 or 2)."""
        return 2 if any(s.stage == 2 and s.step != "ombudsman" for s in self.steps) else 1

    @property
    def landlord_refs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for s in self.steps for r in s.landlord_refs))

    @property
    def ombudsman_refs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for s in self.steps for r in s.ombudsman_refs))

    @property
    def started(self) -> datetime:
        return self.steps[0].occurred

    @property
    def latest(self) -> datetime:
        return self.steps[-1].occurred

    @property
    def entries(self) -> tuple[int, ...]:
        return tuple(s.entry for s in self.steps)


def complaint_step(entry: Entry) -> ComplaintStep | None:
    """The complaint step an entry records, or ``None`` if it records none."""
    kind = entry.kind
    if kind != "complaint" and kind != "contact":
        return None  # most entries (asked of every entry of a ledger)
    fields = entry.rec.fields  # read only (Entry.fields copies)
    if kind == "complaint":
        stage, step = int(fields.get("stage") or 1), str(fields.get("step") or "raised")
        letter = ""
    elif fields.get("letter") in LETTER_STEPS:  # a contact: a complaint letter recorded as sent
        letter = str(fields["letter"])
        stage, step = LETTER_STEPS[letter]
    else:
        return None
    refs = entry.refs
    return ComplaintStep(
        stage=stage,
        step=step,
        entry=entry.num,
        occurred=entry.occurred,
        landlord_refs=tuple(r["ref"] for r in refs if r["by"] == "landlord"),
        ombudsman_refs=tuple(r["ref"] for r in refs if r["by"] == "ombudsman"),
        letter=letter,
    )


def complaint_histories(entries: Iterable[Entry]) -> list[ComplaintHistory]:
    """Each case's complaint history, ordered by when each complaint was made.

    Steps are in date order (ties by entry number). Cases with no complaint step are left out.
    """
    by_case: dict[str | None, list[ComplaintStep]] = {}
    for entry in entries:
        step = complaint_step(entry)
        if step is not None:
            by_case.setdefault(entry.case or None, []).append(step)
    histories = [
        ComplaintHistory(case, tuple(sorted(steps, key=lambda s: (s.occurred, s.entry))))
        for case, steps in by_case.items()
    ]
    histories.sort(key=lambda h: (h.started, h.steps[0].entry))
    return histories
