"""--engine both: run the explicit and the symbolic engine and compare every verdict.

The two engines share the model but search in unrelated ways, so agreement is evidence that
neither has a bug; any disagreement is reported as an internal error (exit status 4) with both
answers, never resolved silently.  An engine that could not decide (inconclusive) does not
disagree: the other engine's verdict stands, and the reason says so.
"""

from __future__ import annotations

from .result import DISAGREE, INCONCLUSIVE, VIOLATED, PropertyResult


def combine(explicit: PropertyResult, symbolic: PropertyResult) -> PropertyResult:
    answers = {"explicit": explicit, "symbolic": symbolic}
    decided = [r for r in (explicit, symbolic) if r.verdict != INCONCLUSIVE]
    if len(decided) == 2:
        if explicit.verdict != symbolic.verdict:
            why = f"explicit says {explicit.verdict}, symbolic says {symbolic.verdict}"
            return PropertyResult(explicit.property, DISAGREE, explicit.trace or symbolic.trace, why, answers)
        if explicit.verdict == VIOLATED and len(explicit.trace) != len(symbolic.trace):
            why = (f"both find a violation, but the shortest counterexamples differ in length "
                   f"(explicit {len(explicit.trace)} steps, symbolic {len(symbolic.trace)})")
            return PropertyResult(explicit.property, DISAGREE, explicit.trace, why, answers)
        return PropertyResult(explicit.property, explicit.verdict, explicit.trace,
                              f"both engines agree; {explicit.reason or symbolic.reason}".rstrip("; "), answers)
    if decided:
        only = decided[0]
        other = "symbolic" if only is explicit else "explicit"
        return PropertyResult(only.property, only.verdict, only.trace,
                              f"{only.reason}; the {other} engine was inconclusive", answers)
    return PropertyResult(explicit.property, INCONCLUSIVE, None,
                          f"explicit: {explicit.reason}; symbolic: {symbolic.reason}", answers)
