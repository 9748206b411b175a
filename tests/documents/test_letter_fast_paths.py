"""The letter's per-entry work, made once (issue 14, rendering side): the same text as before.

The golden letters (test_letters.py) pin the text; these pin the shortcuts themselves: md_escape's
scan for text it would not change, a rule quoted by thousands of clocks worded once, and the
issues' case summaries made in one pass over the store."""

from __future__ import annotations

import dataclasses
import random
import re
from importlib.resources import files
from pathlib import Path

import pytest

from residentlog.deadlines.cases import CaseSummary, summarise_case
from residentlog.deadlines.clocks import StoreClocks, adopt_pack, compute_for_store
from residentlog.documents.letters import builder as builder_module
from residentlog.documents.letters.builder import Builder, entry_context
from residentlog.documents.letters.issues import Issue, group_issues, issue_context, summarise_issues
from residentlog.documents.letters.types import letter_type
from residentlog.documents.markup import md_escape
from residentlog.ledger.store import Store
from residentlog.ledger.views import Filters, list_entries
from residentlog.text import visible
from tests.conftest import NOW
from tests.support_render import add_repair_rounds


def _md_escape_as_it_was(text: str, *, multiline: bool = False) -> str:
    """md_escape before its fast path: every substitution, always."""
    text = re.sub(r"([\\`*<&\[\]|])", r"\\\1", visible(text, multiline=multiline))
    text = re.sub(r"^(\s*)([#>+\-:|])", lambda m: m.group(1) + "\\" + m.group(2), text, flags=re.MULTILINE)
    return re.sub(r"^(\s*\d+)([.)])", lambda m: m.group(1) + "\\" + m.group(2), text, flags=re.MULTILINE)


TRICKY = [
    "",
    "Leak under the sink",
    "Flat 1-2",
    "- a list?",
    "  # heading",
    "1. first",
    "12) twelve",
    "2026. A year",
    "a\n- b",
    "a\n3. c",
    "<script>alert(1)</script>",
    "**bold** and `code` and [link](x) | cell & more",
    "back\\slash",
    "esc \x1b[31m red",
    "bidi \u202e reversed",
    "tab\there",
    "line\u2028sep",
    ":::box",
    "> quote",
    "+ plus",
    "\x1c1. after a file separator",
    "\u00a0- after a no-break space",
    "emoji 🙂 and ünïcödé",
    "٣. Arabic-Indic digit",
]


@pytest.mark.parametrize("multiline", [False, True])
def test_md_escape_is_what_it_was(multiline: bool) -> None:
    rng = random.Random(14)
    alphabet = "ab 1.)-#>+:|\\`*<&[]\n\t\x1b\u202e\u2028\u00a0٣"
    texts = TRICKY + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for text in texts:
        assert md_escape(text, multiline=multiline) == _md_escape_as_it_was(text, multiline=multiline), text


@pytest.fixture
def letters_sc(store: Store) -> tuple[Store, StoreClocks]:
    """Case ``leak``: a routine repair reported and fixed three times (entries 2 to 7), each report
    starting a clock; then a repair with no case, reported and fixed twice (entries 8 to 11)."""
    adopt_pack(store, Path(str(files("residentlog.deadlines.packs") / "example-landlord.toml")), NOW)
    add_repair_rounds(store, {"leak": 3, "": 2})
    return store, compute_for_store(store, NOW)


def _summaries_as_they_were(issues: list[Issue], sc: StoreClocks) -> list[CaseSummary]:
    """summarise_issues before it made one pass: every entry and clock copied, once per issue."""
    out = []
    for issue in issues:
        nums = {v.num for v in issue.views}
        facts = [dataclasses.replace(f, case=issue.key) for f in sc.entries if f.number in nums]
        if issue.case is not None:
            clocks = [c for c in sc.clocks if c.case == issue.case]
        else:
            clocks = [c for c in sc.clocks if c.case is None and c.start_entry in nums]
        clocks = [dataclasses.replace(c, case=issue.key) for c in clocks]
        out.append(summarise_case(issue.key, facts, clocks, sc.now))
    return out


def test_issue_summaries_are_what_they_were(letters_sc: tuple[Store, StoreClocks]) -> None:
    store, sc = letters_sc
    issues = group_issues(list_entries(store, Filters(), NOW))
    assert [i.key for i in issues] == ["leak", "~repair", "~note"]
    summaries = summarise_issues(issues, sc)
    assert summaries == _summaries_as_they_were(issues, sc)
    assert len(summaries[0].clocks) == 3
    assert summaries[1].clocks and all(c.case == "~repair" for c in summaries[1].clocks)


def test_a_rule_is_worded_once_however_many_clocks_quote_it(
    letters_sc: tuple[Store, StoreClocks], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, sc = letters_sc
    views = list_entries(store, Filters(), NOW)
    worded: list[str] = []
    real = builder_module.rule_context
    monkeypatch.setattr(
        builder_module,
        "rule_context",
        lambda pack, rule, *a, **k: worded.append(rule.id) or real(pack, rule, *a, **k),
    )
    b = Builder(store, letter_type("repair-chaser"), sc, views)
    issues = group_issues(views)
    for issue, summary in zip(issues, summarise_issues(issues, sc), strict=True):
        issue_context(b, issue, summary)
    assert len(sc.clocks) > len(set(worded))
    assert sorted(worded) == sorted(set(worded))  # each rule once
    c = sc.clocks[0]
    assert b.rule(c.pack_id, c.pack_version, c.rule) is b.rule(c.pack_id, c.pack_version, c.rule)
    assert list(b.cited) == [("example-landlord", c.pack_version)]
    assert len(b.warnings) == len(set(b.warnings))


def test_an_entry_read_once_is_the_entry(letters_sc: tuple[Store, StoreClocks]) -> None:
    """The builder's context of an entry (made once, when first cited) is entry_context's."""
    store, sc = letters_sc
    views = list_entries(store, Filters(), NOW)
    b = Builder(store, letter_type("repair-chaser"), sc, views)
    for v in views:
        assert b.entry(v.num) == entry_context(v, "landlord")
