"""The letter types: the one place a new type of letter is added.

A type of letter is a row of :data:`LETTER_TYPES` (what it is called and covers, whom it goes to,
how it is recorded when sent) and its text template ``templates/letters/<type>.md.j2``; what only
it says (the footage a CCTV request asks for) is a function in
:mod:`residentlog.documents.letters.extras`, named in its row. The command line keeps its own
list of the names (``LETTER_TYPE_NAMES``), so that ``--help`` need not import this; a test keeps
the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from residentlog.documents.letters.extras import (
    cctv_request,
    check_complaint_stage2,
    check_ombudsman_referral,
    complaint_stage1,
    complaint_stage2,
    hazard_report,
    ombudsman_referral,
    repair_report,
    service_charge_query,
)
from residentlog.errors import InputError
from residentlog.ledger.vocabulary import FAULT_KINDS, PROBLEM_KINDS

if TYPE_CHECKING:
    from residentlog.documents.letters.builder import Builder
    from residentlog.ledger.entry import Entry

#: A letter type's own part of its context: (the builder, the issues, every entry) -> more context.
Extras = Callable[["Builder", list[dict[str, Any]], Sequence["Entry"]], dict[str, Any]]
#: A check of the complaint's history (``builder.complaints``) that refuses a letter it does not fit.
Check = Callable[["Builder"], None]

LETTERS_DIR = "letters"


@dataclass(frozen=True)
class LetterType:
    """One kind of letter: what it is called, whom it goes to, what it covers by default."""

    name: str
    title: str  # "Formal complaint (stage 1)"
    help: str
    event: str | None = None  # the event of the contact entry recording it
    kinds: frozenset[str] | None = None  # issues covered without --case: those of these kinds
    open_only: bool = False  # without --case, only issues still open
    late_only: bool = False  # without --case, issues with a missed timeframe (if there are any)
    with_complaints: bool = False  # also the complaint entries (stage 1 and 2 history)
    needs_entries: bool = True
    to: str = "landlord"  # or "ombudsman"
    nations: frozenset[str] | None = None
    nations_why: str = ""
    # The stand-in entry the letter amounts to, for the timeframes it starts: (kind, event, attrs).
    starts: tuple[str, str, tuple[tuple[str, str], ...]] | None = None
    category: str | None = None  # the category of the contact entry recording it
    # What only this type of letter says, added to its context (residentlog.documents.letters.extras).
    extras: Extras | None = None
    # Refuses the letter when the complaint's history does not fit it, before the issues are chosen.
    check: Check | None = None

    @property
    def template(self) -> str:
        """The text template it is rendered from."""
        return f"{LETTERS_DIR}/{self.name}.md.j2"


LETTER_TYPES: Mapping[str, LetterType] = {
    t.name: t
    for t in (
        LetterType(
            "repair-report",
            "Repair report",
            "Report repairs in writing: what is wrong, since when, every earlier report, the "
            "timeframe that applies.",
            event="reported",
            kinds=FAULT_KINDS,
            extras=repair_report,
        ),
        LetterType(
            "repair-chaser",
            "Repair chaser",
            "Chase repairs still outstanding: the timeframes passed and by how much.",
            event="chased",
            kinds=FAULT_KINDS,
            open_only=True,
        ),
        LetterType(
            "complaint-stage1",
            "Formal complaint (stage 1)",
            "A formal complaint under the landlord's complaints policy: the failures with dates, "
            "the timeframes missed, what would put it right.",
            kinds=PROBLEM_KINDS,
            late_only=True,
            starts=("complaint", "raised", (("stage", "1"),)),
            extras=complaint_stage1,
        ),
        LetterType(
            "complaint-stage2",
            "Complaint escalation (stage 2)",
            "Escalate a complaint to stage 2: the stage 1 reply (or its absence) and what is unresolved.",
            kinds=PROBLEM_KINDS,
            late_only=True,
            with_complaints=True,
            starts=("complaint", "escalated", (("stage", "2"),)),
            extras=complaint_stage2,
            check=check_complaint_stage2,
        ),
        LetterType(
            "ombudsman-referral",
            "Referral to the Ombudsman",
            "Refer a complaint to the Ombudsman: the complaint's history, what is unresolved, the "
            "outcome wanted.",
            kinds=PROBLEM_KINDS,
            late_only=True,
            with_complaints=True,
            to="ombudsman",
            nations=frozenset({"england", "wales", "scotland"}),
            nations_why="residentlog does not cover the Ombudsman for Northern Ireland",
            extras=ombudsman_referral,
            check=check_ombudsman_referral,
        ),
        LetterType(
            "cctv-request",
            "Subject access request: CCTV footage",
            "Ask for CCTV footage of yourself under UK GDPR, and for it to be kept meanwhile.",
            event="requested",
            kinds=frozenset({"cctv", "asb"}),
            starts=("cctv", "requested", (("category", "subject-access"),)),
            category="subject-access",  # starts the one-calendar-month response clock
            extras=cctv_request,
        ),
        LetterType(
            "subject-access",
            "Subject access request",
            "Ask for the landlord's records about you (repair logs, call notes, complaint files) "
            "under UK GDPR.",
            event="requested",
            needs_entries=False,
            starts=("note", "requested", (("category", "subject-access"),)),
            category="subject-access",  # starts the one-calendar-month response clock
        ),
        LetterType(
            "service-charge-query",
            "Service charge query",
            "Ask for a summary of costs (s.21) and question charges for services not delivered.",
            event="requested",
            kinds=frozenset({"service-charge"}),
            nations=frozenset({"england", "wales"}),
            nations_why="these letters rely on the Landlord and Tenant Act 1985 sections 19 to 22, "
            "offered for England and Wales only",
            starts=("service-charge", "requested", (("category", "s21-summary"),)),
            extras=service_charge_query,
        ),
        LetterType(
            "hazard-report",
            "Report of a potential hazard (Awaab's Law)",
            "Report damp and mould or another hazard under Awaab's Law timeframes (England).",
            event="reported",
            kinds=frozenset({"damp"}),
            nations=frozenset({"england"}),
            nations_why="Awaab's Law applies to social housing in England only",
            extras=hazard_report,
        ),
        LetterType(
            "timeframes-request",
            "Request for dates for outstanding actions",
            "Ask for a date for each outstanding action (after an inspection, a complaint reply or "
            "an Ombudsman order).",
            event="requested",
            kinds=FAULT_KINDS | {"asb"},
            open_only=True,
            with_complaints=True,
        ),
    )
}


def letter_type(name: str) -> LetterType:
    try:
        return LETTER_TYPES[name]
    except KeyError:
        raise InputError(f"unknown letter type {name!r}; choose one of: {', '.join(LETTER_TYPES)}") from None
