"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from ..domain.markdown import render_markdown
from .urls import cached_url_for


def _markdown(text: str | None) -> Markup:
    return Markup(render_markdown(text))


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    return value.strftime(fmt) if value else ""


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def register(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = cached_url_for
    app.jinja_env.filters["markdown"] = _markdown
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
