"""The fixed ledger the rendering tests share, and golden-file comparison."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from residentlog.ledger import record
from residentlog.ledger import store as store_module
from residentlog.ledger.add import add_entry, amend_entry
from residentlog.ledger.profile import update_profile
from residentlog.ledger.store import Store

from .conftest import NOW

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(path: Path, text: str) -> None:
    """``text`` must be exactly the golden file ``path`` (written once if it is missing)."""
    if not path.exists():  # pragma: no cover - to regenerate, delete the file and run once
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


def make_fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A small ledger whose every random part is fixed, so its rendering is byte-stable.

    Eight entries and one correction (nine records: record 4 corrects entry 3, so there is no
    entry 4): a door case (a report, then a photo of the door still open), a lift case (an
    entrapment whose time was corrected; the fault back in January and reported half an hour
    later, one incident), and a CCTV subject access request answered late with a refusal
    letter, the same letter later attached to a note.
    Incidents per month: door 2 in Sep 2019, lift 1 in Dec 2019 and 1 in Jan 2020 (3 bars).
    The uk-gdpr pack's one-month clock on the CCTV request is breached.
    """
    counter = itertools.count()
    monkeypatch.setattr(record, "new_salt", lambda: f"salt-{next(counter):04d}")
    monkeypatch.setattr(store_module, "new_ledger_id", lambda: "0123456789abcdef0123456789abcdef")
    s = Store.create(tmp_path / "store")
    update_profile(
        s.root,
        {
            "name": "Sam Resident",
            "address": "Flat 14\nExample House",
            "landlord": "Example HA",
            "tenancy_ref": "EHA-14",
        },
    )
    photo = tmp_path / "door.png"
    photo.write_bytes(b"\x89PNG fake")
    letter = tmp_path / "refusal letter.txt"
    letter.write_bytes(b"Footage deleted after 30 days.\n")

    def add(kind: str, summary: str, when: str, now: datetime = NOW, **kw: object) -> None:
        add_entry(s, {"kind": kind, "summary": summary, **kw}, when_text=when, now=now)

    add(
        "door",
        "Front door will not lock",
        "3/9/2019 08:15",
        case="front-door",
        fields={"event": "reported", "channel": "phone"},
        refs=[{"by": "landlord", "ref": "DR-1"}],
    )
    add_entry(
        s,
        {"kind": "door", "summary": "Door still pushes open", "case": "front-door", "links": [1]},
        when_text="19/9/2019 18:40",
        attach=[photo],
        now=datetime(2019, 9, 19, 19, 0, tzinfo=UTC),
    )
    add(
        "lift",
        "Lift 2 <stuck> & [bold]trapped[/bold]",
        "14 December 2019 16:20",
        case="lift-2",
        fields={"trapped": 3, "trapped_minutes": 110},
        details="Neighbour and two small children.\nFire brigade.",
    )
    amend_entry(s, 3, reason="Time was 16:25", changes={}, when_text="14 December 2019 16:25", now=NOW)
    add(
        "cctv",
        "Asked for the lift CCTV footage of 14 December",
        "16/12/2019 10:00",
        now=datetime(2019, 12, 16, 10, 30, tzinfo=UTC),
        case="cctv",
        links=[3],
        fields={"event": "requested", "category": "subject-access", "channel": "email"},
    )
    add(
        "lift",
        "Lift 2 out of service again",
        "5/1/2020 08:00",
        now=datetime(2020, 1, 5, 9, 0, tzinfo=UTC),
        case="lift-2",
        links=[3],
        fields={"event": "recurred"},
    )
    add(
        "lift",
        "Reported Lift 2 out of service",
        "5/1/2020 08:30",
        now=datetime(2020, 1, 5, 9, 0, tzinfo=UTC),
        case="lift-2",
        links=[6],
        fields={"event": "reported", "channel": "phone"},
        refs=[{"by": "landlord", "ref": "LFT-2"}],
    )
    add_entry(
        s,
        {
            "kind": "cctv",
            "summary": "Told the footage was deleted after 30 days",
            "case": "cctv",
            "links": [5],
            "fields": {"event": "refused", "category": "subject-access"},
        },
        when_text="20/1/2020 09:00",
        attach=[letter],
        now=datetime(2020, 1, 20, 12, 0, tzinfo=UTC),
    )
    add_entry(
        s,
        {"kind": "note", "summary": "Sent the refusal letter to my councillor", "links": [8]},
        when_text="21/1/2020",
        attach=[letter],
        now=datetime(2020, 1, 21, 20, 0, tzinfo=UTC),
    )
    return s


def add_repair_rounds(
    store: Store,
    rounds: dict[str, int],
    priority: Callable[[int], str] = lambda i: "routine",
    refs: Callable[[int], list[dict[str, str]]] = lambda i: [],
) -> None:
    """For each case (``""``: none) its number of rounds of a repair ``reported`` then ``fixed``,
    one day apart from 1 October 2026: round ``i`` has ``priority(i)`` and references ``refs(i)``."""
    day = 0
    for case, count in rounds.items():
        for i in range(count):
            for event in ("reported", "fixed"):
                day += 1
                add_entry(
                    store,
                    {
                        "kind": "repair",
                        "summary": f"{case or 'Door'} {i} {event}",
                        **({"case": case} if case else {}),
                        "fields": {"event": event, "priority": priority(i)},
                        **({"refs": refs(i)} if refs(i) else {}),
                    },
                    when_text=f"{day}/10/2026 10:00",
                    now=NOW,
                )
