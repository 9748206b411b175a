"""PDF output: the one place that imports WeasyPrint and Typst (both slow to import).

Letters are HTML made into PDF by WeasyPrint (:func:`html_to_pdf`); the chronology is typeset by
Typst from a template and JSON data (:func:`typst_to_pdf`), many times faster on a long ledger.

WeasyPrint needs system libraries (Pango, HarfBuzz, fontconfig; on Debian and Ubuntu the
packages in :data:`SYSTEM_PACKAGES`). A missing library is a one-line error naming them, and a
warning WeasyPrint prints about its environment (e.g. "HarfBuzz-Subset will be required…")
never becomes an error of a residentlog command: warnings are silenced while it runs.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from residentlog.errors import InputError, MissingDependency

#: Debian/Ubuntu packages PDF output needs (README "PDF output"; .ci/run installs them).
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core")


def html_to_pdf(html: str, base_url: str | Path | None = None) -> bytes:
    """Render a self-contained HTML document (with print CSS) to PDF bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import weasyprint
        except (ImportError, OSError) as exc:  # OSError: a system library is missing
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise MissingDependency(
                "PDF output needs WeasyPrint's system libraries (Pango and HarfBuzz); on Debian or "
                f"Ubuntu: apt-get install {' '.join(SYSTEM_PACKAGES)} — or choose another format "
                f"({detail})"
            ) from None
        pdf: bytes = weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None).write_pdf()
        return pdf


#: The Typst the chronology template is written for (pyproject.toml names the same range).
TYPST_REQUIREMENT = "typst>=0.15,<0.16"
_WHERE = re.compile(r"┌─ (?P<file>.+?):(?P<line>\d+):(?P<column>\d+)")


def typst_to_pdf(template: Path, data: Mapping[str, Any], *, timestamp: datetime | None = None) -> bytes:
    """Typeset the Typst ``template`` with ``data`` (JSON-ready) as its ``sys.inputs.data``.

    The template's fonts are those built into Typst; text in a script they lack (Arabic, Chinese,
    ...) falls back to the machine's fonts rather than showing empty boxes. ``timestamp`` is its
    creation date (none if not given), so the same data and template give the same bytes on one
    machine. Typst is kept off the network (:func:`_offline`): a template that imports an online
    package fails instead of fetching it. A template that does not compile (a resident's own
    copy, edited) is an :class:`InputError` naming the file and line; no ``typst`` package, a
    :class:`MissingDependency` saying how to install it.
    """
    try:
        import typst
    except ImportError as exc:
        raise MissingDependency(
            f"PDF chronologies need the typst package: pip install '{TYPST_REQUIREMENT}' — "
            f"or choose another format ({exc})"
        ) from None
    inputs = {"data": json.dumps(data, ensure_ascii=False, separators=(",", ":"))}
    try:
        with _offline():
            pdf, _warnings = typst.compile_with_warnings(
                template,
                root=template.parent,
                sys_inputs=inputs,
                format="pdf",
                timestamp=timestamp,
            )
    except typst.TypstError as exc:
        message = _one_line(exc.message)
        if "download package" in message:
            message = (
                "it imports an online Typst package, and residentlog never goes online to make a document"
            )
        raise InputError(f"template {template}{_line(exc.diagnostic, template)}: {message}") from None
    except OSError as exc:  # the template cannot be read
        raise InputError(f"template {template}: {_one_line(str(exc))}") from None
    return pdf


@contextmanager
def _offline() -> Iterator[None]:
    """Typst downloads a package a template imports (``#import "@preview/..."``) from
    packages.typst.org, through the proxy the environment names: name one that refuses every
    connection (the discard port on this machine) while it runs, so making a document never
    reaches the network. The environment is restored afterwards."""
    names = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
    unset = ("NO_PROXY", "no_proxy")
    saved = {name: os.environ.get(name) for name in (*names, *unset)}
    try:
        for name in names:
            os.environ[name] = "http://127.0.0.1:9"
        for name in unset:
            os.environ.pop(name, None)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _line(diagnostic: str, template: Path) -> str:
    """``", line 12"`` from a Typst diagnostic's first location (``", in other.typ line 3"`` if
    that is in another file), or ``""``."""
    found = _WHERE.search(diagnostic or "")
    if found is None:
        return ""
    if Path(found["file"]).name == template.name:
        return f", line {found['line']}"
    return f", in {found['file']} line {found['line']}"


def _one_line(text: str) -> str:
    return " ".join(text.split()) if text else "Typst could not typeset it"
