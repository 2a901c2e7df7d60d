"""semcheck: a bounded model checker for Kafka message-delivery semantics.

    >>> import semcheck
    >>> result = semcheck.verify({"acks": "1", "retries": "3"}, max_faults=1, faults=["broker-crash"])
    >>> result.verdict("no-acked-loss")
    'violated'
"""

from .api import build_model, replay, verify
from .checker.result import HOLDS, INCONCLUSIVE, VIOLATED
from .model.config import ConfigError
from .redaction import redact
from .result import Result, SettingSource
from .report import notebook as _notebook

_notebook.install()  # a trace and a property's result show themselves in Jupyter (docs/notebooks.md)

__all__ = ["verify", "replay", "build_model", "Result", "SettingSource", "ConfigError", "redact", "HOLDS", "VIOLATED",
           "INCONCLUSIVE"]
__version__ = "0.1.0"
