"""``--format junit``: one JUnit XML test suite, one test case per property.

For CI test dashboards (GitHub Actions test reporters, GitLab's and Jenkins' JUnit views):
holds passes; violated is a ``<failure>`` carrying the counterexample as the text report prints it;
inconclusive (and engines that disagree) is an ``<error>``, never ``<skipped>``, which dashboards show
as green.  The checked configuration goes in ``<properties>``.  Written with the standard library's
ElementTree: no dependency, and the XML is escaped by construction.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..checker.result import DISAGREE, HOLDS, VIOLATED
from ..result import Result
from .mechanism import describe, mechanism_for
from .text import NOT_PROVEN, _counterexample, _kafka_value, stats_lines
from .words import explain, finding_sentence


def configuration_properties(result: Result) -> list[tuple[str, str]]:
    """What was checked, as (name, value) pairs: modelled settings only, so nothing secret."""
    pairs = [(key, _kafka_value(value)) for key, value in result.config.items()]
    pairs += [(f"application.{key}", str(value)) for key, value in result.application.items()]
    pairs += [("semcheck.broker", result.broker), ("semcheck.client", result.client),
              ("semcheck.engine", result.engine)]
    bounds = result.bounds
    pairs += [("semcheck.messages", str(bounds.get("messages", ""))),
              ("semcheck.max_faults", str(bounds.get("max_faults", ""))),
              ("semcheck.faults", ",".join(bounds.get("faults", ())))]
    return pairs


def render_junit(result: Result) -> str:
    suites = ET.Element("testsuites", name="semcheck")
    failures = sum(r.verdict == VIOLATED for r in result.results)
    errors = sum(r.verdict not in (HOLDS, VIOLATED) for r in result.results)
    suite = ET.SubElement(suites, "testsuite", name=f"semcheck {result.engine}", tests=str(len(result.results)),
                          failures=str(failures), errors=str(errors), skipped="0",
                          time=f"{result.stats.seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for name, value in configuration_properties(result):
        ET.SubElement(props, "property", name=name, value=value)
    for r in result.results:
        case = ET.SubElement(suite, "testcase", name=r.property, classname=f"semcheck.{result.engine}")
        if r.verdict == VIOLATED:
            if r.trace is not None:
                mechanism = describe(mechanism_for(result, r), r.trace)
                text = "\n".join(_counterexample(r))
                finding = result.findings.get(r.property)
                if finding is not None:
                    text += "\n" + finding_sentence(finding)
            else:
                mechanism, text = explain(r.reason), explain(r.reason)
            failure = ET.SubElement(case, "failure", type="violated", message=f"{r.property} violated: {mechanism}")
            failure.text = text + "\n"
        elif r.verdict == DISAGREE:
            error = ET.SubElement(case, "error", type="engines-disagree",
                                  message=f"the engines disagree (a bug in semcheck): {explain(r.reason)}")
            error.text = "\n".join(f"{name} engine: {answer.verdict} {explain(answer.reason)}".rstrip()
                                   for name, answer in (r.by_engine or {}).items()) + "\n"
        elif r.verdict != HOLDS:
            error = ET.SubElement(case, "error", type=r.verdict, message=f"{r.property} {r.verdict}: {explain(r.reason)}")
            error.text = (NOT_PROVEN if result.engine != "replay" else explain(r.reason)) + "\n"
    out = ET.SubElement(suite, "system-out")
    out.text = "\n".join(stats_lines(result)) + "\n"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
