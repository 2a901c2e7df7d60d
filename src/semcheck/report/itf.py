"""``--trace-out FILE``: counterexamples in the Informal Trace Format (ITF) of Apalache and Quint
(https://apalache-mc.org/docs/adr/015adr-trace.html), for tools that read those traces (Quint's
and Apalache's trace viewers, itf-py, itf-rs, the ITF trace viewer for VS Code).

One ITF trace per counterexample: ITF holds one trace per file, so ``FILE`` names each file by its
property (``itf_paths``).  ``vars`` are the model's state fields (``Layout``: integers and lists of
integers); ``states[0]`` is the initial state and ``states[i]`` the state after step ``i``, whose
``#meta`` carries the step (actor, action name, parameters, fault, sentence).  Integers are written
as ``{"#bigint": "..."}`` (what Quint writes; every ITF reader takes it), lists as JSON arrays,
booleans as JSON booleans.  ``loop`` is the index of the state a lasso returns to.
"""

from __future__ import annotations

import json
from typing import Any

from ..checker.result import VIOLATED
from ..result import Result

ADR = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def itf_value(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, (list, tuple)):
        return [itf_value(v) for v in value]
    if isinstance(value, dict):
        return {"#map": [[itf_value(k), itf_value(v)] for k, v in value.items()]}
    if isinstance(value, str):
        return value
    raise TypeError(f"no ITF encoding for {type(value).__name__}")


def itf_trace(result: Result, r) -> dict[str, Any]:
    from .. import __version__

    trace = r.trace
    fields = list(trace.initial_state)
    states = [{"#meta": {"index": 0}, **{f: itf_value(trace.initial_state[f]) for f in fields}}]
    for step in trace.steps:
        meta = {"index": step.number, "actor": step.actor, "action": step.name, "params": dict(step.params),
                "fault": step.fault, "says": step.action}
        states.append({"#meta": meta, **{f: itf_value(step.state[f]) for f in fields}})
    out: dict[str, Any] = {
        "#meta": {"format": "ITF", "format-description": ADR, "source": f"semcheck {__version__}",
                  "description": f"counterexample for {r.property}", "property": r.property,
                  "config": {k: v for k, v in result.config.items()}},
        "params": [],
        "vars": fields,
        "states": states,
    }
    if trace.loop_start is not None:
        out["loop"] = trace.loop_start - 1  # the state before the first repeating step
    return out


def itf_paths(path: str, properties: list[str]) -> dict[str, str]:
    """Property -> file.  ``{property}`` in ``path`` is replaced; otherwise the property is put
    before the ``.itf.json`` (or ``.json``) ending: ``out.itf.json`` -> ``out.no-loss.itf.json``."""
    if "{property}" in path:
        return {p: path.replace("{property}", p) for p in properties}
    for ending in (".itf.json", ".json"):
        if path.endswith(ending):
            stem = path[: -len(ending)]
            return {p: f"{stem}.{p}{ending}" for p in properties}
    return {p: f"{path}.{p}.itf.json" for p in properties}


def write_itf(result: Result, path: str) -> list[str]:
    """Write every counterexample of ``result``; returns the files written, in property order."""
    with_trace = [r for r in result.results if r.trace is not None and r.verdict == VIOLATED]
    paths = itf_paths(path, [r.property for r in with_trace])
    for r in with_trace:
        with open(paths[r.property], "w", encoding="utf-8") as f:
            json.dump(itf_trace(result, r), f, indent=1)
            f.write("\n")
    return [paths[r.property] for r in with_trace]
