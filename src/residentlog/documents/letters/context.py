"""A letter's context: everything its template may use, from the ledger only.

:func:`letter_context` loads the profile and the clocks, groups the entries into issues
(:mod:`residentlog.documents.letters.issues`), describes them with a
:class:`~residentlog.documents.letters.builder.Builder`, adds what only its type says
(:mod:`residentlog.documents.letters.extras`), and ends with a fresh checkpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from residentlog.background import Background
from residentlog.documents.letters.builder import Builder, cited_refs
from residentlog.documents.letters.issues import (
    Issue,
    default_issues,
    group_issues,
    issue_context,
    summarise_issues,
)
from residentlog.documents.letters.record import SENT_PREFIX
from residentlog.documents.letters.types import LetterType, letter_type
from residentlog.documents.markup import md_escape, md_unescape
from residentlog.documents.wording import long_date, long_day, long_when, plural, times, uk_time
from residentlog.errors import InputError, NotFound
from residentlog.ledger.vocabulary import INCIDENT_KINDS
from residentlog.text import a_or_an

if TYPE_CHECKING:
    from residentlog.integrity.verify import Report
    from residentlog.ledger.checkpoints import Checkpoint
    from residentlog.ledger.entry import Entry
    from residentlog.ledger.profile import Profile
    from residentlog.ledger.store import Store

_POLICY_TAG = "policy-pack"

_OMBUDSMEN: Mapping[str, tuple[str, str]] = {
    "england": (
        "Housing Ombudsman Service",
        "https://www.housing-ombudsman.org.uk/residents/make-a-complaint/",
    ),
    "wales": ("Public Services Ombudsman for Wales", "https://www.ombudsman.wales/"),
    "scotland": ("Scottish Public Services Ombudsman", "https://www.spso.org.uk/"),
}


def _profile_ctx(profile: Profile) -> dict[str, Any]:
    def lines(text: str) -> list[str]:
        return [md_escape(x.strip()) for x in re.split(r"\n|,(?=\s)", text) if x.strip()] if text else []

    landlord_lines = lines(profile.landlord_address)
    name = profile.landlord.strip().lower()
    # The recipient block starts with the landlord's name, unless the address already holds it.
    named = bool(name) and any(name in line.lower() for line in landlord_lines)
    return {
        "recipient_lines": landlord_lines if named else [md_escape(profile.landlord), *landlord_lines],
        "landlord_full": ", ".join(
            landlord_lines if named else [md_escape(profile.landlord), *landlord_lines]
        ),
        "name": md_escape(profile.name),
        "address_lines": lines(profile.address),
        "email": md_escape(profile.email),
        "phone": md_escape(profile.phone),
        "tenancy_ref": md_escape(profile.tenancy_ref),
        "landlord": md_escape(profile.landlord),
        "landlord_address_lines": lines(profile.landlord_address),
        "nation": profile.nation,
    }


def _check_profile(profile: Profile) -> None:
    missing = [
        label
        for name, label in (("name", "your name"), ("landlord", "your landlord"))
        if not getattr(profile, name)
    ]
    if missing:
        raise InputError(
            f"a letter needs {' and '.join(missing)} in your profile: run "
            'residentlog profile --name "Your Name" --landlord "Your Landlord"'
        )


def letter_context(
    store: Store,
    type_name: str,
    cases: Sequence[str] = (),
    now: datetime | None = None,
    *,
    draft: bool = False,
) -> dict[str, Any]:
    """Everything a letter template may use (see the module docs); issues a checkpoint last (for
    a ``draft``, signs one but keeps no trace of it in the store)."""
    from residentlog.integrity.verify import verify_at
    from residentlog.ledger.profile import load_profile
    from residentlog.ledger.when import utc_now

    now = now or utc_now()
    lt = letter_type(type_name)
    profile = load_profile(store.root)
    _check_profile(profile)
    if lt.nations is not None and profile.nation not in lt.nations:
        raise InputError(f"no {lt.name} letter for {profile.nation} (your profile): {lt.nations_why}")
    # The checkpoint the letter carries needs the whole ledger verified: a second read of every
    # record, done meanwhile on the other core where there is one (at 100,000 entries it took as
    # long as working out the case itself).
    with Background(verify_at, store.root) as verifying:
        return _letter_context(store, lt, profile, cases, now, draft, verifying.result)


def _letter_context(
    store: Store,
    lt: LetterType,
    profile: Profile,
    cases: Sequence[str],
    now: datetime,
    draft: bool,
    verified: Callable[[], Report],
) -> dict[str, Any]:
    from residentlog.deadlines.clocks import compute_for_store
    from residentlog.documents.reconcile import letter_part
    from residentlog.ledger.complaints import complaint_histories
    from residentlog.ledger.views import Filters, list_entries

    sc = compute_for_store(store, now)
    views = [
        v
        for v in list_entries(store, Filters(), now)
        if not (v.kind == "note" and _POLICY_TAG in v.rec.tags)  # read only (Entry.tags copies)
    ]
    cases = list(dict.fromkeys(cases))
    known = sorted({v.case for v in views if v.case}) if cases else []
    for case in cases:
        if case not in known:
            hint = f"; cases: {', '.join(known)}" if known else "; no entry has a case yet"
            raise NotFound(f"no entries in case {case!r}{hint}")

    b = Builder(store, lt, sc, views)
    everything = group_issues(views)
    all_summaries = dict(zip((i.key for i in everything), summarise_issues(everything, sc), strict=True))
    if cases:
        chosen = [i for i in everything if i.case in cases]
        chosen.sort(key=lambda i: cases.index(i.case or ""))
    else:
        chosen = default_issues(lt, everything, all_summaries, sc.harms)

    def complaint_only(issue: Issue) -> bool:
        return all(v.kind in ("complaint", "contact") for v in issue.views)

    # Only an issue whose summary lists the kind has complaint entries (a summary lists its entries'
    # kinds, and counts a complaint letter recorded as sent as a complaint too).
    with_complaint = [i for i in chosen if "complaint" in all_summaries[i.key].kinds]
    history = [v for i in with_complaint for v in i.views if v.kind == "complaint"]
    if lt.with_complaints and not history:
        history = [v for v in views if v.kind == "complaint"]
    # The complaint histories (per case): all of them, and those of the complaint entries selected.
    b.all_complaints = complaint_histories(views)
    history_cases = {v.case or None for v in history}
    b.complaints = [h for h in b.all_complaints if h.case in history_cases]
    if lt.check is not None:
        lt.check(b)
    # A complaint's own case is its history, not an issue complained about.
    issue_list = [i for i in chosen if not complaint_only(i)]
    if lt.with_complaints and not issue_list and history:
        # Only the complaint was named: the issues are those its entries link to.
        linked = {n for v in history for n in v.links}
        issue_list = [
            i for i in everything if not complaint_only(i) and any(v.num in linked for v in i.views)
        ]
    if lt.needs_entries and not issue_list:
        what = ", ".join(sorted(lt.kinds or ())) or "any"
        raise InputError(
            f"nothing for {a_or_an(lt.name)} {lt.name} letter: no entries of kind {what}"
            + (" still open" if lt.open_only else "")
            + "; name the case(s) it is about with --case NAME"
        )
    issues = [issue_context(b, i, all_summaries[i.key]) for i in issue_list]
    # The entries the letter is about: its issues' (each issue once) and the complaint's.
    wanted = {v.num for i in {i.key: i for i in (*chosen, *issue_list)}.values() for v in i.views}
    wanted.update(v.num for v in history)
    selected = b.entries(v.num for v in views if v.num in wanted)  # in date order, each made when read

    profile_ctx = _profile_ctx(profile)
    to_ombudsman = lt.to == "ombudsman"
    ombudsman = _OMBUDSMEN.get(profile.nation)
    complaint = _complaint_ctx(b, history)
    code = _complaint_code(b)
    refs: list[Mapping[str, str]] = []
    attached: list[int] = []
    for v in selected.views:  # the references and files of the entries cited, in one pass
        refs += v.rec.refs
        if v.rec.attachments:
            attached.append(v.num)
    landlord_refs, _ = cited_refs(refs)
    top_refs = complaint["refs"] if lt.with_complaints and complaint["refs"] else landlord_refs
    if len(top_refs) > 5:
        top_refs = []
    starts = None
    if lt.starts is not None:
        kind, event, attrs = lt.starts
        starts = b.prospective(kind, event, dict(attrs))
    extra = lt.extras(b, issues, views) if lt.extras is not None else {}
    today = uk_time(now).date()
    recipient_lines = profile_ctx["recipient_lines"]
    if to_ombudsman and ombudsman:
        contact = extra.get("contact")
        # The Ombudsman's postal address and email come from a pack's facts, cited, never from code.
        recipient_lines = list(contact["lines"]) if contact else [md_escape(ombudsman[0])]
        if contact and contact["email"]:
            recipient_lines.append(f"By email: {contact['email']}")
    ctx: dict[str, Any] = {
        "type": lt.name,
        "title": lt.title,
        "today": long_date(today),
        "today_day": long_day(today),
        "generated": long_when(now),
        "resident": profile_ctx,
        "recipient": {
            "name": md_escape(ombudsman[0]) if to_ombudsman and ombudsman else profile_ctx["landlord"],
            "lines": recipient_lines,
            "salutation": "Sir or Madam",
        },
        "landlord": profile_ctx["landlord"],
        "nation": profile.nation,
        "ombudsman": {"name": ombudsman[0], "url": ombudsman[1]} if ombudsman else None,
        "to_ombudsman": to_ombudsman,
        "cases": [md_escape(c) for c in cases],
        "issues": issues,
        "late_issues": [i for i in issues if i["late"]],
        "open_issues": [i for i in issues if i["open"]],
        "entries": selected,
        "report_count": sum(i["report_count"] for i in issues),
        "refs": top_refs,
        "landlord_refs": landlord_refs,
        "complaint": complaint,
        "code": code,
        "starts": starts,
        # Files attached to the entries cited, but not earlier letters (kept with their own entries).
        "enclosures": [
            a
            for e in b.entries(attached)
            if not e["summary"].startswith(SENT_PREFIX)
            for a in e["attachments"]
        ],
        "plural": plural,
        "times": times,
        "whose": b.whose,
        **extra,
        # The landlord's imported records against the log: one sentence per kind the letter is about.
        **letter_part(
            store,
            now,
            sc,
            views,
            {v.kind for i in issue_list for v in i.views}.intersection(INCIDENT_KINDS),
            to_landlord=lt.to == "landlord",
        ),
    }
    checkpoint = _issue_checkpoint(
        store,
        now,
        f"{profile.landlord if lt.to == 'landlord' else ctx['recipient']['name']} ({lt.name} letter)",
        keep=not draft,
        report=verified(),
    )
    # The signed note (its first three lines are the checkpoint) and the key that checks it.
    ctx["checkpoint"] = {
        "text": checkpoint.signed_text(),
        "vkey": checkpoint.vkey or "",
        "size": checkpoint.size,
        "root": checkpoint.root_b64,
    }
    ctx["packs"] = [
        {"id": p.id, "version": md_escape(p.version), "title": md_escape(p.title)} for p in b.cited.values()
    ]
    ctx["_warnings"] = list(b.warnings) + [f"{w}" for w in sc.warnings]
    ctx["_packs"] = [f"{p.id} {p.version}" for p in b.cited.values()]
    ctx["_entries"] = sorted(wanted)
    return ctx


def _issue_checkpoint(
    store: Store, now: datetime, recipient: str, *, keep: bool, report: Report
) -> Checkpoint:
    """Issue a checkpoint of the ledger ``report`` verified, naming whom it is handed to
    (``keep=False``: a draft's, not kept)."""
    from residentlog.integrity.issue import issue_checkpoint

    return issue_checkpoint(store, now, recipient=md_unescape(recipient), keep=keep, report=report)


def _complaint_ctx(b: Builder, views: Sequence[Entry]) -> dict[str, Any]:
    entries = [e for e in (b.entry(v.num) for v in views) if e is not None]

    def last(stage: str, step: str) -> dict[str, Any] | None:
        found = [e for e in entries if e["stage"] == stage and e["event"] == step]
        return found[-1] if found else None

    refs = list(dict.fromkeys(r for e in entries for r in e["landlord_refs"]))
    ombudsman_refs = list(
        dict.fromkeys(r["ref"] for e in entries for r in e["refs"] if r["by"] == "ombudsman")
    )
    nums = {v.num for v in views}
    clocks = [c for c in b.sc.clocks if c.start_entry in nums]
    groups = b.rule_groups(clocks)
    return {
        "entries": entries,
        "any": bool(entries),
        "refs": refs,
        "ombudsman_refs": ombudsman_refs,
        "raised1": last("1", "raised"),
        "ack1": last("1", "acknowledged"),
        "response1": last("1", "responded"),
        "escalated": last("2", "escalated") or last("2", "raised"),
        "ack2": last("2", "acknowledged"),
        "extended2": last("2", "extended"),
        "response2": last("2", "responded"),
        "referred": next((e for e in reversed(entries) if e["event"] == "ombudsman"), None),
        "rules": groups,
        "late_rules": [g for g in groups if g["late"]],
        "open_rules": [g for g in groups if g["open_clocks"]],
    }


def _complaint_code(b: Builder) -> dict[str, Any] | None:
    """The complaint-handling code in force for the resident's nation (not the landlord's own policy)."""
    for pack in b.in_force:
        if pack.id in b.statutory and any(
            rule.match_for("complaint", {"stage": "1"}) is not None for rule in pack.rules
        ):
            publisher = md_escape(pack.publisher)
            title = md_escape(pack.title)
            return {
                "title": title,
                "publisher": publisher,
                "name": f"the {publisher}'s {title}",
                "id": pack.id,
            }
    return None
