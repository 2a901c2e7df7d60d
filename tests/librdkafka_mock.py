"""ctypes bindings to librdkafka's built-in mock cluster, for the real-client tests.

The confluent-kafka wheel bundles librdkafka, and librdkafka carries a mock Kafka cluster
(``src/rdkafka_mock.c``) with a C API for fault injection (``src/rdkafka_mock.h``) that the Python
binding does not expose.  This module reaches it through ``ctypes``: ``confluent_kafka.cimpl`` is
linked against the bundled library, so ``dlsym`` on cimpl's own handle resolves the
``rd_kafka_mock_*`` symbols in the very copy of librdkafka the Python clients run on (no path to
guess, no second copy loaded).

One :class:`MockCluster` is one private cluster: its own ``rd_kafka_t`` hosts the mock brokers on
ephemeral localhost ports, and every confluent-kafka client of a test gets
``bootstrap.servers = cluster.bootstraps``.  Use it as a context manager so the cluster is torn
down even when a test fails.  Clients must be closed or dropped before the cluster is destroyed.

Citations ("rdkafka_mock.h:N") are to confluentinc/librdkafka at 4c3b017 (master after v2.15.0);
the wheel this was written against bundles librdkafka 2.16.0.  The mock API is documented there as
experimental and outside librdkafka's API and ABI guarantees (rdkafka_mock.h:73-77): a new
confluent-kafka release may change a signature here, and the tests that use it will say so.

Variadic C functions (``..._push_request_error_rtts``) get ``argtypes`` for their fixed parameters
only and every variadic argument wrapped as a ``c_int``: that is what the C default argument
promotions make of ``rd_kafka_resp_err_t`` and ``int``, and with the fixed part declared, ctypes
passes the rest the variadic way (which matters on arm64 macOS).
"""

from __future__ import annotations

import ctypes as C
from typing import NamedTuple

import confluent_kafka
import confluent_kafka.cimpl

#: librdkafka's own copy, resolved through the binding that links it.
lib = C.CDLL(confluent_kafka.cimpl.__file__)

_vp, _cp, _int = C.c_void_p, C.c_char_p, C.c_int
_i16, _i32, _sz = C.c_int16, C.c_int32, C.c_size_t


