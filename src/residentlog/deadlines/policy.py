"""Policy packs: timeframes from one document (a code, a statute, a landlord's policy) as data.

A pack is a TOML file read with the standard library's ``tomllib`` and validated by the Pydantic
models below (unknown fields are errors). ``docs/policy-packs.md`` describes the format field by
field; :func:`template_text` returns a commented template for a resident to fill in.

Every problem with a pack raises :class:`~residentlog.errors.PolicyError` with a one-line message
naming the file, the rule and the field. Packs shipped with residentlog live in
``residentlog/deadlines/packs/*.toml`` inside the package, so a wheel carries them.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from residentlog.errors import NotFound, PolicyError
from residentlog.ledger.vocabulary import EVENTS, KINDS  # a rule naming anything else is a typo

FORMAT_VERSION = 1

ANY_KIND = "*"

Unit = Literal["hours", "calendar_days", "working_days", "calendar_months"]
Jurisdiction = Literal["england", "wales", "scotland", "northern-ireland", "uk"]
CalendarChoice = Literal["nation", "england-wales", "scotland", "northern-ireland", "any-uk"]
Confidence = Literal["high", "medium", "low", "unconfirmed"]
Party = Literal["landlord", "resident"]

UNIT_WORDS: Mapping[str, tuple[str, str]] = {
    "hours": ("hour", "hours"),
    "calendar_days": ("calendar day", "calendar days"),
    "working_days": ("working day", "working days"),
    "calendar_months": ("calendar month", "calendar months"),
}

PLACEHOLDER = "FILL IN"
_SLUG = r"^[a-z0-9][a-z0-9._-]*$"

NonEmpty = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(pattern=_SLUG, max_length=80)]
AttrValue = str | tuple[str, ...]


def _one_or_many(v: Any) -> Any:
    """A list field given one value, as TOML allows (``start = "reported"``): that value alone."""
    return (v,) if isinstance(v, str) else v


#: A tuple field that also takes a single string.
OneOrMany = BeforeValidator(_one_or_many)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def describe_amount(amount: int, unit: str) -> str:
    """``10 working days``, ``1 calendar month``, ``24 hours``."""
    one, many = UNIT_WORDS[unit]
    return f"{amount} {one if amount == 1 else many}"


class Allowance(_Model):
    """How long the clock allows: ``{ amount = 10, unit = "working_days" }``."""

    amount: int = Field(gt=0, le=100_000)
    unit: Unit

    def describe(self) -> str:
        return describe_amount(self.amount, self.unit)


class Match(_Model):
    """Which entries a rule applies to: one or more kinds, and attribute values they must have.

    Each attribute (``priority``, ``category``, ``stage``, ``hazard``, ``direction``, ``channel``,
    or any other under ``attrs``) takes one value or a list of accepted values.
    """

    kinds: Annotated[tuple[str, ...], OneOrMany] = Field(min_length=1)
    priority: AttrValue | None = None
    category: AttrValue | None = None
    stage: AttrValue | None = None
    hazard: AttrValue | None = None
    direction: AttrValue | None = None
    channel: AttrValue | None = None
    attrs: dict[str, AttrValue] = Field(default_factory=dict)

    @field_validator("priority", "category", "stage", "hazard", "direction", "channel", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        return _stringify_values(v)

    @field_validator("attrs", mode="before")
    @classmethod
    def _stringify_attrs(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: _stringify_values(x) for k, x in v.items()}
        return v

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for k in v:
            if k != ANY_KIND and k not in KINDS:
                raise ValueError(f"unknown kind {k!r}; known kinds: {', '.join(sorted(KINDS))} (or '*')")
        return v

    @field_validator("priority", "category", "stage", "hazard", "direction", "channel")
    @classmethod
    def _non_empty(cls, v: AttrValue | None) -> AttrValue | None:
        if isinstance(v, tuple) and not v:
            raise ValueError("give at least one value")
        return v

    def constraints(self) -> dict[str, tuple[str, ...]]:
        """Every attribute constraint, as ``{attr: accepted values}``."""
        out: dict[str, tuple[str, ...]] = {}
        for name in ("priority", "category", "stage", "hazard", "direction", "channel"):
            value = getattr(self, name)
            if value is not None:
                out[name] = (value,) if isinstance(value, str) else value
        for name, value in self.attrs.items():
            out[name] = (value,) if isinstance(value, str) else value
        return out

    def kind_ok(self, kind: str) -> bool:
        return ANY_KIND in self.kinds or kind in self.kinds

    def matches(self, kind: str, attrs: Mapping[str, str]) -> bool:
        """Strict match (for start events): the kind fits and every constrained attribute is present
        with an accepted value."""
        if not self.kind_ok(kind):
            return False
        return all(attrs.get(k) in values for k, values in self.constraints().items())

    def compatible(self, kind: str, attrs: Mapping[str, str]) -> bool:
        """Lenient match (for stop and extension events): the kind fits and no attribute the entry
        carries contradicts the rule. An entry without the attribute is compatible."""
        if not self.kind_ok(kind):
            return False
        return all(k not in attrs or attrs[k] in values for k, values in self.constraints().items())

    def describe(self) -> str:
        kinds = "any entry" if ANY_KIND in self.kinds else "/".join(self.kinds)
        parts = [f"{k} = {' or '.join(v)}" for k, v in self.constraints().items()]
        return kinds + (f" with {', '.join(parts)}" if parts else "")


def _stringify_values(v: Any) -> Any:
    """TOML lets a resident write ``stage = 1``; attribute values are compared as strings."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return tuple(str(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v)
    return v


