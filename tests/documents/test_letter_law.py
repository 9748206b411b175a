"""Letters check that the law fits: the complaint's history decides the letter (stage 2, a new
stage 1, the Ombudsman referral and its time limit), s.21 covers the latest accounting period only,
CCTV footage older than the retention period, subject access to the resident's own data, Awaab's
Law only for the hazards it covers on the report's date, and no "low confidence" in a letter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from residentlog.deadlines.clocks import adopt_pack
from residentlog.documents.letters import LETTER_TYPES, build_letter, render_letter
from residentlog.documents.letters.builder import plain_section
from residentlog.errors import InputError
from residentlog.ledger.add import add_entry
from residentlog.ledger.profile import update_profile
from residentlog.ledger.store import Store
from tests.documents.test_letters import GOLDEN_CASES, NOW, _build, _fix_randomness

PROFILE = {
    "name": "Sam Resident",
    "address": "Flat 14\n1 Sample Road\nLondon E1 0AA",
    "landlord": "Example HA",
    "landlord_address": "2 Placeholder Street\nLondon E2 0ZZ",
    "nation": "england",
}


@pytest.fixture
def letters_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    _fix_randomness(monkeypatch)
    with Store.create(tmp_path / "letters-store") as s:
        _build(s, tmp_path)
        yield s


@pytest.fixture
def small(store: Store) -> Store:
    update_profile(store.root, PROFILE)
    return store


def _add(s: Store, kind: str, summary: str, when: str, now: datetime = NOW, **kw: Any) -> int:
    return add_entry(s, {"kind": kind, "summary": summary, **kw}, when_text=when, now=now).num


def _text(s: Store, kind: str, cases: tuple[str, ...] = (), now: datetime = NOW) -> str:
    return render_letter(s, kind, cases, "md", now).decode("utf-8")


def _refused(s: Store, kind: str, cases: tuple[str, ...] = (), now: datetime = NOW) -> str:
    with pytest.raises(InputError) as err:
        build_letter(s, kind, cases, "md", now, draft=True)
    message = str(err.value)
    assert "\n" not in message
    return message


def _complaint(s: Store, step: str, stage: int, when: str, **kw: Any) -> int:
    """A step of the complaint in case complaint-1 (its first step links the issue complained of)."""
    return _add(
        s,
        "complaint",
        f"Complaint {step} (stage {stage})",
        when,
        case="complaint-1",
        fields={"stage": stage, "step": step},
        refs=[{"by": "landlord", "ref": "CMP-7"}],
        **kw,
    )


# -- no "low confidence" in any letter ---------------------------------------------------------------


def test_no_letter_says_low_confidence(letters_store: Store) -> None:
    assert set(GOLDEN_CASES) == set(LETTER_TYPES)
    for kind, cases in GOLDEN_CASES.items():
        text = _text(letters_store, kind, cases).lower()
        assert "confidence" not in text, kind
    hazard = _text(letters_store, "hazard-report")
    assert "regulation 6 (regulation number not confirmed), a potential significant hazard" in hazard


@pytest.mark.parametrize(
    ("section", "plain"),
    [
        (
            "Awaab's Law Regulations 2025, regulation 6 (number low confidence)",
            "Awaab's Law Regulations 2025, regulation 6 (regulation number not confirmed)",
        ),
        ("Scheme, paragraph 5 (unconfirmed)", "Scheme, paragraph 5 (not confirmed)"),
        ("Code, paragraph 6.2", "Code, paragraph 6.2"),
    ],
)
def test_plain_section(section: str, plain: str) -> None:
    assert plain_section(section) == plain


# -- the complaint's history decides the letter ---------------------------------------------------


def test_stage2_after_a_final_response_is_refused_and_names_the_next_letter(small: Store) -> None:
    _complaint(small, "raised", 1, "1 June 2026")
    _complaint(small, "responded", 1, "10 June 2026")
    _complaint(small, "escalated", 2, "12 June 2026")
    _complaint(small, "responded", 2, "1 July 2026")
    assert _refused(small, "complaint-stage2", ("complaint-1",)) == (
        "no complaint-stage2 letter: your landlord's final (stage 2) response of 1 July 2026 "
        "(your reference CMP-7) ended its complaints procedure (case complaint-1); send an "
        "ombudsman-referral letter instead"
    )


def test_stage2_without_a_complaint_is_refused(small: Store) -> None:
    _add(small, "repair", "Leak", "1 June 2026", case="leak", fields={"event": "reported"})
    assert _refused(small, "complaint-stage2", ("leak",)) == (
        "no complaint-stage2 letter: your log has no complaint to escalate; send a complaint-stage1 "
        "letter first (or record the one you made: residentlog add complaint --stage 1 --step raised)"
    )


def test_stage2_already_escalated_is_a_warning(letters_store: Store) -> None:
    made = build_letter(letters_store, "complaint-stage2", ("complaint-1",), "md", NOW, draft=True)
    assert (
        "your log already records an escalation to stage 2 on 16 November 2026 (case complaint-1): "
        "this letter asks again"
    ) in made.warnings


def test_a_new_stage1_complaint_names_the_earlier_one(letters_store: Store) -> None:
    made = build_letter(letters_store, "complaint-stage1", ("front-door",), "md", NOW, draft=True)
    text = made.data.decode("utf-8")
    assert (
        "I made an earlier complaint to you on 19 October 2026 (your reference CMP-1): I escalated it "
        "to stage 2 on 16 November 2026.\nThis letter is a new complaint."
    ) in text
    assert (
        "your log has a complaint still open (case complaint-1), made on 19 October 2026: if this "
        "letter is about the same matters, escalate that one with a complaint-stage2 letter instead"
    ) in made.warnings


def test_referral_is_refused_while_the_landlord_is_within_its_timeframes(small: Store) -> None:
    now = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    _add(small, "repair", "Leak", "1 June 2026", now=now, case="leak", fields={"event": "reported"})
    _add(
        small,
        "complaint",
        "Complaint",
        "2 June 2026 09:00",
        now=now,
        case="complaint-1",
        fields={"stage": 1, "step": "raised"},
    )
    message = _refused(small, "ombudsman-referral", ("complaint-1",), now)
    assert message.startswith(
        "no ombudsman-referral letter yet: the Ombudsman considers a complaint after the landlord's final "
        "(stage 2) response, or once it has missed a complaint-handling timeframe, and your log shows "
        "neither (case complaint-1); its next reply is due by "
    )
    assert message.endswith("June 2026")


def test_referral_with_no_complaint_is_refused(small: Store) -> None:
    _add(small, "repair", "Leak", "1 June 2026", case="leak", fields={"event": "reported"})
    assert _refused(small, "ombudsman-referral", ("leak",)).startswith(
        "no ombudsman-referral letter: your log has no complaint to your landlord"
    )


def test_referral_names_the_address_and_warns_of_the_time_limit(small: Store) -> None:
    leak = _add(small, "repair", "Leak", "1 June 2024", case="leak", fields={"event": "reported"})
    _complaint(small, "raised", 1, "1 July 2024", links=[leak])
    _complaint(small, "responded", 1, "8 July 2024")
    _complaint(small, "escalated", 2, "9 July 2024")
    _complaint(small, "responded", 2, "1 August 2024")
    made = build_letter(small, "ombudsman-referral", ("complaint-1",), "md", NOW, draft=True)
    text = made.data.decode("utf-8")
    # Where it goes, from the hos-scheme pack's facts.
    assert (
        "Housing Ombudsman Service  \nPO Box 1484  \nUnit D  \nPreston  \nPR2 0ET  \n"
        "By email: info@housing-ombudsman.org.uk  \n"
    ) in text
    # The final response is more than 12 months before the letter: room to explain the delay.
    assert (
        "## Why I am referring it now\n\nMy landlord's final response is dated 1 August 2024, more than "
        "12 months\nbefore this letter. Under the Housing Ombudsman Scheme (paragraph number not "
        "confirmed) and the Ombudsman's guidance for residents whose stage 2 response is more than a "
        "year old, if 12 months or more have passed since the landlord's stage 2 (final) response"
    ) in text
    assert "[Explain here why the complaint was not referred to the Ombudsman sooner.]" in text
    assert (
        "the final response of 1 August 2024 is more than 12 months old: fill in the reasons for the "
        "delay in the letter before sending"
    ) in made.warnings
    assert "hos-scheme 2022-10-01" in made.context["_packs"]


def test_referral_within_the_time_limit_has_no_delay_paragraph(small: Store) -> None:
    leak = _add(small, "repair", "Leak", "1 June 2026", case="leak", fields={"event": "reported"})
    _complaint(small, "raised", 1, "1 July 2026", links=[leak])
    _complaint(small, "responded", 2, "1 August 2026")
    text = _text(small, "ombudsman-referral", ("complaint-1",))
    assert "Why I am referring it now" not in text
    assert "Their final (stage 2) response,\ndated 1 August 2026, has not resolved it." in text


def test_referral_lists_the_records_the_log_holds(letters_store: Store) -> None:
    text = _text(letters_store, "ombudsman-referral")
    section = text[text.index("## My landlord's records") : text.index("## The outcome I am seeking")]
    assert "- Main entrance door: my log records " in section
    assert "3 reports of " in section and "(their references DR-1, DR-2, DR-3)." in section
    assert "A report in my log that\nis missing from their records is a failure" in section


# -- s.21: the latest accounting period only -------------------------------------------------------


def test_s21_says_an_older_charge_year_is_not_covered(small: Store) -> None:
    _add(
        small,
        "service-charge",
        "Lift charge",
        "1 April 2024",
        fields={"amount_pence": 10000, "charge_year": "2024/25", "service": "lifts"},
    )
    made = build_letter(small, "service-charge-query", (), "md", NOW, draft=True)
    text = made.data.decode("utf-8")
    assert (
        "for the last accounting period that ended before this\nrequest (2025/26, if your accounting "
        "year runs from April to March)."
    ) in text
    assert "Section 21 covers only that last accounting period, so this request does not cover\n2024/25." in (
        text
    )
    assert "I ask to inspect the accounts and receipts behind it under section 22" in text
    assert "as a general request" in text
    assert any("section 21 covers only the last accounting period (2025/26" in w for w in made.warnings)


def test_s21_for_the_latest_year_says_nothing_more(small: Store) -> None:
    _add(
        small,
        "service-charge",
        "Lift charge",
        "1 April 2025",
        fields={"amount_pence": 10000, "charge_year": "2025/26", "service": "lifts"},
    )
    text = _text(small, "service-charge-query")
    assert "(2025/26, if your accounting year runs from April to March)" in text
    assert "does not cover" not in text and "not yet ended" not in text


# -- CCTV: retention, and the resident's own data ----------------------------------------------------


def _cctv(s: Store, when: str) -> None:
    _add(s, "asb", "Door forced", when, case="asb", fields={"witness": "first-hand"})
    _add(s, "cctv", "Asked for footage", "22 November 2026", case="cctv", fields={"event": "requested"})


def test_cctv_footage_older_than_the_default_retention_is_warned_about(small: Store) -> None:
    _cctv(small, "14 October 2026 22:40")
    made = build_letter(small, "cctv-request", (), "md", NOW, draft=True)
    text = made.data.decode("utf-8")
    assert "I am asking only for my own personal data: the footage in which I can be seen." in text
    assert "No law sets how long CCTV footage must be kept: each landlord sets its own" in text
    assert "The footage above is more than 31 days old, so it may\nalready have been deleted" in text
    assert "- your CCTV retention policy, and the retention period that applied to this footage;" in text
    assert any("is 40 days old, more than the 31 days assumed" in w for w in made.warnings)


def test_recent_cctv_footage_has_no_retention_paragraph(small: Store) -> None:
    _cctv(small, "20 November 2026 22:40")
    text = _text(small, "cctv-request")
    assert "days old" not in text and "No law sets" not in text


def test_a_landlord_pack_overrides_the_retention_period(small: Store, tmp_path: Path) -> None:
    pack = tmp_path / "cctv-policy.toml"
    pack.write_text(
        'format = 1\nid = "example-ha-cctv"\ntitle = "Example HA CCTV policy"\npublisher = "Example HA"\n'
        'version = "2025"\njurisdiction = "england"\nsource = "https://example.org/cctv"\n\n'
        '[[facts]]\nid = "cctv-retention-days"\ntitle = "CCTV retention (days)"\nvalue = 28\n\n'
        '[facts.citation]\nsection = "CCTV policy, section 4"\nwording = "Footage is kept for 28 days"\n'
        'url = "https://example.org/cctv"\nconfidence = "high"\n',
        encoding="utf-8",
    )
    adopt_pack(small, pack, datetime(2026, 8, 1, tzinfo=UTC))
    _cctv(small, "23 October 2026 22:40")  # 31 days before the letter: older than 28
    text = _text(small, "cctv-request")
    assert "Under your policy (CCTV policy, section 4), CCTV footage is kept for 28 days." in text
    assert "The footage above is more than 28 days old" in text


def test_subject_access_asks_only_for_the_residents_own_data(letters_store: Store) -> None:
    text = _text(letters_store, "subject-access")
    assert "All the personal data you hold about me, including my personal data in:" in text
    assert "I am asking only for my own personal data." in text


# -- Awaab's Law: only the hazards in force on the report's date --------------------------------------


def test_hazard_report_before_awaabs_law_is_refused(small: Store) -> None:
    now = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    _add(small, "damp", "Mould", "1 June 2025", now=now, fields={"hazard": "significant"})
    assert _refused(small, "hazard-report", (), now) == (
        "no hazard-report letter for Damp and mould: Awaab's Law was not in force on 2 June 2025 "
        "(it applies from 27 October 2025); send a repair-report letter, which relies on your "
        "landlord's repairing obligations"
    )


def test_a_significant_hazard_not_yet_in_scope_is_refused(small: Store) -> None:
    _add(
        small, "repair", "Broken stair rail", "20 November 2026", case="stairs", fields={"event": "reported"}
    )
    message = _refused(small, "hazard-report", ("stairs",))
    assert message == (
        "no hazard-report letter for Repair (stairs): on 23 November 2026 Awaab's Law covers emergency "
        "hazards and significant hazards of damp and mould only (later phases, not yet dated, add more); "
        "send a repair-report letter, which relies on your landlord's repairing obligations"
    )
    assert "characters cut" not in message


def test_an_emergency_damp_hazard_is_covered(small: Store) -> None:
    _add(
        small,
        "damp",
        "Mould over the cot, child wheezing",
        "23 November 2026 08:00",
        case="mould",
        fields={"event": "reported", "hazard": "emergency"},
    )
    text = _text(small, "hazard-report", ("mould",))
    assert "I believe it is an emergency hazard." in text
    assert "within 24 hours" in text
