"""Forms of the opening page: "Reportar esta oferta" and, for staff, suspension.

(They sit apart from forms.py, the employer's opening form; the services in
moderation.py repeat every check that matters.)
"""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from portal import vocab
from portal.openings.moderation import MAX_DETAILS, MAX_REASON


class ReportForm(FlaskForm):
    reason = SelectField(
        "¿Qué pasa con esta oferta?",
        choices=[SelectChoice("", "Elige un motivo")]
        + [SelectChoice(code, label) for code, label in vocab.REPORT_REASONS.items()],
        validate_choice=False,
        validators=[DataRequired("Elige un motivo."),
                    AnyOf(list(vocab.REPORT_REASONS), message="Elige un motivo de la lista.")],
    )
    details = TextAreaField(
        "Detalles (opcional)",
        validators=[Optional(), Length(max=MAX_DETAILS, message=f"Máximo {MAX_DETAILS} caracteres.")],
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Motivo de la suspensión",
        validators=[DataRequired("Escribe el motivo de la suspensión: la empresa lo leerá."),
                    Length(max=MAX_REASON, message=f"Máximo {MAX_REASON} caracteres.")],
    )


class ActionForm(FlaskForm):
    """A moderator's action on a report: the note or reason that goes with it (the services
    say, in Spanish, when one is missing), and the queue page to go back to."""

    text = TextAreaField("Motivo", validators=[Length(max=MAX_REASON, message=f"Máximo {MAX_REASON} caracteres.")])
    next = HiddenField()
