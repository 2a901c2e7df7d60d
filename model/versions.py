"""Kafka broker release lines: the broker rules that changed between releases and change a verdict.

A user names the release their brokers run (``--broker-version 3.8``, ``3.8.1``); semcheck models it by
its *line*, the releases that share every rule below.  The default is the newest line modelled, and
every report names the line it checked.  Brokers are modelled in KRaft mode: ZooKeeper mode was
deprecated in 3.5 and removed in 4.0, and its controller behaves differently (it honours
``unclean.leader.election.enable`` on every 3.x release).

Each rule cites the change that introduced it, checked against apache/kafka at the release tags:

* ``hw_frozen_under_min_isr`` and ``min_isr_capped_by_replicas``: KAFKA-15583 (PR #14594, in 3.7.0).
  ``Partition.maybeIncrementLeaderHW`` returns early while ``isUnderMinIsr`` (the ISR is smaller than
  the effective min ISR), and ``effectiveMinIsr`` is ``min(min.insync.replicas, replica count)``,
  used for NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND and the rule above.
* ``unclean_election_in_kraft``: KAFKA-12670 (PR #16866, in 3.9.0).  Before it the KRaft controller's
  ``ConfigurationControlManager.uncleanLeaderElectionEnabledForTopic`` returns false whatever the
  topic says ("TODO: support configuring unclean leader election").

* ``elr_available``, ``elr_on_by_default``: eligible leader replicas (KIP-966 part 1).  4.0 has them
  behind the feature ``eligible.leader.replicas.version`` (0 by default); a cluster created on 4.1 or
  later starts at 1, one upgraded from earlier keeps 0 until it is set (docs: "Eligible Leader
  Replicas", kafka.apache.org/41/operations/eligible-leader-replicas).  The controller's rules are in
  metadata/.../controller/PartitionChangeBuilder.java (maybePopulateTargetElr, electAnyLeader,
  canElectLastKnownLeader) and ReplicationControlManager.java (handleBrokerFenced,
  handleBrokerUncleanShutdown, handleBrokerInControlledShutdown); docs/model.md, "Eligible leader
  replicas", says how semcheck models them.
* ``elr_last_known_leader_checked``: KAFKA-19522 (PR #20200, in 4.1.0).  Before it
  ``canElectLastKnownLeader`` elects the last known leader even while it is fenced (a missing
  negation); semcheck does not model that defect, so 4.0 with eligible leader replicas enabled is an
  error rather than a wrong answer.

* ``transaction_version_available``: transaction protocol v2 (KIP-890
  part 2), behind the feature ``transaction.version`` from 4.0 (server-common TransactionVersion:
  ``TV_2`` "enables epoch bump per transaction"; it bootstraps at metadata version 4.0-IV2, so a
  cluster created on 4.0 or later starts at 2 and one upgraded from 3.x keeps 0 until it is raised:
  docs "Transaction Protocol", kafka.apache.org/40/operations/transaction-protocol).  Producer
  clients 4.0 and later use it when the brokers have it; older clients keep v1.

Releases after 4.2 have not been audited; naming one is an error rather than a silently older answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ConfigError


@dataclass(frozen=True)
class BrokerLine:
    name: str                         # how reports name the line: "3.7-3.8"
    releases: tuple[str, ...]         # the minor releases it covers: ("3.7", "3.8")
    hw_frozen_under_min_isr: bool     # KAFKA-15583
    min_isr_capped_by_replicas: bool  # KAFKA-15583
    unclean_election_in_kraft: bool   # KAFKA-12670
    elr_available: bool = False       # KIP-966: eligible.leader.replicas.version exists
    elr_on_by_default: bool = False   # a new cluster of this line starts with it at 1
    elr_last_known_leader_checked: bool = False  # KAFKA-19522
    # KIP-890 part 2: transaction.version exists, and a cluster created on the line starts at 2
    transaction_version_available: bool = False

    @property
    def major(self) -> int:
        """The major version of the line's releases (3 or 4)."""
        return int(self.releases[0].split(".")[0])

    @property
    def newest_release(self) -> str:
        return self.releases[-1]

    def effective_min_isr(self, min_insync_replicas: int, replication_factor: int) -> int:
        """The ISR size below which acks=all is refused and (3.7+) the high watermark stops."""
        if self.min_isr_capped_by_replicas:
            return min(min_insync_replicas, replication_factor)
        return min_insync_replicas


LINES: tuple[BrokerLine, ...] = (
    BrokerLine("3.6", ("3.6",), hw_frozen_under_min_isr=False, min_isr_capped_by_replicas=False,
               unclean_election_in_kraft=False),
    BrokerLine("3.7-3.8", ("3.7", "3.8"), hw_frozen_under_min_isr=True, min_isr_capped_by_replicas=True,
               unclean_election_in_kraft=False),
    BrokerLine("3.9", ("3.9",), hw_frozen_under_min_isr=True, min_isr_capped_by_replicas=True,
               unclean_election_in_kraft=True),
    BrokerLine("4.0", ("4.0",), hw_frozen_under_min_isr=True, min_isr_capped_by_replicas=True,
               unclean_election_in_kraft=True, elr_available=True,
               transaction_version_available=True),
    BrokerLine("4.1-4.2", ("4.1", "4.2"), hw_frozen_under_min_isr=True, min_isr_capped_by_replicas=True,
               unclean_election_in_kraft=True, elr_available=True, elr_on_by_default=True,
               elr_last_known_leader_checked=True,
               transaction_version_available=True),
)
NEWEST = LINES[-1]
SUPPORTED = ", ".join(release for line in LINES for release in line.releases)

# what a release outside the lines lacks, by major version
_NOT_YET = f"semcheck's broker rules were audited up to {LINES[-1].newest_release}"
_TOO_OLD = "semcheck's broker rules were audited against 3.6.2 and later"


def broker_line(version: str | None) -> BrokerLine:
    """The line of a release written as ``3.8`` or ``3.8.1``; ``None`` is the newest line."""
    if version is None:
        return NEWEST
    text = str(version).strip()
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", text)
    if not match:
        raise ConfigError(f"--broker-version {version!r}: expected a Kafka release such as 4.1 or 3.9.1; "
                          f"semcheck models {SUPPORTED}")
    minor = f"{int(match.group(1))}.{int(match.group(2))}"
    for line in LINES:
        if minor in line.releases:
            return line
    newest = tuple(int(part) for part in LINES[-1].newest_release.split("."))
    why = _NOT_YET if (int(match.group(1)), int(match.group(2))) > newest else _TOO_OLD
    raise ConfigError(f"--broker-version {version}: not modelled ({why}); semcheck models {SUPPORTED}")
