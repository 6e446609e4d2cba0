"""Placement forms. Fields only parse (with Spanish messages); the services check every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal import vocab
from portal.forms import SpanishDateField, SpanishDecimalField, choices, lenient_int


class AmountField(SpanishDecimalField):
    """Soles, with a Spanish parse error."""

    message = "Escribe un monto en soles (por ejemplo 1500 o 1500.50)."


class PlacementForm(FlaskForm):
    student_id = SelectField("Estudiante o egresado(a)", coerce=lenient_int, validate_choice=False)
    employer_name = StringField("Empresa (nombre)", validators=[Optional(), Length(max=200, message="Máximo 200 caracteres.")])
    employer_ruc = StringField("RUC de la empresa (opcional)", validators=[Optional()])
    job_title = StringField("Puesto", validators=[Optional(), Length(max=160, message="Máximo 160 caracteres.")])
    # Empty outcome: from the modality (empleo → empleo dependiente, a formative one → práctica).
    outcome = SelectField("Resultado", choices=[SelectChoice("", "Según la modalidad (empleo o práctica)")] + choices(vocab.PLACEMENT_OUTCOMES),
                          default="", validate_choice=False)
    kind = SelectField("Modalidad (Ley 28518)", choices=choices(vocab.OPENING_KINDS), default="empleo", validate_choice=False)
    start_date = SpanishDateField("Fecha de inicio", validators=[Optional()])
    end_date = SpanishDateField("Fecha de fin (opcional)", validators=[Optional()])
    pay_min = AmountField("Pago mensual mínimo (S/)", places=2, validators=[Optional()])
    pay_max = AmountField("Pago mensual máximo (S/)", places=2, validators=[Optional()])
    department_code = SelectField("Departamento donde trabaja", validate_choice=False, validators=[Optional()])
    evidence = FileField("Evidencia (PDF, opcional)")


class AnswerForm(FlaskForm):
    answer = HiddenField()
    outcome = SelectField("Situación actual (opcional)", choices=[SelectChoice("", "—")] + choices(vocab.FOLLOW_UP_OUTCOMES),
                          default="", validate_choice=False)
    current_employer = StringField("Empresa actual", validators=[Optional(), Length(max=200, message="Máximo 200 caracteres.")])


class AgreementForm(FlaskForm):
    signed_on = SpanishDateField("Firmado el", validators=[Optional()])
    registered_on = SpanishDateField("Registrado ante el MTPE el", validators=[Optional()])
