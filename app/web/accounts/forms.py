from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ...models.account import EMAIL_MAX, NAME_MAX
from ...services.accounts import PASSWORD_MAX, PASSWORD_MIN, email_taken

EMAIL_REQUIRED = "Enter your email address."
EMAIL_INVALID = "Enter a valid email address, like name@example.com."


class ValidEmail:
    """email-validator's syntax check, without DNS. `.test` addresses (the demo's) are allowed."""

    def __call__(self, form, field):
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValidationError(EMAIL_INVALID)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(EMAIL_REQUIRED), Length(max=EMAIL_MAX)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me logged in")
    next = HiddenField()


class RegisterForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=EMAIL_MAX), ValidEmail()],
    )
    display_name = StringField("Display name", validators=[Optional(), Length(max=NAME_MAX)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Choose a password."),
            Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired("Repeat your password."), EqualTo("password", "The passwords differ.")]
    )

    def validate_email(self, field):
        if email_taken(field.data):
            raise ValidationError("An account with this email already exists. Log in instead?")
