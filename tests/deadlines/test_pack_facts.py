"""Facts in policy packs: ``[[facts]]`` tables, validation, and the version in force on a day."""

from __future__ import annotations

from datetime import date

import pytest

from residentlog.deadlines.policy import find_fact, list_shipped_packs, parse_pack, shipped_pack
from residentlog.errors import PolicyError

HEADER = """
format = 1
id = "{id}"
title = "Facts"
publisher = "Someone"
version = "{version}"
jurisdiction = "england"
source = "https://example.org/"
{extra}
"""

FACT = """
[[facts]]
id = "{id}"
title = "A fact"
value = {value}
{dates}
[facts.citation]
section = "Section 1"
wording = "Summary: the fact"
url = "https://example.org/facts"
confidence = "high"
"""


def _pack(pid: str = "facts", version: str = "1", extra: str = "", facts: str = "") -> str:
    return HEADER.format(id=pid, version=version, extra=extra) + facts


def _fact(fid: str = "f", value: str = "31", dates: str = "") -> str:
    return FACT.format(id=fid, value=value, dates=dates)


def test_a_pack_of_facts_only_loads() -> None:
    pack = parse_pack(_pack(facts=_fact(value="31") + _fact("g", '"PO Box 1"')))
    assert pack.rules == ()
    assert [(f.id, f.value) for f in pack.facts] == [("f", 31), ("g", "PO Box 1")]
    assert pack.facts[0].citation.confidence == "high"


def test_a_pack_needs_a_rule_or_a_fact() -> None:
    with pytest.raises(PolicyError) as err:
        parse_pack(_pack(), "FILE")
    assert str(err.value) == (
        "FILE: pack header, field 'rules': give at least one rule (or, for a pack of facts only, [[facts]])"
    )


@pytest.mark.parametrize(
    ("value", "dates", "message"),
    [
        ('""', "", "FILE: fact 'f', field 'value': give a value (text or a whole number) (got '')"),
        ("true", "", "FILE: fact 'f', field 'value': Input should be a valid integer (got True)"),
        (
            "1",
            "effective_from = 2025-02-01\neffective_to = 2025-01-01",
            "FILE: fact 'f', field 'effective_to': is before effective_from",
        ),
    ],
)
def test_a_bad_fact_is_named(value: str, dates: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_pack(_pack(facts=_fact(value=value, dates=dates)), "FILE")
    assert str(err.value).split(" (and ")[0] == message


def test_two_versions_of_a_fact_from_the_same_day_are_refused() -> None:
    same = "effective_from = 2025-01-01"
    with pytest.raises(PolicyError) as err:
        parse_pack(_pack(facts=_fact(dates=same) + _fact(dates=same)), "FILE")
    assert str(err.value) == (
        "FILE: fact 'f', field 'effective_from': fact 'f' has two versions taking effect on the same "
        "day; give each version its own effective_from"
    )


def test_find_fact_picks_the_version_in_force() -> None:
    pack = parse_pack(
        _pack(
            facts=_fact(value="28", dates="effective_to = 2024-12-31")
            + _fact(value="31", dates="effective_from = 2025-01-01")
        )
    )
    assert find_fact([pack], "f", date(2024, 6, 1)) == (pack, pack.facts[0])
    assert find_fact([pack], "f", date(2025, 1, 1)) == (pack, pack.facts[1])
    assert find_fact([pack], "nope", date(2025, 1, 1)) is None


def test_find_fact_follows_the_packs_dates_and_lets_a_later_pack_override() -> None:
    old = parse_pack(_pack("default", extra="effective_from = 2020-01-01", facts=_fact(value="31")))
    own = parse_pack(_pack("landlord", extra="effective_from = 2020-01-01", facts=_fact(value="28")))
    assert find_fact([old], "f", date(2019, 12, 31)) is None  # the pack is not yet in force
    assert find_fact([old, own], "f", date(2021, 1, 1)) == (own, own.facts[0])
    assert find_fact([own, old], "f", date(2021, 1, 1)) == (old, old.facts[0])
    newer = parse_pack(_pack("newer", extra="effective_from = 2022-01-01", facts=_fact(value="7")))
    assert find_fact([newer, old], "f", date(2023, 1, 1)) == (newer, newer.facts[0])


def test_shipped_facts_are_sourced() -> None:
    for pack in list_shipped_packs():
        for fact in pack.facts:
            where = f"{pack.id}/{fact.id}"
            assert fact.citation.url, where
            assert fact.citation.wording.strip() and fact.citation.section.strip(), where
            # Nothing in a fact a letter quotes reads "low confidence": it says what is not confirmed.
            assert "low confidence" not in fact.citation.section, where


def test_shipped_ombudsman_cctv_and_awaab_facts() -> None:
    hos = shipped_pack("hos-scheme")
    day = date(2026, 11, 23)
    values = {fid: f.value for fid in (
        "ombudsman-postal-address", "ombudsman-email", "ombudsman-time-limit-months"
    ) if (found := find_fact([hos], fid, day)) for f in (found[1],)}  # fmt: skip
    assert values == {
        "ombudsman-postal-address": "Housing Ombudsman Service, PO Box 1484, Unit D, Preston, PR2 0ET",
        "ombudsman-email": "info@housing-ombudsman.org.uk",
        "ombudsman-time-limit-months": 12,
    }
    gdpr = shipped_pack("uk-gdpr-subject-access")
    found = find_fact([gdpr], "cctv-retention-days", day)
    assert found is not None and found[1].value == 31 and found[1].citation.confidence == "low"
    assert "no law sets a period" in found[1].citation.wording
    awaab = shipped_pack("awaabs-law")
    assert find_fact([awaab], "awaabs-law-significant-hazards", date(2025, 10, 26)) is None
    phase1 = find_fact([awaab], "awaabs-law-significant-hazards", date(2025, 10, 27))
    assert phase1 is not None and phase1[1].value == "damp and mould"
    planned = find_fact([awaab], "awaabs-law-phase-2-planned", day)
    assert planned is not None and "not confirmed" in planned[1].title
