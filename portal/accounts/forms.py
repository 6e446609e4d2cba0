"""Account forms. Every message is Spanish; the services repeat the checks that matter."""
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal import vocab
from portal.forms import lenient_int

REQUIRED = "Este dato es obligatorio."


def required(message: str = REQUIRED):
    return DataRequired(message=message)


class LoginForm(FlaskForm):
    email = EmailField("Correo", validators=[required("Ingresa tu correo.")])
    password = PasswordField("Contraseña", validators=[required("Ingresa tu contraseña.")])
    next = HiddenField()


class PersonFields(FlaskForm):
    first_names = StringField("Nombres", validators=[required("Ingresa tus nombres."), Length(max=120, message="Máximo 120 caracteres.")])
    last_names = StringField("Apellidos", validators=[required("Ingresa tus apellidos."), Length(max=120, message="Máximo 120 caracteres.")])
    email = EmailField("Correo", validators=[required("Ingresa tu correo."), Email(message="Ese correo no parece válido (ejemplo: nombre@correo.pe)."), Length(max=254)])
    password = PasswordField("Contraseña", validators=[required("Elige una contraseña.")])


class StudentRegistrationForm(PersonFields):
    cetpro_id = SelectField("CETPRO", coerce=lenient_int, validate_choice=False,
                            validators=[required("Elige tu CETPRO.")])
    programme_id = SelectField("Programa de estudios", coerce=lenient_int, validate_choice=False,
                               validators=[required("Elige tu programa de estudios.")])
    document_type = SelectField("Documento", choices=[SelectChoice(code, name) for code, name in vocab.DOCUMENT_TYPES.items()], default="dni")
    document_number = StringField("Número de documento", validators=[required("Ingresa tu número de documento.")])


class EmployerRegistrationForm(PersonFields):
    ruc = StringField("RUC de la empresa", validators=[required("Ingresa el RUC de la empresa.")])
    legal_name = StringField("Razón social", validators=[Optional(), Length(max=200, message="Máximo 200 caracteres.")])
    phone = StringField("Celular de contacto", validators=[Optional(), Length(max=20)])


class ResetRequestForm(FlaskForm):
    email = EmailField("Correo de tu cuenta", validators=[required("Ingresa tu correo."), Email(message="Ese correo no parece válido.")])


class ResendForm(FlaskForm):
    email = EmailField("Correo", validators=[required("Ingresa tu correo."), Email(message="Ese correo no parece válido.")])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: activating is a POST."""


class ResetForm(FlaskForm):
    password = PasswordField("Nueva contraseña", validators=[required("Elige una contraseña.")])
    confirm = PasswordField("Repite la contraseña", validators=[required("Repite la contraseña."), EqualTo("password", message="Las contraseñas no coinciden.")])


class UserActionForm(FlaskForm):
    """An admin's action on an account that asks for nothing but the click (CSRF)."""


class DeactivateForm(FlaskForm):
    reason = StringField("Motivo (opcional, queda en la auditoría)",
                         validators=[Optional(), Length(max=300, message="Máximo 300 caracteres.")])
