"""A team's real config files: ``semcheck verify --config [ROLE:]FILE ...`` (docs/config-files.md).

The realistic application file works, says what it ignored, and no output shows its passwords; files
merge by the documented rule; every error names FILE:LINE; the reader agrees with
java.util.Properties (checked against the JDK itself when one is installed).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

import semcheck
from semcheck.cli import main
from semcheck.config_files import infer_role, read_config_files, split_spec
from semcheck.properties_file import read_entries, read_properties
from semcheck.redaction import is_secret, redact, shorten
from semcheck.result import SettingSource

SMALL = ["--messages", "1", "--max-faults", "1", "--faults", "network"]
JAAS_PASSWORD = "Hunter2-s3cr3t"
TRUSTSTORE_PASSWORD = "TrustMe-0ver9000"

# An application's producer file as teams write them: ':' and ' ' separators, a continued
# sasl.jaas.config holding a password, a \uXXXX escape, and a Latin-1 byte (appended below).
APP = (
    "# orders-service producer\n"
    "bootstrap.servers: broker1:9093,broker2:9093\n"
    "key.serializer=org.apache.kafka.common.serialization.StringSerializer\n"
    "value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer\n"
    "security.protocol=SASL_SSL\n"
    "sasl.mechanism=PLAIN\n"
    "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n"
    "    username=\"orders\" \\\n"
    f"    password=\"{JAAS_PASSWORD}\";\n"
    "ssl.truststore.location=/etc/kafka/truststore.jks\n"
    f"ssl.truststore.password={TRUSTSTORE_PASSWORD}\n"
    "client.id=orders-caf\\u00e9\n"
    "acks: all\n"
    "linger.ms 5\n"
    "enable.idempotence=true\n"
)
APP_IGNORED = ["bootstrap.servers", "client.id", "description", "key.serializer", "linger.ms", "sasl.jaas.config",
               "sasl.mechanism", "security.protocol", "ssl.truststore.location", "ssl.truststore.password",
               "value.serializer"]


def app_file(tmp_path, name="app.properties"):
    f = tmp_path / name
    f.write_bytes(APP.encode("ascii") + b"description=Z\xfcrich\n")  # a Latin-1 byte, as Java files may hold
    return f


def run(args):
    return CliRunner().invoke(main, ["verify", *args])


def error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("semcheck: error: "), result.output
    return lines[0]


def no_secret(text: str) -> None:
    for secret in (JAAS_PASSWORD, TRUSTSTORE_PASSWORD, "PlainLoginModule"):
        assert secret not in text


# --- the realistic application file -----------------------------------------------------------

def test_a_real_application_file_is_checked_and_its_ignored_keys_are_listed_with_their_count(tmp_path):
    f = app_file(tmp_path)
    r = run(["--config", str(f), *SMALL])
    assert r.exit_code == 0, r.output
    assert f"Settings from: {f} (producer, inferred from its keys); give ROLE:FILE" in r.output
    assert f"Not modelled (11 settings in the files, ignored): {', '.join(APP_IGNORED)}" in r.output
    assert "verdicts below do not account for them:\n  - linger.ms: records wait to be batched" in r.output
    no_secret(r.output)

    report = json.loads(run(["--config", str(f), *SMALL, "--format", "json"]).output)
    assert report["config"]["acks"] == "all" and report["config"]["enable.idempotence"] is True
    assert report["settings_from"] == [{"path": str(f), "role": "producer", "role_inferred": True}]
    assert report["setting_sources"] == {"acks": {"path": str(f), "line": 13},
                                         "enable.idempotence": {"path": str(f), "line": 15}}
    assert report["not_modelled"]["count"] == 11 and report["not_modelled"]["keys"] == APP_IGNORED
    assert list(report["not_modelled"]["change_delivery"]) == ["linger.ms"]
    no_secret(json.dumps(report))


def test_the_application_file_reads_as_java_reads_it(tmp_path):
    values = read_properties(str(app_file(tmp_path)))
    assert values["bootstrap.servers"] == "broker1:9093,broker2:9093"  # ':' separator, ':' kept in the value
    assert values["linger.ms"] == "5"  # white-space separator
    assert values["client.id"] == "orders-café"  # \u00e9
    assert values["description"] == "Zürich"  # the Latin-1 byte 0xFC
    assert values["sasl.jaas.config"] == ('org.apache.kafka.common.security.plain.PlainLoginModule required '
                                          f'username="orders" password="{JAAS_PASSWORD}";')
    lines = {e.key: e.line for e in read_entries(str(app_file(tmp_path)))}
    assert lines["sasl.jaas.config"] == 7 and lines["ssl.truststore.location"] == 10 and lines["acks"] == 13


def test_the_api_gives_setting_sources_and_config_files(tmp_path):
    f = app_file(tmp_path)
    result = semcheck.verify(config_files=[str(f)], messages=1, max_faults=1, faults=["network"])
    assert result.config_files == [str(f)] and result.config_roles == ["producer"]
    assert result.setting_sources["acks"] == SettingSource(str(f), 13)
    assert semcheck.verify(messages=1, max_faults=0).setting_sources == {}
    assert semcheck.verify(messages=1, max_faults=0).config_files == []
    with pytest.raises(semcheck.ConfigError, match="must be a list of paths"):
        semcheck.verify(config_files=str(f), messages=1, max_faults=0)


# --- secrets ------------------------------------------------------------------------------------

def test_no_output_shows_a_secret_even_in_errors(tmp_path):
    f = app_file(tmp_path)
    g = tmp_path / "other.properties"
    g.write_text(f"ssl.key.password=Other-s3cr3t\nacks=1\n")
    r = run(["--config", str(f), "--config", str(g), *SMALL])  # conflict on acks: the error shows no secret
    assert "semcheck: error:" in r.output and f"{f}:13" in r.output and f"{g}:2" in r.output
    no_secret(r.output)
    assert "Other-s3cr3t" not in r.output
    r = run(["-X", f"sasl.jaas.config password={JAAS_PASSWORD}", *SMALL])  # no '=' ... well, one: unknown key
    assert r.exit_code == 2 and JAAS_PASSWORD not in r.output
    r = run(["-X", f"ssl.key.password:{JAAS_PASSWORD}", *SMALL])  # no '=': the text is echoed redacted
    assert r.exit_code == 2 and "[redacted]" in r.output and JAAS_PASSWORD not in r.output


def test_a_repeated_define_redacts_by_key_not_by_the_words_of_its_value():
    # a value that merely contains a secret word (a client.id "token-service") stays readable in the
    # error, while a secret key's values never show, though the key itself does
    r = run(["-X", "transactional.id=token-service", "-X", "transactional.id=password-reset", *SMALL])
    assert r.exit_code == 2 and r.output.count("\n") == 1
    assert "-X transactional.id=token-service" in r.output and "-X transactional.id=password-reset" in r.output
    r = run(["-X", f"sasl.password={JAAS_PASSWORD}", "-X", "sasl.password=other", *SMALL])
    assert r.exit_code == 2 and "-X sasl.password=[redacted]" in r.output
    assert JAAS_PASSWORD not in r.output and "other" not in r.output


def test_redact_and_shorten():
    for key in ("sasl.jaas.config", "ssl.truststore.password", "ssl.key.password", "ssl.keystore.key",
                "basic.auth.user.info", "sasl.oauthbearer.client.credentials.client.secret", "sasl.password",
                "SSL.KEYSTORE.PASSWORD", "bearer.auth.token", "sasl.oauthbearer.config"):
        assert is_secret(key) and redact(key, "p") == "[redacted]", key
    for key in ("acks", "client.id", "ssl.truststore.location", "bootstrap.servers", "min.insync.replicas"):
        assert not is_secret(key) and redact(key, "v") == "v", key
    assert shorten("x" * 5_000_000) == "x" * 77 + "..." and len(redact("client.id", "y" * 1000)) == 80


def test_a_huge_bad_value_is_cut_in_the_error(tmp_path):
    f = tmp_path / "p.properties"
    f.write_text("acks=" + "9" * 5_000_000 + "\n")
    line = error_line(run(["--config", str(f), *SMALL]))
    assert f"{f}:1:" in line and len(line) < 300


# --- roles and the merge rule -------------------------------------------------------------------

def test_role_prefix_and_inference():
    assert split_spec("producer:app.properties") == ("producer", "app.properties")
    assert split_spec("TOPIC:/x/orders.properties") == ("topic", "/x/orders.properties")
    assert split_spec("C:/kafka/app.properties") == (None, "C:/kafka/app.properties")
    assert split_spec("./producer:odd.properties") == (None, "./producer:odd.properties")
    assert infer_role("/etc/kafka/server.properties", ["log.dirs"]) == "broker"
    assert infer_role("cluster.properties", ["process.roles", "min.insync.replicas"]) == "broker"
    assert infer_role("p.properties", ["key.serializer", "acks"]) == "producer"
    assert infer_role("c.properties", ["group.id", "enable.auto.commit"]) == "consumer"
    assert infer_role("t.properties", ["min.insync.replicas", "retention.ms"]) == "topic"
    assert infer_role("all.properties", ["acks", "enable.auto.commit", "replication.factor"]) == "client"
    assert infer_role("conn.properties", ["bootstrap.servers"]) == "client"


def test_producer_and_consumer_files_merge(tmp_path):
    p = tmp_path / "producer.properties"
    p.write_text("client.id=orders-producer\nacks=1\nretries=3\n")
    c = tmp_path / "consumer.properties"
    c.write_text("client.id=orders-consumer\ngroup.id=orders\nenable.auto.commit=false\n"
                 "semcheck.commit=before-process\n")
    r = run(["--config", str(p), "--config", str(c), *SMALL, "--format", "json"])
    report = json.loads(r.output)
    assert report["config"]["acks"] == "1" and report["config"]["retries"] == 3  # client.id differs: fine
    assert report["config"]["enable.auto.commit"] is False
    assert report["application"]["commit"] == "before-process"  # the commit strategy from the file
    assert report["settings_from"] == [{"path": str(p), "role": "producer", "role_inferred": True},
                                       {"path": str(c), "role": "consumer", "role_inferred": True}]
    assert report["setting_sources"]["semcheck.commit"] == {"path": str(c), "line": 4}
    assert report["not_modelled"]["keys"] == ["client.id", "group.id"]
    # the command line wins over the files, the source goes, and a note says what was overridden
    r = run(["--config", str(p), "--config", str(c), "--commit", "after-process", "--acks", "all",
             "-X", "enable.idempotence=false", *SMALL, "--format", "json"])
    report = json.loads(r.output)
    assert report["application"]["commit"] == "after-process" and report["config"]["acks"] == "all"
    assert "acks" not in report["setting_sources"] and "semcheck.commit" not in report["setting_sources"]
    assert f"acks=all from the command line overrides acks=1 ({p}:2)" in report["notes"]


def test_a_conflict_on_a_read_key_names_both_files_and_lines(tmp_path):
    a = tmp_path / "a.properties"
    a.write_text("key.serializer=x\n# acks\nacks=all\n")
    b = tmp_path / "b.properties"
    b.write_text("value.serializer=y\nacks=1\n")
    line = error_line(run(["--config", str(a), "--config", str(b), *SMALL]))
    assert f"{a}:3 sets acks=all and {b}:2 sets acks=1" in line
    b.write_text("value.serializer=y\nacks=-1\n")  # the same setting spelt another way: no conflict
    assert run(["--config", str(a), "--config", str(b), *SMALL]).exit_code == 0


def test_a_key_of_another_role_is_not_read_from_that_file(tmp_path):
    c = tmp_path / "consumer.properties"
    c.write_text("group.id=g\nacks=0\n")
    r = run(["--config", f"consumer:{c}", *SMALL, "--format", "json"])
    report = json.loads(r.output)
    assert report["config"]["acks"] == "all"
    assert report["not_read"] == [{"key": "acks", "path": str(c), "line": 2,
                                   "why": "a producer setting, not read from a consumer file"}]


def test_server_properties_topic_overrides_and_a_client_file(tmp_path):
    server = tmp_path / "server.properties"
    server.write_text("process.roles=broker\nnode.id=1\ndefault.replication.factor=3\nmin.insync.replicas=1\n"
                      "unclean.leader.election.enable=true\nlog.dirs=/var/lib/kafka\n")
    topic = tmp_path / "orders-topic.properties"
    topic.write_text("retention.ms=604800000\nmin.insync.replicas=2\n")
    client = tmp_path / "producer.properties"
    client.write_text("key.serializer=x\nacks=all\n")
    r = run(["--config", str(server), "--config", f"topic:{topic}", "--config", str(client), *SMALL,
             "--format", "json"])
    report = json.loads(r.output)
    assert report["config"]["replication.factor"] == 3  # the broker default
    assert report["config"]["min.insync.replicas"] == 2  # the topic override wins
    assert report["config"]["unclean.leader.election.enable"] is True
    assert [f["role"] for f in report["settings_from"]] == ["broker", "topic", "producer"]
    # the report says which role was given (topic:) and which semcheck inferred from the keys
    assert [f["role_inferred"] for f in report["settings_from"]] == [True, False, True]
    text = run(["--config", str(server), "--config", f"topic:{topic}", "--config", str(client), *SMALL]).output
    assert (f"Settings from: {server} (broker, inferred from its keys), {topic} (topic, as given), "
            f"{client} (producer, inferred from its keys)") in text
    sources = report["setting_sources"]
    assert sources["default.replication.factor"] == sources["replication.factor"] == {"path": str(server), "line": 3}
    assert sources["min.insync.replicas"] == {"path": str(topic), "line": 2}
    assert (f"min.insync.replicas=2 from {topic}:2 overrides the broker default min.insync.replicas=1 "
            f"({server}:4)") in report["notes"]
    # the command line wins over both
    r = run(["--config", str(server), "--config", f"topic:{topic}", "-X", "min.insync.replicas=3", *SMALL,
             "--format", "json"])
    assert json.loads(r.output)["config"]["min.insync.replicas"] == 3
    # two broker files disagreeing on a default they both set is a conflict
    other = tmp_path / "broker2.properties"
    other.write_text("broker.id=2\ndefault.replication.factor=2\n")
    line = error_line(run(["--config", str(server), "--config", str(other), *SMALL]))
    assert f"{server}:3 sets default.replication.factor=3 and {other}:2 sets default.replication.factor=2" in line


# --- every error names FILE:LINE -----------------------------------------------------------------

@pytest.mark.parametrize("text, line, words", [
    ("acks=1\nretires=3\n", 2, "did you mean 'retries'"),
    ("key.serializer=x\nenable.idempotance=false\n", 2, "did you mean 'enable.idempotence'"),
    ("group.id=g\nsemcheck.comit=auto\n", 2, "did you mean 'semcheck.commit'"),
    ("group.id=g\nsemcheck.commit=sometimes\n", 2, "invalid value 'sometimes' for semcheck.commit"),
    ("acks=1\nrequest.required.acks=1\n", 2, "is a librdkafka setting"),
    ("\n\nmin.insync.replicas=seven\n", 3, "invalid value 'seven' for min.insync.replicas"),
    ("a=1\\\n  continued\n:novalue\n", 3, "empty key"),
])
def test_every_error_names_file_and_line(tmp_path, text, line, words):
    f = tmp_path / "c.properties"
    f.write_text(text)
    message = error_line(run(["--config", str(f), *SMALL]))
    assert f"{f}:{line}: " in message and words in message


def test_real_kafka_keys_close_to_modelled_ones_are_not_taken_for_misspellings(tmp_path):
    f = tmp_path / "p.properties"
    f.write_text("request.timeout.ms=30000\nretry.backoff.ms=100\ntransaction.state.log.min.isr=2\n"
                 "acks=all\nauto.commit.interval.ms=5000\n")
    assert run(["--config", str(f), *SMALL]).exit_code == 0


def test_unknown_keys_on_the_command_line_are_still_refused(tmp_path):
    assert "did you mean 'acks'" in error_line(run(["-X", "ack=1", *SMALL]))
    assert "unknown Kafka setting 'bootstrap.servers'" in error_line(run(["-X", "bootstrap.servers=x", *SMALL]))


def test_librdkafka_files_read_librdkafka_keys(tmp_path):
    f = tmp_path / "p.properties"
    f.write_text("bootstrap.servers=b:9092\nrequest.required.acks=1\nqueue.buffering.max.ms=5\n")
    report = json.loads(run(["--client", "librdkafka", "--config", str(f), *SMALL, "--format", "json"]).output)
    assert report["config"]["acks"] == "1"
    assert "queue.buffering.max.ms" in report["not_modelled"]["change_delivery"]


# --- java.util.Properties compatibility ------------------------------------------------------------
# Properties.load(InputStream) javadoc (Java SE 17): "The key contains all of the characters in the line
# starting with the first non-white space character and up to, but not including, the first unescaped
# '=', ':', or white space character other than a line terminator"; "All remaining characters on the
# line become part of the associated element string"; "The method does not treat a backslash character,
# \, before a non-valid escape character as an error; the backslash is silently dropped"; the stream
# is "assumed to use the ISO 8859-1 character encoding"; each key-value pair is put() in turn, so a
# duplicate key keeps the last value.

JAVA_CASES = (
    b"key\\ with\\ space=1\n"          # escaped spaces in a key
    b"a\\:b=c\n"                        # escaped ':' in a key
    b"eq=x\\=y\n"                       # \= in a value
    b"backslash=C:\\\\kafka\n"          # \\ is one backslash
    b"trailing=value   \n"              # trailing white space is kept
    b"dup=first\n"
    b"dup=second\n"                     # the last value wins
    b"   indented   =   spaced\n"       # white space around the separator goes
    b"hash=a#b!c\n"                     # '#' inside a value is no comment
    b"alone\n"                          # a key without value
    b"unknown=\\z\\q\n"                 # a backslash before a non-escape is dropped
    b"uni=\\u00e9\\u4e2d\n"             # \uXXXX
    b"latin1=\xe9\xfc\n"                # ISO 8859-1 bytes
    b"utf8=caf\xc3\xa9\n"                # UTF-8 bytes are read as Latin-1 too, as Java reads them
    b"cont=one \\\n    two\\\n three\n" # continuations drop the next line's leading white space
    b"tab\\tkey=\\t\\n\n"
    b"  ! not a comment=after spaces? no: a comment\n"
    b"spacesep value with spaces\n"
)
EXPECTED = {
    "key with space": "1", "a:b": "c", "eq": "x=y", "backslash": "C:\\kafka", "trailing": "value   ",
    "dup": "second", "indented": "spaced", "hash": "a#b!c", "alone": "", "unknown": "zq", "uni": "é中",
    "latin1": "éü", "utf8": "caf\u00c3\u00a9", "cont": "one twothree", "tab\tkey": "\t\n", "spacesep": "value with spaces",
}


def test_java_properties_cases(tmp_path):
    f = tmp_path / "java.properties"
    f.write_bytes(JAVA_CASES)
    assert read_properties(str(f)) == EXPECTED


JAVA_DUMP = """
import java.io.*; import java.util.*;
public class Dump { public static void main(String[] a) throws Exception {
  Properties p = new Properties(); try (InputStream in = new FileInputStream(a[0])) { p.load(in); }
  for (String k : new TreeSet<>(p.stringPropertyNames())) {
    StringBuilder b = new StringBuilder();
    for (char c : (k + "\\u0000" + p.getProperty(k)).toCharArray()) b.append(String.format("%04x", (int) c));
    System.out.println(b);
  } } }
