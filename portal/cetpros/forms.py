"""CETPRO and coordinator forms (CSRF via Flask-WTF); the services check every rule."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.validators import EqualTo, InputRequired, Optional

from portal import vocab
from portal.forms import CheckboxesField, choices, lenient_int


class CetproForm(FlaskForm):
    codigo_modular = StringField("Código modular", validators=[Optional()])
    name = StringField("Nombre", validators=[Optional()])
    management = RadioField("Gestión", choices=choices(vocab.CETPRO_MANAGEMENT), default="publica",
                            validate_choice=False)
    ugel = StringField("UGEL o DRE", validators=[Optional()])
    # Rendered by the shared place macro; the service checks that each level lies in the one above.
    department_code = StringField("Departamento", validators=[Optional()])
    province_code = StringField("Provincia", validators=[Optional()])
    district_code = StringField("Distrito", validators=[Optional()])
    programme_ids = CheckboxesField("Programas que enseña", coerce=lenient_int, validate_choice=False)


class InviteForm(FlaskForm):
    email = EmailField("Correo de quien coordinará", validators=[Optional()])


class AcceptForm(FlaskForm):
    first_names = StringField("Nombres", validators=[Optional()])
    last_names = StringField("Apellidos", validators=[Optional()])
    password = PasswordField("Contraseña", validators=[InputRequired("Elige una contraseña.")])
    confirm = PasswordField("Repite la contraseña", validators=[
        InputRequired("Repite la contraseña."), EqualTo("password", message="Las contraseñas no coinciden.")])
