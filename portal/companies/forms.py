"""Company forms. Spanish messages; the services repeat every rule that matters."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


def _max(limit: int) -> Length:
    return Length(max=limit, message=f"Máximo {limit} caracteres.")


class ProfileForm(FlaskForm):
    legal_name = StringField("Razón social", validators=[DataRequired("Ingresa la razón social, como figura en SUNAT."), _max(200)])
    trade_name = StringField("Nombre comercial", validators=[Optional(), _max(200)])
    sector = StringField("Sector o rubro", validators=[Optional(), _max(120)])
    # Rendered by the shared place macro; the service checks that each level lies in the one above.
    department_code = StringField("Departamento", validators=[Optional()])
    province_code = StringField("Provincia", validators=[Optional()])
    district_code = StringField("Distrito", validators=[Optional()])
    address = StringField("Dirección", validators=[Optional(), _max(255)])
    website = StringField("Página web", validators=[Optional(), _max(255)])
    phone = StringField("Teléfono", validators=[Optional()])
    description = TextAreaField("Descripción", validators=[Optional(), _max(3000)])
    logo = FileField("Logo (opcional)")
    remove_logo = BooleanField("Quitar el logo actual")


class InviteForm(FlaskForm):
    email = EmailField("Correo de tu colega", validators=[
        DataRequired("Ingresa el correo de tu colega."),
        Email(message="Ese correo no parece válido (ejemplo: nombre@empresa.pe)."),
        _max(254),
    ])


class JoinForm(FlaskForm):
    first_names = StringField("Nombres", validators=[DataRequired("Ingresa tus nombres."), _max(120)])
    last_names = StringField("Apellidos", validators=[DataRequired("Ingresa tus apellidos."), _max(120)])
    password = PasswordField("Contraseña", validators=[DataRequired("Elige una contraseña.")])


class DecisionForm(FlaskForm):
    """Verify or reject a company; `next` brings the reviewer back to the same queue page."""

    reason = TextAreaField("Motivo del rechazo", validators=[Optional()])
    next = HiddenField()
