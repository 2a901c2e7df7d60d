"""no-loss, end to end: once the system has settled, every message the application sent was processed
at least once.  A counterexample names the layer that lost the message: the log (it never reached
the log for good, or the brokers lost it) or the consumer (the log holds it below the high watermark,
and the consumer moved past it)."""

from ..model.api import And, StatePredicate
from .base import EVENTUALLY, Finding, Property


def _all_processed(model):
    return StatePredicate(
        "every message processed",
        lambda s: And([s.out_count[m] != 0 for m in range(model.n_messages)]),
    )


def _layer(model, s) -> Finding | None:
    missing = [m for m in range(model.n_messages) if not s.out_count[m]]
    if not missing:
        return None
    in_log = [m for m in missing if model.kept_in_log(s, m)]
    names = ", ".join(f"m{m + 1}" for m in missing)
    if len(in_log) == len(missing):
        them = "it" if len(missing) == 1 else "them"
        return Finding("consumer layer", f"the log holds {names} below the high watermark, but the consumer "
                                         f"moved past {them}: lost by the consumer, not by Kafka's log",
                       {"layer": "consumer", "messages": [m + 1 for m in missing]})
    lost = ", ".join(f"m{m + 1}" for m in missing if m not in in_log)
    return Finding("log layer", f"{lost} never reached the log below the high watermark for good, or the "
                                "brokers lost it", {"layer": "log", "messages": [m + 1 for m in missing if m not in in_log]})


NO_LOSS = Property(
    "no-loss",
    EVENTUALLY,
    "every message the application sent is eventually processed at least once",
    _all_processed,
    diagnose=_layer,
)
