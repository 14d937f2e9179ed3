from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from ...domain import trust
from ...models.account import EMAIL_MAX
from ...models.policy import REASON_MAX
from ...models.workspace import ROLES
from ...services import workspaces
from ...services.errors import ValidationFailed

ROLE_CHOICES = [SelectChoice(r, r.capitalize()) for r in ROLES]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def role_field(label: str = "Role", **kwargs) -> SelectField:
    # A tampered value gets the same plain message as the service gives, not WTForms' "Not a valid choice".
    return SelectField(
        label,
        choices=ROLE_CHOICES,
        validate_choice=False,
        validators=[AnyOf(ROLES, message=workspaces.ROLE_INVALID)],
        **kwargs,
    )


class WorkspaceForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired("Give the workspace a name."),
            Length(max=workspaces.NAME_MAX, message=workspaces.NAME_INVALID),
        ],
    )
    slug = StringField("Address", filters=[_strip], validators=[DataRequired("Choose an address.")])

    def validate_slug(self, field):
        try:
            slug = workspaces.validate_slug(field.data)
        except ValidationFailed as error:
            raise ValidationError(error.message) from None
        if workspaces.slug_taken(slug):
            raise ValidationError(workspaces.SLUG_TAKEN)
        field.data = slug  # normalised only once accepted: a refused address is shown as typed


class InviteForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[
            DataRequired("Enter the person's email."),
            Length(max=EMAIL_MAX, message=f"Use at most {EMAIL_MAX} characters."),
        ],
    )
    role = role_field(default="member")


class RoleForm(FlaskForm):
    role = role_field()


class PolicyForm(FlaskForm):
    # Validated by the service (install_policy.save_policy), which puts each problem beside its field.
    min_trust_tier = SelectField("Minimum trust tier", choices=[], validate_choice=False)
    allow_list = TextAreaField("Allow list", render_kw={"rows": 4, "spellcheck": "false"})
    block_list = TextAreaField("Block list", render_kw={"rows": 4, "spellcheck": "false"})
    members_may_request = BooleanField("Members may ask the admins to install an integration")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_trust_tier.choices = [("", "Any tier")] + [
            (tier.key, f"{tier.label}{' or more trusted' if index else ''}")
            for index, tier in enumerate(trust.TIERS.values())
        ]


class DenyForm(FlaskForm):
    reason = TextAreaField(
        "Why it is denied", filters=[_strip], render_kw={"rows": 2, "maxlength": REASON_MAX}
    )
