"""--engine both: run the explicit and the symbolic engine and compare every verdict.

The two engines share the model but search in unrelated ways, so agreement is evidence that
neither has a bug; any disagreement is reported as an internal error (exit status 4) with both
answers, never resolved silently.  An engine that could not decide (inconclusive) does not
disagree: the other engine's verdict stands, and the reason says so.
"""

from __future__ import annotations

from .explicit import ExplicitSearch
from .result import DISAGREE, INCONCLUSIVE, VIOLATED, PropertyResult, Reason, SearchResult, Why
from .search import Strategy
from .symbolic import SymbolicSearch


class BothEngines(Strategy):
    name = "both"
    summary = "the explicit and the symbolic engine, every verdict compared (a disagreement is a bug)"
    engines = (ExplicitSearch, SymbolicSearch)

    def run(self) -> SearchResult:
        explicit, symbolic = (engine(self.model, self.properties, self.settings).run() for engine in self.engines)
        results = [combine(a, b) for a, b in zip(explicit.results, symbolic.results)]
        return SearchResult(explicit.stats, results, explicit.graph, [explicit.stats, symbolic.stats])


def combine(explicit: PropertyResult, symbolic: PropertyResult) -> PropertyResult:
    answers = {"explicit": explicit, "symbolic": symbolic}
    decided = [r for r in (explicit, symbolic) if r.verdict != INCONCLUSIVE]
    if len(decided) == 2:
        if explicit.verdict != symbolic.verdict:
            why = Reason(Why.ENGINES_DISAGREE, {"verdicts": {"explicit": explicit.verdict,
                                                             "symbolic": symbolic.verdict}})
            return PropertyResult(explicit.property, DISAGREE, explicit.trace or symbolic.trace, why, answers)
        if explicit.verdict == VIOLATED and len(explicit.trace) != len(symbolic.trace):
            why = Reason(Why.ENGINES_DISAGREE, {"lengths": {"explicit": len(explicit.trace),
                                                            "symbolic": len(symbolic.trace)}})
            return PropertyResult(explicit.property, DISAGREE, explicit.trace, why, answers)
        why = Reason(Why.ENGINES_AGREE, {"reasons": {"explicit": explicit.reason, "symbolic": symbolic.reason}})
        return PropertyResult(explicit.property, explicit.verdict, explicit.trace, why, answers)
    if decided:
        only = decided[0]
        other = "symbolic" if only is explicit else "explicit"
        why = Reason(Why.ONE_ENGINE_DECIDED, {"decided_by": "explicit" if only is explicit else "symbolic",
                                              "reason": only.reason, "inconclusive": other})
        return PropertyResult(only.property, only.verdict, only.trace, why, answers)
    why = Reason(Why.CUT, {"reasons": {"explicit": explicit.reason, "symbolic": symbolic.reason}})
    return PropertyResult(explicit.property, INCONCLUSIVE, None, why, answers)
