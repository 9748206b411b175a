"""What an entry may contain, validated by Pydantic before anything is written.

An entry has common fields (summary, details, location, tags, case, links, references,
attachments, when it happened) and kind-specific fields. Each kind has its own model with
``extra="forbid"``, so a field that does not apply to a kind is an error, not silently stored.

The vocabulary here is what the deadline engine reads: an incident's ``event`` says what
happened in this entry ("reported" to the landlord, landlord "attended", "fixed", "not-fixed",
problem "recurred", ...); a complaint's ``stage`` and ``step`` say where the complaint is.

All text is normalised to Unicode NFC at input (see docs/format.md) and must be valid UTF-8.
No text may hold a C0 control (U+0000–U+001F; multi-line text may hold newline and tab), DEL
or a C1 control (U+007F–U+009F); single-line text also no line or paragraph separator (U+2028,
U+2029) and no bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069). The same
characters, and bidi controls anywhere, are what every output shows as ``\x1b`` notation
(:func:`residentlog.text.visible`).
"""

# No `from __future__ import annotations` here: Pydantic reads these annotations at runtime, and
# given as objects rather than strings they need not be evaluated again when a model is built.

import re
import unicodedata
from typing import Annotated, Any, Literal, NamedTuple, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from residentlog.errors import InputError
from residentlog.text import CONTROLS, HIDDEN_IN_LINE, a_or_an, notation

REF_SYSTEMS: tuple[str, ...] = ("landlord", "police", "ombudsman", "council", "contractor", "other")

Event = Literal[
    "observed",  # the problem happened or was seen (the default)
    "reported",  # reported to the landlord (say how with channel, and give its reference)
    "acknowledged",  # landlord acknowledged the report or request
    "attended",  # landlord or contractor attended
    "fixed",  # the problem was fixed
    "not-fixed",  # attended or claimed fixed, but it was not
    "recurred",  # the problem came back
    "requested",  # something was requested (footage, records, a repair)
    "provided",  # what was requested was provided
    "refused",  # a request was refused (or footage was deleted)
    "chased",  # the resident chased an earlier report or request
]
Channel = Literal["phone", "email", "letter", "online", "in-person", "app", "social-media", "other"]
Priority = Literal["emergency", "urgent", "routine"]
Step = Literal["raised", "acknowledged", "extended", "responded", "escalated", "ombudsman"]
#: Every event an entry can record: an incident's ``event`` or a complaint's ``step``.
EVENTS: frozenset[str] = frozenset(get_args(Event)) | frozenset(get_args(Step))

_SLUG = re.compile(r"^[^\W_][\w.-]{0,59}$")