def _fn(name: str, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# rdkafka.h: the hosting client handle
_conf_new = _fn("rd_kafka_conf_new", _vp)
_conf_set = _fn("rd_kafka_conf_set", _int, _vp, _cp, _cp, _cp, _sz)
_rk_new = _fn("rd_kafka_new", _vp, _int, _vp, _cp, _sz)
_rk_destroy = _fn("rd_kafka_destroy", None, _vp)
_err2name = _fn("rd_kafka_err2name", _cp, _int)
_version_str = _fn("rd_kafka_version_str", _cp)

# rdkafka_mock.h
_cluster_new = _fn("rd_kafka_mock_cluster_new", _vp, _vp, _int)  # :94
_cluster_destroy = _fn("rd_kafka_mock_cluster_destroy", None, _vp)  # :102
_cluster_bootstraps = _fn("rd_kafka_mock_cluster_bootstraps", _cp, _vp)  # :128
_clear_request_errors = _fn("rd_kafka_mock_clear_request_errors", None, _vp, _i16)  # :135
_push_request_errors_array = _fn(  # :165 (array twin of the variadic :154)
    "rd_kafka_mock_push_request_errors_array", None, _vp, _i16, _sz, C.POINTER(_int))
_broker_push_request_error_rtts = _fn(  # :197, variadic: (err, rtt_ms) pairs follow
    "rd_kafka_mock_broker_push_request_error_rtts", _int, _vp, _i32, _i16, _sz)
_broker_error_stack_cnt = _fn(  # :219
    "rd_kafka_mock_broker_error_stack_cnt", _int, _vp, _i32, _i16, C.POINTER(_sz))
_topic_create = _fn("rd_kafka_mock_topic_create", _int, _vp, _cp, _int, _int)  # :280
_partition_set_leader = _fn(  # :336
    "rd_kafka_mock_partition_set_leader", _int, _vp, _cp, _i32, _i32)
_broker_set_down = _fn("rd_kafka_mock_broker_set_down", _int, _vp, _i32)  # :397
_broker_set_up = _fn("rd_kafka_mock_broker_set_up", _int, _vp, _i32)  # :424
_start_request_tracking = _fn("rd_kafka_mock_start_request_tracking", None, _vp)  # :544
_get_requests = _fn("rd_kafka_mock_get_requests", C.POINTER(_vp), _vp, C.POINTER(_sz))  # :595
_request_api_key = _fn("rd_kafka_mock_request_api_key", _i16, _vp)  # :578
_request_id = _fn("rd_kafka_mock_request_id", _i32, _vp)  # :573 (the broker id)
_request_timestamp = _fn("rd_kafka_mock_request_timestamp", C.c_int64, _vp)  # :583 (monotonic µs)
_request_destroy_array = _fn(  # :567
    "rd_kafka_mock_request_destroy_array", None, C.POINTER(_vp), _sz)

# Kafka protocol ApiKeys
PRODUCE = 0
FETCH = 1
OFFSET_COMMIT = 8

# rd_kafka_resp_err_t values (rdkafka.h)
NO_ERROR = 0
NOT_LEADER_FOR_PARTITION = 6
REQUEST_TIMED_OUT = 7
NOT_ENOUGH_REPLICAS = 19
NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20
#: RD_KAFKA_RESP_ERR__TRANSPORT: the mock closes the connection instead (rdkafka_mock.h:149-151)
TRANSPORT = -195

_RD_KAFKA_PRODUCER = 0


def library_version() -> str:
    """``rd_kafka_version_str`` of the library these bindings reach, e.g. "2.16.0"."""
    return _version_str().decode()


def error_name(err: int) -> str:
    """``rd_kafka_err2name``: "NOT_ENOUGH_REPLICAS" for 19."""
    return _err2name(err).decode()


class MockError(RuntimeError):
    """A mock API call returned an error code."""


def _check(err: int, what: str) -> None:
    if err:
        raise MockError(f"{what}: {error_name(err)}")


class MockCluster:
    """A private librdkafka mock cluster with brokers 1..``brokers`` (rdkafka_mock.h:88-95).

    ``with MockCluster() as cluster: ...`` creates it and destroys it on exit; clients connect to
    ``cluster.bootstraps``.  Topics made by :meth:`create_topic` have a fixed leader, since the mock
    picks a random one otherwise.
    """

    def __init__(self, brokers: int = 3):
        self.brokers = brokers
        conf = _conf_new()
        errstr = C.create_string_buffer(512)
        # The hosting handle is a producer that never produces; keep it quiet.
        _conf_set(conf, b"log_level", b"3", errstr, len(errstr))
        self._rk = _rk_new(_RD_KAFKA_PRODUCER, conf, errstr, len(errstr))
        if not self._rk:  # rd_kafka_new frees conf only on success
            raise MockError(f"rd_kafka_new: {errstr.value.decode()}")
        self._mc = _cluster_new(self._rk, brokers)
        if not self._mc:
            _rk_destroy(self._rk)
            raise MockError("rd_kafka_mock_cluster_new failed")
        #: the ``bootstrap.servers`` value for clients of this cluster (rdkafka_mock.h:125-128)
        self.bootstraps: str = _cluster_bootstraps(self._mc).decode()

    # --- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Destroy the cluster and its hosting handle (idempotent)."""
        if self._mc:
            _cluster_destroy(self._mc)
            self._mc = None
        if self._rk:
            _rk_destroy(self._rk)
            self._rk = None

    def __enter__(self) -> "MockCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _handle(self):
        if not self._mc:
            raise MockError("the mock cluster is closed")
        return self._mc

    # --- topology -------------------------------------------------------------------------

    def create_topic(self, topic: str, partitions: int = 1, replication_factor: int = 3,
                     leader: int = 1) -> None:
        """``rd_kafka_mock_topic_create`` (rdkafka_mock.h:280), then every partition's leader set
        to ``leader`` (the mock would pick one at random)."""
        _check(_topic_create(self._handle(), topic.encode(), partitions, replication_factor),
               f"topic_create({topic})")
        for p in range(partitions):
            self.partition_set_leader(topic, p, leader)

    def partition_set_leader(self, topic: str, partition: int, broker_id: int) -> None:
        """``rd_kafka_mock_partition_set_leader`` (rdkafka_mock.h:326-339); ``broker_id`` -1
        leaves the partition leader-less.  Bumps the leader epoch; the mock has one log per
        partition, so nothing is lost or truncated by a move."""
        _check(_partition_set_leader(self._handle(), topic.encode(), partition, broker_id),
               f"partition_set_leader({topic}, {partition}, {broker_id})")

    def broker_set_down(self, broker_id: int) -> None:
        """``rd_kafka_mock_broker_set_down`` (rdkafka_mock.h:388-398): disconnect the broker's
        clients and refuse new connections; leadership does not move."""
        _check(_broker_set_down(self._handle(), broker_id), f"broker_set_down({broker_id})")

    def broker_set_up(self, broker_id: int) -> None:
        """``rd_kafka_mock_broker_set_up`` (rdkafka_mock.h:416-425): accept connections again."""
        _check(_broker_set_up(self._handle(), broker_id), f"broker_set_up({broker_id})")

    # --- fault injection ------------------------------------------------------------------

    def push_request_errors(self, api_key: int, *errors: int) -> None:
        """The next ``len(errors)`` requests of ``api_key`` to any broker fail with these errors,
        in order (``rd_kafka_mock_push_request_errors``, rdkafka_mock.h:139-157; called through
        its array twin, :160-168).  A failed ProduceRequest is not appended
        (``rd_kafka_mock_handle_Produce``: an injected error skips the log append).
        :data:`TRANSPORT` closes the connection instead of answering.  Errors pushed on a broker
        with :meth:`broker_push_request_error_rtts` take precedence (rdkafka_mock.h:194)."""
        arr = (_int * len(errors))(*errors)
        _push_request_errors_array(self._handle(), api_key, len(errors), arr)

    def clear_request_errors(self, api_key: int) -> None:
        """``rd_kafka_mock_clear_request_errors`` (rdkafka_mock.h:131-136): drop the cluster-wide
        stack for ``api_key``."""
        _clear_request_errors(self._handle(), api_key)

    def broker_push_request_error_rtts(self, broker_id: int, api_key: int,
                                       *pairs: tuple[int, int]) -> None:
        """The next ``len(pairs)`` requests of ``api_key`` to ``broker_id`` are answered with
        ``(error, rtt_ms)``: the error (0 for none) after a delay of ``rtt_ms``
        (``rd_kafka_mock_broker_push_request_error_rtts``, rdkafka_mock.h:180-201).  The request
        is handled when it arrives -- with error 0 a ProduceRequest is appended at once -- and
        only the response is held back (``rd_kafka_mock_next_request_error`` sets the response's
        send time; ``rd_kafka_mock_connection_send_response0`` adds the clock)."""
        flat = []
        for err, rtt_ms in pairs:
            flat += [_int(err), _int(rtt_ms)]
        _check(_broker_push_request_error_rtts(self._handle(), broker_id, api_key, len(pairs),
                                               *flat),
               f"broker_push_request_error_rtts({broker_id}, {api_key})")

    def broker_error_stack_cnt(self, broker_id: int, api_key: int) -> int:
        """How many pushed broker errors for ``api_key`` are still unused
        (``rd_kafka_mock_broker_error_stack_cnt``, rdkafka_mock.h:203-222): 0 once every
        injected fault has hit a request."""
        n = _sz()
        _check(_broker_error_stack_cnt(self._handle(), broker_id, api_key, C.byref(n)),
               f"broker_error_stack_cnt({broker_id}, {api_key})")
        return n.value

    # --- observation ----------------------------------------------------------------------

    def start_request_tracking(self) -> None:
        """``rd_kafka_mock_start_request_tracking`` (rdkafka_mock.h:540-544): from now on record
        every request the brokers receive."""
        _start_request_tracking(self._handle())

    def requests(self, api_key: int | None = None) -> list[Request]:
        """The tracked requests in arrival order, optionally only those of ``api_key``
        (``rd_kafka_mock_get_requests``, rdkafka_mock.h:586-595, read with
        ``rd_kafka_mock_request_id`` / ``_api_key`` / ``_timestamp``, :570-584).  A request is
        recorded when it arrives, before the mock handles it
        (``rd_kafka_mock_connection_parse_request``)."""
        n = _sz()
        arr = _get_requests(self._handle(), C.byref(n))
        try:
            found = [Request(_request_id(arr[i]), _request_api_key(arr[i]),
                             _request_timestamp(arr[i])) for i in range(n.value)]
        finally:
            if arr:
                _request_destroy_array(arr, n.value)
        return [r for r in found if api_key is None or r.api_key == api_key]


class Request(NamedTuple):
    """One request a mock broker received."""

    broker_id: int
    api_key: int
    timestamp_us: int  # librdkafka's monotonic clock (rd_clock), microseconds
