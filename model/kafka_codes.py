"""The small integers the Kafka model stores in its state, shared by the model's modules."""

# producer-side status of a message
QUEUED, INFLIGHT, ACKED, FAILED = 0, 1, 2, 3
STATUS_NAMES = {QUEUED: "queued", INFLIGHT: "in flight", ACKED: "acked", FAILED: "failed"}

# Stage of a request on a connection.
#   REQ     on its way to the broker, not read yet
#   OK      success response on its way back (a duplicate is answered as a success too)
#   ERR     retriable error on its way back (NOT_ENOUGH_REPLICAS, ..._AFTER_APPEND, NOT_LEADER_OR_FOLLOWER)
#   OOS     OUT_OF_ORDER_SEQUENCE_NUMBER on its way back (idempotence)
#   FENCED  INVALID_PRODUCER_EPOCH on its way back: an older epoch than the broker knows (idempotence)
#   LOST    the request or its response is lost, or the broker lost power: the client will time out
#   CLOSED  the broker's process died: the client sees the connection close (only while the
#           crash-closes-connection merge is off; with it, the crash step handles it at once)
#   NOT_LEADER  NOT_LEADER_OR_FOLLOWER on its way back, for a client that treats it apart from the
#           other retriable errors (librdkafka retries it without counting a retry); the Java
#           client's is an ERR
#   WAIT+o  appended at offset o; the response waits (acks=all: for the ISR; acks=1 only while the
#           append-and-respond merge is off)
REQ, OK, ERR, OOS, FENCED, LOST, CLOSED, NOT_LEADER, WAIT = 0, 1, 2, 3, 4, 5, 6, 7, 8

# the transactional producer's transaction, as its coordinator sees it (transactional.id only)
ONGOING, COMMITTING, COMMITTED, ABORTING, ABORTED = 0, 1, 2, 3, 4
TXN_NAMES = {ONGOING: "ongoing", COMMITTING: "committing", COMMITTED: "committed",
             ABORTING: "aborting", ABORTED: "aborted"}

# consumer process
C_DOWN, C_UP, C_JOINING = 0, 1, 2  # JOINING: restarted, position not fetched yet (restart-and-position off)
