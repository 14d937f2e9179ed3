from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ...models.account import EMAIL_MAX, NAME_MAX
from ...services import accounts
from ...services.errors import ValidationFailed


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field() -> EmailField:
    return EmailField(
        "Email",
        filters=[_strip],
        validators=[
            DataRequired(accounts.EMAIL_REQUIRED),
            Length(max=EMAIL_MAX, message=accounts.EMAIL_TOO_LONG),
        ],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Enter your password."),
            Length(max=accounts.PASSWORD_MAX, message=accounts.PASSWORD_LENGTH),
        ],
    )
    remember = BooleanField("Keep me logged in")
    next = HiddenField()


def new_password_fields(
    label: str, confirm_label: str, name: str = "password", required: str = "Choose a password."
):
    """A new password and its repetition, with the account rules' length bounds. `name` is the
    attribute the first field is bound to (the repetition must equal it)."""
    password = PasswordField(
        label,
        validators=[
            DataRequired(required),
            Length(min=accounts.PASSWORD_MIN, max=accounts.PASSWORD_MAX, message=accounts.PASSWORD_LENGTH),
        ],
    )
    confirm = PasswordField(
        confirm_label,
        validators=[DataRequired("Repeat your password."), EqualTo(name, "The passwords differ.")],
    )
    return password, confirm


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = StringField(
        "Display name",
        filters=[_strip],
        validators=[Optional(), Length(max=NAME_MAX, message=accounts.NAME_TOO_LONG)],
    )
    password, confirm = new_password_fields("Password", "Repeat password")

    def validate_email(self, field):
        # Syntax only: whether the address is taken is the service's answer (a Conflict on this
        # field), given after the password is hashed, so the database is not held during hashing.
        if len(field.data or "") > EMAIL_MAX:
            return  # Length has said it already.
        try:
            accounts.check_email(field.data)
        except ValidationFailed as error:
            raise ValidationError(error.message) from None


class ForgotPasswordForm(FlaskForm):
    email = _email_field()

    def validate_email(self, field):
        if len(field.data or "") > EMAIL_MAX:
            return
        try:
            accounts.check_email(field.data)
        except ValidationFailed as error:
            raise ValidationError(error.message) from None


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields("New password", "Repeat new password")
