"""A one-line progress display for long searches.

Only when the stream is a terminal and ``CI`` is not set: in pipes, files and CI logs semcheck stays
quiet, so its stdout/stderr can be parsed.  The CLI writes it to stderr.
"""

from __future__ import annotations

import os
from typing import IO

from .checker.result import Stats


class Progress:
    """Callable ``(stats) -> None`` that rewrites one status line; ``close()`` erases it."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self._width = 0  # length of the line currently shown (0: nothing shown)

    def __call__(self, stats: Stats) -> None:
        if stats.engine == "symbolic":
            line = f"  symbolic engine: paths unrolled to depth {stats.depth}, {stats.seconds:.0f} s"
        else:
            line = (f"  explored {stats.states:,} states, depth {stats.depth}, "
                    f"{round(stats.states_per_second):,} states/s")
        pad = " " * max(0, self._width - len(line))
        self._write("\r" + line + pad)
        self._width = len(line)

    def close(self) -> None:
        """Erase the status line (safe to call more than once, or when nothing was shown)."""
        if self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0


    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # terminal gone or stream closed: progress is optional
            pass


def make_progress(stream: IO[str]) -> Progress | None:
    """A :class:`Progress` for ``stream`` if it is an interactive terminal and ``CI`` is unset,
    else ``None`` (pass it straight to ``verify(progress=...)``)."""
    if "CI" in os.environ:
        return None
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        return None
    return Progress(stream) if interactive else None
