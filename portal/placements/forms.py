"""Placement forms. Fields only parse (with Spanish messages); the services check every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal import vocab


def lenient_int(value) -> int:
    """An id from the form; anything else becomes 0, which no row has (the service says why)."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def choices(mapping: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in mapping.items()]


class SpanishDateField(DateField):
    """A date whose parse error speaks plain Spanish."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Esa fecha no es válida. Escríbela como día/mes/año.") from None


class AmountField(DecimalField):
    """Soles, with a Spanish parse error."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Escribe un monto en soles (por ejemplo 1500 o 1500.50).") from None


class PlacementForm(FlaskForm):
    student_id = SelectField("Estudiante o egresado(a)", coerce=lenient_int, validate_choice=False)
    employer_name = StringField("Empresa (nombre)", validators=[Optional(), Length(max=200, message="Máximo 200 caracteres.")])
    employer_ruc = StringField("RUC de la empresa (opcional)", validators=[Optional()])
    job_title = StringField("Puesto", validators=[Optional(), Length(max=160, message="Máximo 160 caracteres.")])
    kind = SelectField("Tipo", choices=choices(vocab.OPENING_KINDS), default="empleo", validate_choice=False)
    start_date = SpanishDateField("Fecha de inicio", validators=[Optional()])
    end_date = SpanishDateField("Fecha de fin (opcional)", validators=[Optional()])
    pay_min = AmountField("Pago mensual mínimo (S/)", places=2, validators=[Optional()])
    pay_max = AmountField("Pago mensual máximo (S/)", places=2, validators=[Optional()])
    department_code = SelectField("Departamento donde trabaja", validate_choice=False, validators=[Optional()])
    evidence = FileField("Evidencia (PDF, opcional)")


class AnswerForm(FlaskForm):
    answer = HiddenField()
    current_employer = StringField("Empresa actual", validators=[Optional(), Length(max=200, message="Máximo 200 caracteres.")])


class AgreementForm(FlaskForm):
    signed_on = SpanishDateField("Firmado el", validators=[Optional()])
    registered_on = SpanishDateField("Registrado ante el MTPE el", validators=[Optional()])