def _refuse(value: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(value)
    if found:
        raise ValueError(f"contains control characters ({notation(found.group())}): remove them")


def _clean(value: str) -> str:
    """NFC-normalise and reject text that is not valid UTF-8 or holds control characters."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid UTF-8 text") from None
    value = unicodedata.normalize("NFC", value)
    _refuse(value, CONTROLS)
    return value


def _line(value: str) -> str:
    value = _clean(value).strip()
    if "\n" in value or "\t" in value:
        raise ValueError("must be a single line")
    _refuse(value, HIDDEN_IN_LINE)  # also bidi controls and line separators
    return value


def check_line(value: str, field: str) -> str:
    """One line of text given outside a model (an amendment's reason), NFC and stripped, or
    InputError naming ``field``."""
    try:
        return _line(value)
    except ValueError as exc:
        raise InputError(str(exc), field=field) from None


def check_attachment_name(name: str) -> str:
    """An attachment's file name, NFC, or InputError: no control or bidi character at all."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"attachment name {name!r} is not valid UTF-8; rename the file") from None
    name = unicodedata.normalize("NFC", name)
    found = HIDDEN_IN_LINE.search(name)
    if found:
        raise InputError(
            f"attachment name {name!r} contains a control character ({notation(found.group())}); "
            "rename the file"
        )
    return name


def _required_line(value: str) -> str:
    value = _line(value)
    if not value:
        raise ValueError("must not be empty")
    return value


def _slug(value: str) -> str:
    value = _line(value)
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a short name (letters, digits, '-', '.', '_'; at most 60; e.g. lift-2)"
        )
    return value


Text = Annotated[str, AfterValidator(_clean)]
Line = Annotated[str, AfterValidator(_line)]
RequiredLine = Annotated[str, AfterValidator(_required_line)]
Slug = Annotated[str, AfterValidator(_slug)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Reference(_Strict):
    """A reference number given by someone else: the landlord's job number, a police CAD."""

    by: Literal["landlord", "police", "ombudsman", "council", "contractor", "other"]
    ref: RequiredLine = Field(max_length=120)


# -- kind-specific fields -------------------------------------------------------------------


class _Incident(_Strict):
    event: Event = Field(default="observed", description="What this entry records (default: observed).")
    channel: Channel | None = Field(default=None, description="How it was reported or happened.")
    priority: Priority | None = Field(default=None, description="The landlord's priority.")
    category: Slug | None = Field(default=None, description="A category, e.g. communal-door.")
    # Which incident this entry is about (docs/format.md, "Incidents"): worked out unless said.
    incident: int | None = Field(
        default=None, ge=1, description="The number of an entry of the incident this is about."
    )
    new_incident: bool | None = Field(
        default=None, description="A new incident, even if an earlier one is not yet fixed."
    )
    # The harm it did: what letters and the chronology lead with.
    injured: int | None = Field(default=None, ge=1, le=1000, description="Number of people injured.")
    children: int | None = Field(default=None, ge=1, le=1000, description="Number of children affected.")
    vulnerable: Line | None = Field(
        default=None, max_length=120, description="Vulnerable people affected, e.g. 'elderly neighbours'."
    )
    police: bool | None = Field(
        default=None, description="Police involved (give their reference with --ref police:...)."
    )
    safety_risk: Line | None = Field(
        default=None, max_length=200, description="A risk to safety, e.g. 'replica gun in the bin store'."
    )
    cost_pence: int | None = Field(
        default=None, ge=0, le=10**11, description="Cost to you, in pence (the CLI takes pounds: 45.00)."
    )


class LiftFields(_Incident):
    lift: Line | None = Field(default=None, max_length=60, description="Which lift.")
    out_of_service: bool | None = Field(default=None, description="Out of service?")
    trapped: int | None = Field(default=None, ge=1, le=1000, description="Number of people trapped.")
    trapped_minutes: int | None = Field(
        default=None, ge=1, le=100_000, description="How long they were trapped, in minutes."
    )


class DoorFields(_Incident):
    door: Line | None = Field(default=None, max_length=60, description="Which door.")


class AsbFields(_Incident):
    witness: Literal["first-hand", "reported"] | None = Field(
        default=None, description="Seen first-hand, or reported by someone else."
    )


class CctvFields(_Incident):
    camera: Line | None = Field(default=None, max_length=60, description="Which camera.")


class RepairFields(_Incident):
    pass


class DampFields(_Incident):
    rooms: Line | None = Field(default=None, max_length=120, description="Rooms affected.")
    hazard: Literal["emergency", "significant"] | None = Field(
        default=None, description="How serious the hazard is (Awaab's Law)."
    )


class ServiceChargeFields(_Incident):
    amount_pence: int | None = Field(
        default=None, ge=0, le=10**11, description="Amount in pence (the CLI takes pounds: 125.50)."
    )
    charge_year: Line | None = Field(default=None, max_length=20, description="Year, e.g. 2020/21.")
    service: Line | None = Field(default=None, max_length=60, description="Which service.")


class ContactFields(_Strict):
    event: Event | None = Field(default=None, description="What this entry records.")
    direction: Literal["in", "out"] = Field(default="out", description="From you (out) or to you (in).")
    channel: Channel | None = Field(default=None, description="How.")
    who: Line | None = Field(default=None, max_length=120, description="Who you dealt with.")
    category: Slug | None = Field(default=None, description="A category, e.g. communal-door.")
    letter: Slug | None = Field(default=None, description="The type of letter sent (set by `letter`).")


class ComplaintFields(_Strict):
    stage: Literal[1, 2] = Field(description="Which stage of the landlord's complaints procedure.")
    step: Step = Field(default="raised", description="Where the complaint is (default: raised).")
    channel: Channel | None = Field(default=None, description="How.")


class NoteFields(_Strict):
    pass


class Kind(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at every start-up
    """One kind of entry: its name (as typed), title (as read), fields, and what it is about."""

    name: str
    title: str
    fields: type[_Strict]
    #: Something that happened and is counted and charted as an occurrence (a lift breakdown,
    #: an ASB incident); not a contact, complaint, service charge or note.
    incident: bool = False
    #: A fault the landlord must put right (lifts, doors, repairs, damp): what repair letters cover.
    fault: bool = False
    #: About the problem itself, rather than the correspondence about it (contact, complaint, note).
    problem: bool = True
    #: A fault that lasts until it is fixed (a door that does not lock, damp): reports of it while
    #: it is not fixed are one incident, not a new one each (see ``ledger/incidents.py``).
    lasting: bool = False


#: Every kind, in the order they are listed and charted. The one place a new kind is added.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("lift", "lift fault", LiftFields, incident=True, fault=True),
        Kind("door", "door / entry fault", DoorFields, incident=True, fault=True, lasting=True),
        Kind("asb", "anti-social behaviour", AsbFields, incident=True),
        Kind("cctv", "CCTV", CctvFields, incident=True),
        Kind("repair", "repair", RepairFields, incident=True, fault=True, lasting=True),
        Kind("damp", "damp / mould", DampFields, incident=True, fault=True, lasting=True),
        Kind("contact", "contact with landlord", ContactFields, problem=False),
        Kind("complaint", "complaint", ComplaintFields, problem=False),
        Kind("service-charge", "service charge", ServiceChargeFields),
        Kind("note", "note", NoteFields, problem=False),
    )
}
INCIDENT_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.incident)
FAULT_KINDS: frozenset[str] = frozenset(k.name for k in KINDS.values() if k.fault)
PROBLEM_KINDS: frozenset[str] = frozenset(k.name for k in KINDS.values() if k.problem)


