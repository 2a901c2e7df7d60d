"""ctypes bindings to librdkafka's mock cluster API, using the librdkafka
bundled in the confluent-kafka wheel (same copy cimpl.so is linked to)."""
import ctypes as C
import glob
import os

import confluent_kafka

_pkgdir = os.path.dirname(confluent_kafka.__file__)
LIBPATH = glob.glob(os.path.join(_pkgdir, "..", "confluent_kafka.libs", "librdkafka-*.so*"))[0]
LIBPATH = os.path.realpath(LIBPATH)
# cimpl is already loaded (import confluent_kafka), so dlopen returns the same handle.
lib = C.CDLL(LIBPATH)

vp, i16, i32, i64, sz, cp = C.c_void_p, C.c_int16, C.c_int32, C.c_int64, C.c_size_t, C.c_char_p


def _sig(name, res, *args):
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_sig("rd_kafka_version_str", cp)
_sig("rd_kafka_conf_new", vp)
_sig("rd_kafka_conf_set", C.c_int, vp, cp, cp, cp, sz)
_sig("rd_kafka_new", vp, C.c_int, vp, cp, sz)      # (rd_kafka_type_t, conf, errstr, errstr_size)
_sig("rd_kafka_destroy", None, vp)
_sig("rd_kafka_name", cp, vp)
_sig("rd_kafka_err2name", cp, C.c_int)
# rdkafka_mock.h
_sig("rd_kafka_mock_cluster_new", vp, vp, C.c_int)
_sig("rd_kafka_mock_cluster_destroy", None, vp)
_sig("rd_kafka_mock_cluster_handle", vp, vp)
_sig("rd_kafka_handle_mock_cluster", vp, vp)
_sig("rd_kafka_mock_cluster_bootstraps", cp, vp)
_sig("rd_kafka_mock_topic_create", C.c_int, vp, cp, C.c_int, C.c_int)
_sig("rd_kafka_mock_clear_request_errors", None, vp, i16)
_sig("rd_kafka_mock_push_request_errors_array", None, vp, i16, sz, C.POINTER(C.c_int))
_sig("rd_kafka_mock_partition_set_leader", C.c_int, vp, cp, i32, i32)
_sig("rd_kafka_mock_partition_set_follower", C.c_int, vp, cp, i32, i32)
_sig("rd_kafka_mock_broker_set_down", C.c_int, vp, i32)
_sig("rd_kafka_mock_broker_set_up", C.c_int, vp, i32)
_sig("rd_kafka_mock_broker_set_rtt", C.c_int, vp, i32, C.c_int)
_sig("rd_kafka_mock_broker_error_stack_cnt", C.c_int, vp, i32, i16, C.POINTER(sz))
_sig("rd_kafka_mock_start_request_tracking", None, vp)
# variadic ones: leave argtypes unset, pass explicitly-typed ctypes values
# (a bare Python int would be passed as 32-bit int -> truncated pointer -> segfault)
lib.rd_kafka_mock_push_request_errors.restype = None
lib.rd_kafka_mock_broker_push_request_error_rtts.restype = C.c_int
lib.rd_kafka_mock_partition_push_request_errors.restype = C.c_int

PRODUCE = 0      # ApiKey ProduceRequest
FETCH = 1
RD_KAFKA_PRODUCER = 0

ERR = {  # rd_kafka_resp_err_t values
    "NO_ERROR": 0,
    "NOT_LEADER_FOR_PARTITION": 6,
    "REQUEST_TIMED_OUT": 7,
    "NOT_ENOUGH_REPLICAS": 19,
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND": 20,
    "_TRANSPORT": -195,
}


def errname(code):
    return lib.rd_kafka_err2name(code).decode()


