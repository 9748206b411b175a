"""Transitional: the letter commands are in :mod:`residentlog.cli.documents`.

Kept only while tests/documents/test_letters.py imports ``LETTER_TYPE_NAMES`` and ``register``
from here; delete this module when it imports ``LETTER_TYPE_NAMES`` from there.
"""

from residentlog.cli.documents import LETTER_TYPE_NAMES

__all__ = ["LETTER_TYPE_NAMES", "register"]


def register(*_: object) -> None:
    """Nothing to add: every command is on ``residentlog.cli.app.app`` already."""
