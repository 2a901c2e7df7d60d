"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub code scanning, GitLab, Azure DevOps, IDE
SARIF viewers).

One rule per checked property, one result per violated property.  A result's location is the line
of the setting that drives its counterexample's mechanism (``mechanism.py``: mechanism -> keys):
the first of the mechanism's keys that a --config file set (``Result.setting_sources``); when none
was set in a file, line 1 of the first file given (the value is a default the file does not state);
when no file was given at all, a logical location naming the key (SARIF viewers show it, but code
scanning cannot annotate a line).  The counterexample is the result's code flow: one thread flow
location per step, its message the step's sentence.  Inconclusive properties and engines that
disagree are tool execution notifications, not results: they are not findings in the file.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from typing import Any

from ..checker.result import DISAGREE, HOLDS, VIOLATED
from ..result import Result
from .mechanism import Mechanism, describe, mechanism_for
from .text import _kafka_value, driving_settings, step_words
from .words import explain

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/semcheck/semcheck"


def _uri(path: str) -> str:
    """A relative path stays relative (code scanning resolves it against the repository root);
    an absolute one becomes a file URI."""
    pure = PurePath(path)
    return pure.as_uri() if pure.is_absolute() else pure.as_posix()


def setting_location(result: Result, mechanism: Mechanism, prop: str) -> dict[str, Any]:
    """Where to annotate: the line of the mechanism's first key set in a file, else line 1 of the
    first file, else a logical location (docs/formats.md, "SARIF")."""
    for key in mechanism.keys:
        source = result.setting_sources.get(key)
        if source is not None:
            return _physical(source.path, source.line, key)
    if result.config_files:
        return _physical(result.config_files[0], 1, mechanism.keys[0] if mechanism.keys else None)
    name = mechanism.keys[0] if mechanism.keys else prop
    return {"logicalLocations": [{"name": name, "fullyQualifiedName": f"kafka-settings/{name}", "kind": "variable"}]}


def _physical(path: str, line: int, key: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": _uri(os.fspath(path))},
                                                     "region": {"startLine": max(1, int(line))}}}
    if key is not None:
        location["logicalLocations"] = [{"name": key, "fullyQualifiedName": f"kafka-settings/{key}",
                                         "kind": "variable"}]
    return location


def _rule(result: Result, name: str) -> dict[str, Any]:
    prop = result.checked.get(name)
    described = getattr(prop, "summary", None) or name
    return {"id": name, "name": name, "shortDescription": {"text": str(described).split("\n")[0]},
            "defaultConfiguration": {"level": "error"}}


def _code_flow(r, location: dict[str, Any]) -> dict[str, Any]:
    steps = []
    for step in r.trace.steps:
        loc: dict[str, Any] = {"message": {"text": f"{step.number}. {step_words(step)}"}}
        if "physicalLocation" in location:
            loc["physicalLocation"] = location["physicalLocation"]
        entry: dict[str, Any] = {"location": loc, "executionOrder": step.number,
                                 "properties": {"actor": step.actor, "action": step.name}}
        if step.fault:
            entry["kinds"] = ["fault"]
            entry["properties"]["fault"] = step.fault
        steps.append(entry)
    return {"message": {"text": f"shortest counterexample for {r.property} ({len(steps)} steps)"},
            "threadFlows": [{"locations": steps}]}


def sarif_log(result: Result) -> dict[str, Any]:
    from .. import __version__

    names = [r.property for r in result.results]
    results = []
    notifications = []
    for r in result.results:
        if r.verdict == VIOLATED and r.trace is not None:
            mechanism = mechanism_for(result, r)
            location = setting_location(result, mechanism, r.property)
            driven = driving_settings(result, mechanism)
            text = f"{r.property} is violated: {describe(mechanism, r.trace)}"
            if driven:
                text += f" (driven by {driven})"
            results.append({
                "ruleId": r.property, "ruleIndex": names.index(r.property), "level": "error",
                "kind": "fail", "message": {"text": text + "."},
                "locations": [location],
                "codeFlows": [_code_flow(r, location)],
                "partialFingerprints": {"semcheckMechanism/v1": f"{r.property}:{mechanism.id}"},
                "properties": {"mechanism": mechanism.id, "keys": list(mechanism.keys),
                               "faults": [s.fault for s in r.trace.steps if s.fault], "steps": len(r.trace)},
            })
        elif r.verdict != HOLDS and r.verdict != VIOLATED:
            level = "error" if r.verdict == DISAGREE else "warning"
            notifications.append({"level": level, "message": {"text": f"{r.property}: {r.verdict}: {explain(r.reason)}"},
                                  "descriptor": {"id": r.property}})
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "semcheck", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [_rule(result, name) for name in names]}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {
            "verdicts": {r.property: r.verdict for r in result.results},
            "config": {key: _kafka_value(value) for key, value in result.config.items()},
            "application": dict(result.application), "broker": result.broker, "client": result.client,
            "engine": result.engine,
            "bounds": {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in result.bounds.items()},
        },
    }
    if result.config_files:
        run["artifacts"] = [{"location": {"uri": _uri(os.fspath(path))}, "roles": ["analysisTarget"]}
                            for path in result.config_files]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(result: Result) -> str:
    return json.dumps(sarif_log(result), indent=2) + "\n"
