"""portal/forms.py: the one parser every decimal field goes through; and the error summary
of templates/_macros/forms.html that every form with errors shows."""
import re
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice

from portal.forms import CheckboxesField, SpanishDecimalField, parse_decimal


@pytest.mark.parametrize("text, number", [
    ("7.5", Decimal("7.5")), (" 1130 ", Decimal("1130")), ("-2", Decimal("-2")), ("+3", Decimal("3")),
    (".5", Decimal("0.5")), ("１２", Decimal("12")), ("１２．５", Decimal("12.5")),
])
def test_what_people_type_is_read(text, number):
    assert parse_decimal(text) == number


@pytest.mark.parametrize("text", [
    "NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e999", "1E2", "1_000", "١٢٣", "1,5",
    "", " ", "0x1F", "12 13", "--1", ".", None,
])
def test_what_no_one_means_is_refused_in_spanish(text):
    with pytest.raises(ValueError, match="^Escribe un monto"):
        parse_decimal(text, "Escribe un monto en soles.")


class _Form(FlaskForm):
    name = StringField("Nombre")
    kinds = CheckboxesField("Tipos", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])
    mode = RadioField("Modalidad", choices=[SelectChoice("x", "X")])
    hours = SpanishDecimalField("Horas")
    version = HiddenField()


def test_the_error_summary_links_every_problem_to_what_can_take_focus(app):
    with app.test_request_context(method="POST", data={"hours": "NaN"}):
        form = _Form(meta={"csrf": False})
        form.validate()
        form.name.errors = ["Escribe tu nombre."]
        form.kinds.errors = ["Elige al menos un tipo."]
        form.mode.errors = ["Elige la modalidad."]
        form.version.errors = ["Alguien cambió esto."]
        form.form_errors.append("No pudimos guardar.")
        html = render_template_string('{% from "_macros/forms.html" import errors_summary %}{{ errors_summary(f) }}',
                                      f=form)
        clean = render_template_string('{% from "_macros/forms.html" import errors_summary %}{{ errors_summary(f) }}',
                                       f=_Form(formdata=None, meta={"csrf": False}))
    items = [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", html, re.S)]
    assert items == [
        '<a href="#name">Nombre: Escribe tu nombre.</a>',
        '<a href="#kinds-0">Tipos: Elige al menos un tipo.</a>',  # a group: its first box
        '<a href="#mode-0">Modalidad: Elige la modalidad.</a>',
        '<a href="#hours">Horas: Escribe un número (por ejemplo 6 o 7.5).</a>',  # NaN, read as no number
        "Alguien cambió esto.",  # a hidden field cannot take focus
        "No pudimos guardar.",  # names no field, still said
    ]
    assert "<h2>Corrige estos 6 datos</h2>" in html and 'role="alert" tabindex="-1" autofocus' in html
    assert clean.strip() == ""
