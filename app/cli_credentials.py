"""CLI commands of the install capability (rotate-credentials)."""
from flask import Flask


def register(app: Flask) -> None:
    pass
