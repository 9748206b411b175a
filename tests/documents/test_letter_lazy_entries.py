"""An issue's entries as a letter reads them, each made only when read (issue 14, letters side).

issue_context lists every entry of an issue (``entries``, ``reports``, ``fixes`` ...) but makes an
entry's context only when a template reads it, and works out what it says of all of them (kind,
references, attributes, title) from the entries themselves. These pin both halves: every list and
figure is what the eager lists of contexts gave (written out here as they were), and a case of
many entries makes only the few contexts a letter prints. The golden letters pin the text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from residentlog.deadlines.cases import CaseSummary
from residentlog.deadlines.clocks import StoreClocks, adopt_pack, compute_for_store
from residentlog.documents.letters.builder import Builder, EntryContexts
from residentlog.documents.letters.issues import (
    Issue,
    group_issues,
    issue_context,
    summarise_issues,
    worst_first,
)
from residentlog.documents.letters.types import letter_type
from residentlog.ledger.add import add_entry
from residentlog.ledger.impact import harm_of
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from tests.conftest import NOW, copy_example
from tests.support_render import add_repair_rounds

EXAMPLE_PACK = Path(str(files("residentlog.deadlines.packs") / "example-landlord.toml"))


def _as_it_was(b: Builder, issue: Issue, summary: CaseSummary) -> dict[str, Any]:
    """The lists and figures issue_context gave when it made every entry's context first."""
    ents = [e for e in (b.entry(v.num) for v in issue.views) if e is not None]
    reports = [b.entry(n) for n, _ in summary.reports]
    last = reports[-1] if reports else None
    attrs: dict[str, str] = {}
    for e in ents:
        for name in ("priority", "category", "hazard"):
            if e[name]:
                attrs[name] = e[name]
    return {
        "entries": ents,
        "first": ents[0],
        "reports": reports,
        "report_count": len(reports),
        "first_report": reports[0] if reports else None,
        "last_report": last,
        "fixes": [e for e in ents if e["event"] == "fixed"],
        "not_fixed": [e for e in ents if e["event"] == "not-fixed"],
        "contacts": [e for e in ents if e["kind"] == "contact"],
        "attachments": [a for e in ents for a in e["attachments"]],
        "after_last_report": ents[ents.index(last) + 1 :] if last is not None else [],
        "closed": next(
            (
                e
                for e in reversed(ents)
                if summary.closed_at is not None and e["event"] in ("fixed", "provided")
            ),
            None,
        ),
        "since": (reports[0] if reports else ents[0])["date"],
        "landlord_refs": list(dict.fromkeys(r for e in ents for r in e["landlord_refs"])),
        "other_refs": list(dict.fromkeys(r for e in ents for r in e["other_refs"])),
        "attrs": attrs,
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, EntryContexts) else value


def _issues(store: Store, sc: StoreClocks, to: str) -> Iterator[tuple[Builder, Issue, CaseSummary]]:
    views = list_entries(store, Filters(), NOW)
    b = Builder(store, letter_type("repair-chaser" if to == "landlord" else "ombudsman-referral"), sc, views)
    issues = group_issues(views)
    for issue, summary in zip(issues, summarise_issues(issues, sc), strict=True):
        yield b, issue, summary


@pytest.fixture(scope="module")
def example_sc(
    tmp_path_factory: pytest.TempPathFactory, example_ledger: Path
) -> Iterator[tuple[Store, StoreClocks]]:
    """The example ledger (every kind, cases and entries without one), with the example pack adopted."""
    root = copy_example(example_ledger, tmp_path_factory.mktemp("lazy-entries") / "store")
    with Store.open(root) as store:
        adopt_pack(store, EXAMPLE_PACK, NOW)
        yield store, compute_for_store(store, NOW)


@pytest.fixture
def letters_sc(store: Store) -> tuple[Store, StoreClocks]:
    """Case ``leak`` (reported and fixed twice, routine then an emergency, with references that
    need escaping) and two repairs without a case."""
    adopt_pack(store, EXAMPLE_PACK, NOW)
    add_repair_rounds(
        store,
        {"leak": 2, "": 2},
        priority=lambda i: ("routine", "emergency")[i],
        refs=lambda i: [{"by": "landlord", "ref": "R*1"}, {"by": "police", "ref": f"P|{i}"}],
    )
    return store, compute_for_store(store, NOW)


@pytest.mark.parametrize("to", ["landlord", "ombudsman"])
def test_every_issue_lists_what_it_did(example_sc: tuple[Store, StoreClocks], to: str) -> None:
    store, sc = example_sc
    seen = 0
    for b, issue, summary in _issues(store, sc, to):
        ctx = issue_context(b, issue, summary)
        for key, value in _as_it_was(b, issue, summary).items():
            assert _plain(ctx[key]) == value, (issue.key, key)
        seen += 1
    assert seen >= 8


