"""The coordinator's placements (/coordinador/colocaciones): the list with follow-ups, a
manual placement, answers and the convenio checklist in place, the evidence PDF."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import clock, htmx, places, vocab
from portal.access import current_cetpro, role_required
from portal.coordinators import bp
from portal.forms import attach_errors, options
from portal.placements import queries, services
from portal.placements.forms import AgreementForm, AnswerForm, PlacementForm
from portal.uploads import send_stored


def _own_placement(placement_id: int):
    """A placement of the coordinator's CETPRO; another CETPRO's does not exist here (404)."""
    placement = queries.placement_for(current_user, placement_id)
    if placement is None:
        abort(404)
    return placement


def _fill(form: PlacementForm, cetpro_id: int, q: str = "") -> None:
    found = queries.student_choices(cetpro_id, q)
    form.student_id.choices = options(found, first=(0, "— Elige —"))
    if q.strip() and len(found) == 1:
        form.student_id.data = found[0][0]  # one match: chosen already
    form.department_code.choices = options(places.departments(), first=("", "—"))


def _apply_errors(form, error: services.PlacementError) -> None:
    attach_errors(form, error.errors, str(error))


def _page_context(cetpro, form: PlacementForm | None = None) -> dict:
    filters = queries.Filters.from_args(request.args)
    if form is None:
        form = PlacementForm(formdata=None)
        _fill(form, cetpro.id)
    return {"cetpro": cetpro, "filters": filters, "page": queries.page(cetpro, filters), "form": form,
            "today": clock.today()}


@bp.route("/colocaciones")
@role_required("coordinator")
def placements():
    """The CETPRO's placements with their follow-ups, filterable in place; the form for a new one."""
    cetpro = current_cetpro()
    return htmx.render("placements/index.html", "placements/_list.html", **_page_context(cetpro))


@bp.route("/colocaciones/estudiantes")
@role_required("coordinator")
def placement_students():
    """The "who" select narrowed by name or DNI (active search in the new-placement form)."""
    cetpro = current_cetpro()
    form = PlacementForm(formdata=None)
    _fill(form, cetpro.id, request.args.get("buscar", ""))
    return htmx.render("placements/_student_select.html", form=form)


@bp.route("/colocaciones", methods=["POST"])
@role_required("coordinator")
def record_placement():
    """Record a placement found outside the portal."""
    cetpro = current_cetpro()
    form = PlacementForm()
    _fill(form, cetpro.id)
    if form.validate_on_submit():
        data = services.PlacementData(
            student_id=form.student_id.data or 0,
            employer_name=form.employer_name.data or "",
            employer_ruc=form.employer_ruc.data or "",
            job_title=form.job_title.data or "",
            kind=form.kind.data or "",
            outcome=form.outcome.data or "",
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
            message = (f"Registramos la colocación de {name} en {placement.employer_display_name}." if created
                       else f"Esa colocación de {name} ya estaba registrada.")
            fresh = PlacementForm(formdata=None)
            _fill(fresh, cetpro.id)
            return htmx.done(url_for(".placements"), "placements/_form.html", message=message, event="placement-created", form=fresh)
    return htmx.render("placements/index.html", "placements/_form.html", status=422,
                       **_page_context(cetpro, form))


def _row_answer(placement, message: str, kind: str = "success", status: int = 200):
    return htmx.done(url_for(".placements"), "placements/_placement.html", message=message, kind=kind, status=status,
                     row=queries.row_of(placement, clock.today()), today=clock.today(),
                     error=message if kind == "error" else None)


@bp.route("/colocaciones/<int:placement_id>/seguimientos/<int:months>", methods=["POST"])
@role_required("coordinator")
def answer_follow_up(placement_id: int, months: int):
    """The coordinator records a follow-up's answer in place (once; a repeat changes nothing)."""
    placement = _own_placement(placement_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _row_answer(placement, " ".join(form.current_employer.errors) or "No pudimos leer la respuesta.",
                           "error", 422)
    try:
        follow_up, changed = services.answer_for(current_user, placement, months, form.answer.data or "",
                                                 form.current_employer.data, outcome=form.outcome.data or "")
    except services.PlacementError as error:
        return _row_answer(placement, str(error), "error", 422)
    name = placement.student.user.full_name
    label = vocab.FOLLOW_UP_ANSWERS[follow_up.answer]
    if changed:
        message = (f"Seguimiento de {months} meses de {name}: {label.lower()} "
                   f"({vocab.PLACEMENT_OUTCOMES[follow_up.outcome].lower()}).")
    else:
        message = f"Ya registramos la respuesta de este seguimiento: «{label}»."
    return _row_answer(placement, message)


@bp.route("/colocaciones/<int:placement_id>/convenio", methods=["POST"])
@role_required("coordinator")
def record_agreement(placement_id: int):
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


@bp.route("/colocaciones/<int:placement_id>/evidencia")
@role_required("coordinator", "admin")
def placement_evidence(placement_id: int):
    """The evidence PDF: for the placement's CETPRO coordinators and admins only."""
    placement = _own_placement(placement_id)
    return send_stored(placement.evidence_path, f"Evidencia-colocacion-{placement.id}.pdf")
