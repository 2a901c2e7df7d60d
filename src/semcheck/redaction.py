"""Keep secrets and huge values out of every output (docs/config-files.md, "Secrets").

A team's real client file holds passwords (``sasl.jaas.config``, ``ssl.truststore.password``, ...).
semcheck never needs their values, so no report, error or warning may print them: every place that
shows a value a user wrote goes through :func:`redact`, and errors cut what they echo with
:func:`shorten` so a 5 MB line never lands on stderr.  Reports in other formats call
``semcheck.redact`` too.
"""

from __future__ import annotations

REDACTED = "[redacted]"
MAX_SHOWN = 80  # characters of a value an error message shows before the ellipsis

# A key is secret when its lower-cased name contains one of these: Kafka's PASSWORD-typed settings
# (ssl.key.password, ssl.keystore.password, ssl.truststore.password, sasl.jaas.config,
# sasl.oauthbearer.client.credentials.client.secret, ...), librdkafka's (sasl.password,
# ssl.key.pem, ssl.keystore.password, sasl.oauthbearer.config, sasl.oauthbearer.client.secret),
# and the Schema Registry's credentials (basic.auth.user.info, bearer.auth.token).
SECRET_MARKERS: tuple[str, ...] = (
    "password",
    "secret",
    "jaas",
    "token",
    "credential",
    "user.info",
    "api.key",
    "private",
    "ssl.key.pem",
    "ssl.keystore.key",
    "ssl.keystore.certificate.chain",
    "ssl.truststore.certificates",
    "oauthbearer.config",
)


def is_secret(key: str) -> bool:
    """Whether the value of setting ``key`` must never be shown."""
    name = str(key).strip().lower()
    return any(marker in name for marker in SECRET_MARKERS)


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so a message stays one readable line."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def redact(key: str, value: object) -> str:
    """What a report or an error may show of setting ``key``'s ``value``: ``[redacted]`` for a
    secret, else the value cut to 80 characters."""
    if is_secret(key):
        return REDACTED
    return shorten("" if value is None else str(value))


def redact_text(text: str) -> str:
    """A free-form piece of input (``-X`` without ``=``, a malformed line) as a message may show it:
    all of it redacted when it names a secret setting, else cut to 80 characters."""
    return REDACTED if is_secret(text) else shorten(text)
