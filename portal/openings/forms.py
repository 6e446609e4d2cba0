"""The opening form. Choices depend on the data (families, modules, places), filled by the view."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal import places, vocab
from portal.forms import CheckboxesField, SpanishDecimalField, choices, form_id, lenient_int
from portal.openings.services import OpeningData
from portal.skills import split_skills

NUMBER = "Escribe un número (por ejemplo 6 o 7.5)."


class NumberField(SpanishDecimalField):
    message = NUMBER


class OpeningForm(FlaskForm):
    title = StringField("Título de la oferta", validators=[DataRequired("Escribe un título."), Length(min=5, max=160, message="Entre 5 y 160 caracteres.")])
    description = TextAreaField("Descripción", validators=[DataRequired("Describe las tareas, el lugar y lo que ofreces."), Length(max=8000, message="Máximo 8,000 caracteres.")])
    kind = SelectField("Tipo", choices=[SelectChoice("", "Elige el tipo"), *choices(vocab.OPENING_KINDS)], validators=[DataRequired("Elige el tipo.")])
    family_id = SelectField("Familia productiva", coerce=lenient_int, validate_choice=False,
                            validators=[DataRequired("Elige la familia productiva.")])
    programme_ids = CheckboxesField("Programas aceptados (opcional)", coerce=form_id, validate_choice=False)
    required_module_ids = SelectMultipleField("Módulos requeridos", coerce=form_id, validate_choice=False)
    desired_module_ids = SelectMultipleField("Módulos deseables", coerce=form_id, validate_choice=False)
    required_skills = StringField("Otras habilidades requeridas", validators=[Optional(), Length(max=500)])
    desired_skills = StringField("Otras habilidades deseables", validators=[Optional(), Length(max=500)])
    department_code = SelectField("Departamento", validate_choice=False, validators=[Optional()])
    province_code = SelectField("Provincia", validate_choice=False, validators=[Optional()])
    district_code = SelectField("Distrito", validate_choice=False, validators=[Optional()])
    work_mode = RadioField("Modalidad", choices=choices(vocab.WORK_MODES), default="presencial",
                           validators=[DataRequired("Elige la modalidad.")])
    hours_per_day = NumberField("Horas al día", places=1, validators=[InputRequired(NUMBER), NumberRange(min=1, max=24, message="Entre 1 y 24 horas.")])
    hours_per_week = NumberField("Horas a la semana", places=1, validators=[InputRequired(NUMBER), NumberRange(min=1, max=84, message="Entre 1 y 84 horas.")])
    pay_monthly = NumberField("Pago mensual (S/)", places=2, validators=[Optional(), NumberRange(min=0, max=100000, message="Escribe un monto entre 0 y 100,000.")])
    vacancies = IntegerField("Vacantes", default=1, validators=[InputRequired("¿Cuántas personas buscas?"), NumberRange(min=1, max=500, message="Entre 1 y 500 vacantes.")])
    start_date = DateField("Fecha de inicio", validators=[InputRequired("¿Cuándo empieza?")])
    deadline = DateField("Postulaciones hasta", validators=[InputRequired("¿Hasta cuándo se puede postular?")])
    targets_all_cetpros = RadioField("¿A quiénes va dirigida?", coerce=lambda v: v in (True, "1", "true", "True"),
                                     choices=[SelectChoice("1", "A estudiantes y egresados de todos los CETPRO"),
                                              SelectChoice("0", "Solo a los CETPRO que elijo")], default="1")
    cetpro_ids = CheckboxesField("CETPRO", coerce=form_id, validate_choice=False)
    version = HiddenField()

    def validate_department_code(self, field):
        if field.data and not (len(field.data) == 2 and places.name(field.data)):
            field.data = ""

    def place_is_consistent(self) -> bool:
        """Drop a province or district that does not belong to the chosen department/province."""
        department, province, district = self.department_code.data, self.province_code.data, self.district_code.data
        if province and not (department and province.startswith(department) and places.name(province)):
            self.province_code.data = province = ""
        if district and not (province and district.startswith(province) and places.name(district)):
            self.district_code.data = ""
        return True

    def to_data(self) -> OpeningData:
        self.place_is_consistent()
        return OpeningData(
            title=self.title.data or "",
            description=self.description.data or "",
            kind=self.kind.data,
            family_id=self.family_id.data or 0,
            work_mode=self.work_mode.data,
            vacancies=self.vacancies.data,
            department_code=self.department_code.data or None,
            province_code=self.province_code.data or None,
            district_code=self.district_code.data or None,
            hours_per_day=self.hours_per_day.data,
            hours_per_week=self.hours_per_week.data,
            pay_monthly=self.pay_monthly.data,
            start_date=self.start_date.data,
            deadline=self.deadline.data,
            programme_ids=list(self.programme_ids.data or []),
            required_module_ids=list(self.required_module_ids.data or []),
            desired_module_ids=list(self.desired_module_ids.data or []),
            required_skills=split_skills(self.required_skills.data),
            desired_skills=split_skills(self.desired_skills.data),
            targets_all_cetpros=bool(self.targets_all_cetpros.data),
            cetpro_ids=list(self.cetpro_ids.data or []),
        )

    def fill_from(self, data: OpeningData, version: int | None = None) -> None:
        for name in ("title", "description", "kind", "family_id", "work_mode", "vacancies",
                     "department_code", "province_code", "district_code", "hours_per_day",
                     "hours_per_week", "pay_monthly", "start_date", "deadline", "programme_ids",
                     "required_module_ids", "desired_module_ids", "cetpro_ids"):
            getattr(self, name).data = getattr(data, name)
        self.required_skills.data = ", ".join(data.required_skills)
        self.desired_skills.data = ", ".join(data.desired_skills)
        self.targets_all_cetpros.data = data.targets_all_cetpros
        if version is not None:
            self.version.data = str(version)