class Citation(_Model):
    """What to quote: the section or paragraph, a short wording, and where to find it."""

    section: NonEmpty
    wording: NonEmpty
    url: str | None = None
    document: str | None = None
    see_also: tuple[str, ...] = ()
    confidence: Confidence

    @field_validator("url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://\S+$", v):
            raise ValueError("must be a web address starting http:// or https://")
        return v

    @model_validator(mode="after")
    def _somewhere(self) -> Citation:
        if not self.url and not self.document:
            raise ValueError("url: give a url or a document reference (where the wording can be found)")
        return self


class Extension(_Model):
    """How far the clock may be extended, by which event, and what the extension notice needs."""

    amount: int | None = Field(default=None, gt=0, le=100_000)
    unit: Unit | None = None
    event: str = "extended"
    reasons_required: bool = False
    ombudsman_details_required: bool = False
    confidence: Confidence | None = None
    note: str = ""

    @field_validator("event")
    @classmethod
    def _known_event(cls, v: str) -> str:
        return _check_event(v)

    @model_validator(mode="after")
    def _unit_with_amount(self) -> Extension:
        if (self.amount is None) != (self.unit is None):
            raise ValueError("unit: give both amount and unit, or neither (no fixed cap)")
        return self

    def describe(self) -> str:
        if self.amount is None or self.unit is None:
            return "no fixed cap"
        return f"up to {describe_amount(self.amount, self.unit)}"


def _check_event(v: str) -> str:
    if v not in EVENTS:
        raise ValueError(f"unknown event {v!r}; known events: {', '.join(sorted(EVENTS))}")
    return v


