"""Error pages: JSON for the API and JSON clients, HTML for people. The 500 handler rolls back."""

from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    template_rendered,
)
from flask_login import AnonymousUserMixin, login_url
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ..database import database_unavailable, rollback_quietly
from ..extensions import db, login_manager
from ..services.errors import ServiceError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def json_error(status: int, code: str, message: str, details=None):
    response = jsonify(
        error={"code": code, "message": message, "details": details if details is not None else []}
    )
    response.status_code = status
    return response


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def _render(status: int, title: str, message: str):
    if wants_json():
        return json_error(status, _CODES.get(status, "error"), message)
    template = f"errors/{status}.html" if status in (404, 500, 503) else "errors/generic.html"
    if status >= 500:
        return _render_without_database(template, status=status, title=title, message=message), status
    return render_template(template, status=status, title=title, message=message), status


@login_manager.unauthorized_handler
def _log_in_first():
    # A page that needs a signed-in person: people go to the login page, JSON clients get a 401.
    if wants_json():
        return json_error(401, "unauthorized", "Log in to continue.")
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _render_without_database(template: str, **context) -> str:
    """A 5xx page must not need the database that may have just failed: no context processors
    (Flask-Login's loads the signed-in user from the database), the layout shown as to a visitor.
    Flask's template_rendered signal is sent as render_template sends it (the page tour listens)."""
    app = current_app._get_current_object()
    page = app.jinja_env.get_template(template)
    context = {"current_user": AnonymousUserMixin(), **context}
    html = page.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=page, context=context)
    return html


def _unavailable(error: Exception):
    """The database is gone, silent or locked: one log line, no traceback, 503 with Retry-After."""
    rollback_quietly()
    first_line = str(getattr(error, "orig", None) or error).strip().splitlines()[:1]
    log.warning(
        "%s %s answered 503: %s: %s",
        request.method,
        request.path,
        type(getattr(error, "orig", None) or error).__name__,
        first_line[0] if first_line else "",
    )
    retry_after = current_app.config.get("RETRY_AFTER_SECONDS", 5)
    response = make_response(
        _render(
            503,
            "Temporarily unavailable",
            f"The service cannot reach its database right now. Please try again in {retry_after} seconds.",
        )
    )
    response.headers["Retry-After"] = g.retry_after = str(retry_after)
    return response


def keep_own_retry_after(response: Response) -> Response:
    """An after_request hook registered before Flask-Limiter's, so it runs after it: the limiter
    rewrites Retry-After on every limited response to its own window's end when that is later,
    which would tell a client of a 503 to wait a minute for a database that is back in seconds.
    A 503 keeps the Retry-After it was answered with."""
    own = g.pop("retry_after", None)
    if own is not None and response.status_code == 503:
        response.headers["Retry-After"] = own
    return response


def _internal(error: Exception):
    cause = getattr(error, "original_exception", None) or error
    if database_unavailable(cause):
        return _unavailable(cause)
    rollback_quietly()
    if not isinstance(error, HTTPException) or (error.code or 500) >= 500:
        log.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
    status = error.code if isinstance(error, HTTPException) and error.code else 500
    if isinstance(error, InternalServerError) or status == 500:
        return _render(
            500,
            "Something went wrong",
            "Something went wrong on our side. It has been logged; please try again.",
        )
    return _render(status, "Unavailable", "The service is unavailable right now.")


def _with_allow(error: HTTPException, rendered):
    response = make_response(rendered)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110: a 405 names them
    return response


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _render(
            400,
            "Form expired",
            "The form was missing its security token or it expired. Go back, reload the page and try again.",
        )

    @app.errorhandler(ServiceError)
    def _service(error: ServiceError):
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.code, error.message, error.details)
        if error.status == 404:
            return _render(404, "Not found", "There is nothing here, or you are not allowed to see it.")
        return _render(error.status, "Request refused", error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 404:
            return _render(404, "Not found", "There is nothing here, or you are not allowed to see it.")
        if error.code == 429:
            return _render(
                429,
                "Too many attempts",
                "Too many attempts from your address in a short time. Wait a minute, then try again.",
            )
        if error.code and error.code >= 500:
            return _internal(error)
        return _with_allow(error, _render(error.code or 400, error.name, error.description or error.name))

    app.register_error_handler(Exception, _internal)