class MockCluster:
    """Own rd_kafka_t (ctypes) hosting a mock cluster; clients connect via bootstraps."""

    def __init__(self, brokers=3):
        conf = lib.rd_kafka_conf_new()
        errstr = C.create_string_buffer(512)
        # keep the hosting handle quiet and idle
        for k, v in (("log_level", "3"),):
            lib.rd_kafka_conf_set(conf, k.encode(), v.encode(), errstr, 512)
        self.rk = lib.rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, 512)
        if not self.rk:
            raise RuntimeError(errstr.value.decode())
        self.mc = lib.rd_kafka_mock_cluster_new(self.rk, brokers)
        if not self.mc:
            raise RuntimeError("rd_kafka_mock_cluster_new failed")
        self.bootstraps = lib.rd_kafka_mock_cluster_bootstraps(self.mc).decode()

    @classmethod
    def from_handle(cls, rk_ptr):
        self = cls.__new__(cls)
        self.rk = None
        self.mc = lib.rd_kafka_handle_mock_cluster(rk_ptr)
        self.bootstraps = lib.rd_kafka_mock_cluster_bootstraps(self.mc).decode()
        return self

    def destroy(self):
        if self.rk:
            lib.rd_kafka_mock_cluster_destroy(self.mc)
            lib.rd_kafka_destroy(self.rk)
            self.rk = self.mc = None

    # --- fault injection -------------------------------------------------
    def topic_create(self, topic, partitions, rf):
        return lib.rd_kafka_mock_topic_create(self.mc, topic.encode(), partitions, rf)

    def push_request_errors(self, api_key, *errs):
        lib.rd_kafka_mock_push_request_errors(C.c_void_p(self.mc), C.c_int16(api_key), C.c_size_t(len(errs)),
                                              *[C.c_int(e) for e in errs])

    def push_request_errors_array(self, api_key, errs):
        arr = (C.c_int * len(errs))(*errs)
        lib.rd_kafka_mock_push_request_errors_array(self.mc, api_key, len(errs), arr)

    def broker_push_request_error_rtts(self, broker_id, api_key, pairs):
        """pairs: [(err, rtt_ms), ...]"""
        flat = []
        for e, rtt in pairs:
            flat += [C.c_int(e), C.c_int(rtt)]
        return lib.rd_kafka_mock_broker_push_request_error_rtts(
            C.c_void_p(self.mc), C.c_int32(broker_id), C.c_int16(api_key), C.c_size_t(len(pairs)), *flat)

    def partition_push_request_errors(self, topic, partition, api_key, *errs):
        return lib.rd_kafka_mock_partition_push_request_errors(
            C.c_void_p(self.mc), C.c_char_p(topic.encode()), C.c_int32(partition), C.c_int16(api_key),
            C.c_size_t(len(errs)), *[C.c_int(e) for e in errs])

    def error_stack_cnt(self, broker_id, api_key):
        n = C.c_size_t()
        lib.rd_kafka_mock_broker_error_stack_cnt(self.mc, broker_id, api_key, C.byref(n))
        return n.value

    def set_leader(self, topic, part, broker_id):
        return lib.rd_kafka_mock_partition_set_leader(self.mc, topic.encode(), part, broker_id)

    def set_follower(self, topic, part, broker_id):
        return lib.rd_kafka_mock_partition_set_follower(self.mc, topic.encode(), part, broker_id)

    def broker_down(self, b):
        return lib.rd_kafka_mock_broker_set_down(self.mc, b)

    def broker_up(self, b):
        return lib.rd_kafka_mock_broker_set_up(self.mc, b)

    def broker_rtt(self, b, ms):
        return lib.rd_kafka_mock_broker_set_rtt(self.mc, b, ms)


def rk_of(client):
    """rd_kafka_t* of a confluent-kafka client. Not exposed by the API: read the
    C struct Handle {PyObject_HEAD; rd_kafka_t *rk; ...} (src/confluent_kafka.h).
    Offset 16 on 64-bit non-debug CPython. Verified with rd_kafka_name()."""
    ptr = C.c_void_p.from_address(id(client) + 16).value
    name = lib.rd_kafka_name(ptr).decode()
    assert name.startswith("rdkafka#"), name
    return ptr
