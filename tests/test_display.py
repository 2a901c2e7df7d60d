"""What a notebook shows (src/semcheck/report/html.py, notebook.py; docs/notebooks.md): each display
is parsed (html.parser for HTML, xml.etree for the SVG) and its content compared with the result it
shows: the verdicts, the steps, the arrows of the sequence diagram, the states and steps of a graph.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from IPython.core.interactiveshell import InteractiveShell

import semcheck
from semcheck.checker.result import Change, Step, Trace
from semcheck.report import render
from semcheck.report.html import LAYER_GAP, bfs_layers
from semcheck.report.mermaid import participants
from semcheck.report.notebook import SequenceDiagram, StateGraph, trace_bundle

ROOT = Path(__file__).resolve().parent.parent
ACKS1_CRASH = dict(messages=1, max_faults=1, faults=["broker-crash"])
VOID = {"br", "hr", "img", "input", "meta", "link"}


class Node:
    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs, self.children = tag, attrs, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, cls: str | None = None) -> list["Node"]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.attrs.get("class", "").split()):
                    found.append(child)
                found.extend(child.find_all(tag, cls))
        return found


class TreeBuilder(HTMLParser):
    """The HTML as a tree; an end tag that does not close the open element is an error (the
    renderer must write well-formed markup, or a browser would guess)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(markup: str) -> Node:
    builder = TreeBuilder()
    builder.feed(markup)
    builder.close()
    assert builder.open == [builder.root], "unclosed elements"
    return builder.root


def table_rows(table: Node) -> list[list[str]]:
    return [[cell.text() for cell in row.find_all("td")] for row in table.find_all("tr") if row.find_all("td")]


@pytest.fixture(scope="module")
def crash():
    return semcheck.verify({"acks": "1"}, **ACKS1_CRASH)


def test_the_result_shows_each_verdict_its_length_and_mechanism(crash):
    page = parse(crash._repr_mimebundle_()["text/html"])
    rows = table_rows(page.find_all("table")[0])
    assert [row[0] for row in rows] == [r.property for r in crash.results]
    assert [row[1] for row in rows] == ["VIOLATED", "VIOLATED", "VIOLATED", "holds"]
    assert [r.verdict for r in crash.results] == ["violated", "violated", "violated", "holds"]
    lost = crash["no-acked-loss"]
    assert rows[1][2] == f"{len(lost.trace)} steps"
    assert rows[1][3].startswith("acks below all")
    assert rows[3][2] == "-" and rows[3][3] == "every reachable state was explored"
    said = page.text()
    assert "Kafka 4.1-4.2" in said and "Java client 4.0-4.2" in said
    assert "1 message, at most 1 fault from broker-crash" in said
    assert f"Explored {crash.stats.states:,} states" in said
    # one counterexample per distinct trace, each in its own <details>
    summaries = [d.find_all("summary")[0].text() for d in page.find_all("details")]
    assert any(s.startswith("Counterexample for no-loss: acks below all") for s in summaries)
    assert "Counterexample for no-acked-loss: the same trace as for no-loss." in said


def test_the_result_display_holds_no_time_and_is_the_same_when_run_again(crash):
    again = semcheck.verify({"acks": "1"}, **ACKS1_CRASH)
    again.stats = replace(again.stats, seconds=crash.stats.seconds + 12.5, backend="python")
    assert again._repr_mimebundle_() == crash._repr_mimebundle_()
    for shown in crash._repr_mimebundle_().values():
        assert not re.search(r"\d s\b|states/s|seconds|0x[0-9a-f]{6,}", shown)


def test_jupyter_uses_the_bundle_not_the_dataclass_repr(crash):
    """IPython's own formatter: text/plain is the short summary (no field dump, no addresses)."""
    formatter = InteractiveShell.instance().display_formatter
    data, _ = formatter.format(crash)
    assert data["text/plain"].startswith("semcheck result: brokers Kafka 4.1-4.2")
    assert "Result(" not in data["text/plain"] and "text/html" in data
    data, _ = formatter.format(crash["no-loss"].trace)
    assert data["text/plain"].startswith("Trace of ") and "<table" in data["text/html"]
    data, _ = formatter.format(crash["in-order"])
    assert data["text/plain"] == "in-order: holds (every reachable state was explored)"


