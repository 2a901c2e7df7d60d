"""Reports of a :class:`~semcheck.result.Result`: plain text for people, JSON for tools, and the
formats CI shows (JUnit, SARIF, Markdown with Mermaid): docs/formats.md."""

from __future__ import annotations

from ..result import Result
from .brief import render_brief
from .json import render_json
from .junit import render_junit
from .markdown import render_markdown
from .sarif import render_sarif
from .text import render_text
from .words import explain

# format name -> renderer; the CLI's --format choices are these keys
RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit, "sarif": render_sarif,
             "markdown": render_markdown}
FORMATS = tuple(RENDERERS)


def render(result: Result, fmt: str = "text", brief: bool = False) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`); ``brief`` (text only): one line per property,
    the mechanism of each violation and its trace without the uneventful prefix."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: choose from {', '.join(FORMATS)}") from None
    if brief:
        if fmt != "text":
            raise ValueError(f"--brief applies to the text format only, not --format {fmt}")
        return render_brief(result)
    return renderer(result)


__all__ = ["FORMATS", "RENDERERS", "explain", "render", "render_brief", "render_json", "render_junit",
           "render_markdown", "render_sarif", "render_text"]
