"""Progress of long searches, on stderr.

* :class:`Progress`: one line rewritten in place, only when the stream is a terminal and ``CI`` is
  not set, so that in pipes, files and CI logs semcheck stays quiet and its output can be parsed;
* :class:`ProgressLog`: with ``--progress``, a full line every few seconds wherever stderr goes
  (a CI log shows the search is alive and how far it got);
* :class:`LastStats`: remembers the latest statistics whatever is shown, so that a Ctrl-C can be
  answered with how far the search got (``semcheck: interrupted ...``).
"""

from __future__ import annotations

import os
import time
from typing import IO, Callable

from .checker.result import Stats

DEFAULT_LOG_EVERY = 10.0  # seconds between two --progress lines


def progress_text(stats: Stats) -> str:
    """How far a search got, in words: what the progress lines say (the interrupt line, cli.py's
    _interrupted, words it as a sentence of its own)."""
    if stats.engine == "symbolic":
        return f"symbolic engine: paths unrolled to depth {stats.depth}, {stats.seconds:.0f} s"
    return (f"explored {stats.states:,} states, depth {stats.depth}, "
            f"{round(stats.states_per_second):,} states/s")


class Progress:
    """Callable ``(stats) -> None`` that rewrites one status line; ``close()`` erases it."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self._width = 0  # length of the line currently shown (0: nothing shown)

    def __call__(self, stats: Stats) -> None:
        line = "  " + progress_text(stats)
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


class ProgressLog(Progress):
    """``--progress``: a whole line (``semcheck: progress: ...``) at the first report and then at
    most once every ``every`` seconds, for logs that cannot rewrite a line.  The clock only spaces
    the lines out; nothing on stdout depends on it."""

    def __init__(self, stream: IO[str], every: float = DEFAULT_LOG_EVERY, clock: Callable[[], float] = time.monotonic):
        super().__init__(stream)
        self.every, self.clock = every, clock
        self._last: float | None = None

    def __call__(self, stats: Stats) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        self._write(f"semcheck: progress: {progress_text(stats)}\n")

    def close(self) -> None:
        pass  # whole lines stay in the log


class LastStats:
    """Callable ``(stats) -> None`` passed as ``verify(progress=...)``: keeps the latest statistics
    (``.stats``, None before the first report) and hands them on to ``show`` when there is one."""

    def __init__(self, show: Callable[[Stats], None] | None = None):
        self.show = show
        self.stats: Stats | None = None
        self.interrupted = False

    def on_sigint(self, signum, frame) -> None:
        """The CLI's SIGINT handler: raise KeyboardInterrupt as Python's own handler does, and
        remember it.  A KeyboardInterrupt raised while Python runs an object's destructor (a Z3
        AstRef's __del__, say) is printed and swallowed, and the search would go on; the next
        progress report raises it again."""
        self.interrupted = True
        raise KeyboardInterrupt

    def __call__(self, stats: Stats) -> None:
        self.stats = stats
        if self.show is not None:
            self.show(stats)
        if self.interrupted:
            raise KeyboardInterrupt

    def close(self) -> None:
        if self.show is not None and hasattr(self.show, "close"):
            self.show.close()


def make_progress(stream: IO[str], forced: bool = False, every: float = DEFAULT_LOG_EVERY) -> Progress | None:
    """The progress display for ``stream``: a :class:`Progress` if it is an interactive terminal
    and ``CI`` is unset; else a :class:`ProgressLog` when ``forced`` (``--progress``); else ``None``
    (pass it straight to ``verify(progress=...)``)."""
    try:
        interactive = stream.isatty() and "CI" not in os.environ
    except (AttributeError, ValueError):
        interactive = False
    if interactive:
        return Progress(stream)
    return ProgressLog(stream, every) if forced else None
