"""The student's profile and CV forms. Fields only parse; the services check every rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal import vocab
from portal.forms import CheckboxesField, SpanishDateField, choices, lenient_int


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
    sex = SelectField("Sexo (opcional)", choices=[SelectChoice("", "Sin indicar")] + choices(vocab.SEXES), default="",
                      validate_choice=False)


class CvForm(FlaskForm):
    cv = FileField("Tu CV en PDF")


# --- The generated CV (portal/profiles/cv_details.py) --------------------------------------


class ExperienceForm(FlaskForm):
    """One experience she adds; each listed one is edited with its own prefix (e<id>-), so its
    fields' ids differ. The app-wide CSRFProtect checks the POST (the template carries the
    plain `csrf_token` field), so the prefixed form does not ask for its own."""

    class Meta:
        csrf = False

    kind = SelectField("Tipo", choices=choices(vocab.CV_EXPERIENCE_KINDS), validate_choice=False)
    role = StringField("Puesto o actividad")
    employer = StringField("Empresa o lugar (opcional)")
    start_date = SpanishDateField("Desde", validators=[Optional()])
    end_date = SpanishDateField("Hasta (vacío si sigue)", validators=[Optional()])
    description = StringField("Qué hacías (opcional)")


class CvPreferencesForm(FlaskForm):
    show_email = BooleanField("Mostrar mi correo")
    show_phone = BooleanField("Mostrar mi celular")
    shown = RadioField("Qué CV ven las empresas", choices=choices(vocab.CV_SHOWN), validate_choice=False)
