"""The GitHub Action's logic: ``action.yml`` at the repository root installs semcheck and runs
``python -m semcheck.github_action`` (docs/ci.md).

The action's inputs arrive as environment variables (``INPUT_<NAME>``, see :data:`INPUTS`), set by
action.yml's ``env:`` block rather than pasted into the shell script: GitHub's hardening guide
recommends that, so a value is never run as code.  The script

1. turns the inputs into ONE ``semcheck verify`` command line (config files with their globs
   expanded, properties, bounds, free ``args``) and runs it in this process through the CLI itself,
   so a bad input gets the CLI's own one-line error and exit status 2;
2. lets that one search write every output: the text report on stdout (the step's log) and, with
   ``--report FORMAT=FILE``, the Markdown report (appended to ``$GITHUB_STEP_SUMMARY``), SARIF (for
   code scanning) and JSON (read back here for the step outputs).  Running the search once per
   format would triple the time and could, with ``--timeout``, give formats that disagree;
3. writes the step outputs (:data:`OUTPUTS`) to ``$GITHUB_OUTPUT``;
4. exits with the status that decides the job: semcheck's own (1 violated, 2 bad input, 3
   inconclusive, 4 engines disagree), except that inconclusive passes when
   ``fail-on-inconclusive`` is false.

``tests/test_github_action.py`` runs it with file-backed ``GITHUB_STEP_SUMMARY`` and
``GITHUB_OUTPUT``, and checks that action.yml and these tables name the same inputs and outputs.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from typing import Mapping

from .config_files import split_spec
from .model.config import ConfigError
from .properties import ALL_PROPERTIES
from .redaction import shorten
from .result import EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_WORDS

# action.yml input -> the environment variable action.yml passes it in (GitHub's INPUT_ convention,
# with "-" as "_" so that a shell can read it too).  Inputs the script does not read (python-version,
# sarif-category) are used by action.yml's other steps.
INPUTS: dict[str, str] = {name: "INPUT_" + name.upper().replace("-", "_") for name in (
    "config", "properties", "messages", "max-faults", "faults", "client", "client-version", "broker-version",
    "args", "fail-on-inconclusive", "upload-sarif", "sarif-file")}

# inputs that are semcheck verify options taken as written: empty means semcheck's own default
_OPTION_INPUTS = ("messages", "max-faults", "faults", "client", "client-version", "broker-version")

NOT_CHECKED = "not-checked"  # a property left out with the properties input, or no check ran


def verdict_output(prop: str) -> str:
    """The step output that holds one property's verdict: ``verdict-no-loss``."""
    return f"verdict-{prop}"


# every step output the script writes (action.yml's outputs map each one)
OUTPUTS = ("result", "exit-code", *(verdict_output(p) for p in ALL_PROPERTIES), "sarif-file", "json-file")


class ActionInputError(Exception):
    """An input the script itself refuses (before semcheck runs): one line, exit 2."""


@dataclass
class ActionInputs:
    configs: list[str]  # --config values, globs expanded
    properties: list[str]
    options: list[str]  # the bounds and versions given, as semcheck verify options
    args: list[str]
    fail_on_inconclusive: bool
    upload_sarif: bool  # action.yml's upload step decides on the text; read here to refuse a typo
    sarif_file: str