def test_an_issue_lists_its_latest_attributes_and_escaped_references(
    letters_sc: tuple[Store, StoreClocks],
) -> None:
    store, sc = letters_sc
    for b, issue, summary in _issues(store, sc, "landlord"):
        ctx = issue_context(b, issue, summary)
        for key, value in _as_it_was(b, issue, summary).items():
            assert _plain(ctx[key]) == value, (issue.key, key)
        if issue.key == "leak":
            assert ctx["attrs"] == {"priority": "emergency"}
            assert ctx["landlord_refs"] == ["R\\*1"]
            assert ctx["other_refs"] == ["police ref P\\|0", "police ref P\\|1"]


def test_a_case_of_many_entries_makes_the_contexts_it_prints(store: Store) -> None:
    """60 reports of one leak, none clocked (no pack): its context makes the first and the last
    report's only; an entry read later is made then, once."""
    for i in range(60):
        add_entry(
            store,
            {
                "kind": "repair",
                "summary": f"Leak report {i}",
                "case": "leak",
                "fields": {"event": "reported"},
                "refs": [{"by": "landlord", "ref": f"L-{i % 7}"}],
            },
            when_text=f"{i % 28 + 1}/10/2026 10:{i % 60:02d}",
            now=NOW,
        )
    sc = compute_for_store(store, NOW)
    ((b, issue, summary),) = [x for x in _issues(store, sc, "landlord") if x[1].key == "leak"]
    ctx = issue_context(b, issue, summary)
    assert ctx["report_count"] == 60 and len(ctx["entries"]) == 60
    assert ctx["landlord_refs"] == [f"L-{i}" for i in range(7)]
    assert len(b.entry_cache) == 2  # the first report and the last
    tenth = ctx["entries"][10]
    assert len(b.entry_cache) == 3 and ctx["reports"][10] is tenth is b.entry(tenth["number"])


def test_entry_contexts_read_as_the_list_they_stand_for(letters_sc: tuple[Store, StoreClocks]) -> None:
    store, sc = letters_sc
    views = list_entries(store, Filters(), NOW)
    b = Builder(store, letter_type("repair-chaser"), sc, views)
    ents = b.entries([v.num for v in views] + [999])  # a number not in the letter: left out
    eager = [b.entry(v.num) for v in views]
    assert len(ents) == len(eager) and bool(ents) and not b.entries([])
    assert list(ents) == eager and list(reversed(ents)) == eager[::-1]
    assert ents[0] == eager[0] and ents[-1] == eager[-1]
    assert isinstance(ents[2:5], EntryContexts) and list(ents[2:5]) == eager[2:5]
    assert list(ents.where(lambda v: v.event == "fixed")) == [e for e in eager if e and e["event"] == "fixed"]
    assert ents.index(eager[3]) == 3 and eager[3] in ents


def test_worst_first_reads_the_harms_the_clocks_hold(example_sc: tuple[Store, StoreClocks]) -> None:
    """StoreClocks.harms, not each entry's harm worked out again: the same order."""
    store, sc = example_sc
    issues = group_issues(list_entries(store, Filters(), NOW))
    summaries = dict(zip((i.key for i in issues), summarise_issues(issues, sc), strict=True))

    def severity(issue: Issue) -> tuple[int, int, int]:
        harm = max((h.weight for h in map(harm_of, issue.views) if h is not None), default=0)
        summary = summaries[issue.key]
        late = sum(c.late and c.rule.party == "landlord" for c in summary.clocks)
        return (-harm, -late, 0 if summary.is_open else 1)

    assert sc.harms
    assert worst_first(issues, summaries, sc.harms) == sorted(issues, key=severity)


def test_a_case_summary_the_clocks_hold_is_used_only_for_the_same_entries(
    letters_sc: tuple[Store, StoreClocks],
) -> None:
    store, sc = letters_sc
    issues = group_issues(list_entries(store, Filters(), NOW))
    held = sc.case("leak")
    (leak,) = [s for s in summarise_issues(issues, sc) if s.case == "leak"]
    assert leak == dataclasses.replace(held, unclocked=())
    # A summary of other entries (as one with a policy pack's note in the case would be) is not used.
    other = dataclasses.replace(held, entries=held.entries[:-1], reports=())
    changed = dataclasses.replace(sc, cases=tuple(other if s.case == "leak" else s for s in sc.cases))
    assert summarise_issues(issues, changed) == summarise_issues(issues, sc)