"""


@pytest.mark.skipif(shutil.which("java") is None, reason="no JDK: the javadoc cases above still run")
def test_java_properties_cases_against_the_jdk(tmp_path):
    source = tmp_path / "Dump.java"
    source.write_text(JAVA_DUMP)
    f = tmp_path / "java.properties"
    f.write_bytes(JAVA_CASES + APP.encode("ascii"))
    out = subprocess.run(["java", str(source), str(f)], capture_output=True, text=True, timeout=120, check=True)
    java = {}
    for row in out.stdout.split():
        text = "".join(chr(int(row[i:i + 4], 16)) for i in range(0, len(row), 4))
        key, value = text.split("\0", 1)
        java[key] = value
    assert read_properties(str(f)) == java
    assert java["dup"] == "second" and java["trailing"] == "value   "  # the JDK agrees with the javadoc


def test_the_example_files_still_read_as_combined_client_files():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "examples"
    for f in sorted(root.glob("*.properties")):
        files = read_config_files([str(f)])
        assert [c.role for c in files.files] == ["client"], f
        assert not files.ignored, f  # every key of semcheck's own examples is modelled


def test_a_huge_key_is_cut_where_it_is_listed_and_an_empty_role_prefix_is_an_error(tmp_path):
    f = tmp_path / "p.properties"
    f.write_text("acks=all\n" + "k" * 5_000_000 + "\n")
    r = run(["--config", str(f), *SMALL])
    assert r.exit_code == 0 and len(r.output) < 20_000 and "k" * 77 + "..." in r.output
    assert "no file after the role producer:" in error_line(run(["--config", "producer:", *SMALL]))
    assert "--config '': no file named" in error_line(run(["--config", "", *SMALL]))


def test_a_choice_from_a_file_that_contradicts_a_setting_names_the_file_and_line(tmp_path):
    c = tmp_path / "consumer.properties"
    c.write_text("group.id=g\nenable.auto.commit=false\nsemcheck.commit=auto\n")
    line = error_line(run(["--config", str(c), *SMALL]))
    assert f"semcheck.commit=auto ({c}:3) contradicts enable.auto.commit=false" in line
    # the command line's own choice keeps its option's name
    line = error_line(run(["--config", str(c), "--commit", "auto", *SMALL]))
    assert "--commit auto contradicts enable.auto.commit=false" in line


def test_thousands_of_unmodelled_keys_are_counted_and_the_text_names_forty(tmp_path):
    f = tmp_path / "p.properties"
    f.write_text("acks=all\n" + "".join(f"custom.key.{i:05d}=v\n" for i in range(3000)))
    r = run(["--config", str(f), *SMALL])
    assert "Not modelled (3000 settings in the files, ignored): custom.key.00000, " in r.output
    assert ", custom.key.00039, and 2960 more (--format json lists them all)" in r.output
    report = json.loads(run(["--config", str(f), *SMALL, "--format", "json"]).output)
    assert report["not_modelled"]["count"] == 3000 and len(report["not_modelled"]["keys"]) == 3000


def test_a_saved_trace_of_a_violation_holds_no_secret(tmp_path):
    f = tmp_path / "app.properties"
    f.write_bytes(APP.replace("acks: all", "acks: 0").replace("enable.idempotence=true", "enable.idempotence=false")
                  .encode("ascii"))
    saved = tmp_path / "trace.json"
    r = run(["--config", str(f), *SMALL, "--save-trace", str(saved)])
    assert r.exit_code == 1 and "VIOLATED" in r.output, r.output
    no_secret(r.output)
    no_secret(saved.read_text())
    assert json.loads(saved.read_text())["counterexamples"]


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "markdown"])
def test_no_format_and_no_counterexample_file_shows_a_secret(tmp_path, fmt):
    """Issue 12: secrets never appear in any output, every format and every file written included; the
    violating file makes each report carry a trace, a mechanism and (SARIF) a location in the file."""
    f = tmp_path / "app.properties"
    f.write_bytes(APP.replace("acks: all", "acks: 0").replace("enable.idempotence=true", "enable.idempotence=false")
                  .encode("ascii"))
    itf, dot = tmp_path / "ce.itf.json", tmp_path / "ce.dot"
    extra = ["--brief"] if fmt == "text" else []
    r = run(["--config", str(f), *SMALL, "--format", fmt, *extra, "--trace-out", str(itf), "--trace-dot", str(dot)])
    assert r.exit_code == 1, r.output
    no_secret(r.output)
    written = sorted(tmp_path.glob("ce.*"))
    assert dot in written and any(p.name.endswith(".itf.json") for p in written)
    for path in written:
        no_secret(path.read_text())
    if fmt == "sarif":  # the location is the file, by name and line, never its text
        assert str(f) in r.output or f.name in r.output


def test_a_bad_broker_value_is_named_by_the_broker_key_and_a_client_file_overrides_a_broker_file(tmp_path):
    server = tmp_path / "server.properties"
    server.write_text("node.id=1\ndefault.replication.factor=9\n")
    line = error_line(run(["--config", str(server), *SMALL]))
    assert f"{server}:2: " in line and "for default.replication.factor" in line
    server.write_text("node.id=1\ndefault.replication.factor=replication.factor\n")  # the value is echoed as written
    assert "invalid value 'replication.factor' for default.replication.factor" in error_line(run(["--config", str(server), *SMALL]))
    server.write_text("node.id=1\nmin.insync.replicas=1\n")
    combined = tmp_path / "all.properties"
    combined.write_text("acks=all\nenable.auto.commit=true\nmin.insync.replicas=2\n")
    report = json.loads(run(["--config", str(server), "--config", str(combined), *SMALL, "--format", "json"]).output)
    assert report["config"]["min.insync.replicas"] == 2
    assert report["setting_sources"]["min.insync.replicas"] == {"path": str(combined), "line": 3}


def test_the_team_example_file_set(tmp_path):
    """examples/team/: a producer, a consumer, server.properties and a topic's overrides, as a team has them."""
    from pathlib import Path

    team = Path(__file__).resolve().parent.parent / "examples" / "team"
    args = ["--config", str(team / "producer.properties"), "--config", str(team / "consumer.properties"),
            "--config", str(team / "server.properties"), "--config", str(team / "orders-topic.properties"), *SMALL]
    text = run(args)
    report = json.loads(run([*args, "--format", "json"]).output)
    for output in (text.output, json.dumps(report)):
        assert "example-password-not-real" not in output and "example-truststore-password" not in output
    assert [f["role"] for f in report["settings_from"]] == ["producer", "consumer", "broker", "topic"]
    assert report["application"]["commit"] == "after-process"
    assert report["config"]["min.insync.replicas"] == 2 and report["config"]["enable.auto.commit"] is False
    assert list(report["not_modelled"]["change_delivery"]) == ["linger.ms", "compression.type", "max.poll.interval.ms"]
