"""The form to make an API token. Fields only parse; the service checks every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from portal import vocab
from portal.forms import CheckboxesField, choices, lenient_int


class TokenForm(FlaskForm):
    name = StringField("Nombre del token")
    scopes = CheckboxesField("Permisos", choices=choices(vocab.API_SCOPES), validate_choice=False)
    days = SelectField("Vence en", coerce=lenient_int, choices=choices(vocab.API_TOKEN_DAYS), default=90,
                       validate_choice=False)


class RevokeTokenForm(FlaskForm):
    pass
