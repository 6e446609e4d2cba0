"""Convenio forms. Fields only parse (with Spanish messages); the services check every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal import vocab
from portal.forms import SpanishDateField, choices, lenient_int


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Escribe un número entero (por ejemplo 4).") from None


class _ConvenioFields(FlaskForm):
    kind = SelectField("Tipo de convenio", choices=choices(vocab.CONVENIO_KINDS), default="practicas",
                       validate_choice=False)
    start_date = SpanishDateField("Desde", validators=[Optional()])
    end_date = SpanishDateField("Hasta", validators=[Optional()])
    places_per_term = WholeNumberField("Vacantes por periodo (opcional)", validators=[Optional()])
    notes = TextAreaField("Notas (opcional)", validators=[Optional()])
    pdf = FileField("Convenio firmado (PDF, opcional)")


class CetproProposalForm(_ConvenioFields):
    """A coordinator proposes to a company: chosen from the suggestions, or typed by RUC."""

    empresa = StringField("Empresa: RUC o razón social")
    company_id = SelectField("Empresa", coerce=lenient_int, validate_choice=False, validators=[Optional()])


class CompanyProposalForm(_ConvenioFields):
    """An employer proposes to a CETPRO chosen from the list."""

    cetpro_id = SelectField("CETPRO", coerce=lenient_int, validate_choice=False)


class PdfForm(FlaskForm):
    pdf = FileField("Convenio firmado (PDF)")


class DecisionForm(FlaskForm):
    """Accept or decline: only the CSRF token."""
