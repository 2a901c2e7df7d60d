"""The error bad user input raises everywhere in the model (config, bounds, versions)."""

from __future__ import annotations

import re

# A value longer than CUT_PAST characters is cut to its first KEEP_CHARS in a message, with an
# ellipsis and its full length; a file path (usually well under CUT_PAST) stays whole.
CUT_PAST = 200
KEEP_CHARS = 80
MAX_MESSAGE_CHARS = 2000  # and a message longer than this is cut in the middle
_MARKER_CHARS = 60  # room for " ... (N characters cut) ... " with N up to 10**24

# a quoted value ('...' or "...", as repr() writes them) or a long run of non-blank characters
_LONG_PIECE = re.compile(r"'[^']{%d,}'|\"[^\"]{%d,}\"|\S{%d,}" % ((CUT_PAST + 1,) * 3))


def _cut(piece: str) -> str:
    quote = piece[0] if piece[0] in "'\"" else ""
    value = piece[1:-1] if quote else piece
    return f"{quote}{value[:KEEP_CHARS]}...{quote} ({len(value):,} characters)"


def cut_long_values(text: str) -> str:
    """``text`` with every value longer than CUT_PAST characters cut to its first KEEP_CHARS, an
    ellipsis and its full length, and the whole cut to MAX_MESSAGE_CHARS: an error message echoes
    what the user gave, and a 5 MB line must not become 5 MB of stderr.  The result is within
    MAX_MESSAGE_CHARS, so a second pass (a ConfigError's text, cut when it was raised, printed by
    the CLI's error line) changes nothing."""
    text = _LONG_PIECE.sub(lambda m: _cut(m.group(0)), text)
    if len(text) > MAX_MESSAGE_CHARS:
        half = (MAX_MESSAGE_CHARS - _MARKER_CHARS) // 2
        text = f"{text[:half]} ... ({len(text) - 2 * half:,} characters cut) ... {text[-half:]}"
    return text


class ConfigError(ValueError):
    """Bad user input. str(err) is ONE line naming the problem (the CLI prints it and exits 2);
    long values in it are cut (:func:`cut_long_values`)."""

    def __init__(self, message: object = "", *args):
        super().__init__(cut_long_values(str(message)), *args)
