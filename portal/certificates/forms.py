"""Certificate forms. Fields only parse (with Spanish messages); the services check every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import SpanishDateField, lenient_int


class CertificateForm(FlaskForm):
    module_id = SelectField("Módulo formativo", coerce=lenient_int, validate_choice=False)
    number = StringField("Número de registro del certificado")
    issued_on = SpanishDateField("Fecha de emisión", validators=[Optional()])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Motivo de la revocación")
