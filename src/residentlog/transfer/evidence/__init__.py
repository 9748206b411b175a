"""Bringing in evidence that predates the log: emails (.eml, mbox, Maildir), photos, other
files, and a resident's diary spreadsheet (CSV or XLSX) — see docs/import.md.

Each reader turns one source into :class:`~residentlog.transfer.evidence.candidate.Candidate`
entries (or a :class:`~residentlog.transfer.evidence.candidate.Bad` naming the file);
:mod:`residentlog.transfer.evidence.importing` finds what is already in the log and commits the
rest through :func:`residentlog.ledger.add.add_entry`, so every record is validated by the same
models as ``add`` and nothing invalid is written.
"""