def test_the_trace_shows_every_step_its_changes_and_where_it_goes_in_the_diagram(crash):
    trace = crash["no-loss"].trace
    page = parse(trace._repr_mimebundle_()["text/html"])
    rows = table_rows(page.find_all("table")[0])
    assert [int(row[0]) for row in rows] == [s.number for s in trace.steps]
    for row, step in zip(rows, trace.steps):
        assert row[1] == step.actor
        assert row[2].endswith(step.action)
        assert row[2].startswith(f"fault: {step.fault}") == bool(step.fault)
        for change in step.changes:
            assert f"{change.part}: {change.before} → {change.after}" in row[4]
    # the diagram column says what the Mermaid diagram draws, step for step
    labels = dict(participants(3, False))
    drawn = crash.sequence_diagram("no-loss").source.splitlines()[1 + len(labels):]
    assert len(drawn) == len(rows)
    for line, row in zip(drawn, rows):
        arrow = re.match(r"\s+(\w+)->>(\w+): ", line)
        if arrow:
            assert row[3] == f"{labels[arrow[1]]} → {labels[arrow[2]]}"
        else:
            over = re.match(r"\s+Note over ([\w,]+): ", line)[1].split(",")
            assert row[3] == "note over " + " … ".join(labels[p] for p in over)


def test_the_sequence_diagram_is_markdown_with_the_markdown_reports_mermaid(crash):
    bundle = crash.sequence_diagram("no-loss")._repr_mimebundle_()
    assert set(bundle) == {"text/markdown", "text/plain"}  # no text/html: it would win over the diagram
    markdown = bundle["text/markdown"]
    assert markdown.startswith("```mermaid\nsequenceDiagram\n") and markdown.endswith("\n```")
    assert markdown in render(crash, "markdown")
    with pytest.raises(ValueError, match="in-order has no counterexample"):
        crash.sequence_diagram("in-order")


def test_every_string_is_escaped():
    hostile = "<script>alert('x')</script> & \"q\""
    step = Step(1, "<b>producer</b>", f"sends {hostile}", (Change("broker 1", "<i>log</i>", hostile),),
                fault="net<work>")
    trace = Trace({"broker 1": hostile, "<p>": "x"}, (step,), {"broker 1": hostile})
    markup = trace_bundle(trace)["text/html"]
    page = parse(markup)
    tags = {n.tag for n in page.find_all("script")} | {n.tag for n in page.find_all("b") if "producer" in n.text()}
    assert not tags and not page.find_all("i") and not page.find_all("p")
    assert hostile in page.text() and "<b>producer</b>" in page.text()
    # a setting's value too (transactional.id is shown as the user wrote it)
    result = semcheck.verify({"transactional.id": hostile}, messages=1, max_faults=0)
    page = parse(result._repr_mimebundle_()["text/html"])
    assert not page.find_all("script") and f"transactional.id={hostile}" in page.text()


def test_a_config_files_passwords_stay_out_of_the_display():
    files = sorted(str(p) for p in (ROOT / "examples" / "team").glob("*.properties"))
    result = semcheck.verify(config_files=files, messages=1, max_faults=0)
    shown = "".join(result._repr_mimebundle_().values())
    assert "sasl.jaas.config" in shown  # named as a setting semcheck does not model...
    assert "example-password-not-real" not in shown and "example-truststore-password" not in shown  # ...never its value
    assert re.search(r"producer\.properties \(producer\b", shown)  # the role it was read as


# ---- the state graph --------------------------------------------------------------------------

def test_state_graph_is_still_a_networkx_digraph():
    result = semcheck.verify({}, messages=1, max_faults=0, keep_graph=True)
    graph = result.state_graph()
    assert isinstance(graph, nx.DiGraph) and isinstance(graph, StateGraph)
    assert result.state_graph() is graph  # converted once
    assert nx.shortest_path_length(graph, 0, max(graph)) >= 1 and graph.subgraph([0, 1]).number_of_nodes() == 2


def test_a_small_graph_is_drawn_with_every_state_and_step():
    graph = semcheck.verify({"acks": "1"}, keep_graph=True, **ACKS1_CRASH).state_graph()
    graph.draw_limit = graph.number_of_nodes()  # this one is over the default limit: draw it anyway
    small = semcheck.verify({"replication.factor": "1"}, messages=1, max_faults=1, faults=["network"],
                            keep_graph=True).state_graph()
    for g in (small, graph):
        page = parse(g._repr_mimebundle_()["text/html"])
        svg = ET.fromstring(_svg_of(g._repr_mimebundle_()["text/html"]))
        ns = {"s": "http://www.w3.org/2000/svg"}
        states = svg.findall(".//s:g[@class='semcheck-state']", ns)
        steps = svg.findall(".//s:g[@class='semcheck-step']", ns)
        assert len(states) == g.number_of_nodes() and len(steps) == g.number_of_edges()
        assert sorted(int(s.find("s:text", ns).text) for s in states) == sorted(g)
        faults = [s for s in steps if s.find("*[@stroke-dasharray]", ns) is not None]
        assert len(faults) == sum(1 for *_, d in g.edges(data=True) if d["fault"]) > 0
        # each state's tooltip is its summary
        titles = {int(s.find("s:text", ns).text): s.find("s:title", ns).text for s in states}
        assert all(g.nodes[n]["label"] in titles[n] for n in g)
        assert table_rows(page.find_all("table")[0])[0] == ["states", f"{g.number_of_nodes():,}"]


