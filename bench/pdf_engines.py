# ruff: noqa: E501  (the Typst document is kept as written, one construct a line)
"""WeasyPrint against Typst on the same 1,000-entry chronology (issue 14: PDF of 1,000 entries ≤ 5 s).

    .venv/bin/python bench/pdf_engines.py [--runs 3] [--n 1000]

WeasyPrint renders the chronology HTML residentlog writes (``chronology -o x.html``, the file its
PDF is made from). Typst (the ``typst`` PyPI package, a Rust binding, installed only into
bench/.env/typst; residentlog now depends on it for the chronology PDF) renders a Typst document that reads the same
chronology's JSON export (``chronology -f json``) with ``json(...)``: every entry's paragraph
number, time, kind, event, case, summary, details, location, facts, references and record hash,
A4 with "Page N of M" in the footer. Resident text is inserted as string values, never parsed as
Typst markup. The Typst layout is a close sketch of the HTML one, not the same design: the point
is the engine's cost per page on the same content.

Each engine runs in a fresh process (timed from spawn to exit, wall and CPU), interleaved, and
also the HTML alone (``python -c`` reading it, for the start-up floor). Prints pages and sizes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as bl

TYPST_VENV = bl.ENV / "typst"
TYPST_PY = TYPST_VENV / "bin" / "python"

TYPST_DOC = r"""
#let data = json("chronology.json")
#let val(v) = if type(v) == str { v } else { repr(v) }
#set page(paper: "a4", margin: (top: 16mm, bottom: 18mm, x: 15mm),
  footer: context [#set text(7.5pt, fill: rgb("#444")); Chronology #h(1fr) Page #counter(page).display() of #counter(page).final().first()])
#set text(font: "DejaVu Sans", size: 10pt, lang: "en")
#set par(leading: 0.5em)
= Chronology
#data.entries.len() entries.
#for e in data.entries [
  #block(breakable: false, above: 0.5em, below: 0.3em, stroke: (top: 0.5pt + rgb("#bbb")), inset: (top: 0.45em), width: 100%)[
    #text(10.5pt, weight: "bold")[#box(width: 2.2em)[#e.paragraph] #e.summary]
    #pad(left: 2.6em)[
      #text(8.5pt, fill: rgb("#333"))[#e.occurred_local · #e.kind#if e.event != none [ (#e.event)] #if e.case != "" [· case #e.case] · entry #e.number]
      #if e.location != "" [ \ Where: #e.location ]
      #if e.details != "" [ \ #e.details ]
      #let facts = e.fields.pairs().filter(p => p.at(0) != "event")
      #if facts.len() > 0 [ \ #text(9pt)[#facts.map(p => [#p.at(0): *#val(p.at(1))*]).join(" · ")] ]
      #for r in e.refs [ \ #text(9pt)[Reference: #r.by *#r.ref*] ]
      \ #text(7pt, fill: rgb("#555"))[Record hash #raw(e.hash)]
    ]
  ]
]
"""

TYPST_RUN = (
    "import sys, typst\n"
    "pdf = typst.compile(sys.argv[1] + '/chronology.typ', font_paths=['/usr/share/fonts/truetype/dejavu'])\n"
    "open(sys.argv[1] + '/typst.pdf', 'wb').write(pdf)\n"
)
WEASY_RUN = (
    "import sys\n"
    "from residentlog.documents.pdf import html_to_pdf\n"
    "html = open(sys.argv[1] + '/chronology.html').read()\n"
    "open(sys.argv[1] + '/weasy.pdf', 'wb').write(html_to_pdf(html))\n"
)


def pages(pdf: Path) -> int:
    try:
        import pypdf  # in the dev venv; WeasyPrint's PDFs keep their page objects compressed
    except ImportError:
        import re

        return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    return len(pypdf.PdfReader(pdf).pages)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    if not TYPST_PY.exists():
        base = subprocess.run(
            [str(bl.RL_PY), "-c", "import sys; print(sys._base_executable)"], capture_output=True, text=True
        ).stdout.strip()
        subprocess.run([base, "-m", "venv", str(TYPST_VENV)], check=True)
        subprocess.run([str(TYPST_PY), "-m", "pip", "install", "-q", "typst==0.15.0"], check=True)
    work = Path(tempfile.mkdtemp(prefix="pdf-engines-", dir=bl.ENV))
    store = bl.copy_store(bl.ensure_ledger(args.n), work / "store")
    bl.residentlog(
        "--store", str(store), "profile", "--name", "Sam Resident", "--landlord", "Example Housing"
    )
    bl.residentlog("--store", str(store), "chronology", "-o", str(work / "chronology.html"))
    bl.residentlog("--store", str(store), "chronology", "-f", "json", "-o", str(work / "chronology.json"))
    (work / "chronology.typ").write_text(TYPST_DOC)
    cases = [
        bl.Case("weasyprint (the chronology HTML)", [str(bl.RL_PY), "-c", WEASY_RUN, str(work)]),
        bl.Case("typst (the same chronology's JSON)", [str(TYPST_PY), "-c", TYPST_RUN, str(work)]),
        bl.Case("python start-up + import typst", [str(TYPST_PY), "-c", "import typst"]),
    ]
    print(f"{args.n:,} entries; {args.runs} interleaved rounds; load {bl.loadavg()}")
    bl.run_interleaved(cases, args.runs, 0)
    print(bl.table(cases))
    for name in ("weasy.pdf", "typst.pdf"):
        pdf = work / name
        print(f"{name}: {pages(pdf)} pages, {pdf.stat().st_size / 1024:,.0f} KiB")
    print(f"load average at the end: {bl.loadavg()}; files in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
