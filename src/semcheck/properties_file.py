"""Read one Java ``.properties`` file the way ``java.util.Properties.load(InputStream)`` reads it.

The parsing is javaproperties' (https://javaproperties.readthedocs.io): it follows the
``Properties.load`` javadoc byte for byte: ``=``, ``:`` or white space between key and value,
``\\`` escapes in keys and values (``\\uXXXX``, ``\\=``, ``\\:``, ``\\ ``), continuation lines, ``#``
and ``!`` comments.  A hand-written reader got several of these wrong (docs/config-files.md,
"Reading the file").  What this module adds is the line each key starts on, so every error can say
``FILE:LINE``.

Bytes are read as ISO-8859-1 (Latin-1), as ``Properties.load(InputStream)`` and Kafka's own tools
(``Utils.loadProps``) read them: a UTF-8 file's non-ASCII characters come out as two Latin-1
characters each, exactly as the Kafka client would see them.  Keys that are not ASCII are never
keys semcheck reads, so this changes nothing semcheck checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import javaproperties

from .model.config import ConfigError
from .redaction import shorten

_LINE_END = re.compile(r"\r\n|\r|\n")  # Properties.load's line terminators, and only these


@dataclass(frozen=True)
class Entry:
    """One ``key=value`` of a file: the key and value after Java's unescaping, and the line the
    logical line starts on (1-based)."""

    key: str
    value: str
    line: int


def read_entries(path: str) -> list[Entry]:
    """Every key-value pair of the file at ``path``, in file order (a key given twice appears
    twice; :func:`last_values` keeps the last, as ``Properties`` does).  Raises ConfigError naming
    ``FILE`` or ``FILE:LINE``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a .properties file") from None
    except OSError as err:
        raise ConfigError(f"{path}: {err.strerror or err}") from None
    if b"\x00" in data:
        # Properties.load would read it, but no configuration file holds a NUL byte: this is a
        # binary file given by mistake (a jar, a keystore), and its "keys" would only mislead.
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise ConfigError(f"{path}:{line}: not a text file (a NUL byte); expected Java .properties key=value lines")
    entries: list[Entry] = []
    line = 1
    try:
        for element in javaproperties.parse(data):  # bytes: decoded as Latin-1, like Properties.load
            if isinstance(element, javaproperties.KeyValue):
                entries.append(Entry(element.key, element.value, line))
            line += len(_LINE_END.findall(element.source))
    except javaproperties.InvalidUEscapeError as err:
        # Properties.load: IllegalArgumentException "Malformed \uxxxx encoding."
        raise ConfigError(f"{path}:{line}: malformed \\uXXXX escape {shorten(err.escape, 12)!r} "
                          "(Java needs four hex digits after \\u)") from None
    return entries


def last_values(entries: list[Entry]) -> dict[str, Entry]:
    """Key -> its last entry: a duplicate key keeps the last value, as ``Properties.load`` does
    (each ``put`` replaces the one before)."""
    out: dict[str, Entry] = {}
    for entry in entries:
        out.pop(entry.key, None)  # keep file order of the last occurrences
        out[entry.key] = entry
    return out


def read_properties(path: str) -> dict[str, str]:
    """The file's settings as ``Properties.load`` leaves them: key -> last value."""
    return {key: entry.value for key, entry in last_values(read_entries(path)).items()}
