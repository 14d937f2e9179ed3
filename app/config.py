"""Settings, read from the environment inside create_app (never at import time)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from .domain import webhooks as webhook_rules


def _normalise_database_url(url: str) -> str:
    # Heroku-style URLs and bare "postgresql://" both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _instance_secret(instance_path: Path, name: str, make) -> str:
    """A development secret kept in instance/ so restarts keep sessions and credentials."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


# Every limit the app enforces and its default; each one can be set from the environment
# (README, "Rate limits"). Flask-Limiter's notation: "10 per minute", "5/hour;50/day".
RATE_LIMITS = {
    "LOGIN_RATE_LIMIT": "10 per minute",  # log-in attempts, per client address
    "REGISTER_RATE_LIMIT": "10 per hour",  # sign-up attempts, per client address
    "WORKSPACE_RATE_LIMIT": "10 per day",  # workspaces created, per account
    "HANDLE_RATE_LIMIT": "5 per day",  # new publisher handles claimed, per workspace
    "API_AUTH_FAILURE_RATE_LIMIT": "10 per minute",  # API calls refused 401, per client address
    "API_TOKEN_RATE_LIMIT": "300 per minute",  # API calls, per bearer token
    "API_ADDRESS_RATE_LIMIT": "600 per minute",  # API calls, per client address
    "PASSWORD_RESET_RATE_LIMIT": "5 per hour",  # "forgot password" requests, per client address
    "VERIFY_RESEND_RATE_LIMIT": "3 per hour",  # verification links sent again, per account
    "INVITE_RATE_LIMIT": "30 per hour",  # invitations sent, per account
    "REPORT_RATE_LIMIT": "10 per day",  # listings reported, per account
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _mail_settings(env, mail_server: str | None, production: bool) -> dict:
    """SMTP through Flask-Mailman when MAIL_SERVER is set; otherwise (development and tests only)
    every message is kept in the database and shown at /dev/outbox."""
    return {
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(env.get("MAIL_PORT", "587" if _flag(env.get("MAIL_USE_TLS")) else "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Integration Marketplace <no-reply@localhost>"),
        "MAIL_TIMEOUT": 10,
        "MAIL_OUTBOX": not production and not mail_server,
    }


def _queue_settings(env, instance: Path, testing: bool) -> dict:
    """The Huey job queue (app/jobs): Redis when HUEY_REDIS_URL is set, else a SQLite file of its
    own under instance/. Tests run each job in the process that queued it (HUEY_IMMEDIATE)."""
    return {
        "HUEY_REDIS_URL": env.get("HUEY_REDIS_URL") or None,
        "HUEY_NAME": env.get("HUEY_NAME", "marketplace"),
        "HUEY_SQLITE_PATH": env.get("HUEY_SQLITE_PATH") or str(instance / "huey.sqlite3"),
        "HUEY_IMMEDIATE": _flag(env.get("HUEY_IMMEDIATE")) if "HUEY_IMMEDIATE" in env else testing,
        "HUEY_REDIS_TIMEOUT_SECONDS": float(env.get("HUEY_REDIS_TIMEOUT_SECONDS", "2")),
        # Mail waiting in the queue: how many sends are tried before a message is given up.
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "8")),
        # OAuth2 access tokens are refreshed this long before they expire (the sweep runs each minute).
        "TOKEN_REFRESH_AHEAD_SECONDS": int(env.get("TOKEN_REFRESH_AHEAD_SECONDS", "600")),
        # Publisher webhooks: seconds before each delivery attempt, comma-separated (empty: the
        # default 0,60,300,1800,7200,18000,36000,21600, eight attempts over about a day).
        "WEBHOOK_RETRY_SCHEDULE": env.get("WEBHOOK_RETRY_SCHEDULE", ""),
    }


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    instance = Path(instance_path)
    overrides = overrides or {}
    production = env.get("FLASK_ENV") == "production" or env.get("MARKETPLACE_ENV") == "production"
    testing = bool(overrides.get("TESTING"))

    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("DATABASE_URL")
    if not database_url:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'marketplace.sqlite3'}"

    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    keys = overrides.get("CREDENTIALS_KEYS") or env.get("CREDENTIALS_KEYS")
    if isinstance(keys, (list, tuple)):
        keys = ",".join(keys)
    if production and (not secret_key or not keys):
        raise RuntimeError("SECRET_KEY and CREDENTIALS_KEYS must be set in production")
    mail_server = overrides.get("MAIL_SERVER", env.get("MAIL_SERVER")) or None
    public_base_url = overrides.get("PUBLIC_BASE_URL", env.get("PUBLIC_BASE_URL")) or None
    if production and not (mail_server and public_base_url):
        # Sign-up and password reset send mail, and the links in it are built on PUBLIC_BASE_URL,
        # never on a request's Host header (which a client chooses).
        raise RuntimeError("MAIL_SERVER and PUBLIC_BASE_URL must be set in production")
    if not secret_key:
        secret_key = _instance_secret(instance, "secret_key", lambda: secrets.token_hex(32))
    if not keys:
        keys = _instance_secret(instance, "credentials_keys", lambda: Fernet.generate_key().decode())

    rate_limit_storage = overrides.get("RATELIMIT_STORAGE_URI") or env.get("RATELIMIT_STORAGE_URI") or ""
    if production and (not rate_limit_storage or rate_limit_storage.startswith("memory://")):
        # In-memory counters are per process: with N workers every limit would allow N times its rate.
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI must name storage shared by every process in production "
            "(e.g. redis://redis.internal:6379/0), not memory://"
        )

    config = {
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "CREDENTIALS_KEYS": [k.strip() for k in keys.split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": rate_limit_storage or "memory://",
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "marketplace"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_HEADER_LIMIT": "RateLimit-Limit",
        "RATELIMIT_HEADER_REMAINING": "RateLimit-Remaining",
        "RATELIMIT_HEADER_RESET": "RateLimit-Reset",
        "RATELIMIT_HEADER_RETRY_AFTER": "Retry-After",
        **{key: env.get(key, default) for key, default in RATE_LIMITS.items()},
        "RETENTION_DEFAULT_DAYS": int(env.get("RETENTION_DEFAULT_DAYS", "30")),
        "WIZARD_TTL_SECONDS": int(env.get("WIZARD_TTL_SECONDS", str(60 * 60))),
        # The bundled demo OAuth2 provider exists only outside production.
        "DEMO_OAUTH_PROVIDER": not production and env.get("DEMO_OAUTH_PROVIDER", "1") == "1",
        "PUBLIC_BASE_URL": public_base_url,
        # Per process: the anonymous page cache's bound, and the members' listing fragments' (each).
        "PAGE_CACHE_BYTES": int(env.get("PAGE_CACHE_BYTES", str(32 * 1024 * 1024))),
        # The guarded outbound client (services/outbound.py): loopback targets (the demo provider,
        # test servers) only outside production; every other non-public address never.
        "OUTBOUND_ALLOW_LOOPBACK": not production and env.get("OUTBOUND_ALLOW_LOOPBACK", "1") == "1",
        "OUTBOUND_TIMEOUT_SECONDS": float(env.get("OUTBOUND_TIMEOUT_SECONDS", "5")),
        "OUTBOUND_MAX_RESPONSE_BYTES": int(env.get("OUTBOUND_MAX_RESPONSE_BYTES", str(1024 * 1024))),
        # How many reverse proxies (load balancer, ingress) stand in front of the app. Their
        # X-Forwarded-For/-Proto are trusted that many hops deep, so rate limits and session
        # protection see the client's address rather than the proxy's.
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "0")),
        # Bounded waits on the database: past these a request answers 503 with Retry-After.
        "DATABASE_STATEMENT_TIMEOUT_MS": int(env.get("DATABASE_STATEMENT_TIMEOUT_MS", "5000")),
        "DATABASE_POOL_TIMEOUT": float(env.get("DATABASE_POOL_TIMEOUT", "3")),
        "DATABASE_CONNECT_TIMEOUT": int(env.get("DATABASE_CONNECT_TIMEOUT", "3")),
        "SQLITE_BUSY_TIMEOUT_MS": int(env.get("SQLITE_BUSY_TIMEOUT_MS", "3000")),
        "RETRY_AFTER_SECONDS": int(env.get("RETRY_AFTER_SECONDS", "5")),
        "HEALTHZ_TIMEOUT": float(env.get("HEALTHZ_TIMEOUT", "1.5")),
        **_mail_settings(env, mail_server, production),
        **_queue_settings(env, instance, testing),
        "TESTING": testing,
    }
    config.update(overrides)
    if isinstance(config["CREDENTIALS_KEYS"], str):
        config["CREDENTIALS_KEYS"] = [k.strip() for k in config["CREDENTIALS_KEYS"].split(",") if k.strip()]
    config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    webhook_rules.parse_schedule(config["WEBHOOK_RETRY_SCHEDULE"])  # a bad schedule stops the start
    # An override of MAIL_SERVER (tests point it at their own SMTP server) decides the outbox too.
    config["MAIL_OUTBOX"] = not production and not config["MAIL_SERVER"]
    config["MAIL_BACKEND"] = "smtp" if config["MAIL_SERVER"] else "app.services.mail.OutboxBackend"
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
        options["connect_args"] = {**_postgresql_connect_args(config), **options.get("connect_args", {})}
    return config


def _postgresql_connect_args(config: dict) -> dict:
    """A database that stops answering must cost a request seconds, never a hung worker: the
    server cancels a slow statement, the kernel drops a connection whose packets go unanswered
    (tcp_user_timeout) or whose idle peer vanished (keepalives). `wait_timeout` (read by
    app.database) is the client's own deadline for a peer that accepts bytes but never answers."""
    statement_ms = config["DATABASE_STATEMENT_TIMEOUT_MS"]
    return {
        "connect_timeout": config["DATABASE_CONNECT_TIMEOUT"],
        "options": f"-c statement_timeout={statement_ms}",
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": statement_ms + 1000,
    }
