"""Benchmark the catalog at 1,000 ... 100,000 integrations on SQLite and PostgreSQL.

For each database and size: a fresh database (a SQLite file in a temporary directory, or a
PostgreSQL database created here and dropped after), the real migrations, a bulk seed,
then gunicorn on a loopback port and `wrk` against the catalog page, two searches (a broad
one also cold: the app's per-process caches emptied before each request), a detail page,
the API list and the in-memory baseline route, one after another.

    python -m bench.run                          # 1,000 and 100,000, SQLite and PostgreSQL
    python -m bench.run --sizes 1000,10000 --duration 10 --databases sqlite
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography.fernet import Fernet

# Fresh databases are made (and dropped) exactly as the test suite makes them.
from tests.databases import fresh_database_url  # noqa: E402
from tests.pg_available import PG_ADMIN_URL, pg_available  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    database: str
    size: int
    name: str
    rps: float
    p50: float
    p90: float
    p99: float
    errors: int


def endpoints(info: dict) -> list[tuple[str, str]]:
    from .seed import BROAD_TERM, SPECIFIC_TERM

    return [
        ("baseline", "/bench/baseline"),
        ("catalog", "/integrations"),
        ("search", f"/integrations?q={SPECIFIC_TERM}"),
        ("search-broad", f"/integrations?q={BROAD_TERM}"),
        # The same broad search with the per-process ranking and facet caches emptied before each
        # request: what the first search after any catalog write costs (no cache flattering it).
        ("search-cold", f"/integrations?q={BROAD_TERM}&bench=cold"),
        ("detail", info["detail"]),
        ("api-list", "/api/v1/integrations"),
    ]


def prepare(url: str, size: int, env: dict) -> dict:
    """Migrate and seed (in this process, with the product's own models)."""
    from flask_migrate import upgrade

    from app import create_app

    from .seed import seed

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": env["SECRET_KEY"],
            "CREDENTIALS_KEYS": env["CREDENTIALS_KEYS"],
        }
    )
    with app.app_context():
        logging.disable(logging.INFO)  # alembic's per-revision lines would bury the figures
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        started = time.monotonic()
        info = seed(size)
        click.echo(f"  seeded in {time.monotonic() - started:.1f}s")
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    return info


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.app:create_bench_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException("gunicorn did not start; see its output above")
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def warm_up(url: str, connections: int) -> None:
    """One bounded second of load: workers import lazily, caches fill, connections open."""
    subprocess.run(["wrk", "-t1", f"-c{connections}", "-d1s", url], capture_output=True, check=True)


