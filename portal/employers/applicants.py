"""The employer's applicants (/empresa/ofertas/<id>/postulantes, /empresa/postulaciones/<id>):
the pipeline of one opening, one applicant in full, moves (one or many) and private notes."""
from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import htmx, vocab
from portal.access import one_or_404, openings_managed_by, role_required
from portal.applications import queries, services, states
from portal.applications.forms import BulkForm, MoveForm, NotesForm
from portal.certificates import queries as certificates
from portal.employers import bp
from portal.extensions import db
from portal.interviews import queries as interview_queries
from portal.models import Opening
from portal.placements import services as placements
from portal.redirects import safe_target


def _owned_opening(opening_id: int) -> Opening:
    return one_or_404(openings_managed_by(current_user).where(Opening.id == opening_id))


def _state_filter() -> str | None:
    state = request.args.get("estado", "")
    return state if state in vocab.APPLICATION_STATES else None


def _pipeline_context(opening: Opening, state: str | None) -> dict:
    applications = queries.pipeline(opening, state)
    return {
        "opening": opening,
        "current": state,
        # Unfiltered, the list holds every application: their states are the counts.
        "counts": queries.state_counts(opening) if state else dict(Counter(a.state for a in applications)),
        "applications": applications,
        # Certified or declared, for each applicant's modules.
        "certs": certificates.by_student(a.student_id for a in applications),
        "required": queries.required_module_ids(opening),
        "move_form": MoveForm(),
        "next_step": states.NEXT_STEP,
        "interviews_now": interview_queries.current_by_application(a.id for a in applications),
    }


@bp.route("/ofertas/<int:opening_id>/postulantes")
@role_required("employer", "admin")
def pipeline(opening_id: int):
    """Applicants of one opening, filtered by state, each movable in place."""
    opening = _owned_opening(opening_id)
    return htmx.render("applications/pipeline.html", "applications/_pipeline.html",
                       **_pipeline_context(opening, _state_filter()))


@bp.route("/postulaciones/<int:application_id>")
@role_required("employer", "admin")
def application(application_id: int):
    """One applicant in full; opening it tells the student it was seen."""
    application = queries.for_employer(current_user, application_id)
    if application is None:
        abort(404)
    if current_user.role == "employer":
        services.mark_viewed(application)
    return htmx.render("applications/show.html", **show_context(application),
                       interviews=interview_queries.of_application(application))


def show_context(application) -> dict:
    """What the applicant's page shows besides its interviews (portal/employers/interviews.py
    renders it again with a refused interview step)."""
    return {"application": application, "opening": application.opening,
            "required": queries.required_module_ids(application.opening), "move_form": MoveForm(),
            "notes_form": NotesForm(notes=application.employer_notes), "next_step": states.NEXT_STEP,
            "certs": certificates.by_student([application.student_id])}


def _row_answer(application, status: int = 200, message: str | None = None, error: str | None = None,
                field_error: str | None = None):
    opening = application.opening
    location = safe_target(request.form.get("back")) or url_for(".pipeline", opening_id=opening.id)
    # Moved from the applicant's own page (its forms say so in `back`): no bulk checkbox there.
    bulk = location != url_for(".application", application_id=application.id)
    return htmx.done(location, "applications/_moved.html", message=error or message,
                     kind="error" if error else "success", status=status, event="notifications-changed",
                     bulk=bulk, application=application, opening=opening, counts=queries.state_counts(opening),
                     required=queries.required_module_ids(opening), move_form=MoveForm(),
                     next_step=states.NEXT_STEP, error=error or field_error, current=None,
                     certs=certificates.by_student([application.student_id]),
                     interview=interview_queries.current_by_application([application.id]).get(application.id))


@bp.route("/postulaciones/<int:application_id>/estado", methods=["POST"])
@role_required("employer")
def move_applicant(application_id: int):
    """Move one applicant; a stale or illegal move answers 409 with the current state."""
    application = queries.for_employer(current_user, application_id)
    if application is None:
        abort(404)
    form = MoveForm()
    to_state = form.to_state.data or ""
    if not form.validate_on_submit() or to_state not in vocab.APPLICATION_STATES:
        return _row_answer(application, 422, error="No pudimos leer el cambio pedido. Recarga la página.")
    change = services.Move(to_state, form.version.data, form.reason.data or None, form.note.data,
                           form.start_date.data)
    try:
        placements.move(current_user, application, change)
    except (services.StaleApplication, services.IllegalTransition) as error:
        db.session.refresh(error.application)
        return _row_answer(error.application, 409, error=str(error))
    except services.ApplicationError as error:
        return _row_answer(application, 422, error=str(error))
    name = application.student.user.full_name
    return _row_answer(application, message=f"{name}: {vocab.APPLICATION_STATES[to_state]}.")


@bp.route("/ofertas/<int:opening_id>/postulantes/lote", methods=["POST"])
@role_required("employer")
def move_applicants(opening_id: int):
    """Move several applicants at once; each one is checked against the table."""
    opening = _owned_opening(opening_id)
    form = BulkForm()
    to_state = form.to_state.data or request.form.get("to_state", "")
    location = url_for(".pipeline", opening_id=opening.id, estado=_state_filter())
    if not form.validate_on_submit() or to_state not in ("in_review", "finalist", "rejected") \
            or not form.application_ids.data:
        message, kind, status = "Marca al menos un postulante y elige a qué estado pasarlos.", "error", 422
    else:
        moved, refused = placements.move_many(
            current_user, opening, form.application_ids.data,
            services.Move(to_state, None, form.reason.data or None, form.note.data, None))
        message = f"{len(moved)} {'postulante pasó' if len(moved) == 1 else 'postulantes pasaron'} a «{vocab.APPLICATION_STATES[to_state]}»."
        if refused:
            message += f" {len(refused)} no: " + "; ".join(
                f"{a.student.user.full_name} ({e})" for a, e in refused[:3])
        kind, status = ("success" if moved else "error"), 200 if moved else 409
    return htmx.done(location, "applications/_pipeline.html", message=message, kind=kind, status=status,
                     **_pipeline_context(opening, _state_filter()))


@bp.route("/postulaciones/<int:application_id>/notas", methods=["POST"])
@role_required("employer")
def notes(application_id: int):
    """Private notes on an applicant."""
    application = queries.for_employer(current_user, application_id)
    if application is None:
        abort(404)
    form = NotesForm()
    location = url_for(".application", application_id=application.id)
    if not form.validate_on_submit():
        flash(" ".join(form.notes.errors) or "No pudimos guardar la nota.", "error")
        return redirect(location, code=303)
    services.save_notes(current_user, application, form.notes.data)
    return htmx.done(location, "applications/_notes.html", message="Nota guardada.", application=application,
                     notes_form=NotesForm(notes=application.employer_notes))
