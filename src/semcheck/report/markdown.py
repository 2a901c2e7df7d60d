"""``--format markdown``: the verdict table and one Mermaid sequence diagram per counterexample.

Made for a CI job summary (``>> $GITHUB_STEP_SUMMARY``), GitLab and GitHub comments: GitHub renders
```` ```mermaid ```` blocks as diagrams.  Cells are escaped (``|``), and only modelled settings appear.
"""

from __future__ import annotations

from ..checker.result import DISAGREE, HOLDS, VIOLATED
from ..result import Result
from .mechanism import counterexamples, describe, mechanism_for
from .mermaid import diagram_context, sequence_diagram
from .text import _bounds, _kafka_value, application_options, stats_lines
from .words import explain, finding_sentence


def cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(result: Result) -> str:
    from .. import __version__

    out = [f"## semcheck {__version__}: Kafka delivery check ({result.engine} engine)", ""]
    settings = ", ".join(f"`{key}={_kafka_value(value)}`" for key, value in result.config.items())
    out.append(f"**Configuration:** {settings}  ")
    if result.application:
        out.append("**Application:** " + ", ".join(f"`{option}`" for option in application_options(result)) + "  ")
    out.append(f"**Brokers:** Kafka {result.broker}; **client:** {result.client}; **bounds:** {_bounds(result.bounds)}")
    out.append("")
    out.append("| Property | Verdict | Why |")
    out.append("| --- | --- | --- |")
    for r in result.results:
        if r.verdict == VIOLATED and r.trace is not None:
            verdict = "❌ violated"
            why = f"{describe(mechanism_for(result, r), r.trace)} ({len(r.trace)} steps)"
        elif r.verdict == VIOLATED:
            verdict, why = "❌ violated", explain(r.reason)
        elif r.verdict == DISAGREE:
            verdict, why = "⛔ engines disagree", explain(r.reason)
        elif r.verdict == HOLDS:
            verdict, why = "✅ holds", explain(r.reason)
        else:
            verdict, why = f"⚠️ {r.verdict}", explain(r.reason)
        out.append(f"| {cell(r.property)} | {cell(verdict)} | {cell(why)} |")
    out.append("")
    out.extend(stats_lines(result))
    for r, same in counterexamples(result):
        out.append("")
        out.append(f"### Counterexample for {r.property}")
        out.append("")
        if same is not None:
            out.append(f"The same trace as for {same.property} above.")
            continue
        out.append(f"{describe(mechanism_for(result, r), r.trace)}.")
        out.append("")
        out.append("```mermaid")
        out.append(sequence_diagram(r.trace, *diagram_context(result)))
        out.append("```")
        finding = result.findings.get(r.property)
        if finding is not None:
            out.append("")
            out.append(finding_sentence(finding))
    return "\n".join(out) + "\n"
