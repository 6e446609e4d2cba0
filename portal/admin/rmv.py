"""The RMV table (/admin/rmv): every rate with its date, which one is in force, and the
form to register a new one (or correct one not yet in force). Adding takes two steps: the
first shows which published openings would fall below the new minimum and changes nothing;
confirming saves the rate and tells those openings' employers. Rules and notices live in
portal/openings/rmv.py."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.admin import bp
from portal.extensions import db
from portal.formatting import day, money
from portal.forms import attach_errors, lenient_int
from portal.models import RmvRate
from portal.openings import rmv
from portal.openings.rmv_forms import RateForm

PAGE, FRAGMENT = "admin/rmv.html", "admin/_rmv.html"
GONE = "Esa RMV ya está vigente o ya no está en la tabla: no se puede cambiar. Registra una nueva con su fecha."


def _context(form: RateForm | None = None, editing: RmvRate | None = None, preview=None) -> dict:
    """What the page and its fragment show: the table, the form (new or correcting), a preview."""
    if form is None:
        form = RateForm(formdata=None, obj=editing) if editing else RateForm(formdata=None)
    return {"rows": rmv.table(), "current": rmv.in_force(), "form": form, "editing": editing,
            "preview": preview, "shown": rmv.SHOWN}


def _render(status: int = 200, **context):
    return htmx.render(PAGE, FRAGMENT, status=status, **_context(**context))


@bp.route("/rmv")
@role_required("admin")
def rmv_table():
    """The RMV table; `?corregir=<id>` fills the form with a rate that is not in force yet."""
    editing = None
    if "corregir" in request.args:
        editing = rmv.future(lenient_int(request.args["corregir"]))
        if editing is None:
            return _gone()
    return _render(editing=editing)


def _save(form: RateForm, editing: RmvRate | None):
    """Check the form; without `confirmar`, show the preview; with it, save and tell employers."""
    if not form.validate():
        return _render(422, form=form, editing=editing)
    data = form.rate_data()
    if problems := rmv.problems(data, editing):
        attach_errors(form, problems, "Revisa los datos marcados.")
        return _render(422, form=form, editing=editing)
    if request.form.get("paso") != "confirmar":
        return _render(form=form, editing=editing, preview=rmv.below(data, editing))
    try:
        if editing is None:
            rate, told = rmv.add(data, current_user)
            done = f"Registraste la RMV de {money(rate.amount)} desde el {day(rate.effective_from)}."
        else:
            rate, told = rmv.correct(editing, data, current_user)
            done = f"Corregiste la RMV: {money(rate.amount)} desde el {day(rate.effective_from)}."
    except rmv.RmvError as error:
        db.session.rollback()
        attach_errors(form, error.problems, str(error))
        # The rate being corrected may have come into force meanwhile: the form then adds a new one.
        return _render(422, form=form, editing=editing and rmv.future(editing.id))
    told_text = (f" Avisamos a {told} {'empresa' if told == 1 else 'empresas'} con ofertas por debajo del nuevo mínimo."
                 if told else " Ninguna oferta publicada queda por debajo del nuevo mínimo.")
    return htmx.done(url_for(".rmv_table"), FRAGMENT, message=done + told_text, event="rmv-changed",
                     **_context())


def _gone():
    """The answer when the rate asked for came into force or was withdrawn meanwhile (another tab)."""
    return htmx.done(url_for(".rmv_table"), message=GONE, kind="error", status=409)


@bp.route("/rmv", methods=["POST"])
@role_required("admin")
def add_rmv():
    """Register a new rate: first the preview of the openings it leaves below, then `confirmar`."""
    return _save(RateForm(), None)


@bp.route("/rmv/<int:rate_id>/corregir", methods=["POST"])
@role_required("admin")
def correct_rmv(rate_id: int):
    """Correct a rate that is not in force yet, with the same preview and confirmation."""
    editing = rmv.future(rate_id)
    if editing is None:
        return _gone()
    return _save(RateForm(), editing)


@bp.route("/rmv/<int:rate_id>/retirar", methods=["POST"])
@role_required("admin")
def withdraw_rmv(rate_id: int):
    """Withdraw a rate that is not in force yet; employers it would have affected are told."""
    rate = rmv.future(rate_id)
    if rate is None:
        return _gone()
    try:
        was, told = rmv.withdraw(rate, current_user)
    except rmv.RmvError as error:
        db.session.rollback()
        return htmx.done(url_for(".rmv_table"), message=str(error), kind="error", status=409)
    message = f"Retiraste la RMV de {money(was.amount)} programada para el {day(was.effective_from)}."
    if told:
        message += f" Avisamos a {told} {'empresa' if told == 1 else 'empresas'} que ya no aplica."
    return htmx.done(url_for(".rmv_table"), FRAGMENT, message=message, event="rmv-changed", **_context())
