"""Placements (colocaciones) and their follow-ups: the coordinator's list, a manual placement,
answers and the convenio checklist in place, the evidence PDF, and the graduate's one-tap page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from portal import clock, htmx, places, vocab
from portal.access import role_required
from portal.forms import attach_errors
from portal.placements import queries, services
from portal.placements.forms import AgreementForm, AnswerForm, PlacementForm
from portal.uploads import send_stored

bp = Blueprint("placements", __name__)

INDEX_PATH = "/coordinador/colocaciones"


def _cetpro():
    cetpro = queries.cetpro_of(current_user)
    if cetpro is None:
        abort(403)
    return cetpro


def _own_placement(placement_id: int):
    """A placement of the coordinator's CETPRO; another CETPRO's does not exist here (404)."""
    placement = queries.placement_for(current_user, placement_id)
    if placement is None:
        abort(404)
    return placement


def _done(location: str, fragment: str | None, message: str, kind: str = "success", event: str | None = None,
          **context):
    """303 + flash without htmx; with htmx the fragment and a "notice" (announced by app.js)."""
    if not htmx.is_htmx():
        flash(message, kind)
    response = htmx.done(location, fragment, event="notice", detail={"message": message, "kind": kind}, **context)
    if event and htmx.is_htmx():
        htmx.trigger(response, event)
    return response


def _fill(form: PlacementForm, cetpro_id: int, q: str = "") -> None:
    found = queries.student_choices(cetpro_id, q)
    form.student_id.choices = [(0, "— Elige —")] + found
    if q.strip() and len(found) == 1:
        form.student_id.data = found[0][0]  # one match: chosen already
    form.department_code.choices = [("", "—")] + places.departments()


def _apply_errors(form, error: services.PlacementError) -> None:
    attach_errors(form, error.errors, str(error))


def _page_context(cetpro, form: PlacementForm | None = None) -> dict:
    filters = queries.Filters.from_args(request.args)
    if form is None:
        form = PlacementForm(formdata=None)
        _fill(form, cetpro.id)
    return {"cetpro": cetpro, "filters": filters, "page": queries.page(cetpro, filters), "form": form,
            "today": clock.today()}


@bp.route(INDEX_PATH)
@role_required("coordinator")
def index():
    """The CETPRO's placements with their follow-ups, filterable in place; the form for a new one."""
    cetpro = _cetpro()
    return htmx.render("placements/index.html", "placements/_list.html", **_page_context(cetpro))


@bp.route(INDEX_PATH + "/estudiantes")
@role_required("coordinator")
def student_options():
    """The "who" select narrowed by name or DNI (active search in the new-placement form)."""
    cetpro = _cetpro()
    form = PlacementForm(formdata=None)
    _fill(form, cetpro.id, request.args.get("buscar", ""))
    return htmx.render("placements/_student_select.html", form=form)


@bp.route(INDEX_PATH, methods=["POST"])
@role_required("coordinator")
def create():
    """Record a placement found outside the portal."""
    cetpro = _cetpro()
    form = PlacementForm()
    _fill(form, cetpro.id)
    if form.validate_on_submit():
        data = services.PlacementData(
            student_id=form.student_id.data or 0,
            employer_name=form.employer_name.data or "",
            employer_ruc=form.employer_ruc.data or "",
            job_title=form.job_title.data or "",
            kind=form.kind.data or "",
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            pay_min=form.pay_min.data,
            pay_max=form.pay_max.data,
            department_code=form.department_code.data or "",
        )
        try:
            placement, created = services.record_manual(current_user, data, form.evidence.data)
        except services.PlacementError as error:
            _apply_errors(form, error)
        else:
            name = placement.student.user.full_name
            message = (f"Registramos la colocación de {name} en {placement.employer_name}." if created
                       else f"Esa colocación de {name} ya estaba registrada.")
            fresh = PlacementForm(formdata=None)
            _fill(fresh, cetpro.id)
            return _done(INDEX_PATH, "placements/_form.html", message, event="placement-created", form=fresh)
    return htmx.render("placements/index.html", "placements/_form.html", status=422,
                       **_page_context(cetpro, form))


