"""What ``semcheck.verify`` returns: one search's results with the configuration and bounds checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checker.result import DISAGREE, HOLDS, INCONCLUSIVE, VIOLATED, PropertyResult, Stats
from .properties import EVENTUALLY

# semcheck's exit statuses (DESIGN.md, "The CLI contract"): the CLI, the GitHub Action and the
# pre-commit hook all read them here
EXIT_HOLDS = 0
EXIT_VIOLATED = 1
EXIT_BAD_INPUT = 2
EXIT_INCONCLUSIVE = 3
EXIT_DISAGREE = 4  # --engine both: the engines disagree (a bug in semcheck)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program Ctrl-C ended
# each status in one word (the GitHub Action's result output)
EXIT_WORDS = {EXIT_HOLDS: HOLDS, EXIT_VIOLATED: VIOLATED, EXIT_BAD_INPUT: "error", EXIT_INCONCLUSIVE: INCONCLUSIVE,
              EXIT_DISAGREE: DISAGREE.replace(" ", "-"), EXIT_INTERRUPTED: "interrupted"}


@dataclass(frozen=True)
class SettingSource:
    """Where a setting was written: its config file and the line its key starts on (1-based)."""

    path: str
    line: int


@dataclass
class Result:
    config: dict[str, Any]  # the effective Kafka settings, by Kafka key
    notes: tuple[str, ...]  # why some values differ from what was asked
    bounds: dict[str, Any]
    engine: str
    stats: Stats
    results: list[PropertyResult] = field(default_factory=list)
    graph: Any = None  # the explored state space, when the engine kept it (see state_graph())
    engine_stats: list[Stats] = field(default_factory=list)  # with --engine both: one per engine
    model: Any = field(default=None, repr=False)  # the model checked (decode states, describe steps)
    broker: str = ""  # the brokers' release line checked ("3.9", "3.7-3.8"; model/versions.py)
    client: str = ""  # the client library and line checked ("Java client 4.0-4.2"; model/clients.py)
    # the application's choices that are not Kafka settings: commit, processing, after_abort
    application: dict = field(default_factory=dict)
    assumptions: list = field(default_factory=list)  # what a holds rests on (model/assumptions.py)
    checked: dict = field(default_factory=dict)  # property name -> Property: what each one is
    findings: dict = field(default_factory=dict)  # property -> Finding read from its counterexample's end
    # config files (semcheck/config_files.py): key as the user wrote it -> SettingSource, for the
    # settings read from a file that took effect (empty when no file was given)
    setting_sources: dict = field(default_factory=dict)
    config_files: list = field(default_factory=list)  # the files given, in order (paths, no ROLE: prefix)
    config_roles: list = field(default_factory=list)  # the role each of config_files was read as
    # per config file: True when its role was inferred from its keys, False when given as ROLE:FILE
    config_roles_inferred: list = field(default_factory=list)
    ignored_settings: list = field(default_factory=list)  # IgnoredSetting: keys of the files not read

    def verdict(self, prop: str) -> str:
        return self[prop].verdict

    def __getitem__(self, prop: str) -> PropertyResult:
        for r in self.results:
            if r.property == prop:
                return r
        raise KeyError(prop)

    def explain(self, prop: str) -> str:
        """What the verdict of ``prop`` rests on, in one sentence (as the text report says it)."""
        from .report.words import explain

        return explain(self[prop].reason)

    def assumptions_of(self, prop: str) -> list:
        """What the verdict ``holds`` for ``prop`` rests on: the parts of Kafka the model leaves out
        or fixes (fairness only for an eventually-property).  Empty unless ``prop`` holds."""
        if self[prop].verdict != HOLDS:
            return []
        liveness = prop in self.checked and self.checked[prop].kind == EVENTUALLY
        return [a for a in self.assumptions if not a.eventually_only or liveness]

    @property
    def exit_code(self) -> int:
        """0 all hold, 1 some property violated, 3 inconclusive (and none violated), 4 the two
        engines disagree (a bug in semcheck, reported before anything else)."""
        verdicts = {r.verdict for r in self.results}
        if DISAGREE in verdicts:
            return EXIT_DISAGREE
        if VIOLATED in verdicts:
            return EXIT_VIOLATED
        if INCONCLUSIVE in verdicts:
            return EXIT_INCONCLUSIVE
        return EXIT_HOLDS

    def state_graph(self):
        """The explored state space as a ``networkx.DiGraph`` (needs ``keep_graph=True``): a
        :class:`~semcheck.report.notebook.StateGraph`, which a notebook shows as its summary and,
        when small, as a drawing."""
        from .report.notebook import StateGraph

        if self.graph is None:
            raise ValueError("the state graph was not kept: call verify(..., keep_graph=True)")
        if not isinstance(self.graph, StateGraph):
            self.graph = StateGraph(self.graph)  # once: the engines build a plain DiGraph
        return self.graph

    def sequence_diagram(self, prop: str):
        """The counterexample of ``prop`` as a Mermaid sequence diagram (the one ``--format
        markdown`` writes), which a notebook shows as a diagram (docs/notebooks.md)."""
        from .report.mermaid import diagram_context
        from .report.notebook import SequenceDiagram

        r = self[prop]
        if r.trace is None:
            raise ValueError(f"{prop} has no counterexample: it is {r.verdict}")
        return SequenceDiagram(r.trace, *diagram_context(self))

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter's rich display: the verdict table, what was checked and each counterexample as
        HTML, without timings (report/notebook.py)."""
        from .report.notebook import result_bundle

        return result_bundle(self)

    def save_trace(self, path) -> None:
        """Write every counterexample of this result to ``path`` as a versioned trace file, for
        ``semcheck.replay`` / ``semcheck replay`` (``semcheck/tracefile.py``)."""
        from .tracefile import write_trace_file

        write_trace_file(self, path)

    def as_dict(self) -> dict[str, Any]:
        """The JSON report's object (``semcheck.report.json``)."""
        from .report.json import result_as_dict

        return result_as_dict(self)