class Rule(_Model):
    """One clock: which entries start it, which stop it, how long it allows, and its source."""

    id: Slug
    title: NonEmpty
    party: Party = "landlord"
    applies_to: tuple[Match, ...] = Field(min_length=1)
    start: Annotated[tuple[str, ...], OneOrMany] = Field(min_length=1)
    stop: Annotated[tuple[str, ...], OneOrMany] = Field(min_length=1)
    allowed: Allowance
    calendar: CalendarChoice = "nation"
    day_zero: Literal["event-day", "next-working-day"] = "event-day"
    after_hours: time | None = None
    inclusive: bool = False
    roll_forward: bool = False
    extension: Extension | None = None
    citation: Citation
    notes: str = ""

    @field_validator("start", "stop")
    @classmethod
    def _known_events(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for e in v:
            _check_event(e)
        return v

    @field_validator("after_hours", mode="before")
    @classmethod
    def _hhmm(cls, v: Any) -> Any:
        if isinstance(v, str) and re.fullmatch(r"\d{1,2}:\d{2}", v.strip()):
            hh, mm = v.strip().split(":")
            return time(int(hh), int(mm))
        return v

    @model_validator(mode="after")
    def _coherent(self) -> Rule:
        unit = self.allowed.unit
        if unit == "hours":
            for name in ("after_hours", "inclusive", "roll_forward"):
                if getattr(self, name) not in (None, False):
                    raise ValueError(f"{name}: does not apply to an hours rule (hours run round the clock)")
            if self.day_zero != "event-day":
                raise ValueError("day_zero: does not apply to an hours rule (hours run from the event)")
        if self.inclusive and unit != "calendar_days":
            raise ValueError("inclusive: only applies to calendar_days rules")
        if self.roll_forward and unit == "working_days":
            raise ValueError("roll_forward: a working-days rule always ends on a working day")
        overlap = set(self.start) & set(self.stop)
        if overlap:
            raise ValueError(f"stop: event {sorted(overlap)[0]!r} cannot both start and stop the clock")
        if self.extension is not None and self.extension.event in self.start + self.stop:
            raise ValueError("extension.event: must differ from the start and stop events")
        return self

    @property
    def unit(self) -> str:
        return self.allowed.unit

    def match_for(self, kind: str, attrs: Mapping[str, str]) -> Match | None:
        """The first ``applies_to`` alternative that strictly matches the entry, if any."""
        for alt in self.applies_to:
            if alt.matches(kind, attrs):
                return alt
        return None


class Fact(_Model):
    """A figure or a piece of text a letter quotes from the document, with its source: an address,
    a time limit, a retention period. Facts with the same ``id`` are versions of one fact; the one
    in force on a day is found with :func:`find_fact`."""

    id: Slug
    title: NonEmpty
    value: StrictInt | StrictStr
    effective_from: date | None = None
    effective_to: date | None = None
    citation: Citation

    @field_validator("value")
    @classmethod
    def _value(cls, v: int | str) -> int | str:
        if isinstance(v, str) and not v.strip():
            raise ValueError("give a value (text or a whole number)")
        return v.strip() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _dates(self) -> Fact:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to: is before effective_from")
        return self

    def in_force(self, on: date) -> bool:
        """True if the fact holds on day ``on`` (both ends inclusive; a missing end is open)."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        return not (self.effective_to is not None and on > self.effective_to)


#: Attributes a pack's ``[[defaults]]`` may fill in, and the values each may take (``None``: any).
DEFAULTABLE: Mapping[str, tuple[str, ...] | None] = {
    "priority": ("emergency", "urgent", "routine"),
    "category": None,
    "hazard": ("emergency", "significant"),
}


class Default(_Model):
    """A value the document gives an entry that does not say: "communal doors are emergencies".

    Before the pack's rules are matched, an entry that fits one of ``applies_to`` and gives every
    fact named in ``has`` gets each attribute in ``set`` that it (or its case) does not already
    have. A value the resident gave always wins. ``because`` says, in the document's terms, why:
    a clock started through a default quotes it.
    """

    id: Slug
    applies_to: tuple[Match, ...] = Field(min_length=1)
    has: Annotated[tuple[Slug, ...], OneOrMany] = ()
    set: dict[str, str] = Field(min_length=1)
    because: NonEmpty
    citation: Citation | None = None

    @field_validator("set")
    @classmethod
    def _known_attrs(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if name not in DEFAULTABLE:
                raise ValueError(f"a default can set {', '.join(DEFAULTABLE)}, not {name!r}")
            allowed = DEFAULTABLE[name]
            if allowed is not None and value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            if not value.strip():
                raise ValueError(f"{name}: give a value")
        return v

    def applies(self, kind: str, attrs: Mapping[str, str]) -> bool:
        """Does the entry fit an ``applies_to`` alternative and give every fact in ``has``?"""
        if not any(alt.matches(kind, attrs) for alt in self.applies_to):
            return False
        return all(attrs.get(name, "").strip().lower() not in ("", "0", "false", "no") for name in self.has)

    def describe(self) -> str:
        """``lift with trapped given: priority = emergency``."""
        which = "; or ".join(alt.describe() for alt in self.applies_to)
        if self.has:
            which += f" ({' and '.join(self.has)} given)"
        return f"{which}: " + ", ".join(f"{k} = {v}" for k, v in self.set.items())


class Pack(_Model):
    """A set of timeframes from one document, in force for a period."""

    format: int = FORMAT_VERSION
    id: Slug
    title: NonEmpty
    publisher: NonEmpty
    version: NonEmpty
    jurisdiction: Jurisdiction
    effective_from: date | None = None
    effective_to: date | None = None
    source: NonEmpty
    example: bool = False
    notes: str = ""
    rules: tuple[Rule, ...] = ()
    facts: tuple[Fact, ...] = ()
    defaults: tuple[Default, ...] = ()
    # Events that fix the version for the rest of their case: a complaint made under one version of
    # a code is handled under it to the end. Empty: each entry uses the version in force on its day.
    version_set_by: Annotated[tuple[str, ...], OneOrMany] = ()

    _origin: str = PrivateAttr(default="")

    @field_validator("format")
    @classmethod
    def _format(cls, v: int) -> int:
        if v != FORMAT_VERSION:
            raise ValueError(f"this residentlog reads pack format {FORMAT_VERSION}, not {v}")
        return v

    @field_validator("version_set_by")
    @classmethod
    def _known_setting_events(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for e in v:
            _check_event(e)
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float | date) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _coherent(self) -> Pack:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to: is before effective_from")
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(f"rules[{i}].id: {rule.id!r} is used by two rules; give each its own id")
            seen.add(rule.id)
        named: set[str] = set()
        for i, default in enumerate(self.defaults):
            if default.id in named:
                raise ValueError(
                    f"defaults[{i}].id: {default.id!r} is used by two defaults; give each its own id"
                )
            named.add(default.id)
        if not self.rules and not self.facts:
            raise ValueError("rules: give at least one rule (or, for a pack of facts only, [[facts]])")
        starts: set[tuple[str, date | None]] = set()
        for i, fact in enumerate(self.facts):
            key = (fact.id, fact.effective_from)
            if key in starts:
                raise ValueError(
                    f"facts[{i}].effective_from: fact {fact.id!r} has two versions taking effect on the same "
                    "day; give each version its own effective_from"
                )
            starts.add(key)
        return self

    @property
    def origin(self) -> str:
        """The file (or resource) the pack was loaded from; empty if built in code."""
        return self._origin

    def in_force(self, on: date) -> bool:
        """True if the pack covers day ``on`` (both ends inclusive; a missing end is open)."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        return not (self.effective_to is not None and on > self.effective_to)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise NotFound(f"pack {self.id!r} has no rule {rule_id!r}")

    def label(self) -> str:
        """``Complaint Handling Code, version 2024``."""
        return f"{self.title}, version {self.version}"


# ---------------------------------------------------------------------------------------------
# Loading


def parse_pack(text: str, origin: str = "<text>") -> Pack:
    """Parse and validate pack TOML ``text``; ``origin`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(_syntax_message(text, origin, exc)) from None
    _reject_placeholders(data, origin)
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_validation_message(exc, data, origin)) from None
    pack._origin = origin
    return pack


def load_pack(path: str | os.PathLike[str] | Traversable) -> Pack:
    """Read and validate the pack file at ``path`` (a path or an ``importlib.resources`` file).

    Raises :class:`~residentlog.errors.NotFound` if it does not exist and
    :class:`~residentlog.errors.PolicyError` naming the file, rule and field for any problem in it.
    """
    if isinstance(path, str | os.PathLike):
        target: Path | Traversable = Path(path)
    else:
        target = path
    name = str(target)
    if not target.is_file():
        raise NotFound(f"{name}: no such policy pack file")
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{name}: cannot read the pack ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{name}: not UTF-8 text; save the pack as UTF-8") from None
    return parse_pack(text, name)


def list_shipped_packs() -> list[Pack]:
    """Every pack shipped inside residentlog (``residentlog/deadlines/packs/*.toml``), sorted by id."""
    return list(_shipped())


@functools.cache
def _shipped() -> tuple[Pack, ...]:
    packs = [load_pack(res) for res in _shipped_pack_files()]
    return tuple(sorted(packs, key=lambda p: (p.id, p.effective_from or date.min)))


def shipped_pack(pack_id: str) -> Pack:
    """The shipped pack with id ``pack_id`` (the latest version if there are several)."""
    found = [p for p in list_shipped_packs() if p.id == pack_id]
    if not found:
        known = ", ".join(sorted({p.id for p in list_shipped_packs()}))
        raise NotFound(f"no shipped policy pack {pack_id!r}; shipped packs: {known}")
    return found[-1]


def _packs_dir() -> Traversable:
    return files("residentlog.deadlines").joinpath("packs")


def _shipped_pack_files() -> list[Traversable]:
    return sorted(
        (res for res in _packs_dir().iterdir() if res.name.endswith(".toml") and res.is_file()),
        key=lambda r: r.name,
    )


def template_text() -> str:
    """A fully commented pack template to fill in from a landlord's repairs or complaints policy.

    Every value starting ``"FILL IN: …"`` must be replaced before the pack loads; the numbers in it are
    typical examples (with sources) to check against the landlord's own document.
    """
    return _packs_dir().joinpath("template.toml.in").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Choosing the pack in force


def pack_in_force(packs: Iterable[Pack], on: date, pack_id: str | None = None) -> Pack | None:
    """The version of a pack in force on day ``on``, or ``None``.

    ``packs`` are versions of one document (or pass ``pack_id`` to pick them out of a mixed list).
    Of the versions whose effective period covers ``on``, the one that took effect last wins; two
    versions taking effect on the same day is an error.
    """
    candidates = [p for p in packs if (pack_id is None or p.id == pack_id) and p.in_force(on)]
    if not candidates:
        return None
    ids = {p.id for p in candidates}
    if len(ids) > 1:
        raise PolicyError(f"pack_in_force: packs {sorted(ids)} are different documents; pass pack_id")
    candidates.sort(key=lambda p: p.effective_from or date.min)
    best = candidates[-1]
    rivals = [p for p in candidates[:-1] if p.effective_from == best.effective_from]
    if rivals:
        where = best.origin or best.id
        raise PolicyError(
            f"{where}: versions {rivals[0].version!r} and {best.version!r} of pack {best.id!r} "
            f"both take effect on {best.effective_from}; set effective_to on the older one"
        )
    return best


def find_fact(packs: Sequence[Pack], fact_id: str, on: date) -> tuple[Pack, Fact] | None:
    """The version of fact ``fact_id`` in force on day ``on``, with its pack, or ``None``.

    A fact is in force when its pack is and its own ``effective_from``/``effective_to`` cover ``on``.
    Of those, the one that took effect last wins (its own start, else its pack's); on a tie, the
    pack later in ``packs`` wins, so a caller lists the packs that override others last.
    """
    best: tuple[date, int, Pack, Fact] | None = None
    for index, pack in enumerate(packs):
        if not pack.in_force(on):
            continue
        for fact in pack.facts:
            if fact.id != fact_id or not fact.in_force(on):
                continue
            start = fact.effective_from or pack.effective_from or date.min
            if best is None or (start, index) >= (best[0], best[1]):
                best = (start, index, pack, fact)
    return None if best is None else (best[2], best[3])


def packs_in_force(packs: Iterable[Pack], on: date) -> tuple[Pack, ...]:
    """For each pack id, the version in force on ``on`` (see :func:`pack_in_force`), by id."""
    by_id: dict[str, list[Pack]] = {}
    for p in packs:
        by_id.setdefault(p.id, []).append(p)
    out = []
    for pid in sorted(by_id):
        chosen = pack_in_force(by_id[pid], on)
        if chosen is not None:
            out.append(chosen)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Error messages


def _rule_label(data: Any, index: Any) -> str:
    rules = data.get("rules") if isinstance(data, dict) else None
    if isinstance(index, int) and isinstance(rules, list) and 0 <= index < len(rules):
        rule = rules[index]
        if isinstance(rule, dict) and isinstance(rule.get("id"), str) and rule["id"].strip():
            return f"rule '{rule['id'].strip()}'"
        return f"rule #{index + 1} (no id)"
    return f"rule #{index}"


def _where(data: Any, loc: Sequence[Any]) -> tuple[str, list[str]]:
    """(rule label, field path parts) for a location inside the pack data."""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        return _rule_label(data, loc[1]), [str(x) for x in loc[2:]]
    if len(loc) >= 2 and loc[0] == "defaults" and isinstance(loc[1], int):
        items = data.get("defaults") if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and 0 <= loc[1] < len(items) else None
        name = item.get("id") if isinstance(item, dict) else None
        named = isinstance(name, str) and bool(name.strip())
        label = f"default '{str(name).strip()}'" if named else f"default #{loc[1] + 1}"
        return label, [str(x) for x in loc[2:]]
    if len(loc) >= 2 and loc[0] == "facts" and isinstance(loc[1], int):
        facts = data.get("facts") if isinstance(data, dict) else None
        fact = facts[loc[1]] if isinstance(facts, list) and 0 <= loc[1] < len(facts) else None
        name = fact.get("id") if isinstance(fact, dict) else None
        label = f"fact '{name.strip()}'" if isinstance(name, str) and name.strip() else f"fact #{loc[1] + 1}"
        return label, [str(x) for x in loc[2:]]
    return "pack header", [str(x) for x in loc]


def _field_path(parts: Sequence[str]) -> str:
    out = ""
    for part in parts:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_MESSAGES = {
    "missing": "missing (this field is required)",
    "extra_forbidden": "unknown field (not part of the pack format; check the spelling)",
}


def _clean_loc(loc: Sequence[Any]) -> list[Any]:
    """Drop the type names Pydantic adds to locations inside union fields (``str``, ``tuple[...]``)."""
    return [x for x in loc if not (isinstance(x, str) and (x in _TYPE_NAMES or "[" in x))]


_TYPE_NAMES = frozenset({"str", "constrained-str", "int", "bool", "date", "time"})


def _validation_message(exc: ValidationError, data: Any, origin: str) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = _clean_loc(first["loc"])
    msg = _MESSAGES.get(first["type"], first["msg"])
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
        # Cross-field checks name their field first: "inclusive: only applies to ...", or
        # "rules[2].id: ..." for a problem found at pack level but belonging to a rule.
        m = re.match(r"^([a-z_][a-z_.0-9\[\]]*): (.*)$", msg)
        if m:
            extra = [int(x) if x.isdigit() else x for x in re.findall(r"[a-z_]+|\d+", m.group(1))]
            loc = [*loc, *extra]
            msg = m.group(2)
    rule, parts = _where(data, loc)
    if first["type"] not in _MESSAGES and "input" in first and not isinstance(first["input"], dict | list):
        msg = f"{msg} (got {first['input']!r})"
    field = _field_path(parts) or "(whole pack)"
    first_loc = tuple(_clean_loc(first["loc"]))
    # Ignore follow-on errors at the same place or an enclosing one (a failed item also makes its
    # list "too short").
    others = {loc2 for e in errors[1:] if (loc2 := tuple(_clean_loc(e["loc"]))) != first_loc[: len(loc2)]}
    more = f" (and {len(others)} more problem{'s' if len(others) > 1 else ''})" if others else ""
    return f"{origin}: {rule}, field '{field}': {msg}{more}"


def _syntax_message(text: str, origin: str, exc: tomllib.TOMLDecodeError) -> str:
    detail = str(exc)
    m = re.search(r"line (\d+), column (\d+)", detail)
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", detail) or "invalid TOML"
    if not m:
        return f"{origin}: TOML syntax error: {reason}"
    line_no = int(m.group(1))
    lines = text.splitlines()
    rule = "pack header"
    rule_start = None
    for i in range(min(line_no, len(lines)) - 1, -1, -1):
        if re.match(r"^\s*\[\[\s*rules\s*\]\]", lines[i]):
            rule_start = i
            break
    if rule_start is not None:
        rule = "rule (no id)"
        for line in lines[rule_start + 1 :]:
            if re.match(r"^\s*\[", line):
                break
            idm = re.match(r"""^\s*id\s*=\s*["']([^"']+)["']""", line)
            if idm:
                rule = f"rule '{idm.group(1)}'"
                break
    field = "?"
    if 0 < line_no <= len(lines):
        km = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*=", lines[line_no - 1])
        if km:
            field = km.group(1)
    return f"{origin}: line {line_no}: TOML syntax error ({reason}) in {rule}, field '{field}'"


def _reject_placeholders(data: Any, origin: str) -> None:
    def walk(node: Any, loc: list[Any]) -> list[Any] | None:
        if isinstance(node, str) and (node.lstrip().startswith(PLACEHOLDER) or "FILL-IN" in node):
            return loc
        if isinstance(node, dict):
            for k, v in node.items():
                found = walk(v, [*loc, k])
                if found is not None:
                    return found
        if isinstance(node, list):
            for i, v in enumerate(node):
                found = walk(v, [*loc, i])
                if found is not None:
                    return found
        return None

    loc = walk(data, [])
    if loc is not None:
        rule, parts = _where(data, loc)
        raise PolicyError(
            f"{origin}: {rule}, field '{_field_path([str(p) for p in parts])}': "
            f"still says '{PLACEHOLDER}'; replace it with the value from your landlord's document"
        )
