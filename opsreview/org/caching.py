"""Django's cache for what can be read again: a cache that fails (a Redis that is down, a full
disk) is logged and treated as a miss, so it costs a page a fresh read, never an error."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def cached(key: str):
    """The value kept under `key`, or None when there is none or the cache cannot be read."""
    try:
        return cache.get(key)
    except Exception:  # any backend's failure is a miss
        logger.warning("The cache could not be read; reading afresh.", exc_info=True)
        return None


def keep(key: str, value, seconds: int) -> None:
    """Keep `value` under `key` for `seconds`, if the cache can be written."""
    try:
        cache.set(key, value, seconds)
    except Exception:  # any backend's failure: a miss next time
        logger.warning("The cache could not be written.", exc_info=True)
