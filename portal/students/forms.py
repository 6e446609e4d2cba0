"""The student's profile and CV forms. Fields only parse; the services check every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal import vocab


def choices(mapping: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in mapping.items()]


def lenient_int(value) -> int:
    """An id from the form; anything that is not a number becomes 0, which no row has
    (the service then says, in Spanish, to pick from the list)."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SpanishDateField(DateField):
    """A date whose parse error speaks plain Spanish."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Esa fecha no es válida. Escríbela como día/mes/año.") from None


class ProfileForm(FlaskForm):
    programme_id = SelectField("Programa de estudios", coerce=lenient_int, validate_choice=False)
    level = SelectField("Nivel", choices=choices(vocab.LEVELS), validate_choice=False)
    status = SelectField("Situación", choices=choices(vocab.STUDENT_STATUSES), validate_choice=False)
    graduation_date = SpanishDateField("Fecha de egreso", validators=[Optional()])
    module_ids = CheckboxesField("Módulos certificados", coerce=lenient_int, validate_choice=False)
    skills = StringField("Otras habilidades")
    # Rendered by the shared place macro (templates/_macros/places.html); the service
    # checks that each level lies inside the one above.
    department_code = StringField("Departamento")
    province_code = StringField("Provincia")
    district_code = StringField("Distrito")
    phone = StringField("Celular")
    availability = StringField("Disponibilidad")
    open_to_offers = BooleanField("Quiero recibir ofertas de prácticas y empleo")


class CvForm(FlaskForm):
    cv = FileField("Tu CV en PDF")
