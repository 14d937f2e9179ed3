"""Forms of the install wizard and of managing installations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, TextAreaField
from wtforms.validators import Optional

from ...models.policy import NOTE_MAX

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


class RequestForm(FlaskForm):
    # A member's install request; the service checks the workspace and the note's length.
    workspace = SelectField("Ask the admins of", choices=[], validate_choice=False)
    note = TextAreaField(
        "Note to the admins (optional)",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
