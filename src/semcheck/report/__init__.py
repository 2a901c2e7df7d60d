"""Reports of a :class:`~semcheck.result.Result`: plain text for people, JSON for tools."""

from __future__ import annotations

from ..result import Result
from .json import render_json
from .text import render_text
from .words import explain

# format name -> renderer; the CLI's --format choices are these keys
RENDERERS = {"text": render_text, "json": render_json}
FORMATS = tuple(RENDERERS)


def render(result: Result, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: choose from {', '.join(FORMATS)}") from None
    return renderer(result)


__all__ = ["FORMATS", "RENDERERS", "explain", "render", "render_json", "render_text"]