def _boolean(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ActionInputError(f"{name}: expected true or false, got {shorten(text.strip(), 40)!r}")
    return value == "true"


def _words(name: str, text: str) -> list[str]:
    """Split an input into words as a shell would (newlines and spaces separate, quotes keep a path
    with a space whole), without echoing the text in the error: ``args`` may hold anything."""
    try:
        return shlex.split(text)
    except ValueError as err:  # an unclosed quote
        raise ActionInputError(f"{name}: cannot split into words: {err}") from None


def _has_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def expand_config(words: list[str]) -> list[str]:
    """``[ROLE:]FILE`` words, each FILE possibly a glob (``config/*.properties``, ``**`` recursive),
    into ``--config`` values: sorted matches, each keeping its role, each file once.  A glob that
    matches nothing is an error (a typo must not turn into "nothing to check"); a plain path is
    left for semcheck to open, so a missing file gets semcheck's own error."""
    out: list[str] = []
    for word in words:
        try:
            role, path = split_spec(word, "config")
        except ConfigError as err:
            raise ActionInputError(str(err)) from None
        if not _has_glob(path):
            matches = [path]
        else:
            matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
            if not matches:
                raise ActionInputError(f"config: no file matches {path!r}")
        for match in matches:
            spec = f"{role}:{match}" if role else match
            if spec not in out:
                out.append(spec)
    return out


def read_inputs(env: Mapping[str, str]) -> ActionInputs:
    """The action's inputs from the environment (an unset variable is an empty input)."""
    value = {name: env.get(var, "") for name, var in INPUTS.items()}
    configs = expand_config(_words("config", value["config"]))
    if not configs:
        raise ActionInputError("config: no settings file given (one or more [ROLE:]FILE, globs allowed)")
    options = []
    for name in _OPTION_INPUTS:
        if value[name].strip():
            options += [f"--{name}", value[name].strip()]
    return ActionInputs(
        configs=configs,
        # "no-loss, in-order" as well as "no-loss in-order": one name per --property
        properties=[name for word in _words("properties", value["properties"]) for name in word.split(",") if name],
        options=options,
        args=_words("args", value["args"]),
        fail_on_inconclusive=_boolean("fail-on-inconclusive", value["fail-on-inconclusive"] or "true"),
        upload_sarif=_boolean("upload-sarif", value["upload-sarif"] or "true"),
        sarif_file=value["sarif-file"].strip() or "semcheck.sarif")


def verify_argv(inputs: ActionInputs, markdown_path: str, json_path: str) -> list[str]:
    """The one ``semcheck verify`` command line.  ``args`` comes last, so an option given there
    wins over the same one-valued option from an input (click keeps the last)."""
    argv = ["verify", "--progress"]
    for spec in inputs.configs:
        argv += ["--config", spec]
    for prop in inputs.properties:  # one name each: read_inputs split "no-loss, in-order" at commas
        argv += ["--property", prop]
    argv += inputs.options
    argv += ["--report", f"markdown={markdown_path}", "--report", f"json={json_path}",
             "--report", f"sarif={inputs.sarif_file}"]
    return argv + inputs.args


class _Tee:
    """stderr that is also kept, so the summary can show semcheck's one-line error."""

    def __init__(self, stream):
        self.stream, self.kept = stream, []

    def write(self, text):
        if not isinstance(text, str):  # as a text stream does: click probes with write(b"")
            raise TypeError("write() argument must be str")
        self.kept.append(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return False  # progress goes to the log as lines (--progress), never as a redrawn bar


def run_semcheck(argv: list[str]) -> tuple[int, str]:
    """Run ``semcheck`` in this process; its exit status and what it wrote on stderr."""
    from .cli import main

    tee = _Tee(sys.stderr)
    with contextlib.redirect_stderr(tee):
        code = main.main(args=argv, standalone_mode=False)
    return code, "".join(tee.kept)


def verdict_outputs(report: dict | None) -> dict[str, str]:
    """One output per property semcheck knows: its verdict (``engines disagree`` as
    ``engines-disagree``, so each value is one word for ``if:`` expressions), else not-checked."""
    verdicts = {r["property"]: r["verdict"].replace(" ", "-") for r in (report or {}).get("results", [])}
    return {verdict_output(p): verdicts.get(p, NOT_CHECKED) for p in ALL_PROPERTIES}


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Append ``name=value`` lines to ``$GITHUB_OUTPUT``; a value with a newline in GitHub's
    multiline form, ``name<<DELIMITER``, with a delimiter the value does not contain."""
    with open(path, "a", encoding="utf-8") as f:
        for name, value in outputs.items():
            value = str(value)
            if "\n" not in value and "\r" not in value:
                f.write(f"{name}={value}\n")
                continue
            delimiter = "SEMCHECK_EOF"
            while delimiter in value:
                delimiter += "_"
            f.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


def _error_summary(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("semcheck: error:")]
    # the line as semcheck printed it (values already redacted), in code quotes a backtick cannot end
    detail = f": `{errors[-1].replace('`', chr(39))}`" if errors else "; the step's log says why"
    return f"## semcheck\n\nThe settings could not be checked (bad input, exit status 2){detail}\n"


def job_status(code: int, fail_on_inconclusive: bool) -> int:
    """The script's exit status: semcheck's, except that inconclusive passes when told to."""
    return 0 if code == EXIT_INCONCLUSIVE and not fail_on_inconclusive else code


def run(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    summary_path, output_path = env.get("GITHUB_STEP_SUMMARY"), env.get("GITHUB_OUTPUT")
    try:
        inputs = read_inputs(env)
    except ActionInputError as err:
        message = f"semcheck: error: {err}"
        print(message, file=sys.stderr)
        _finish(output_path, summary_path, EXIT_BAD_INPUT, None, "", "", _error_summary(message))
        return EXIT_BAD_INPUT
    # the Markdown and JSON reports go to the runner's scratch space; the JSON one stays for later steps
    work = tempfile.mkdtemp(prefix="semcheck-", dir=env.get("RUNNER_TEMP") or None)
    markdown_path, json_path = os.path.join(work, "report.md"), os.path.join(work, "report.json")
    code, stderr = run_semcheck(verify_argv(inputs, markdown_path, json_path))
    report = None
    if os.path.exists(json_path):
        with open(json_path, encoding="utf-8") as f:
            report = json.load(f)
    if os.path.exists(markdown_path):
        with open(markdown_path, encoding="utf-8") as f:
            summary = f.read()
    else:
        summary = _error_summary(stderr) if code == EXIT_BAD_INPUT else ""
    sarif = inputs.sarif_file if os.path.exists(inputs.sarif_file) and report is not None else ""
    _finish(output_path, summary_path, code, report, sarif, json_path if report is not None else "", summary)
    return job_status(code, inputs.fail_on_inconclusive)


def _finish(output_path, summary_path, code, report, sarif, json_file, summary) -> None:
    outputs = {"result": EXIT_WORDS.get(code, "error"), "exit-code": str(code), **verdict_outputs(report),
               "sarif-file": sarif, "json-file": json_file}
    assert tuple(outputs) == OUTPUTS  # action.yml maps exactly these
    if output_path:
        write_outputs(output_path, outputs)
    _append(summary_path, summary)


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
