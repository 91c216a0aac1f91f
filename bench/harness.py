"""Shared machinery: a production-like gunicorn server, an interleaved load generator, goal lines."""

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def info(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Goal:
    name: str
    measured: float
    target: float
    higher_is_better: bool = True

    @property
    def passed(self) -> bool:
        return self.measured >= self.target if self.higher_is_better else self.measured <= self.target

    def line(self) -> str:
        return (
            f"{self.name}: {self.measured:.2f} (target {self.target:.2f}) {'PASS' if self.passed else 'FAIL'}"
        )


def require_postgres() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urlparse(url).scheme not in {"postgres", "postgresql"}:
        raise SystemExit(
            "Benchmarks run against PostgreSQL: set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench python -m bench public"
        )
    return url


def ensure_database(url: str) -> None:
    """Create the benchmark database if missing, then migrate it."""
    parsed = urlparse(url)
    import psycopg

    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        name = parsed.path.lstrip("/")
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v", "0")


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            # The benchmark measures serving cost, not the throttle's refusals.
            "PUBLIC_API_THROTTLE": "100000000/min",
            "BANK_API_THROTTLE": "100000000/min",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=server_env(), check=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    workers: int = 2,
    threads: int = 4,
    *,
    app: str = "portal.wsgi:application",
    env: dict[str, str] | None = None,
):
    """A gunicorn server like production's (gthread, keep-alive), yielding its base URL. ``app`` and
    ``env`` (added to server_env()) let a benchmark serve a comparison view or another database."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=server_env(env))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/livez")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gunicorn did not start within 30 s")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def measure(
    host: str, paths: Sequence[str], *, seconds: float, clients: int, headers: dict[str, str] | None = None
) -> float:
    """Requests per second for `clients` keep-alive connections cycling through `paths` (sending
    `headers`, e.g. a session cookie, with each request)."""
    hostname, port = host.split(":")
    stop_at = time.monotonic() + seconds
    counts = [0] * clients
    errors: list[str] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(hostname, int(port), timeout=10)
        position = index
        while time.monotonic() < stop_at:
            path = paths[position % len(paths)]
            position += clients
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{path} -> {response.status}")
                return
            counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"benchmark request failed: {errors[0]}")
    return sum(counts) / (time.monotonic() - started)


def interleaved_ratio(
    host: str,
    *,
    baseline: Sequence[str],
    candidate: Sequence[str],
    label: str,
    rounds: int = 3,
    seconds: float = 4.0,
    clients: int = 8,
    warmup: Callable[[], None] | None = None,
) -> float:
    """Median candidate/baseline throughput over interleaved rounds (drift hits both alike)."""
    measure(host, baseline, seconds=1.5, clients=clients)
    measure(host, candidate, seconds=1.5, clients=clients)
    base_rates, cand_rates = [], []
    for _ in range(rounds):
        base_rates.append(measure(host, baseline, seconds=seconds, clients=clients))
        cand_rates.append(measure(host, candidate, seconds=seconds, clients=clients))
    info(
        f"{label}: baseline {statistics.median(base_rates):.0f} req/s "
        f"[{min(base_rates):.0f}-{max(base_rates):.0f}], candidate {statistics.median(cand_rates):.0f} req/s "
        f"[{min(cand_rates):.0f}-{max(cand_rates):.0f}]"
    )
    return statistics.median(c / b for c, b in zip(cand_rates, base_rates, strict=True))
