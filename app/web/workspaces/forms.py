from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from ...models.workspace import ROLES
from ...services import workspaces
from ...services.errors import ValidationFailed

ROLE_CHOICES = [(r, r.capitalize()) for r in ROLES]


class WorkspaceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the workspace a name."), Length(max=100)])
    slug = StringField("Address", validators=[DataRequired("Choose an address."), Length(max=40)])

    def validate_slug(self, field):
        try:
            field.data = workspaces.validate_slug(field.data)
        except ValidationFailed as error:
            raise ValidationError(error.message)
        if workspaces.slug_taken(field.data):
            raise ValidationError("That workspace address is taken. Choose another.")


class AddMemberForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter the person's email."), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="member")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