def _svg_of(markup: str) -> str:
    return markup[markup.index("<svg"):markup.index("</svg>") + len("</svg>")]


def test_the_drawing_is_layered_by_distance_from_the_initial_state():
    graph = semcheck.verify({"replication.factor": "1"}, messages=1, max_faults=1, faults=["network"],
                            keep_graph=True).state_graph()
    layers = bfs_layers(graph)
    depth = nx.single_source_shortest_path_length(graph, 0)
    assert [sorted(layer) for layer in layers] == [sorted(n for n in graph if depth[n] == i) for i in range(len(layers))]
    svg = ET.fromstring(_svg_of(graph._repr_mimebundle_()["text/html"]))
    ns = {"s": "http://www.w3.org/2000/svg"}
    for line in svg.findall(".//s:g[@class='semcheck-step']/s:line", ns):  # a step down goes one layer down
        drop = float(line.get("y2")) - float(line.get("y1"))
        assert 0 < drop < LAYER_GAP + 1


def test_a_large_graph_is_summarised_not_drawn():
    result = semcheck.verify({"acks": "1"}, keep_graph=True, **ACKS1_CRASH)
    graph = result.state_graph()
    assert graph.number_of_nodes() > graph.draw_limit
    markup = graph._repr_mimebundle_()["text/html"]
    assert "<svg" not in markup and "Not drawn" in markup
    facts = dict(table_rows(parse(markup).find_all("table")[0]))
    assert facts["states"] == f"{graph.number_of_nodes():,}" == f"{result.stats.states:,}"
    assert facts["transitions"] == f"{graph.number_of_edges():,}"
    assert facts["depth"] == str(max(nx.single_source_shortest_path_length(graph, 0).values()))
    assert facts["terminal states"] == str(sum(1 for n in graph if not graph.out_degree(n)))
    assert graph._repr_mimebundle_()["text/plain"].startswith(f"State graph: states {graph.number_of_nodes():,}, ")


def test_a_sequence_diagram_needs_nothing_but_a_trace_and_its_participants(crash):
    diagram = SequenceDiagram(crash["no-loss"].trace, 3, False)
    assert str(diagram) == diagram.source == crash.sequence_diagram("no-loss").source


@pytest.mark.parametrize("kind", ["inconclusive", "replay"])
def test_every_kind_of_result_shows_its_verdicts(kind):
    """A search cut short, and a replay of a stored trace: the same table, their own words."""
    if kind == "inconclusive":
        result = semcheck.verify({}, messages=2, max_faults=1, faults=["network"], max_states=100)
        expected_stats = "Explored"
    else:
        result = semcheck.replay(ROOT / "examples" / "traces" / "acks1-retries3-broker-crash-in-order.json")
        expected_stats = "Replayed"
    page = parse(result._repr_mimebundle_()["text/html"])
    rows = table_rows(page.find_all("table")[0])
    assert [(row[0], row[1].lower()) for row in rows] == [(r.property, r.verdict) for r in result.results]
    assert {r.verdict for r in result.results} == {"inconclusive" if kind == "inconclusive" else "violated"}
    if kind == "inconclusive":
        assert all("--max-states" in row[3] for row in rows)
    assert expected_stats in page.text()


def test_both_engines_each_engines_answer_and_the_symbolic_statistics():
    """--engine both (engine="both"): each row says what each engine answered, and the statistics
    name how far the symbolic engine got, so an inconclusive half is never hidden behind a holds."""
    result = semcheck.verify({"acks": "0"}, messages=1, max_faults=1, faults=["network"], engine="both", depth=4)
    assert [r.verdict for r in result.results] == ["violated", "violated", "holds", "holds"]
    page = parse(result._repr_mimebundle_()["text/html"])
    rows = table_rows(page.find_all("table")[0])
    assert [row[0] for row in rows] == [r.property for r in result.results]
    for row, r in zip(rows, result.results):
        answers = {engine: answer.verdict for engine, answer in r.by_engine.items()}
        assert f"(explicit {answers['explicit']}, symbolic {answers['symbolic']})" in row[3], row
    assert "symbolic inconclusive" in rows[2][3] and "symbolic violated" in rows[0][3]
    said = page.text()
    assert "Symbolic engine: paths unrolled to depth 4" in said
