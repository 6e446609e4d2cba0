"""Application forms (CSRF via Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal import vocab
from portal.applications.states import SYSTEM_REASONS
from portal.forms import form_id


class ApplyForm(FlaskForm):
    message = TextAreaField("Mensaje para la empresa (opcional)", validators=[Optional(), Length(max=1000, message="Máximo 1,000 caracteres.")])


class MoveForm(FlaskForm):
    to_state = HiddenField()
    version = IntegerField(validators=[Optional()])
    reason = SelectField("Motivo", validators=[Optional()],
                         choices=[SelectChoice("", "Elige el motivo")] + [
                             SelectChoice(code, label) for code, label in vocab.REJECTION_REASONS.items()
                             if code not in SYSTEM_REASONS])
    note = StringField("Nota para la persona (opcional)", validators=[Optional(), Length(max=500)])
    start_date = DateField("Fecha de inicio", validators=[Optional()])


class BulkForm(MoveForm):
    application_ids = SelectMultipleField(coerce=form_id, validate_choice=False)


class NotesForm(FlaskForm):
    notes = TextAreaField("Notas privadas de la empresa", validators=[Optional(), Length(max=5000, message="Máximo 5,000 caracteres.")])