def kind_title(kind: str) -> str:
    """How a kind is read ("lift fault"); an unknown kind (a newer version's) as its name."""
    known = KINDS.get(kind)
    return known.title if known else kind


def entry_event(kind: str, fields: dict[str, Any]) -> str | None:
    """What an entry records: its ``event`` (a complaint's ``step``), else its kind's default
    (``observed`` for every kind with incident fields, ``raised`` for a complaint; a note or a
    contact without an event records none). The one derivation every reader uses."""
    key, default = _EVENT_KEYS.get(kind) or _event_key(kind)
    event = fields.get(key)
    if event:
        return str(event)
    return default


#: kind -> (the field naming its event, the event when the field is unset): read once per kind
#: from its model (every reader asks this of every entry; a model's fields cost a lookup each time).
_EVENT_KEYS: dict[str, tuple[str, str | None]] = {}


def _event_key(kind: str) -> tuple[str, str | None]:
    known = KINDS.get(kind)
    model = known.fields.model_fields if known is not None else {}
    key = "step" if "step" in model else "event"
    field = model.get(key)
    _EVENT_KEYS[kind] = found = (key, str(field.default) if field is not None and field.default else None)
    return found


class EntryContent(_Strict):
    """Everything the resident says about one entry (not the machine-made parts)."""

    kind: str  # one of KINDS: checked by check_kind before the model is validated
    summary: RequiredLine = Field(max_length=300)
    details: Text = Field(default="", max_length=100_000)
    location: Line = Field(default="", max_length=200)
    tags: tuple[Slug, ...] = Field(default=(), max_length=50)
    case: Slug | None = None
    links: tuple[Annotated[int, Field(ge=1)], ...] = Field(default=(), max_length=100)
    refs: tuple[Reference, ...] = Field(default=(), max_length=50)
    fields: dict[str, Any] = Field(default_factory=dict)


def field_names(kind: str) -> list[str]:
    """The kind-specific field names a kind accepts (for messages and prompts)."""
    return list(KINDS[kind].fields.model_fields)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    return kind


def validate_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Validate kind-specific fields; returns them with defaults applied and unset ones dropped."""
    model = KINDS[check_kind(kind)].fields
    unknown = sorted(set(fields) - set(model.model_fields))
    if unknown:
        allowed = ", ".join(field_names(kind)) or "none"
        raise InputError(
            f"does not apply to {a_or_an(kind)} {kind} entry (its own fields: {allowed})", field=unknown[0]
        )
    try:
        validated = model.model_validate(fields)
    except ValidationError as exc:
        raise invalid(exc) from None
    return validated.model_dump(mode="json", exclude_none=True)


def validate_content(data: dict[str, Any]) -> EntryContent:
    """Validate a whole entry; any problem becomes one InputError line naming the field."""
    kind = check_kind(str(data.get("kind", "")))
    fields = validate_fields(kind, dict(data.get("fields") or {}))
    try:
        return EntryContent.model_validate({**data, "fields": fields})
    except ValidationError as exc:
        raise invalid(exc) from None


def parse_ref(text: str) -> dict[str, str]:
    """'landlord:REP-123' -> {'by': 'landlord', 'ref': 'REP-123'}; no known prefix -> 'other'."""
    prefix, sep, rest = text.partition(":")
    if sep and prefix.strip().lower() in REF_SYSTEMS:
        return {"by": prefix.strip().lower(), "ref": rest.strip()}
    return {"by": "other", "ref": text.strip()}


def parse_money(text: str) -> int:
    """'£1,234.50' or '12' -> pence. Money is kept in whole pence: the format has no floats."""
    cleaned = text.strip().replace(",", "").removeprefix("£").strip()
    match = re.fullmatch(r"(\d+)(?:\.(\d{1,2}))?", cleaned)
    if not match:
        raise InputError(f"{text!r} is not an amount of money (e.g. 125.50 or £125.50)")
    pounds, pence = match.groups()
    return int(pounds) * 100 + int((pence or "0").ljust(2, "0"))


def money(pence: int) -> str:
    """``£1,234.50``: an amount kept in whole pence, as :func:`parse_money` reads it."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


def invalid(exc: ValidationError) -> InputError:
    """The first validation problem as one InputError naming its field: ``summary: must not be
    empty`` (the command line shows it as ``--summary: ...``)."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
    if loc and loc[0] == "fields":
        loc = loc[1:]
    name = loc[-1] if loc else None
    if name in ("by", "ref") and "refs" in loc:
        name = "ref"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "literal_error":
        msg = "must be one of " + msg.removeprefix("Input should be ").replace("'", "")
    elif err["type"] == "extra_forbidden":
        msg = "is not a known field"
    elif err["type"] == "string_unicode":
        msg = "is not valid UTF-8 text"
    return InputError(msg, field=name) if name else InputError(f"entry: {msg}")


def describe(exc: ValidationError) -> str:
    """The first validation problem as one line, for a message about a whole file."""
    return invalid(exc).message
