"""Contract suites every storage adapter runs unchanged.

Like ``trio.testing``'s stream checks: an adapter author calls
``await check_blob_store(factory)`` (or parametrizes pytest over the
``*_CHECKS`` lists to see which promise failed). Each factory opens the
adapter on one storage location; calling it again reopens the same data.

:func:`engine_internals` lets tests and benchmarks look inside a running
engine (its stores, indexer and mailbox actors); it is not a stable API.
"""

from mailcore.testing._blob_contract import (
    BLOB_CHECKS,
    BlobCheck,
    BlobStoreFactory,
    check_blob_store,
)
from mailcore.testing._bus_contract import BUS_CHECKS, BusCheck, BusFactory, check_bus
from mailcore.testing._cache_contract import (
    CACHE_CHECKS,
    CACHE_CLOCK_CHECKS,
    CacheCheck,
    CacheFactory,
    check_cache,
)
from mailcore.testing._internals import EngineInternals, engine_internals
from mailcore.testing._meta_contract import (
    META_STORE_CHECKS,
    MetaCheck,
    MetaStoreFactory,
    check_meta_store,
)
from mailcore.testing._queue_contract import (
    CLOCK_CHECKS,
    QUEUE_CHECKS,
    FakeClock,
    QueueCheck,
    QueueFactory,
    check_queue,
)
from mailcore.testing._search_contract import (
    SEARCH_INDEX_CHECKS,
    SearchIndexCheck,
    SearchIndexFactory,
    check_search_index,
)

__all__ = [
    "BLOB_CHECKS",
    "BUS_CHECKS",
    "CACHE_CHECKS",
    "CACHE_CLOCK_CHECKS",
    "CLOCK_CHECKS",
    "META_STORE_CHECKS",
    "QUEUE_CHECKS",
    "SEARCH_INDEX_CHECKS",
    "BlobCheck",
    "BlobStoreFactory",
    "BusCheck",
    "BusFactory",
    "CacheCheck",
    "CacheFactory",
    "EngineInternals",
    "FakeClock",
    "MetaCheck",
    "MetaStoreFactory",
    "QueueCheck",
    "QueueFactory",
    "SearchIndexCheck",
    "SearchIndexFactory",
    "check_blob_store",
    "check_bus",
    "check_cache",
    "check_meta_store",
    "check_queue",
    "check_search_index",
    "engine_internals",
]
