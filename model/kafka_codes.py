"""The small integers the Kafka model stores in its state, shared by the model's modules."""

# producer-side status of a message
QUEUED, INFLIGHT, ACKED, FAILED = 0, 1, 2, 3
STATUS_NAMES = {QUEUED: "queued", INFLIGHT: "in flight", ACKED: "acked", FAILED: "failed"}

# stage of an in-flight request; WAIT + o: appended at offset o, waiting for the ISR (acks=all)
REQ, OK, ERR, LOST, WAIT = 0, 1, 2, 3, 4

# the transactional producer's transaction, as its coordinator sees it (transactional.id only)
ONGOING, COMMITTING, COMMITTED, ABORTING, ABORTED = 0, 1, 2, 3, 4
TXN_NAMES = {ONGOING: "ongoing", COMMITTING: "committing", COMMITTED: "committed",
             ABORTING: "aborting", ABORTED: "aborted"}
