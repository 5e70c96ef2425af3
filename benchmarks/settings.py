"""Settings for `make bench`: the app's own, production-like, on a database of its own.

DEBUG off (so templates are cached and no query log is kept), plain static files (no
collectstatic needed; a manifest lookup is a dict read), email kept in memory (locmem), and
the bench URLconf (the app's URLs plus the floor page). The database is never the dev one:
PostgreSQL when DATABASE_URL names a PostgreSQL server (its database name gets a `_bench`
suffix unless it already has one), else var/bench.sqlite3.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def bench_database_url(url: str) -> str:
    """The same server as `url`, database `<name>_bench`; "" for SQLite."""
    if not url.startswith(("postgres://", "postgresql://")):
        return ""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "opsreview"
    if not name.endswith("_bench"):
        name = f"{name}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


os.environ["DATABASE_URL"] = bench_database_url(os.environ.get("DATABASE_URL", ""))

from opsreview.settings import *  # noqa: E402, F403
from opsreview.settings import DATABASES, STORAGES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = VAR_DIR / "bench.sqlite3"

ROOT_URLCONF = "benchmarks.urls"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}
# Bench users sign in by session; hashing speed never enters a timed path.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
