"""Contract suites every storage adapter runs unchanged.

Like ``trio.testing``'s stream checks: an adapter author calls
``await check_blob_store(factory)`` (or parametrizes pytest over the
``*_CHECKS`` lists to see which promise failed). Each factory opens the
adapter on one storage location; calling it again reopens the same data.

:func:`engine_internals` lets tests and benchmarks look inside a running
engine (its stores, indexer and mailbox actors); it is not a stable API.
"""

from mailcore.testing.blob_contract import BLOB_CHECKS, check_blob_store
from mailcore.testing.bus_contract import BUS_CHECKS, check_bus
from mailcore.testing.cache_contract import CACHE_CHECKS, check_cache
from mailcore.testing.internals import EngineInternals, engine_internals
from mailcore.testing.meta_contract import META_STORE_CHECKS, check_meta_store
from mailcore.testing.queue_contract import QUEUE_CHECKS, FakeClock, check_queue
from mailcore.testing.search_contract import SEARCH_INDEX_CHECKS, check_search_index

__all__ = [
    "BLOB_CHECKS",
    "BUS_CHECKS",
    "CACHE_CHECKS",
    "META_STORE_CHECKS",
    "QUEUE_CHECKS",
    "SEARCH_INDEX_CHECKS",
    "EngineInternals",
    "FakeClock",
    "check_blob_store",
    "check_bus",
    "check_cache",
    "check_meta_store",
    "check_queue",
    "check_search_index",
    "engine_internals",
]
