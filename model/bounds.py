"""The bounds of a check: how many messages, which failures, how many of them."""

from __future__ import annotations

from dataclasses import dataclass

from .config import ConfigError

# Fault classes, in the order the CLI lists them.  Each occurrence spends one unit of --max-faults.
FAULT_CLASSES = (
    "network",  # a produce request or its response is lost: the producer times out
    "follower-lag",  # a follower is dropped from the ISR (it may rejoin once caught up)
    "broker-crash",  # a broker process crashes; its log survives
    "power-loss",  # a broker crashes and loses the unflushed tail of its log
    # a broker is shut down and restarted cleanly (a rolling restart): out of the ISR and leadership
    # first, its log flushed; it keeps its eligible-leader-replica membership (KIP-966 lines only)
    "controlled-shutdown",
    "producer-crash",  # the producing application restarts with a new producer id
    "consumer-crash",  # the consuming application restarts from its committed offset
    # the producing application is restarted while the old instance still runs (a long GC pause):
    # its unread requests reach the broker later (transactional producers only)
    "producer-zombie",
    # the producing application aborts its transaction for a reason of its own (abortTransaction()
    # with no send failed) and sends its messages again in a new one (transactional producers only)
    "app-abort",
    # the consume-transform-produce loop's transaction aborts: its output write fails for good (the
    # output topic is not modelled) (--commit transactional only)
    "output-failure",
)

MAX_MESSAGES = 6  # record codes must fit in a byte: 1 + generations * messages^2 <= 255
MAX_FAULTS = 6


@dataclass(frozen=True)
class Bounds:
    messages: int = 3
    max_faults: int = 2
    faults: tuple[str, ...] = FAULT_CLASSES

    def __post_init__(self):
        if not isinstance(self.messages, int) or not 1 <= self.messages <= MAX_MESSAGES:
            raise ConfigError(f"--messages must be between 1 and {MAX_MESSAGES}, got {self.messages!r}")
        if not isinstance(self.max_faults, int) or not 0 <= self.max_faults <= MAX_FAULTS:
            raise ConfigError(f"--max-faults must be between 0 and {MAX_FAULTS}, got {self.max_faults!r}")
        unknown = [f for f in self.faults if f not in FAULT_CLASSES]
        if unknown:
            raise ConfigError(
                f"unknown fault class {unknown[0]!r}: choose from {', '.join(FAULT_CLASSES)}"
            )
        # canonical order, no repeats: the same set of faults is the same check
        object.__setattr__(self, "faults", tuple(f for f in FAULT_CLASSES if f in self.faults))

    def enabled(self, fault: str) -> bool:
        return self.max_faults > 0 and fault in self.faults

    def as_dict(self) -> dict:
        return {"messages": self.messages, "max_faults": self.max_faults, "faults": list(self.faults)}


# ``faults="all"``: every fault class that applies to the configuration: producer-zombie and app-abort
# only with a transactional.id (the only thing that fences an old instance), controlled-shutdown only where eligible
# leader replicas are modelled (elsewhere it can do nothing a broker-crash cannot), output-failure only
# for the consume-transform-produce loop (--commit transactional).  A list is taken as
# written, so naming a class that does not apply is an error however many classes are listed.
ALL_FAULTS = "all"


def applicable_faults(transactional: bool, eligible_leader_replicas: bool = False,
                      consume_transform_produce: bool = False) -> tuple[str, ...]:
    """What ``--faults all`` means for a configuration."""
    return tuple(f for f in FAULT_CLASSES
                 if (f not in ("producer-zombie", "app-abort") or transactional)
                 and (f != "controlled-shutdown" or eligible_leader_replicas)
                 and (f != "output-failure" or consume_transform_produce))


def parse_faults(text: str) -> tuple[str, ...] | str:
    """``"network,broker-crash"`` -> tuple; ``"all"`` -> ``ALL_FAULTS`` (every class that applies,
    decided with the configuration); ``"none"`` -> none.  An empty text (``""``, ``" , "``) is an
    error, not "no faults": an unset variable in a CI job must not check a fault-free model and
    report every property as holding; ``none`` says so on purpose."""
    text = text.strip()
    if text == "none":
        return ()
    if text == ALL_FAULTS:
        return ALL_FAULTS
    names = tuple(part.strip() for part in text.split(","))
    if all(not n for n in names):
        raise ConfigError(f"--faults is empty ({text!r}): name fault classes, or all, or none to check "
                          "without faults")
    if any(not n for n in names):
        raise ConfigError(f"--faults: empty fault class in {text!r}")
    if "none" in names or ALL_FAULTS in names:
        raise ConfigError(f"--faults {text!r}: {'none' if 'none' in names else 'all'} cannot be listed "
                          "with fault classes")
    Bounds(faults=names)  # validates
    return names
