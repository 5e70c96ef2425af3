"""Real processes on loopback for the failure drills: Redis, Celery workers, a web server, and a
TCP proxy that can cut the app off from PostgreSQL. Every wait polls a condition with a deadline.
"""

import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client

from opsreview.celery import app

PROJECT_DIR = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    """A free port below the kernel's ephemeral range: no outgoing connection is ever given it,
    so a port a drill frees for a moment (a stopped broker) is still free to start again on."""
    ephemeral_low = int(PORT_RANGE.read_text().split()[0]) if PORT_RANGE.exists() else 32768
    while True:
        port = random.randrange(ephemeral_low // 2, ephemeral_low)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def wait_for(
    condition: Callable[[], object],
    *,
    what: str,
    timeout: float = 30,
    logs: tuple[Path, ...] = (),
):
    """Poll until condition() is truthy (and return it); fail with the processes' logs if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    said = "\n".join(f"--- {log.name}:\n{log.read_text()[-4000:]}" for log in logs if log.exists())
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.\n{said}")


def database_url(*, port: int | None = None) -> str:
    """This test run's database, for a process of its own (through `port` if given)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def spawn(args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A child with the project's environment plus `env`, its output in `log` (not a pipe that
    could fill and stall it)."""
    with log.open("a") as output:
        return subprocess.Popen(
            args,
            cwd=PROJECT_DIR,
            env={**os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE": "", **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


class RedisServer:
    """A throw-away redis-server on a spare port: nothing on disk, started and stopped at will."""

    def __init__(self, log: Path):
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        args = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port)]
        args += ["--save", "", "--appendonly", "no"]
        self.process = spawn(args, env={}, log=self.log)
        wait_for(self.answers, what="redis-server to answer", logs=(self.log,))

    def stop(self) -> None:
        """Gone at once, as if its host died: every connection is refused from now on."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def answers(self) -> bool:
        try:
            with self.client() as client:
                return client.ping()
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def is_idle(self, queue: str) -> bool:
        """No task waiting in `queue`, and none taken by a worker but not yet acknowledged."""
        with self.client() as client:
            return client.llen(queue) == 0 and client.hlen("unacked") == 0


class TcpProxy:
    """Forwards a local port to `target_port`; down() refuses new connections and cuts the open
    ones, as an unreachable database host would; up() serves again on the same port."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self.listener is not None:
            with suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for peer in self.open:
                with suppress(OSError):
                    peer.shutdown(socket.SHUT_RDWR)
                peer.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: down()
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def start_worker(*, broker_url: str, queue: str, log: Path, env: dict | None = None):
    """A Celery worker (solo pool: one task at a time) on this test run's database."""
    settings_env = {
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "EMAIL_TRANSPORT": "outbox",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(env or {}),
    }
    args = [sys.executable, "-m", "celery", "--app", "opsreview", "worker", "--queues", queue]
    args += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return spawn([*args, "--loglevel", "INFO"], env=settings_env, log=log)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    text: str


class WebServer:
    """The app under gunicorn, as production runs it, on a spare port."""

    def __init__(self, *, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        settings_env = {
            "DEBUG": "1",
            "EMAIL_TRANSPORT": "outbox",
            "SECRET_KEY": settings.SECRET_KEY,  # so that sessions made by sign_in() hold there
            **env,
        }
        args = [sys.executable, "-m", "gunicorn", "opsreview.wsgi", "--workers", "1"]
        args += ["--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"]
        self.process = spawn(args, env=settings_env, log=log)
        wait_for(self._listening, what="gunicorn to answer", logs=(log,))

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{self.log.read_text()[-4000:]}")
        try:
            return self.get("/healthz").status in {200, 503}
        except OSError:
            return False

    def sign_in(self, user) -> dict[str, str]:
        """Session cookies for `user` (the server shares this run's database and SECRET_KEY)."""
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        return {name: client.cookies[name].value}

    def get(self, path: str, *, cookies: dict | None = None) -> Answer:
        return self.request("GET", path, cookies=cookies)

    def post(self, path: str, data: dict, *, cookies: dict) -> Answer:
        # Any 32-character secret will do as the CSRF cookie, sent back in the header.
        token = "drill" * 6 + "ok"
        headers = {"X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"}
        cookies = {**cookies, "csrftoken": token}
        return self.request("POST", path, cookies=cookies, body=urlencode(data), headers=headers)

    def request(self, method, path, *, cookies=None, body=None, headers=None) -> Answer:
        """One request; an answer slower than 20 s fails the drill (a page must not hang)."""
        peer = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        cookie = "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())
        try:
            peer.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
            response = peer.getresponse()
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            peer.close()


@contextmanager
def publishing_to(broker_url: str, queue: str) -> Iterator[None]:
    """This process's tasks go to `broker_url`'s `queue` (not run in process), then back."""
    conf = app.conf
    saved = (conf.broker_url, conf.task_default_queue, conf.task_always_eager)
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url  # Celery lets the environment win
    conf.broker_url, conf.task_default_queue, conf.task_always_eager = broker_url, queue, False
    _forget_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.task_default_queue, conf.task_always_eager = saved
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _forget_broker_connections()


def _forget_broker_connections() -> None:
    # The publisher caches its connection pool for the broker it first met.
    app.amqp._producer_pool = None
    app._pool = None
