"""Stored text that is not UTF-8, met by an export: written with U+FFFD, said and counted.

newsbot itself only ever stores Python text, so such a cell means another tool wrote the
file. An export must neither stop at it (a traceback, nothing written) nor pass the bytes on
unseen (a CSV cell Excel shows as garbage with no word said), so every writer repairs the
cell the same way and the analyst is told where.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: Repaired cells named one by one; past this the rest are only counted in the last line.
NAMED_REPAIRS = 5


class TextRepairs:
    """One export's repaired cells: a warning for each of the first few, then a total."""

    def __init__(self) -> None:
        self.cells = 0

    def repaired(self, raw: bytes, where: str) -> bytes:
        """``raw`` as valid UTF-8: itself when it is, else with U+FFFD for each bad byte."""
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.note(raw, where).encode("utf-8")
        return raw

    def text(self, raw: bytes, where: str) -> str:
        """``raw`` decoded, U+FFFD for each bad byte."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.note(raw, where)

    def note(self, raw: bytes, where: str) -> str:
        self.cells += 1
        fixed = raw.decode("utf-8", "replace")
        if self.cells <= NAMED_REPAIRS:
            logger.warning(
                "stored text is not valid UTF-8 (%s), exported with U+FFFD: %.60r", where, fixed
            )
        return fixed

    def finish(self) -> None:
        if self.cells > NAMED_REPAIRS:
            logger.warning(
                "%d stored text cells in all were not valid UTF-8 and were exported with U+FFFD",
                self.cells,
            )
