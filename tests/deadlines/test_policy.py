"""Policy packs: the shipped packs load and cite sources; bad packs fail with a useful message."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from residentlog.deadlines.policy import (
    Pack,
    list_shipped_packs,
    load_pack,
    pack_in_force,
    packs_in_force,
    parse_pack,
    shipped_pack,
    template_text,
)
from residentlog.errors import NotFound, PolicyError

SHIPPED_IDS = {
    "awaabs-law",
    "example-landlord",
    "hos-complaint-handling-code",
    "hos-scheme",
    "lta-1985-service-charges",
    "spso-model-chp",
    "uk-gdpr-subject-access",
}
PACKS_DIR = Path(__file__).resolve().parents[2] / "src" / "residentlog" / "deadlines" / "packs"

MINIMAL = """\
format = 1
id = "test-landlord"
title = "Repairs Policy"
publisher = "Test Homes"
version = "1"
jurisdiction = "england"
effective_from = 2023-01-01
source = "https://example.org/repairs"

[[rules]]
id = "emergency-repair"
title = "Emergency repairs within 24 hours"
applies_to = [{ kinds = ["repair", "door"], priority = "emergency" }]
start = ["reported"]
stop = ["fixed"]
allowed = { amount = 24, unit = "hours" }

[rules.citation]
section = "Repairs Policy 4.2"
wording = "Emergency repairs will be made safe within 24 hours."
url = "https://example.org/repairs"
confidence = "high"

[[rules]]
id = "complaint-response"
title = "Complaint answered within 10 working days"
applies_to = [{ kinds = ["complaint"], stage = 1 }]
start = ["acknowledged"]
stop = ["responded"]
allowed = { amount = 10, unit = "working_days" }

