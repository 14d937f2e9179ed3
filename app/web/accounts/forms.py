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


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = StringField(
        "Display name",
        filters=[_strip],
        validators=[Optional(), Length(max=NAME_MAX, message=accounts.NAME_TOO_LONG)],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Choose a password."),
            Length(min=accounts.PASSWORD_MIN, max=accounts.PASSWORD_MAX, message=accounts.PASSWORD_LENGTH),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired("Repeat your password."), EqualTo("password", "The passwords differ.")],
    )

    def validate_email(self, field):
        # Syntax only: whether the address is taken is the service's answer (a Conflict on this
        # field), given after the password is hashed, so the database is not held during hashing.
        if len(field.data or "") > EMAIL_MAX:
            return  # Length has said it already.
        try:
            accounts.check_email(field.data)
        except ValidationFailed as error:
            raise ValidationError(error.message) from None


def _new_password_fields():
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a password."),
            Length(min=accounts.PASSWORD_MIN, max=accounts.PASSWORD_MAX, message=accounts.PASSWORD_LENGTH),
        ],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired("Repeat your password."), EqualTo("password", "The passwords differ.")],
    )
    return password, confirm


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
    password, confirm = _new_password_fields()
