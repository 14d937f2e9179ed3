"""Benchmark the catalog at 1,000 ... 100,000 integrations on SQLite and PostgreSQL.

For each database and size: a fresh database (a SQLite file in a temporary directory, or a
PostgreSQL database created here and dropped after), the real migrations, a bulk seed, then
gunicorn on a loopback port and `wrk` against the home page, the catalog page, two searches (a
broad one also cold: the app's per-process caches emptied before each request), a detail page,
the API list, and the catalog and home pages of a signed-in member.

The ceiling: every page is fetched from the app once, and its bytes are served from memory by a
bare Flask app (bench/ceiling.py) under the same gunicorn set-up. Each round measures every page
on the app and then on the ceiling, one right after the other; a page's ratio is the median of its
rounds' app/ceiling throughput, so load from elsewhere on the machine hurts both sides alike.
After the run, the resident memory of each app worker is read from /proc.

    python -m bench.run                          # 1,000 and 100,000, SQLite and PostgreSQL
    python -m bench.run --sizes 1000,10000 --duration 10 --databases sqlite
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import requests
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
    ceiling_rps: float = 0.0
    ratio: float = 0.0  # median over rounds of app/ceiling throughput
    target: float | None = None


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    signed_in: bool = False
    target: float | None = None  # throughput wanted, as a share of the ceiling's


COLD = "search-cold"  # the endpoint that empties every per-process cache on each request

# A signed-in member's requests carry this User-Agent (the session is bound to it) and the cookie.
BENCH_USER_AGENT = "marketplace-bench"


def endpoints(info: dict) -> list[Endpoint]:
    from .seed import BROAD_TERM, SPECIFIC_TERM

    return [
        Endpoint("home", "/", target=0.5),
        Endpoint("catalog", "/integrations", target=0.5),
        Endpoint("search", f"/integrations?q={SPECIFIC_TERM}", target=0.5),
        Endpoint("search-broad", f"/integrations?q={BROAD_TERM}"),
        Endpoint("detail", info["detail"], target=0.5),
        Endpoint("api-list", "/api/v1/integrations"),
        Endpoint("member-catalog", "/integrations", signed_in=True, target=0.25),
        Endpoint("member-home", "/", signed_in=True),
        # The same broad search with every per-process cache emptied before each request (rankings,
        # facet counts, anonymous and members' pages): what the first search after any catalog write
        # costs. Last, since it leaves every cache empty: the next round warms them all again first.
        Endpoint(COLD, f"/integrations?q={BROAD_TERM}&bench=cold"),
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
            # The seed's bulk inserts are not requests: a busy machine must not cut them at 5 s.
            "DATABASE_STATEMENT_TIMEOUT_MS": 600_000,
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
def gunicorn(env: dict, workers: int, app_spec: str = "bench.app:create_bench_app()"):
    """`app_spec` served by gunicorn on a loopback port; yields (base URL, master pid)."""
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
            app_spec,
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
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def worker_rss_mib(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MiB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024)
    return sizes


def sign_in(base: str) -> dict[str, str]:
    """Log the bench member in through the real form; the headers their requests then carry."""
    http = requests.Session()
    http.trust_env = False
    http.headers["User-Agent"] = BENCH_USER_AGENT
    form = http.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    from .seed import BENCH_EMAIL, BENCH_PASSWORD

    answer = http.post(
        base + "/login",
        data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise click.ClickException(f"the bench member could not log in ({answer.status_code})")
    # Follow the redirect as a browser does: the page after logging in shows (and so consumes) the
    # one-time "Welcome back." message. The cookie replayed below must be a member's steady state;
    # one still carrying that message would make every request "the first page after logging in".
    http.get(urllib.parse.urljoin(base + "/login", answer.headers["Location"]), timeout=30)
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    return {"User-Agent": BENCH_USER_AGENT, "Cookie": cookie}


def capture(base: str, targets: list[Endpoint], member: dict[str, str], path: Path) -> None:
    """Fetch every page once and write its bytes where the ceiling app reads them."""
    pages = {}
    for endpoint in targets:
        request = urllib.request.Request(base + endpoint.path, headers=member if endpoint.signed_in else {})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            content_type = response.headers["Content-Type"]
            sets_cookie = response.headers.get("Set-Cookie")
        if endpoint.signed_in and b"Log out" not in body:
            raise click.ClickException(f"{endpoint.name}: the member's page was served as anonymous")
        if endpoint.signed_in and sets_cookie:
            # wrk replays one cookie: an answer that replaces it is not the member's steady state.
            raise click.ClickException(f"{endpoint.name}: the member's request changed their session")
        pages[endpoint.name] = {"body": base64.b64encode(body).decode(), "content_type": content_type}
    path.write_text(json.dumps(pages))


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _header_args(headers: dict[str, str] | None) -> list[str]:
    return [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]


def warm_up(url: str, connections: int, headers: dict[str, str] | None = None) -> None:
    """One bounded second of load: workers import lazily, caches fill, connections open."""
    subprocess.run(
        ["wrk", "-t1", f"-c{connections}", "-d1s", *_header_args(headers), url],
        capture_output=True,
        check=True,
    )


def wrk(
    url: str, duration: int, connections: int, headers: dict[str, str] | None = None
) -> tuple[float, float, float, float, int]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", *_header_args(headers), url],
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


# The 1-minute load average at the start of each round, per (database, size): printed with the figures.
LOADS: dict[tuple[str, int], list[float]] = {}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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


def print_table(results: list[Result], memory: dict[tuple[str, int], list[float]]) -> None:
    text = "\n".join(table_lines(results, memory)) + "\n"
    click.echo(text)
    click.echo(f"(saved to {save_table(text).relative_to(ROOT)})")


def table_lines(results: list[Result], memory: dict[tuple[str, int], list[float]]) -> list[str]:
    header = (
        f"{'database':<11}{'size':>9}  {'endpoint':<15}{'req/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
        f"{'ceiling':>9}{'vs ceiling':>12}{'target':>8}{'errors':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        target = f">={r.target:.2f}" if r.target else ""
        lines.append(
            f"{r.database:<11}{r.size:>9,}  {r.name:<15}{r.rps:>8.0f}{r.p50:>8.2f}{r.p90:>8.2f}{r.p99:>8.2f}"
            f"{r.ceiling_rps:>9.0f}{r.ratio:>11.2f}x{target:>8}{r.errors:>8}"
        )
    lines.append("")
    for (database, size), sizes in memory.items():
        runs = [r for r in results if r.database == database and r.size == size]
        by_name = {r.name: r for r in runs}
        missed = [r.name for r in runs if r.target and r.ratio < r.target]
        lines.append(
            f"{database} {size:,}: "
            + ", ".join(f"{r.name} {r.ratio:.2f}x" for r in runs if r.target)
            + (
                f" of the ceiling; below target: {', '.join(missed)}"
                if missed
                else " of the ceiling; all on target"
            )
        )
        if "search-cold" in by_name and "search-broad" in by_name:
            cold, warm = by_name["search-cold"], by_name["search-broad"]
            lines.append(
                f"{database} {size:,}: broad search with every cache emptied (wrk) p50 {cold.p50:.2f} ms = "
                f"{cold.p50 / warm.p50:.2f}x a warm one's {warm.p50:.2f} ms"
            )
        for probe in PROBES.get((database, size), []):
            lines.append(f"{database} {size:,}: {probe}")
        loads = LOADS.get((database, size), [])
        if loads:
            lines.append(
                f"{database} {size:,}: load average (1 min) at each round's start: "
                + ", ".join(f"{x:.2f}" for x in loads)
                + f" on {os.cpu_count()} CPUs"
            )
        lines.append(
            f"{database} {size:,}: memory per worker after the run: "
            + ", ".join(f"{mib:.0f} MiB" for mib in sizes)
        )
    return lines


# Lines the write probe printed, per (database, size).
PROBES: dict[tuple[str, int], list[str]] = {}
PROBE_ROUNDS = 150
# The commonest catalog write (an install: one atomic install_count update) and a listing write (an
# edit of the listing: its updated_at moves), each on the most installed integration, committed.
INSTALL_WRITE = (
    "UPDATE integrations SET install_count = install_count + 1 "
    "WHERE id = (SELECT id FROM integrations ORDER BY install_count DESC, id DESC LIMIT 1)"
)
LISTING_WRITE = (
    "UPDATE integrations SET updated_at = CURRENT_TIMESTAMP "
    "WHERE id = (SELECT id FROM integrations ORDER BY install_count DESC, id DESC LIMIT 1)"
)
# An edit of a listing's words (a word put before its description, or taken away again: each round's
# edit shows), on a listing chosen when the probe starts (`_edited_listings`).
WORDS_EDIT = (
    "UPDATE integrations SET updated_at = CURRENT_TIMESTAMP, description = CASE "
    "WHEN description LIKE 'Now: %' THEN substr(description, 6) ELSE 'Now: ' || description END "
    "WHERE publisher = :publisher AND slug = :slug"
)
_CARD_LINK = re.compile(r'href="/integrations/([^/"]+)/([^/"]+)" class="card-link"')


def _edited_listings(http: requests.Session, page: str, engine, term: str) -> dict[str, tuple[str, str]]:
    """The listings the probe edits: the first one the page shows ("shown"), and the most installed one
    whose name or description holds the search's word that the page does not show ("matched": in its
    ranking, not on it -- listed to anyone, so an edit of it patches the ranking)."""
    from sqlalchemy import text

    cards = _CARD_LINK.findall(http.get(page, timeout=60).text)
    if not cards:
        raise click.ClickException(f"probe: {page} shows no integration")
    with engine.connect() as connection:
        named = connection.execute(
            text(
                "SELECT publisher, slug FROM integrations "
                "WHERE (lower(name) LIKE :like OR lower(description) LIKE :like) "
                "AND visibility = 'public' AND current_version IS NOT NULL AND deleted_at IS NULL "
                "ORDER BY install_count DESC, id DESC LIMIT 100"
            ),
            {"like": f"%{term}%"},
        ).all()
    hidden = next((tuple(row) for row in named if tuple(row) not in cards), None)
    if hidden is None:
        raise click.ClickException(f"probe: every listing holding {term!r} is on {page}")
    return {"shown": cards[0], "matched": hidden}


def probe_writes(database: str, size: int, url: str, page: str) -> None:
    """The first request for `page` after a write, timed alone, against the same request warm.

    Each round: the page twice (the second is timed: warm), then each write committed from here
    (outside the server, as another request would) and the page (timed: the first after it): an
    install, a listing write (the most installed listing's updated_at: whether the search matches it
    is printed), an edit of the words of a listing the search matches but does not show on the page,
    and an edit of the words of the first listing it shows. Since the change log (migration 0021) a
    kept page outlives a write to a listing it neither matches nor shows; a touched ranking is patched
    and a page whose cards alone changed is respliced. One keep-alive client, no other load from
    here; the medians are compared, so load from elsewhere hurts them all alike."""
    from sqlalchemy import create_engine, text

    term = page.rsplit("=", 1)[-1]
    engine = create_engine(url)
    http = requests.Session()
    http.trust_env = False
    writes = {"install": (INSTALL_WRITE, {}), "listing": (LISTING_WRITE, {})}
    edited = _edited_listings(http, page, engine, term)
    for kind, (publisher, slug) in edited.items():
        writes[kind] = (WORDS_EDIT, {"publisher": publisher, "slug": slug})
    timings: dict[str, list[float]] = {"warm": [], **{kind: [] for kind in writes}}

    def timed(kind: str) -> None:
        started = time.perf_counter()
        answer = http.get(page, timeout=60)
        timings[kind].append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise click.ClickException(f"probe: {page} answered {answer.status_code}")

    try:
        for _ in range(PROBE_ROUNDS):
            http.get(page, timeout=60)
            timed("warm")
            for kind, (write, params) in writes.items():
                with engine.begin() as connection:
                    connection.execute(text(write), params)  # text(): the % of LIKE stays literal for psycopg
                timed(kind)
        with engine.connect() as connection:
            name, description = connection.exec_driver_sql(
                "SELECT name, description FROM integrations ORDER BY install_count DESC, id DESC LIMIT 1"
            ).one()
    finally:
        engine.dispose()
    warm = _median(timings["warm"])
    lines = PROBES.setdefault((database, size), [])
    matched = "matches" if term in f"{name} {description}".lower() else "does not match"
    lines.append(f"the listing write's listing, {name!r}: the broad search {matched} it")
    lines.append(
        f"edited: {'/'.join(edited['matched'])} (matched, not on the page), {'/'.join(edited['shown'])} (shown first)"
    )
    for kind, after in (
        ("install", "an install"),
        ("listing", "a listing write"),
        ("matched", "an edit of a listing it matches but does not show"),
        ("shown", "an edit of the first listing it shows"),
    ):
        first = _median(timings[kind])
        lines.append(
            f"first broad search after {after}: median {first:.2f} ms = {first / warm:.2f}x a warm one's "
            f"{warm:.2f} ms (target <= 2; {PROBE_ROUNDS} rounds, one client)"
        )
    for line in lines:
        click.echo("  " + line)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def measure(database, size, base, ceiling, targets, member, options) -> list[Result]:
    """Interleaved rounds: every page on the app, then the same page on the ceiling, then the next.
    A page's ratio is the median of its rounds' ratios; its figures are its best round's."""
    duration, connections, rounds = options
    for endpoint in targets:
        warm_up(base + endpoint.path, connections, member if endpoint.signed_in else None)
        warm_up(f"{ceiling}/pages/{endpoint.name}", connections)
    best: dict[str, Result] = {}
    ratios: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    ceilings: dict[str, float] = {}
    for number in range(rounds):
        if number:  # the last round's cold endpoint emptied the caches: measure warm pages warm
            for endpoint in targets:
                if endpoint.name != COLD:
                    warm_up(base + endpoint.path, connections, member if endpoint.signed_in else None)
        LOADS.setdefault((database, size), []).append(os.getloadavg()[0])
        click.echo(f"  round {number + 1}/{rounds} (load average {_load()})")
        for endpoint in targets:
            name = endpoint.name
            rps, p50, p90, p99, failed = wrk(
                base + endpoint.path, duration, connections, member if endpoint.signed_in else None
            )
            ceiling_rps = wrk(f"{ceiling}/pages/{name}", duration, connections)[0]
            errors[name] = errors.get(name, 0) + failed
            ratios.setdefault(name, []).append(rps / ceiling_rps if ceiling_rps else 0.0)
            ceilings[name] = max(ceilings.get(name, 0.0), ceiling_rps)
            if name not in best or rps > best[name].rps:
                best[name] = Result(database, size, name, rps, p50, p90, p99, 0, target=endpoint.target)
    for name, result in best.items():
        result.errors = errors[name]
        result.ceiling_rps = ceilings[name]
        result.ratio = sorted(ratios[name])[len(ratios[name]) // 2]
        click.echo(
            f"  {name:<15} {result.rps:8.0f} req/s  p50 {result.p50:6.2f} ms  p99 {result.p99:6.2f} ms  "
            f"{result.ratio:.2f}x the ceiling ({result.ceiling_rps:.0f} req/s)"
        )
    return list(best.values())


def run_one(database: str, size: int, workers: int, options) -> tuple[list[Result], list[float]]:
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
        targets = endpoints(info)
        with gunicorn(env, workers) as (base, master):
            member = sign_in(base)
            pages = Path(tempfile.mkstemp(prefix="bench-ceiling-", suffix=".json")[1])
            try:
                capture(base, targets, member, pages)
                ceiling_env = dict(env, BENCH_CEILING_PAGES=str(pages))
                with gunicorn(ceiling_env, workers, "bench.ceiling:create_ceiling_app()") as (ceiling, _):
                    results = measure(database, size, base, ceiling, targets, member, options)
                from .seed import BROAD_TERM

                probe_writes(database, size, url, f"{base}/integrations?q={BROAD_TERM}")
            finally:
                pages.unlink()
            memory = worker_rss_mib(master)
    click.echo("  memory per worker: " + ", ".join(f"{mib:.0f} MiB" for mib in memory))
    return results, memory


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
    help="Interleaved rounds per endpoint; the median ratio and the best round are reported.",
)
def main(sizes: str, databases: str, duration: int, connections: int, workers: int, rounds: int) -> None:
    """Seed, serve with gunicorn on loopback, measure with wrk against the ceiling, print a table."""
    check_wrk()
    size_list = [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    results: list[Result] = []
    memory: dict[tuple[str, int], list[float]] = {}
    for database in [d.strip() for d in databases.split(",") if d.strip()]:
        if database == "postgresql" and not pg_available():
            click.echo(f"PostgreSQL does not answer at {PG_ADMIN_URL}; skipping it.", err=True)
            continue
        for size in size_list:
            click.echo(f"== {database}, {size:,} integrations (load average {_load()}) ==")
            found, memory[(database, size)] = run_one(
                database, size, workers, (duration, connections, rounds)
            )
            results += found
    if results:
        print_table(results, memory)


if __name__ == "__main__":
    main()
