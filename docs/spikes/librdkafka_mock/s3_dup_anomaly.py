"""3. Deterministic duplicate via response-side delay > request.timeout.ms.
usage: s3_dup_anomaly.py <idempotence:true|false> <mode:rtt|nerAfterAppend|transport>"""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition
import rdmock
from rdmock import ERR, PRODUCE

idem = sys.argv[1] if len(sys.argv) > 1 else "false"
mode = sys.argv[2] if len(sys.argv) > 2 else "rtt"
RTT = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
t0 = time.time()
mc = rdmock.MockCluster(3)
T = "dup"
assert mc.topic_create(T, 1, 3) == 0
assert mc.set_leader(T, 0, 1) == 0          # deterministic leader (default is random)

dr = []
p = Producer({"bootstrap.servers": mc.bootstraps, "log_level": 3,
              "enable.idempotence": "true" if idem == "txn" else idem, "acks": "all", "retries": 5,
              "max.in.flight.requests.per.connection": 5,
              "request.timeout.ms": 1000, "socket.timeout.ms": 1000, "message.timeout.ms": 20000,
              "retry.backoff.ms": 100, "linger.ms": 0,
              **({"transactional.id": "tx1"} if idem == "txn" else {})})
if idem == "txn":
    p.init_transactions(10); p.begin_transaction()
cb = lambda err, m: dr.append((m.value(), str(err) if err else None, m.offset()))
p.produce(T, b"warmup", on_delivery=cb); p.flush(10)     # connections + metadata ready

if mode == "rtt":      # append happens (err=0), response delayed 1500ms > request.timeout.ms
    r = mc.broker_push_request_error_rtts(1, PRODUCE, [(ERR["NO_ERROR"], RTT)])
    assert r == 0, r
elif mode == "nerAfterAppend":  # cluster-level error 20: does the mock append first?
    mc.push_request_errors(PRODUCE, ERR["NOT_ENOUGH_REPLICAS_AFTER_APPEND"])
elif mode == "transport":
    mc.push_request_errors(PRODUCE, ERR["_TRANSPORT"])
p.produce(T, b"payload", on_delivery=cb)
left = p.flush(30)
p.produce(T, b"after", on_delivery=cb); p.flush(10)
if idem == "txn":
    p.commit_transaction(10)

c = Consumer({"bootstrap.servers": mc.bootstraps, "group.id": "chk", "log_level": 3,
              "enable.auto.commit": False, "isolation.level": "read_committed"})
lo, hi = c.get_watermark_offsets(TopicPartition(T, 0), timeout=5)
c.assign([TopicPartition(T, 0, 0)])
log = []
end = time.time() + 5
while time.time() < end:   # read everything up to hi (control records occupy offsets)
    m = c.poll(0.2)
    if m and m.error(): print("consumer error", m.error())
    if m and not m.error():
        log.append((m.offset(), m.value().decode()))
        if m.offset() >= hi - 2: end = min(end, time.time() + 0.3)
c.close(); p = None
print(f"idempotence={idem} mode={mode} log={log} dr={dr} unflushed={left} "
      f"payload_copies={sum(v == 'payload' for _, v in log)} elapsed={time.time()-t0:.2f}s")
mc.destroy()
