"""PDF from HTML through WeasyPrint: the one place that imports it (it is slow to import).

WeasyPrint needs system libraries (Pango, HarfBuzz, fontconfig; on Debian and Ubuntu the
packages in :data:`SYSTEM_PACKAGES`). A missing library is a one-line error naming them, and a
warning WeasyPrint prints about its environment (e.g. "HarfBuzz-Subset will be required…")
never becomes an error of a residentlog command: warnings are silenced while it runs.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from residentlog.errors import MissingDependency

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
