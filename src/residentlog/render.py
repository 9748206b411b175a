"""Rendering documents from Jinja templates. The only module that imports jinja2.

Templates ship in the top-level ``templates/`` folder, which the wheel carries as
``residentlog/templates``. A resident can override any of them by putting a file of the same
name in their store's ``templates/`` folder. Rendering returns text and never writes files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from .errors import StoreError

USER_TEMPLATES = "templates"


def shipped_templates_dir() -> Path:
    """Where this installation's templates are: inside the package (wheel), or the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise StoreError("this residentlog installation is missing its templates folder; reinstall it")


def template_names() -> list[str]:
    return sorted(p.name for p in shipped_templates_dir().glob("*.j2"))


def environment(store_root: Path | None = None) -> jinja2.Environment:
    search = [shipped_templates_dir()]
    if store_root is not None and (store_root / USER_TEMPLATES).is_dir():
        search.insert(0, store_root / USER_TEMPLATES)
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, context: dict[str, Any], store_root: Path | None = None) -> str:
    try:
        return environment(store_root).get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise StoreError(f"template {name!r} not found") from None
    except jinja2.UndefinedError as exc:
        raise StoreError(f"template {name!r} needs a value it was not given ({exc.message})") from None
