"""CLI commands of the publishing capability (purge)."""
from flask import Flask


def register(app: Flask) -> None:
    pass
