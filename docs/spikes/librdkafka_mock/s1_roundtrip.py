"""1. mock cluster via test.mock.num.brokers; consumer joins via broker list
   from metadata; produce+consume on RF=3 topic. Also rk pointer + ctypes."""
import time, sys
from confluent_kafka import Producer, Consumer, libversion, version
import rdmock

t0 = time.time()
print("confluent-kafka", version(), "librdkafka", libversion(), rdmock.LIBPATH)
print("version_str via ctypes:", rdmock.lib.rd_kafka_version_str().decode())

p = Producer({"test.mock.num.brokers": 3, "log_level": 3})
md = p.list_topics(timeout=5)
boot = ",".join(f"{b.host}:{b.port}" for b in md.brokers.values())
print("brokers from metadata:", boot)

# Reach the mock from the Python Producer object (struct-offset hack)
rk = rdmock.rk_of(p)
mc = rdmock.MockCluster.from_handle(rk)
print("rd_kafka_name:", rdmock.lib.rd_kafka_name(rk).decode(), "mock bootstraps:", mc.bootstraps)
print("topic_create:", rdmock.errname(mc.topic_create("t_rf3", 1, 3)))
md = p.list_topics("t_rf3", timeout=5).topics["t_rf3"].partitions[0]
print("t_rf3 p0 leader", md.leader, "replicas", md.replicas, "isrs", md.isrs)

for i in range(5):
    p.produce("t_rf3", value=b"v%d" % i)
print("flush remaining:", p.flush(10))

c = Consumer({"bootstrap.servers": mc.bootstraps, "group.id": "g1",
              "auto.offset.reset": "earliest", "log_level": 3})
c.subscribe(["t_rf3"])
got = []
deadline = time.time() + 15
while len(got) < 5 and time.time() < deadline:
    m = c.poll(0.5)
    if m and not m.error():
        got.append((m.offset(), m.value()))
print("consumed:", got)
c.close()
# auto-created topic: defaults 4 partitions, RF=min(3,brokers)
p.produce("auto_t", b"x"); p.flush(10)
md = p.list_topics("auto_t", timeout=5).topics["auto_t"]
print("auto_t partitions", len(md.partitions), "replicas p0", md.partitions[0].replicas)
print("elapsed %.2fs" % (time.time() - t0))