def wrk(url: str, duration: int, connections: int) -> tuple[float, float, float, float, int]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = {p: _ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total_errors = int(errors.group(1)) if errors else 0
    if socket_errors:
        total_errors += sum(int(x) for x in socket_errors.groups())
    return rps, percentiles["50"], percentiles["90"], percentiles["99"], total_errors


def check_wrk() -> None:
    if shutil.which("wrk"):
        return
    raise click.ClickException(
        "wrk (the HTTP load generator) is not installed. On Debian: sudo apt-get install wrk"
    )


RESULTS_DIR = ROOT / "bench" / "results"


def save_table(text: str) -> Path:
    """Keep each run's table under bench/results/ (ignored by git), named by when it ran."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / time.strftime("%Y%m%d-%H%M%S.txt", time.gmtime())
    path.write_text(text)
    return path


def print_table(results: list[Result]) -> None:
    text = "\n".join(table_lines(results)) + "\n"
    click.echo(text)
    click.echo(f"(saved to {save_table(text).relative_to(ROOT)})")


def table_lines(results: list[Result]) -> list[str]:
    header = (
        f"{'database':<11}{'size':>9}  {'endpoint':<13}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'vs baseline':>13}{'errors':>8}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        base = next(
            r
            for r in results
            if r.database == result.database and r.size == result.size and r.name == "baseline"
        )
        ratio = result.rps / base.rps if base.rps else 0
        lines.append(
            f"{result.database:<11}{result.size:>9,}  {result.name:<13}{result.rps:>9.0f}{result.p50:>9.2f}"
            f"{result.p90:>9.2f}{result.p99:>9.2f}{ratio:>12.2f}x{result.errors:>8}"
        )
    lines.append("")
    for database in dict.fromkeys(r.database for r in results):
        sizes = sorted({r.size for r in results if r.database == database})
        if len(sizes) < 2:
            continue
        small, large = sizes[0], sizes[-1]

        def get(name, size, database=database):
            return next(r for r in results if r.database == database and r.size == size and r.name == name)

        catalog_ratio = get("catalog", large).rps / get("baseline", large).rps
        search_growth = get("search", large).p50 / get("search", small).p50
        search_vs_catalog = get("search", large).p50 / get("catalog", large).p50
        lines.append(
            f"{database}: catalog at {large:,} = {catalog_ratio:.2f}x baseline throughput (target >= 0.6); "
            f"search p50 at {large:,} = {search_growth:.2f}x its p50 at {small:,} (target <= 1.3) and "
            f"{search_vs_catalog:.2f}x the catalog page's (target <= 2)"
        )
        growth = ", ".join(
            f"{name} {get(name, large).p50 / get(name, small).p50:.2f}x"
            for name in ("search-broad", "search-cold")
        )
        lines.append(f"{database}: p50 at {large:,} / p50 at {small:,}: {growth}")
    return lines


def measure(database, size, base, targets, duration, connections, rounds) -> list[Result]:
    """Interleaved rounds (every endpoint once per round), keeping each endpoint's best round:
    a burst of load from another process on the machine then hurts one round, not one endpoint."""
    for _, path in targets:
        warm_up(base + path, connections)
    best: dict[str, Result] = {}
    errors: dict[str, int] = {}
    for _ in range(rounds):
        for name, path in targets:
            rps, p50, p90, p99, failed = wrk(base + path, duration, connections)
            errors[name] = errors.get(name, 0) + failed
            if name not in best or rps > best[name].rps:
                best[name] = Result(database, size, name, rps, p50, p90, p99, 0)
    for name, result in best.items():
        result.errors = errors[name]
        click.echo(
            f"  {name:<13} {result.rps:8.0f} req/s  p50 {result.p50:6.2f} ms  p99 {result.p99:6.2f} ms"
        )
    return list(best.values())


@click.command()
@click.option("--sizes", default="1000,100000", show_default=True, help="Comma-separated integration counts.")
@click.option("--databases", default="sqlite,postgresql", show_default=True)
@click.option(
    "--duration",
    default=3,
    show_default=True,
    type=click.IntRange(1, 120),
    help="Seconds of load per endpoint and round.",
)
@click.option("--connections", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16), help="gunicorn workers.")
@click.option(
    "--rounds",
    default=3,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Interleaved rounds per endpoint; the best round is reported.",
)
def main(sizes: str, databases: str, duration: int, connections: int, workers: int, rounds: int) -> None:
    """Seed, serve with gunicorn on loopback, measure with wrk, print a side-by-side table."""
    check_wrk()
    size_list = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    results: list[Result] = []
    for database in [d.strip() for d in databases.split(",") if d.strip()]:
        if database == "postgresql" and not pg_available():
            click.echo(f"PostgreSQL does not answer at {PG_ADMIN_URL}; skipping it.", err=True)
            continue
        for size in size_list:
            click.echo(f"== {database}, {size:,} integrations ==")
            with fresh_database_url(database) as url:
                env = dict(
                    os.environ,
                    DATABASE_URL=url,
                    SECRET_KEY="bench-" + uuid.uuid4().hex,
                    CREDENTIALS_KEYS=Fernet.generate_key().decode(),
                    PYTHONPATH=str(ROOT),
                    # wrk is one address: keep the API's limiter in the path (its cost is part of a
                    # request) but out of the way.
                    API_ADDRESS_RATE_LIMIT="100000000 per minute",
                )
                info = prepare(url, size, env)
                with gunicorn(env, workers) as base:
                    results += measure(database, size, base, endpoints(info), duration, connections, rounds)
    if results:
        print_table(results)


if __name__ == "__main__":
    main()
