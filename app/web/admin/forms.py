from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...domain import reports as report_rules
from ...domain.namespaces import HANDLE_LIMIT_MAX
from ...domain.trust import tier_info
from ...models.category import CATEGORY_NAME_MAX, CATEGORY_SLUG_MAX
from ...models.integration import TRUST_TIERS
from ...services.namespace_admin import REASON_MAX
from ...services.reviews import REASON_MAX as REVIEW_REASON_MAX
from ...services.staff import NOTE_MAX
from ..params import date_in_range


class TrustTierForm(FlaskForm):
    tier = SelectField("Trust tier", choices=[SelectChoice(t, tier_info(t).label) for t in TRUST_TIERS])
    # Its own id: the takedown form on the same page has a "note" too (ids are unique per page).
    note = TextAreaField(
        "Note",
        id="tier-note",
        validators=[DataRequired("Write a note."), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


POLICY_CHOICES = [SelectChoice(p.code, p.name) for p in report_rules.POLICIES.values()]


class LiftForm(FlaskForm):
    note = TextAreaField(
        "Note to the publisher",
        validators=[DataRequired("Tell the publisher why."), Length(max=NOTE_MAX)],
        render_kw={"rows": 3},
    )


class TakedownForm(LiftForm):
    policy = SelectField("Policy", choices=POLICY_CHOICES, validate_choice=False)


class ReportDecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[
            SelectChoice(
                report_rules.ACTIONED, "Actioned: something was done (a word with the publisher, a fix)"
            ),
            SelectChoice(report_rules.DISMISSED, "Dismissed: nothing to act on"),
        ],
        validate_choice=False,
    )
    note = TextAreaField(
        "Staff note",
        validators=[DataRequired("Write a staff note."), Length(max=report_rules.NOTE_MAX)],
        render_kw={"rows": 3},
    )


class ReReviewDecisionForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        choices=[
            SelectChoice(report_rules.UPHELD, "Uphold the takedown"),
            SelectChoice(report_rules.LIFTED, "Lift the takedown"),
        ],
        validate_choice=False,
    )
    note = TextAreaField(
        "Answer to the publisher",
        validators=[DataRequired("Tell the publisher why."), Length(max=report_rules.NOTE_MAX)],
        render_kw={"rows": 3},
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField("Actor email", validators=[Optional(), Length(max=254)])
    action = StringField(
        "Action", validators=[Optional(), Length(max=64)], description="e.g. integration.published"
    )
    object = StringField("Object", validators=[Optional(), Length(max=200)], description="id, type or label")
    workspace = StringField("Workspace slug", validators=[Optional(), Length(max=40)])
    date_from = DateField("From", validators=[Optional(), date_in_range])
    date_to = DateField("To", validators=[Optional(), date_in_range])


class ReserveHandleForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired("Give a handle."), Length(max=39)])
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=REASON_MAX)])


class GrantHandleForm(FlaskForm):
    workspace = StringField(
        "Workspace slug", validators=[DataRequired("Give a workspace slug."), Length(max=40)]
    )
    handle = StringField("Reserved handle", validators=[DataRequired("Give a handle."), Length(max=39)])
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=REASON_MAX)])


class HandleLimitForm(FlaskForm):
    workspace = StringField(
        "Workspace slug", validators=[DataRequired("Give a workspace slug."), Length(max=40)]
    )
    limit = IntegerField(
        "Handle limit",
        validators=[
            InputRequired("Give a number."),
            NumberRange(1, HANDLE_LIMIT_MAX, f"Give a whole number from 1 to {HANDLE_LIMIT_MAX}."),
        ],
    )
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=REASON_MAX)])


class ApproveReviewForm(FlaskForm):
    reason = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=REVIEW_REASON_MAX)],
        render_kw={"rows": 2},
    )


class RejectReviewForm(FlaskForm):
    reason = TextAreaField(
        "Reason, shown to the publisher",
        validators=[DataRequired("Give a reason: the publisher reads it."), Length(max=REVIEW_REASON_MAX)],
        render_kw={"rows": 3},
    )


class CategoryForm(FlaskForm):
    slug = StringField(
        "Slug",
        validators=[DataRequired("Give the category a slug."), Length(max=CATEGORY_SLUG_MAX)],
        description="Its address, /categories/<slug>: lowercase letters, digits and hyphens. It never changes.",
    )
    name = StringField(
        "Name", validators=[DataRequired("Give the category a name."), Length(max=CATEGORY_NAME_MAX)]
    )


class RenameCategoryForm(FlaskForm):
    name = StringField(
        "New name", validators=[DataRequired("Give the category a name."), Length(max=CATEGORY_NAME_MAX)]
    )
