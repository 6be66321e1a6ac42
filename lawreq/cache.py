"""The shared cache (Redis) with a process-local fallback, so that a Redis outage stops nothing.

Everything that uses the cache goes through this backend: the log-in throttle, DRF's throttles. When
Redis does not answer, each operation is done in a local-memory cache of this process instead, and
for ``RETRY_SECONDS`` no operation waits on Redis again; a WARNING is logged once when the outage
starts and an INFO line when Redis answers again. During an outage limits count per process instead
of per deployment: a log-in, an emergency request, a page still work, never a 500.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

WARN_DOWN = "The shared cache (Redis) is unreachable: throttles count in this process only until it is back."
INFO_BACK = "The shared cache (Redis) answers again."
RETRY_SECONDS = 5
_UNREACHABLE = (redis.RedisError, OSError)
_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
)


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(f"lawreq-cache-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
        self._down_until = 0.0
        self._outage = False
        self._state_lock = threading.Lock()

    @property
    def in_outage(self) -> bool:
        return self._outage

    def _run(self, name: str, *args, **kwargs) -> Any:
        if time.monotonic() < self._down_until:
            return getattr(self._local, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except _UNREACHABLE:
            self._down()
            return getattr(self._local, name)(*args, **kwargs)
        if self._outage:
            self._back()
        return result

    def _down(self) -> None:
        with self._state_lock:
            self._down_until = time.monotonic() + RETRY_SECONDS
            if not self._outage:
                self._outage = True
                logger.warning(WARN_DOWN)

    def _back(self) -> None:
        with self._state_lock:
            if self._outage:
                self._outage = False
                logger.info(INFO_BACK)


def _delegate(name: str) -> Callable[..., Any]:
    def operation(self: FallbackRedisCache, *args, **kwargs) -> Any:
        return self._run(name, *args, **kwargs)

    operation.__name__ = name
    return operation


for _name in _OPERATIONS:
    setattr(FallbackRedisCache, _name, _delegate(_name))
