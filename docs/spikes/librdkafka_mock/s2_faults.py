"""2. Exercise each fault-injection entry point against confluent-kafka clients."""
import time
from confluent_kafka import Producer, Consumer, TopicPartition
import rdmock
from rdmock import ERR, PRODUCE

mc = rdmock.MockCluster(3)
T = "f"
mc.topic_create(T, 1, 3); mc.set_leader(T, 0, 1)

def producer(**kw):
    conf = {"bootstrap.servers": mc.bootstraps, "log_level": 3, "acks": "all",
            "linger.ms": 0, "retry.backoff.ms": 100, "message.timeout.ms": 8000}
    conf.update(kw); return Producer(conf)

def send(p, v):
    res = []
    t = time.time()
    p.produce(T, v, on_delivery=lambda e, m: res.append((e.name() if e else None, m.offset())))
    p.flush(15)
    return res[0], round(time.time() - t, 2)

p = producer(retries=5)
print("warmup", send(p, b"w"))

mc.push_request_errors(PRODUCE, ERR["NOT_ENOUGH_REPLICAS"], ERR["NOT_ENOUGH_REPLICAS"])
print("2x NOT_ENOUGH_REPLICAS, retries=5 ->", send(p, b"a"))
p2 = producer(retries=1)
send(p2, b"w2")
mc.push_request_errors(PRODUCE, *[ERR["NOT_ENOUGH_REPLICAS"]] * 3)
print("3x NOT_ENOUGH_REPLICAS, retries=1 ->", send(p2, b"b"),
      "stack left on broker1:", mc.error_stack_cnt(1, PRODUCE))
rdmock.lib.rd_kafka_mock_clear_request_errors(mc.mc, PRODUCE)

mc.broker_push_request_error_rtts(1, PRODUCE, [(ERR["NOT_ENOUGH_REPLICAS"], 300), (0, 0)])
print("broker1 err19 after 300ms then ok ->", send(p, b"c"))

mc.partition_push_request_errors(T, 0, PRODUCE, ERR["NOT_LEADER_FOR_PARTITION"])
print("partition-level NOT_LEADER ->", send(p, b"d"))

mc.broker_rtt(1, 400)
print("broker1 rtt 400ms ->", send(p, b"e"))
mc.broker_rtt(1, 0)

print("set_down(1):", rdmock.errname(mc.broker_down(1)))
for attempt in range(5):  # metadata request may race onto the just-downed broker
    try:
        md = p.list_topics(T, timeout=3).topics[T].partitions[0]; break
    except Exception as e:
        print("  list_topics attempt", attempt, "failed:", e.args[0].name())
print("  metadata after down: leader", md.leader, "isrs", md.isrs)
t = time.time(); res = []
p.produce(T, b"g", on_delivery=lambda e, m: res.append((e.name() if e else None, m.offset())))
p.flush(2)
print("  produce while leader down, after 2s:", res or "pending")
print("  set_leader(2):", rdmock.errname(mc.set_leader(T, 0, 2)))
p.flush(15)
print("  ->", res, round(time.time() - t, 2), "s")
print("set_up(1):", rdmock.errname(mc.broker_up(1)))

# follower fetch: PreferredReadReplica is returned only when client.rack is set
print("set_follower(3):", rdmock.errname(mc.set_follower(T, 0, 3)))
c = Consumer({"bootstrap.servers": mc.bootstraps, "group.id": "x", "log_level": 3,
              "client.rack": "r1", "debug": "fetch"})  # debug goes to stderr
c.assign([TopicPartition(T, 0, 0)])
vals = []
end = time.time() + 6
while time.time() < end and len(vals) < 7:
    m = c.poll(0.3)
    if m and not m.error(): vals.append(m.value())
c.close()
print("consumed", vals)
print("(grep stderr for 'preferred' to see follower fetch)")
mc.destroy()
