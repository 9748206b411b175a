"""PDF from HTML through WeasyPrint: the one place that imports it (it is slow to import)."""

from __future__ import annotations

from pathlib import Path

from .errors import StoreError


def html_to_pdf(html: str, base_url: str | Path | None = None) -> bytes:
    """Render a self-contained HTML document (with print CSS) to PDF bytes."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango system library is missing
        raise StoreError(f"PDF output needs WeasyPrint and the Pango library ({exc})") from None
    return weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None).write_pdf()
