"""Reports of a :class:`~semcheck.result.Result`: plain text for people, JSON for tools."""

from __future__ import annotations

from ..result import Result
from .json import render_json
from .text import render_text
from .words import explain

FORMATS = ("text", "json")


def render(result: Result, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "text":
        return render_text(result)
    if fmt == "json":
        return render_json(result)
    raise ValueError(f"unknown report format {fmt!r}: choose from {', '.join(FORMATS)}")


__all__ = ["FORMATS", "explain", "render", "render_json", "render_text"]
