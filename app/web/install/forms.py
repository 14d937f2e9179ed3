"""Forms of the install wizard and of managing installations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField
from wtforms.validators import Optional

CONSENT_LABEL = "I trust this publisher and grant the permissions listed above to this workspace."


class WorkspaceConsentForm(FlaskForm):
    workspace = SelectField("Install into workspace", choices=[], validate_choice=False)
    consent = BooleanField(CONSENT_LABEL, validators=[Optional()])


class UpgradeConsentForm(FlaskForm):
    consent = BooleanField("I grant the new permissions listed above.", validators=[Optional()])


class ApiKeyForm(FlaskForm):
    # Never re-rendered with its value: a password input always starts empty.
    api_key = PasswordField(
        "API key", validators=[Optional()], render_kw={"autocomplete": "off", "spellcheck": "false"}
    )
