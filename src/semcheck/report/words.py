"""Every sentence semcheck says about a verdict or a stopped search, in one place.

The engines return data (``checker/result.py``: :class:`Stop`, :class:`Reason`); this module turns it
into words for the text and JSON reports.  It is also where the command line's option names appear
(``--max-states``, ``--timeout``, ``--depth``): the engines know nothing of the command line.
"""

from __future__ import annotations

from ..checker.result import Reason, Stats, Stop, Why

# what a model's fixed-size bounds are, when the model does not name them
DEFAULT_BOUND = "a fixed-size part of its state"


# the reasons whose sentence has no numbers in it
FIXED_SENTENCES = {
    Why.BAD_STATE: "a reachable state breaks it",
    Why.SETTLES_BAD: "the system settles (no normal step is enabled) in a state that breaks it",
    Why.FAIR_CYCLE: "the system can cycle forever, under fairness, without it ever becoming true",
    Why.EXHAUSTED: "every reachable state was explored",
    Why.FAIRNESS_UNDECIDED: ("a cycle of normal steps keeps it false, but semcheck could not show that fairness "
                             "can or cannot leave it within the bound"),
    Why.CYCLES_CUT_SHORT: ("stopped at --timeout while judging the cycles that could keep it false; every "
                           "reachable state is within the completeness threshold, and none settles breaking it"),
    Why.NOT_REPLAYED: "the trace file holds no counterexample for it",
}

# how a search that stopped early says so on the statistics line
STOP_PHRASES = {
    Stop.ALL_VIOLATED: "stopped early: all properties violated",
    Stop.MAX_STATES: "stopped early: --max-states reached",
    Stop.TIMEOUT: "stopped early: --timeout reached",
    Stop.MAX_MEMORY: "stopped early: --max-memory reached",
    Stop.DEPTH_LIMIT: "stopped at --depth before a proof",
    Stop.MODEL_BOUND: "incomplete: a run reached a bound of the model",
}


def finding_sentence(finding) -> str:
    """What a counterexample's last state says (a ``Finding``), as one sentence: ``Consumer layer: ...``."""
    return f"{finding.label[0].upper()}{finding.label[1:]}: {finding.text}."


def explain(reason: Reason | None) -> str:
    """One phrase: what a verdict rests on (empty when there is nothing to say)."""
    if reason is None:
        return ""
    d = reason.details
    kind = reason.kind
    if kind in FIXED_SENTENCES:
        return FIXED_SENTENCES[kind]
    if kind == Why.COMPLETENESS_THRESHOLD:
        return f"every reachable state is within {d['steps']} steps (completeness threshold)"
    if kind == Why.K_INDUCTION:
        if d.get("lemmas"):
            return f"proved by {d['k']}-induction, with {d['lemmas']} inferred invariants of one or two slots"
        return f"proved by {d['k']}-induction"
    if kind == Why.CUT:
        return _cut(d)
    if kind == Why.REPLAY_DIVERGED:
        return _diverged(d)
    if kind == Why.ENGINES_AGREE:
        said = next((explain(r) for r in d["reasons"].values() if explain(r)), "")
        return f"both engines agree; {said}".rstrip("; ")
    if kind == Why.ONE_ENGINE_DECIDED:
        return f"{explain(d['reason'])}; the {d['inconclusive']} engine was inconclusive"
    if kind == Why.ENGINES_DISAGREE:
        if "lengths" in d:
            lengths = d["lengths"]
            return ("both find a violation, but the shortest counterexamples differ in length "
                    f"(explicit {lengths['explicit']} steps, symbolic {lengths['symbolic']})")
        verdicts = d["verdicts"]
        return f"explicit says {verdicts['explicit']}, symbolic says {verdicts['symbolic']}"
    raise ValueError(f"no words for the reason {kind!r}")  # a new Why without its sentence


def _cut(d) -> str:
    stop = d.get("stop")
    if "reasons" in d:  # every engine of a combinator was cut
        return "; ".join(f"{engine}: {explain(r)}" for engine, r in d["reasons"].items())
    if stop == Stop.MODEL_BOUND:
        return (f"some run reached a bound of the model ({d.get('bound') or DEFAULT_BOUND}), so part of "
                "the space was not explored")
    if d.get("phase") == "liveness":  # explicit.py: the search finished, the cycle analysis did not start
        return (f"every reachable state was explored ({d['states']:,} states), but judging the cycles that could "
                f"keep it false needs about {d['need'] / 2**20:,.0f} MB more, past --max-memory "
                f"({d['limit'] / 2**20:,.0f} MB resident)")
    if "states" in d:  # a search over concrete states
        if stop == Stop.MAX_STATES:
            return (f"search stopped at --max-states ({d['states']} states, depth {d['depth']}) "
                    "before exhausting the space")
        if stop == Stop.MAX_MEMORY:
            return (f"search stopped at --max-memory ({d['limit'] / 2**20:,.0f} MB resident, {d['states']} "
                    "states) before exhausting the space")
        if stop == Stop.TIMEOUT:
            return (f"search stopped at --timeout ({d['seconds']:.1f}s, {d['states']} states) "
                    "before exhausting the space")
        return "the search did not exhaust the state space"
    if stop == Stop.TIMEOUT:
        return f"stopped at --timeout; every path up to {d['depth']} steps was checked"
    if stop == Stop.DEPTH_LIMIT:
        return (f"no counterexample up to {d['depth']} steps, but no proof either: the completeness "
                f"threshold lies beyond --depth {d['limit']}")
    return "the search did not cover the bounded state space"


REPLAY_PROBLEMS = {
    "not-initial": "the stored initial state is not an initial state of the model",
    "no-such-action": "the model has no such action",
    "not-enabled": "the action is not enabled there",
    "different-state": "the action leads to a different state",
    "loop-not-closed": "the loop does not come back to the state it started from",
    "property-holds": "the run no longer breaks the property",
    "not-settled": "the run does not settle there any more (a normal step is enabled)",
}


def _diverged(d) -> str:
    """Where a stored counterexample stops being a run of the model, and how."""
    where = "the initial state" if d["step"] == 0 else f"step {d['step']}"
    if "action" in d:
        params = ", ".join(f"{k}={v}" for k, v in d.get("params", {}).items())
        where += f" ({d['actor']}: {d['action']}{f' [{params}]' if params else ''})"
    text = f"not reproduced: at {where} {REPLAY_PROBLEMS[d['problem']]}"
    fields = d.get("fields")
    if fields:
        text += "; " + ", ".join(f"{name} {want} in the trace, {got} now" for name, (want, got) in fields.items())
    if d.get("fields_only_in_trace"):
        text += f" (fields no longer in the model, not compared: {', '.join(d['fields_only_in_trace'])})"
    if d.get("fields_only_in_model"):
        text += f" (fields new in the model, not compared: {', '.join(d['fields_only_in_model'])})"
    return text


def stop_phrase(stats: Stats) -> str:
    """How a search ended, for the statistics line (empty when it simply ran to its end)."""
    if stats.stopped_by is not None:
        return STOP_PHRASES[stats.stopped_by]
    if stats.complete:
        if stats.engine == "symbolic":
            return "every reachable state lies within that depth"
        return "the bounded state space was exhausted"
    return ""