def _row_answer(placement, message: str, kind: str = "success", status: int = 200):
    if not htmx.is_htmx():
        flash(message, kind)
    response = htmx.done(url_for(".index"), "placements/_placement.html", status=status,
                         event="notice", detail={"message": message, "kind": kind},
                         row=queries.row_of(placement, clock.today()), today=clock.today(),
                         error=message if kind == "error" else None)
    return response


@bp.route(INDEX_PATH + "/<int:placement_id>/seguimientos/<int:months>", methods=["POST"])
@role_required("coordinator")
def answer(placement_id: int, months: int):
    """The coordinator records a follow-up's answer in place (once; a repeat changes nothing)."""
    placement = _own_placement(placement_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _row_answer(placement, " ".join(form.current_employer.errors) or "No pudimos leer la respuesta.",
                           "error", 422)
    try:
        follow_up, changed = services.answer_for(current_user, placement, months, form.answer.data or "",
                                                 form.current_employer.data)
    except services.PlacementError as error:
        return _row_answer(placement, str(error), "error", 422)
    name = placement.student.user.full_name
    label = vocab.FOLLOW_UP_ANSWERS[follow_up.answer]
    if changed:
        message = f"Seguimiento de {months} meses de {name}: {label.lower()}."
    else:
        message = f"Ya registramos la respuesta de este seguimiento: «{label}»."
    return _row_answer(placement, message)


@bp.route(INDEX_PATH + "/<int:placement_id>/convenio", methods=["POST"])
@role_required("coordinator")
def agreement(placement_id: int):
    """Signed and registered dates of an internship's convenio, in place."""
    placement = _own_placement(placement_id)
    form = AgreementForm()
    if not form.validate_on_submit():
        errors = [e for f in (form.signed_on, form.registered_on) for e in f.errors]
        return _row_answer(placement, " ".join(errors) or "No pudimos leer las fechas.", "error", 422)
    try:
        services.record_agreement(current_user, placement, form.signed_on.data, form.registered_on.data)
    except services.PlacementError as error:
        return _row_answer(placement, str(error), "error", 422)
    return _row_answer(placement, f"Guardamos el convenio de prácticas de {placement.student.user.full_name}.")


@bp.route(INDEX_PATH + "/<int:placement_id>/evidencia")
@role_required("coordinator", "admin")
def evidence(placement_id: int):
    """The evidence PDF: for the placement's CETPRO coordinators and admins only."""
    placement = _own_placement(placement_id)
    return send_stored(placement.evidence_path, f"Evidencia-colocacion-{placement.id}.pdf")


# --- The graduate's one-tap answer -------------------------------------------------------------


@bp.route("/seguimiento/<token>", methods=["GET", "POST"])
def follow_up(token: str):
    """"¿Sigues trabajando allí?" from the emailed link: no sign-in, the signed link is the key.

    Answering is a POST (three buttons), never the GET itself: mail scanners and link
    previews open links, and must not answer for the person.
    """
    row, problem = services.read_token(token)
    if row is None:
        status = 410 if problem == "expired" else 404
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html", status=status,
                           follow_up=None, problem=problem, form=AnswerForm(formdata=None), token=token)
    form = AnswerForm()
    if request.method == "GET":
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html",
                           follow_up=row, problem=None, form=AnswerForm(formdata=None), token=token)
    if not form.validate_on_submit():
        error = " ".join(form.current_employer.errors) or "No pudimos leer tu respuesta. Elige una de las tres opciones."
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html", status=422,
                           follow_up=row, problem=None, form=form, token=token, error=error)
    try:
        changed = services.answer(row, form.answer.data or "", form.current_employer.data, None)
    except services.PlacementError as error:
        return htmx.render("placements/follow_up.html", "placements/_follow_up.html", status=422,
                           follow_up=row, problem=None, form=form, token=token, error=str(error))
    message = "¡Gracias! Registramos tu respuesta." if changed else "Ya registramos tu respuesta. ¡Gracias!"
    return _done(url_for(".follow_up", token=token), "placements/_follow_up.html", message,
                 follow_up=row, problem=None, form=AnswerForm(formdata=None), token=token, thanks=message)
