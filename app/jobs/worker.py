"""The consumer's entry point: `huey_consumer app.jobs.worker.huey`. Importing it builds the
application from the environment (as gunicorn's `app:create_app()` does) and hands its queue to
the consumer; the jobs run in that application's context."""

from __future__ import annotations

from app import create_app

application = create_app()
huey = application.extensions["huey"]
