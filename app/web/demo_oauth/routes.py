"""/demo-oauth/authorize (a consent page: Approve or Deny), /demo-oauth/token, /demo-oauth/revoke,
and the demo service's connection test, /demo-oauth/test."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import render_template, request
from flask_login import current_user

from ...extensions import csrf
from ..forms import ButtonForm
from . import bp
from .server import DemoUser, accepts, server

DEMO_USER = "demo-user@demo-oauth.test"


def _end_user() -> DemoUser:
    # Logged in to the marketplace on this origin: that person; otherwise a demo identity.
    return DemoUser(current_user.email if current_user.is_authenticated else DEMO_USER)


def _refused(error: OAuth2Error):
    # No trustworthy redirect URI (unknown client, unregistered redirect): say so here, never redirect.
    if getattr(error, "redirect_uri", None):
        return server().handle_error_response(None, error)
    return render_template(
        "errors/generic.html",
        status=400,
        title="Authorization request refused",
        message=f"{error.error}: {error.description or ''}",
    ), 400


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    user = _end_user()
    try:
        grant = server().get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return _refused(error)
    form = ButtonForm()
    if request.method == "GET" or not form.validate_on_submit():
        scopes = (grant.request.scope or "").split()
        return render_template(
            "install/demo_consent.html",
            form=form,
            scopes=scopes,
            user=user,
            client_id=grant.client.get_client_id(),
        ), 200 if request.method == "GET" else 400
    approved = request.form.get("decision") == "approve"
    return server().create_authorization_response(grant_user=user if approved else None, grant=grant)


@bp.post("/token")
@csrf.exempt
def token():
    # Clients authenticate with their secret; no browser, so no CSRF token.
    return server().create_token_response()


@bp.post("/revoke")
@csrf.exempt
def revoke():
    # RFC 7009: the client revokes an access or refresh token with its secret.
    return server().create_endpoint_response("revocation")


@bp.route("/test", methods=["GET", "HEAD"])
def test():
    """The demo service's connection-test endpoint (the demo integrations' authConfig.test):
    200 for a live access token of this provider (Bearer) or an API key containing `demo-key`,
    in whatever header the integration sends it; 401 otherwise."""
    if accepts(request.headers):
        return {"ok": True}, 200
    return {"ok": False, "error": "invalid_credentials"}, 401
