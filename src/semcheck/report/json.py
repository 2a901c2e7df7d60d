"""The JSON report: one object per check (DESIGN.md, "The CLI contract").

Reasons are given twice: as the sentence the text report prints (``reason``) and as data
(``why``: its kind and numbers, ``checker/result.py``), so a tool need not parse words.
"""

from __future__ import annotations

import json
from typing import Any

from ..checker.result import VIOLATED, PropertyResult
from ..result import Result
from ..unmodelled import delivery_effects, not_modelled_keys
from .mechanism import describe, mechanism_for
from .words import explain


def property_as_dict(r: PropertyResult) -> dict[str, Any]:
    out: dict[str, Any] = {"property": r.property, "verdict": r.verdict}
    if r.reason is not None:
        out["reason"] = explain(r.reason)
        out["why"] = r.reason.as_dict()
    if r.by_engine:
        out["engines"] = {name: property_as_dict(answer) for name, answer in r.by_engine.items()}
    out["trace"] = r.trace.as_list() if r.trace else []
    if r.trace is not None:
        out["trace_initial"] = r.trace.initial
        out["trace_initial_state"] = dict(r.trace.initial_state)
        if r.trace.loop_start is not None:
            out["loop_starts_at_step"] = r.trace.loop_start
    return out


def _with_assumptions(result: Result, r: PropertyResult) -> dict[str, Any]:
    """A holds verdict names what it rests on (model/assumptions.py), by id and in words; a violated
    one what its counterexample's last state says (``finding``: no-loss names the layer)."""
    out = property_as_dict(r)
    assumed = result.assumptions_of(r.property)
    if assumed:
        out["assumptions"] = [a.as_dict() for a in assumed]
    prop = result.checked.get(r.property)
    if prop is not None and prop.note:  # e.g. no-acked-loss: its meaning changed
        out["note"] = prop.note
    finding = result.findings.get(r.property)
    if finding is not None:  # e.g. no-loss: {"label": "consumer layer", "text": ..., "layer": "consumer", ...}
        out["finding"] = {"label": finding.label, "text": finding.text, **finding.data}
    if r.verdict == VIOLATED and r.trace is not None:  # what drives it, and by which settings (mechanism.py)
        mechanism = mechanism_for(result, r)
        out["mechanism"] = {"id": mechanism.id, "summary": describe(mechanism, r.trace), "keys": list(mechanism.keys)}
    return out


def _files_as_dict(result: Result) -> dict[str, Any]:
    """The config files read (docs/config-files.md): keys and places only, never a value."""
    n = len(result.config_files)
    roles = result.config_roles or [None] * n
    inferred = result.config_roles_inferred or [None] * n
    keys = not_modelled_keys(result.ignored_settings)
    return {
        "settings_from": [{"path": path, "role": role, "role_inferred": guessed}
                          for path, role, guessed in zip(result.config_files, roles, inferred)],
        "setting_sources": {key: {"path": where.path, "line": where.line}
                            for key, where in result.setting_sources.items()},
        "not_modelled": {"count": len(keys), "keys": keys, "change_delivery": delivery_effects(keys)},
        "not_read": [{"key": item.key, "path": item.path, "line": item.line, "why": item.why}
                     for item in result.ignored_settings if item.why],
    }


def result_as_dict(result: Result) -> dict[str, Any]:
    return {
        "config": result.config,
        "broker_version": result.broker,
        "client": result.client,
        "application": result.application,
        "notes": list(result.notes),
        **_files_as_dict(result),
        "bounds": result.bounds,
        "engine": result.engine,
        "stats": result.stats.as_dict(),
        **({"engine_stats": [st.as_dict() for st in result.engine_stats]} if result.engine_stats else {}),
        "results": [_with_assumptions(result, r) for r in result.results],
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of this report, shipped with the package as
    ``semcheck/report/json_schema.json`` (docs/formats.md, "JSON")."""
    from importlib.resources import files

    return json.loads(files(__package__).joinpath("json_schema.json").read_text(encoding="utf-8"))


def render_json(result: Result) -> str:
    """One JSON object with ``config``, ``broker_version``, ``client``, ``application``, ``notes``, ``bounds``, ``engine``, ``stats`` and ``results``,
    keys in a fixed order, ending in a newline."""
    return json.dumps(result_as_dict(result), indent=2, sort_keys=False) + "\n"
