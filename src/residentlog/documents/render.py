"""Rendering documents from Jinja templates. The only module that imports jinja2.

Templates ship in the top-level ``templates/`` folder, which the wheel carries as
``residentlog/templates``. A resident can override any of them by putting a file of the same
name in their store's ``templates/`` folder. Rendering returns text and never writes files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from residentlog.documents.markup import md_escape
from residentlog.errors import InputError, StoreError
from residentlog.ledger.layout import Layout
from residentlog.text import visible


def shipped_templates_dir() -> Path:
    """Where this installation's templates are: inside the package (wheel), or the source tree."""
    package = Path(__file__).resolve().parents[1]  # residentlog/
    for candidate in (package / "templates", package.parents[1] / "templates"):
        if candidate.is_dir():
            return candidate
    raise StoreError("this residentlog installation is missing its templates folder; reinstall it")


def template_source(store_root: Path | None, name: str) -> str:
    """Where template ``name`` is used from: ``"store"`` (the store's own copy), ``"shipped"``, or
    ``""`` if there is no such template."""
    if store_root is not None and (Layout(store_root).templates_dir / name).is_file():
        return "store"
    if (shipped_templates_dir() / name).is_file():
        return "shipped"
    return ""


def template_path(store_root: Path | None, name: str) -> Path:
    """The file template ``name`` is used from: the store's own copy if it has one, else the
    shipped one (as :func:`environment` finds Jinja templates), for templates not read by Jinja."""
    source = template_source(store_root, name)
    if source == "store":
        assert store_root is not None
        return Layout(store_root).templates_dir / name
    if source == "shipped":
        return shipped_templates_dir() / name
    raise StoreError(f"template {name!r} not found")


def template_names() -> list[str]:
    return sorted(p.name for p in shipped_templates_dir().glob("*.j2"))


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` of every template: control and bidi characters shown as notation."""
    if isinstance(value, str):
        shown = visible(value, multiline=True)
        return markupsafe.Markup(shown) if isinstance(value, markupsafe.Markup) else shown
    return value


class _Environment(jinja2.Environment):
    """Jinja's environment, reading ``x.name`` of a dict as its key ``name`` first.

    Jinja tries the attribute first and falls back to the key, through an exception, on every
    ``{{ e.summary }}``: a third of a 10,000-entry chronology's rendering. Every context here is
    plain dicts and lists, so a key is what a template means. The one difference: a key named
    like a dict method (``items``) now wins over the method; the templates write ``g["items"]``
    for such keys anyway, and a dict without the key still gives the method."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(store_root: Path | None = None) -> jinja2.Environment:
    search = [shipped_templates_dir()]
    if store_root is not None and Layout(store_root).templates_dir.is_dir():
        search.insert(0, Layout(store_root).templates_dir)
    env = _Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["md"] = md_escape  # Markdown templates: {{ text | md }}, {{ details | md(multiline=True) }}
    return env


def _template(name: str, store_root: Path | None) -> jinja2.Template:
    try:
        return environment(store_root).get_template(name)
    except jinja2.TemplateNotFound:
        raise StoreError(f"template {name!r} not found") from None
    except jinja2.TemplateSyntaxError as exc:  # a resident's copy (``templates copy``), edited
        where = exc.filename or exc.name or name
        raise InputError(f"template {where}, line {exc.lineno}: {exc.message}") from None


def check_template(name: str, store_root: Path | None = None) -> None:
    """Fail early, before anything is issued, if template ``name`` is missing or does not parse."""
    _template(name, store_root)


def render(name: str, context: dict[str, Any], store_root: Path | None = None) -> str:
    """Render template ``name``; a template that is missing, broken or short of a value is an error
    naming it (a resident's own copy in the store's ``templates/`` folder may have mistakes): a
    syntax error names the file, line and problem (InputError, exit 2)."""
    template = _template(name, store_root)
    try:
        return template.render(**context)
    except jinja2.UndefinedError as exc:
        raise StoreError(f"template {name!r} needs a value it was not given ({exc.message})") from None
    except jinja2.TemplateSyntaxError as exc:  # in a template it includes or extends
        where = exc.filename or exc.name or name
        raise InputError(f"template {where}, line {exc.lineno}: {exc.message}") from None
