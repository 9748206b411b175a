"""The resident's profile: who they are and who their landlord is (used by letters).

Kept in ``profile.json`` in the store. It is not part of the hash chain: it can be corrected
at any time with ``residentlog profile``; what the resident recorded stays in the ledger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from residentlog.errors import StoreError
from residentlog.fsutil import write_json_atomic
from residentlog.ledger.layout import Layout
from residentlog.ledger.vocabulary import Line, Text, describe, invalid

Nation = Literal["england", "wales", "scotland", "northern-ireland"]


def _landlord_email(value: str) -> str:
    """``Repairs@Landlord.org`` -> ``repairs@landlord.org``; ``landlord.org`` -> ``@landlord.org``."""
    value = value.strip().lower()
    local, at, domain = value.rpartition("@")
    if not at:
        local, domain = "", value
    if not domain or "." not in domain or " " in value or "@" in local or local.startswith("@"):
        raise ValueError(f"{value!r} is not an email address or a domain (e.g. repairs@landlord.org)")
    return f"{local}@{domain}"


LandlordEmail = Annotated[Line, AfterValidator(_landlord_email), Field(max_length=200)]


class Profile(BaseModel):
    """Everything a letter needs about the resident and the landlord. All optional."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(default="", max_length=120)
    address: Text = Field(default="", max_length=500)
    email: Line = Field(default="", max_length=200)
    phone: Line = Field(default="", max_length=40)
    landlord: Line = Field(default="", max_length=200)
    landlord_address: Text = Field(default="", max_length=500)
    tenancy_ref: Line = Field(default="", max_length=60)
    nation: Nation = "england"
    #: The landlord's email addresses (``repairs@landlord.org``) or whole domains
    #: (``@landlord.org``): ``import-evidence`` reads an email from or to one as correspondence
    #: with the landlord, and says which way it went.
    landlord_emails: list[LandlordEmail] = Field(default_factory=list, max_length=50)


def load_profile(root: Path) -> Profile:
    path = Layout(root).profile_path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Profile()
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from None
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise StoreError(f"{path} is not a valid profile ({describe(exc)})") from None


def check_profile(data: dict[str, Any]) -> Profile:
    """Validate profile fields; InputError names the first bad one."""
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def update_profile(root: Path, changes: dict[str, Any]) -> Profile:
    """Apply the given changes (unset options are not passed) and save the profile."""
    profile = check_profile({**load_profile(root).model_dump(), **changes})
    path = Layout(root).profile_path
    try:
        write_json_atomic(path, profile.model_dump())
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    return profile
