"""The admin's form for a rate of the RMV table (portal/openings/rmv.py checks every rule again)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import SpanishDateField, SpanishDecimalField
from portal.openings.rmv import BASIS_MAX, RateData

AMOUNT_MESSAGE = "Escribe el monto mensual en soles, por ejemplo 1130 o 1130.50."


class AmountField(SpanishDecimalField):
    message = AMOUNT_MESSAGE


class RateForm(FlaskForm):
    effective_from = SpanishDateField("Rige desde", validators=[
        InputRequired("Escribe la fecha desde la que rige la nueva RMV.")])
    amount = AmountField("Monto mensual (S/)", places=2, validators=[InputRequired(AMOUNT_MESSAGE)])
    legal_basis = StringField("Base legal (opcional)", validators=[
        Optional(), Length(max=BASIS_MAX, message=f"Máximo {BASIS_MAX} caracteres.")])

    def rate_data(self) -> RateData:
        return RateData(self.effective_from.data, self.amount.data, self.legal_basis.data or "")
