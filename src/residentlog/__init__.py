"""residentlog: a tamper-evident evidence ledger for social-housing residents."""

__version__ = "0.1.0"
