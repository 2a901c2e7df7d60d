"""Read Kafka client settings from a Java ``.properties`` file (``semcheck verify --config FILE``).

The format follows java.util.Properties closely enough for client configuration files: ``key=value``,
``key: value`` or ``key value``; ``#`` and ``!`` start comment lines; blank lines are ignored; a line
ending in a backslash continues on the next line.  Keys are validated later, with the rest of the
configuration (model/config.py), so an unknown key gets the same "did you mean" message as ``-X``.
"""

from __future__ import annotations

import re

from .model.config import ConfigError

_SEPARATOR = re.compile(r"\s*[=:]\s*|\s+")


def read_properties(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as handle:
            raw_lines = handle.read().splitlines()
    except FileNotFoundError:
        raise ConfigError(f"--config {path!r}: no such file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--config {path!r}: not a text file (expected UTF-8 key=value lines)") from None
    except OSError as err:
        raise ConfigError(f"--config {path!r}: {err.strerror or err}") from None

    settings: dict[str, str] = {}
    where: dict[str, int] = {}
    logical, start = "", 0
    for number, line in enumerate(raw_lines, start=1):
        text = line.strip() if not logical else line.lstrip()
        if not logical:
            start = number
            if not text or text[0] in "#!":
                continue
        if text.endswith("\\") and not text.endswith("\\\\"):
            logical += text[:-1]
            continue
        logical += text
        key, value = _split(logical)
        if not key:
            raise ConfigError(f"--config {path!r} line {start}: expected key=value, got {logical!r}")
        if key in settings and settings[key] != value:
            raise ConfigError(
                f"--config {path!r}: {key} is set twice (lines {where[key]} and {start}) with different values"
            )
        settings[key] = value
        where[key] = start
        logical = ""
    if logical:
        raise ConfigError(f"--config {path!r} line {start}: the file ends inside a continued line")
    return settings


def _split(text: str) -> tuple[str, str]:
    match = _SEPARATOR.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], text[match.end():]
