from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired


class DeletionForm(FlaskForm):
    password = PasswordField("Tu contraseña", validators=[DataRequired("Escribe tu contraseña para confirmar.")])
