"""Publisher dashboard forms. Field-level checks that need the database live in the services;
views put their typed errors beside the fields (app/web/forms.py apply_service_error)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ...domain.documents import MAX_DOCUMENT_BYTES
from ...models.integration import DESCRIPTION_MAX, NAME_MAX, SLUG_MAX, URL_MAX
from ...services.publishing import CHANGELOG_MAX, REASON_MAX
from ...services.reviews import REASON_MAX as REVIEW_REASON_MAX

VISIBILITY_CHOICES = [
    SelectChoice("private", "Private — only your workspace"),
    SelectChoice("unlisted", "Unlisted — anyone with the link, once published"),
    SelectChoice("public", "Public — in the catalog, once published"),
]
RETENTION_CHOICES = [
    SelectChoice("", "Platform default"),
    SelectChoice("short", "Short — 7 days"),
    SelectChoice("medium", "Medium — 30 days"),
    SelectChoice("long", "Long — 365 days"),
    SelectChoice("none", "None — erased at the next purge"),
]
# Leave room for the text around a 256 KiB document (the service checks the exact size).
DOC_MAX_CHARS = MAX_DOCUMENT_BYTES + 1024


class MetadataFields(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Give the integration a name."), Length(max=NAME_MAX)]
    )
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description="Markdown. Shown on the integration's page.",
    )
    icon_url = StringField(
        "Icon URL",
        validators=[Optional(), Length(max=URL_MAX)],
        description="An https: address of a square image. Never fetched by our servers.",
    )
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES, default="private")
    retention_tier = SelectField(
        "Retention in the trash",
        choices=RETENTION_CHOICES,
        default="",
        description="How long a deleted integration and its installation history are kept "
        "before being erased for good.",
    )


class CreateIntegrationForm(MetadataFields):
    workspace = SelectField("Workspace", description="Where the integration is built and published from.")
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=SLUG_MAX)],
        description="Part of the install URL. Suggested from the name; cannot change later.",
    )
    publisher = StringField(
        "Publisher handle",
        validators=[DataRequired("Choose a publisher handle."), Length(max=39)],
        description="Your workspace's handle, or a new one to claim for it (lowercase letters, "
        "digits, hyphens).",
    )


class ListingFields(FlaskForm):
    """The listing's categories and links (listing metadata, not versioned). Category choices are set
    by the view from the staff's taxonomy."""

    primary_category = SelectField("Primary category", default="", validate_choice=False)
    secondary_category = SelectField(
        "Secondary category (optional)",
        default="",
        validate_choice=False,
        description="Must differ from the primary category.",
    )
    link_homepage = StringField("Homepage", validators=[Optional(), Length(max=URL_MAX)])
    link_docs = StringField("Documentation", validators=[Optional(), Length(max=URL_MAX)])
    link_support = StringField("Support", validators=[Optional(), Length(max=URL_MAX)])
    link_privacy = StringField("Privacy policy", validators=[Optional(), Length(max=URL_MAX)])
    link_terms = StringField("Terms of service", validators=[Optional(), Length(max=URL_MAX)])
    link_status = StringField("Status page", validators=[Optional(), Length(max=URL_MAX)])


class EditIntegrationForm(ListingFields, MetadataFields):
    manifest = TextAreaField(
        "Manifest (JSON)",
        validators=[Length(max=DOC_MAX_CHARS)],
        render_kw={"rows": 14, "spellcheck": "false", "class": "code"},
    )
    variables_schema = TextAreaField(
        "Variables schema (JSON Schema 2020-12)",
        validators=[Length(max=DOC_MAX_CHARS)],
        render_kw={"rows": 14, "spellcheck": "false", "class": "code"},
    )
    auth_config = TextAreaField(
        "Auth config (JSON)",
        validators=[Length(max=DOC_MAX_CHARS)],
        render_kw={"rows": 10, "spellcheck": "false", "class": "code"},
    )
    client_secret = PasswordField(
        "OAuth2 client secret",
        validators=[Optional(), Length(max=1000)],
        description="Write-only: stored encrypted, never shown. Leave empty to keep it.",
        render_kw={"autocomplete": "new-password"},
    )
    clear_client_secret = BooleanField("Remove the stored client secret")
    save = SubmitField("Save changes")
    preview = SubmitField("Preview variables form")


class PublishForm(FlaskForm):
    version = StringField(
        "Version", validators=[DataRequired("Enter a version, e.g. 1.0.0."), Length(max=64)]
    )
    changelog = TextAreaField(
        "Changelog",
        validators=[Optional(), Length(max=CHANGELOG_MAX)],
        description="Markdown: what changed for installers.",
        render_kw={"rows": 8},
    )


class RereviewForm(FlaskForm):
    note = TextAreaField(
        "What changed, or why the decision should be looked at again",
        validators=[DataRequired("Tell the reviewer why."), Length(max=REVIEW_REASON_MAX)],
        render_kw={"rows": 3},
    )


class VisibilityForm(FlaskForm):
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)


class YankForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Say why this version is yanked."), Length(max=REASON_MAX)],
        render_kw={"rows": 2},
    )