[rules.citation]
section = "Complaints Policy 6"
wording = "We will respond within 10 working days."
document = "Complaints leaflet, 2023, page 2"
confidence = "medium"
"""


def write(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fail(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_pack(path)
    message = str(info.value)
    assert "\n" not in message
    return message.replace(str(path), "FILE")


# -- shipped packs -------------------------------------------------------------------------------


def test_every_shipped_pack_loads_and_validates() -> None:
    packs = list_shipped_packs()
    assert {p.id for p in packs} == SHIPPED_IDS
    assert len(packs) == len(list(PACKS_DIR.glob("*.toml")))
    for pack in packs:
        assert isinstance(pack, Pack)
        assert pack.origin.endswith(".toml")
        assert pack.rules or pack.facts


@pytest.mark.parametrize("path", sorted(PACKS_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_each_pack_file_loads_from_its_path(path: Path) -> None:
    assert load_pack(path).id in SHIPPED_IDS


def test_every_number_in_a_shipped_pack_has_a_source() -> None:
    for pack in list_shipped_packs():
        assert pack.source
        for rule in pack.rules:
            where = f"{pack.id}/{rule.id}"
            cit = rule.citation
            assert cit.section.strip() and cit.wording.strip(), where
            assert cit.url or cit.document, where
            assert cit.confidence in {"high", "medium", "low", "unconfirmed"}, where
            if not pack.example:
                # Statutory and regulator packs cite a web address for every figure.
                assert cit.url and cit.url.startswith("https://"), where
            assert str(rule.allowed.amount) in rule.title or rule.allowed.amount == 1, where
            ext = rule.extension
            if ext is not None and ext.amount is not None:
                # An extension is a number too: it needs a stated confidence and an explanation.
                assert ext.confidence is not None, where
                assert ext.note.strip(), where


def test_unconfirmed_figures_are_marked() -> None:
    spso = shipped_pack("spso-model-chp")
    ext = spso.rule("stage-1-decision").extension
    assert ext is not None and ext.confidence == "unconfirmed"
    chc = shipped_pack("hos-complaint-handling-code")
    stage2 = chc.rule("stage-2-response").extension
    assert stage2 is not None and stage2.amount == 20 and stage2.confidence == "medium"


def test_shipped_figures() -> None:
    chc = shipped_pack("hos-complaint-handling-code")
    assert chc.effective_from == date(2024, 4, 1)
    # The earlier versions: July 2020 (to 31 March 2022) and 2022 (to 31 March 2024).
    old = [p for p in list_shipped_packs() if p.id == chc.id][:-1]
    assert [(p.version, p.effective_from, p.effective_to) for p in old] == [
        ("2020", date(2020, 7, 1), date(2022, 3, 31)),
        ("2022", date(2022, 4, 1), date(2024, 3, 31)),
    ]
    assert [(r.id, r.allowed.amount, r.start, r.citation.confidence) for r in old[0].rules] == [
        ("stage-1-acknowledgement", 5, ("raised",), "medium"),
        ("stage-1-response", 10, ("raised",), "medium"),
        ("stage-2-response", 20, ("escalated",), "low"),
    ]
    assert [(r.id, r.allowed.amount, r.start, r.citation.confidence) for r in old[1].rules] == [
        ("stage-1-acknowledgement", 5, ("raised",), "medium"),
        ("stage-1-response", 10, ("raised",), "medium"),
        ("stage-2-acknowledgement", 5, ("escalated",), "low"),
        ("stage-2-response", 20, ("escalated",), "low"),
    ]
    for rule in [r for p in old for r in p.rules]:
        assert rule.allowed.unit == "working_days"
        if rule.citation.confidence == "low":
            assert "NOT CONFIRMED" in rule.notes and "not confirmed" in rule.citation.wording
    # Each day is covered by exactly one version: the complaint of 19 Oct 2020 by 2020, 2023 by 2022.
    versions = [p for p in list_shipped_packs() if p.id == chc.id]
    for day, version in [
        (date(2020, 10, 19), "2020"),
        (date(2022, 3, 31), "2020"),
        (date(2022, 4, 1), "2022"),
        (date(2023, 6, 1), "2022"),
        (date(2024, 3, 31), "2022"),
        (date(2024, 4, 1), "2024"),
    ]:
        assert [p.version for p in versions if p.in_force(day)] == [version]
        chosen = pack_in_force(versions, day)
        assert chosen is not None and chosen.version == version
    assert pack_in_force(versions, date(2020, 6, 30)) is None
    assert [(r.id, r.allowed.amount, r.allowed.unit) for r in chc.rules] == [
        ("stage-1-acknowledgement", 5, "working_days"),
        ("stage-1-response", 10, "working_days"),
        ("stage-2-acknowledgement", 5, "working_days"),
        ("stage-2-response", 20, "working_days"),
    ]
    awaab = shipped_pack("awaabs-law")
    assert awaab.effective_from == date(2025, 10, 27)
    assert {r.id: (r.allowed.amount, r.allowed.unit) for r in awaab.rules} == {
        "emergency-hazard-investigate": (24, "hours"),
        "emergency-hazard-make-safe": (24, "hours"),
        "significant-hazard-investigate": (10, "working_days"),
        "significant-hazard-written-summary": (3, "working_days"),
        "significant-hazard-safety-work": (5, "working_days"),
    }
    sar = shipped_pack("uk-gdpr-subject-access").rule("sar-response")
    assert (sar.allowed.amount, sar.allowed.unit, sar.roll_forward) == (1, "calendar_months", True)
    lta = shipped_pack("lta-1985-service-charges").rule("s20-notice-of-intention-observations")
    assert (lta.allowed.amount, lta.unit, lta.inclusive, lta.party) == (30, "calendar_days", True, "resident")
    example = shipped_pack("example-landlord")
    assert example.example
    assert "EXAMPLE" in example.title
    emergency = example.rule("emergency-repair")
    assert emergency.allowed.describe() == "24 hours"
    # Communal doors and ground-floor windows are emergencies through the pack's default, not the rule.
    assert emergency.match_for("door", {"category": "communal-door"}) is None
    assert emergency.match_for("door", {"priority": "emergency"}) is not None
    default, entrapment = example.defaults
    assert default.set == {"priority": "emergency"}
    assert default.applies("door", {"category": "communal-door"})
    assert default.applies("repair", {"category": "ground-floor-window"})
    assert not default.applies("door", {"category": "bin-store"})
    assert not default.applies("lift", {"category": "communal-door"})
    # People trapped in a lift are an emergency; a lift breakdown with nobody trapped is not.
    assert entrapment.set == {"priority": "emergency"}
    assert entrapment.applies("lift", {"trapped": "3"})
    assert not entrapment.applies("lift", {"out_of_service": "true"})
    assert entrapment.citation is not None and entrapment.citation.confidence == "medium"
    assert example.rule("customer-care-response").allowed.describe() == "10 working days"
    cctv = example.rule("cctv-police-request-window")
    assert (cctv.allowed.describe(), cctv.party) == ("10 calendar days", "resident")


def test_shipped_pack_unknown_id() -> None:
    with pytest.raises(NotFound, match="no shipped policy pack 'nope'"):
        shipped_pack("nope")


# -- bad packs name the file, rule and field ----------------------------------------------------


def test_minimal_pack_loads(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, MINIMAL))
    assert pack.id == "test-landlord"
    assert pack.origin == str(tmp_path / "pack.toml")
    rule = pack.rule("complaint-response")
    assert rule.applies_to[0].stage == "1"  # a TOML integer is read as the string "1"
    assert rule.calendar == "nation" and rule.day_zero == "event-day"
    assert pack.label() == "Repairs Policy, version 1"


def test_missing_field(tmp_path: Path) -> None:
    text = MINIMAL.replace('stop = ["responded"]\n', "")
    assert fail(tmp_path, text) == (
        "FILE: rule 'complaint-response', field 'stop': missing (this field is required)"
    )


def test_missing_header_field(tmp_path: Path) -> None:
    text = MINIMAL.replace('publisher = "Test Homes"\n', "")
    assert fail(tmp_path, text) == "FILE: pack header, field 'publisher': missing (this field is required)"


def test_wrong_unit(tmp_path: Path) -> None:
    text = MINIMAL.replace('unit = "hours"', 'unit = "weeks"')
    assert fail(tmp_path, text) == (
        "FILE: rule 'emergency-repair', field 'allowed.unit': Input should be 'hours', "
        "'calendar_days', 'working_days' or 'calendar_months' (got 'weeks')"
    )


def test_negative_amount(tmp_path: Path) -> None:
    text = MINIMAL.replace("amount = 10,", "amount = -10,")
    assert fail(tmp_path, text) == (
        "FILE: rule 'complaint-response', field 'allowed.amount': Input should be greater than 0 (got -10)"
    )


def test_toml_syntax_error_names_line_rule_and_field(tmp_path: Path) -> None:
    text = MINIMAL.replace('unit = "working_days" }', "unit = working_days }")
    line = text.splitlines().index("allowed = { amount = 10, unit = working_days }") + 1
    assert fail(tmp_path, text) == (
        f"FILE: line {line}: TOML syntax error (Invalid value) in rule 'complaint-response', field 'allowed'"
    )


def test_toml_syntax_error_in_header(tmp_path: Path) -> None:
    text = MINIMAL.replace('version = "1"', "version = ")
    assert fail(tmp_path, text) == (
        "FILE: line 5: TOML syntax error (Invalid value) in pack header, field 'version'"
    )


def test_unknown_field(tmp_path: Path) -> None:
    text = MINIMAL.replace('stop = ["fixed"]', 'stop = ["fixed"]\nuntil = 3')
    assert fail(tmp_path, text) == (
        "FILE: rule 'emergency-repair', field 'until': unknown field (not part of the pack format; "
        "check the spelling)"
    )


def test_unknown_kind_and_event(tmp_path: Path) -> None:
    assert fail(tmp_path, MINIMAL.replace('"repair", "door"', '"repair", "doors"')) == (
        "FILE: rule 'emergency-repair', field 'applies_to[0].kinds': unknown kind 'doors'; known kinds: "
        "asb, cctv, complaint, contact, damp, door, lift, note, repair, service-charge (or '*')"
    )
    message = fail(tmp_path, MINIMAL.replace('start = ["reported"]', 'start = ["seen"]'))
    assert message.startswith(
        "FILE: rule 'emergency-repair', field 'start': unknown event 'seen'; known events:"
    )


def test_citation_needs_url_or_document(tmp_path: Path) -> None:
    text = MINIMAL.replace('document = "Complaints leaflet, 2023, page 2"\n', "")
    assert fail(tmp_path, text) == (
        "FILE: rule 'complaint-response', field 'citation.url': give a url or a document reference "
        "(where the wording can be found)"
    )


def test_bad_url_and_confidence(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'url = "https://example.org/repairs"\nconfidence', 'url = "example.org"\nconfidence'
    )
    assert fail(tmp_path, text) == (
        "FILE: rule 'emergency-repair', field 'citation.url': must be a web address starting "
        "http:// or https:// (got 'example.org')"
    )
    text = MINIMAL.replace('confidence = "medium"', 'confidence = "sure"')
    assert fail(tmp_path, text).startswith("FILE: rule 'complaint-response', field 'citation.confidence':")


def test_cross_field_checks_name_the_field(tmp_path: Path) -> None:
    text = MINIMAL.replace('unit = "working_days" }', 'unit = "working_days" }\ninclusive = true')
    assert fail(tmp_path, text) == (
        "FILE: rule 'complaint-response', field 'inclusive': only applies to calendar_days rules"
    )
    text = MINIMAL.replace('unit = "hours" }', 'unit = "hours" }\nafter_hours = "17:00"')
    assert fail(tmp_path, text) == (
        "FILE: rule 'emergency-repair', field 'after_hours': does not apply to an hours rule "
        "(hours run round the clock)"
    )
    text = MINIMAL.replace('stop = ["fixed"]', 'stop = ["reported"]')
    assert fail(tmp_path, text) == (
        "FILE: rule 'emergency-repair', field 'stop': event 'reported' cannot both start and stop the clock"
    )


def test_duplicate_rule_id_and_dates(tmp_path: Path) -> None:
    text = MINIMAL.replace('id = "complaint-response"', 'id = "emergency-repair"')
    assert fail(tmp_path, text) == (
        "FILE: rule 'emergency-repair', field 'id': 'emergency-repair' is used by two rules; "
        "give each its own id"
    )
    text = MINIMAL.replace(
        "effective_from = 2023-01-01", "effective_from = 2023-01-01\neffective_to = 2022-01-01"
    )
    assert fail(tmp_path, text) == "FILE: pack header, field 'effective_to': is before effective_from"


def test_rule_without_id(tmp_path: Path) -> None:
    text = MINIMAL.replace('id = "complaint-response"\n', "")
    assert fail(tmp_path, text) == "FILE: rule #2 (no id), field 'id': missing (this field is required)"


def test_extension_needs_unit_with_amount(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        '[rules.citation]\nsection = "Complaints',
        '[rules.extension]\namount = 10\n\n[rules.citation]\nsection = "Complaints',
    )
    assert fail(tmp_path, text) == (
        "FILE: rule 'complaint-response', field 'extension.unit': give both amount and unit, "
        "or neither (no fixed cap)"
    )


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such policy pack file"):
        load_pack(tmp_path / "missing.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.replace("Test Homes", "Test Hómes").encode("latin-1"))
    with pytest.raises(PolicyError, match=r"latin1\.toml: not UTF-8 text"):
        load_pack(path)


# -- the template --------------------------------------------------------------------------------


def fill_template(text: str) -> str:
    text = re.sub(r'"FILL IN:[^"]*"', '"Filled in by the resident"', text)
    return text.replace(
        "https://example.org/FILL-IN-the-web-address-or-delete-this-line", "https://example.org/policy"
    )


def test_template_refuses_to_load_until_filled_in(tmp_path: Path) -> None:
    text = template_text()
    assert text.startswith("# ===")
    assert fail(tmp_path, text) == (
        "FILE: pack header, field 'title': still says 'FILL IN'; replace it with the value from your "
        "landlord's document"
    )


def test_template_loads_once_filled_in(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, fill_template(template_text())))
    assert pack.id == "my-landlord"
    assert [r.id for r in pack.rules] == [
        "emergency-repair",
        "urgent-repair",
        "routine-repair",
        "complaint-response",
    ]
    assert [(d.id, d.has, d.set) for d in pack.defaults] == [
        ("communal-door-emergency", (), {"priority": "emergency"}),
        ("lift-entrapment-emergency", ("trapped",), {"priority": "emergency"}),
    ]
    assert "FILL IN" not in pack.model_dump_json()


def test_template_default_left_unfilled_names_the_default(tmp_path: Path) -> None:
    text = fill_template(template_text()).replace(
        'because = "Filled in by the resident"', 'because = "FILL IN: why"', 1
    )
    assert fail(tmp_path, text).startswith(
        "FILE: default 'communal-door-emergency', field 'because': still says 'FILL IN'"
    )


def test_template_placeholder_left_in_a_rule(tmp_path: Path) -> None:
    text = fill_template(template_text()).replace(
        'wording = "Filled in by the resident"', 'wording = "FILL IN: the words"', 1
    )
    assert fail(tmp_path, text).startswith(
        "FILE: rule 'emergency-repair', field 'citation.wording': still says"
    )


def test_docs_worked_example_is_a_valid_pack() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "policy-packs.md"
    block = re.search(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    assert block is not None
    pack = parse_pack(block.group(1), "docs/policy-packs.md")
    assert [r.id for r in pack.rules] == ["emergency-repair", "complaint-response"]


# -- which pack is in force ----------------------------------------------------------------------


def version(text: str, ver: str, start: str, end: str | None = None) -> Pack:
    header = text.replace('version = "1"', f'version = "{ver}"').replace(
        "effective_from = 2023-01-01",
        f"effective_from = {start}" + (f"\neffective_to = {end}" if end else ""),
    )
    return parse_pack(header, f"v{ver}.toml")


def test_pack_in_force_picks_the_version_for_the_date() -> None:
    v1 = version(MINIMAL, "1", "2020-01-01", "2022-12-31")
    v2 = version(MINIMAL, "2", "2023-01-01")
    assert pack_in_force([v1, v2], date(2019, 12, 31)) is None
    assert pack_in_force([v1, v2], date(2020, 1, 1)) is v1
    assert pack_in_force([v2, v1], date(2022, 12, 31)) is v1
    assert pack_in_force([v1, v2], date(2023, 1, 1)) is v2
    # Overlapping versions: the one that took effect last wins.
    v3 = version(MINIMAL, "3", "2024-06-01")
    assert pack_in_force([v1, v2, v3], date(2024, 6, 1)) is v3
    assert pack_in_force([v1, v2, v3], date(2024, 5, 31)) is v2


def test_pack_in_force_rejects_ambiguity() -> None:
    a = version(MINIMAL, "a", "2023-01-01")
    b = version(MINIMAL, "b", "2023-01-01")
    with pytest.raises(
        PolicyError, match="versions 'a' and 'b' of pack 'test-landlord' both take effect on 2023-01-01"
    ):
        pack_in_force([a, b], date(2023, 5, 1))
    other = parse_pack(MINIMAL.replace('id = "test-landlord"', 'id = "other"'), "other.toml")
    with pytest.raises(PolicyError, match="different documents"):
        pack_in_force([a, other], date(2023, 5, 1))
    assert pack_in_force([a, other], date(2023, 5, 1), pack_id="other") is other


def test_packs_in_force_one_per_id() -> None:
    shipped = list_shipped_packs()
    ids_2019 = [p.id for p in packs_in_force(shipped, date(2019, 9, 3))]
    assert ids_2019 == ["example-landlord", "lta-1985-service-charges", "uk-gdpr-subject-access"]
    ids_2019_july = [p.id for p in packs_in_force(shipped, date(2019, 7, 1))]
    assert ids_2019_july == ["example-landlord", "lta-1985-service-charges"]
    ids_2025 = [p.id for p in packs_in_force(shipped, date(2025, 11, 3))]
    assert ids_2025 == sorted(SHIPPED_IDS)


def test_shipped_packs_cite_no_internal_folder() -> None:
    from pathlib import Path

    import residentlog

    packs = Path(residentlog.__file__).parent / "deadlines" / "packs"
    assert list(packs.glob("*.toml"))
    for pack in packs.glob("*.toml"):
        text = pack.read_text(encoding="utf-8")
        assert "shared/" not in text and "seed" not in text.lower(), pack.name
