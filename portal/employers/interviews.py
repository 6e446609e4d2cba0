"""The employer's interviews: propose one from an applicant's page, reschedule, cancel,
record whether the student came, and the week's interviews (/empresa/entrevistas)."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.applications import queries as application_queries
from portal.employers import bp
from portal.employers.applicants import show_context
from portal.interviews import queries, services
from portal.models import Interview


def _proposal() -> services.Proposal:
    form = request.form
    return services.Proposal(
        mode=form.get("mode", ""), place=form.get("place", ""), note=form.get("note", ""),
        slots=[services.SlotInput(form.get(f"slot{n}_day", ""), form.get(f"slot{n}_start", ""),
                                  form.get(f"slot{n}_end", "")) for n in range(1, services.MAX_SLOTS + 1)])


def _section(application, status: int = 200, message: str | None = None, error: str | None = None,
             field: str | None = None, typed: dict | None = None, target: int | None = None):
    """The answer of a step taken on the applicant's page: its interviews section (htmx), the
    page again with the error (no JavaScript, a refused step), or a 303 back to it."""
    location = url_for(".application", application_id=application.id) + "#entrevistas"
    context = {"application": application, "interviews": queries.of_application(application),
               "interview_error": error, "interview_field": field, "typed": typed or {}, "error_for": target}
    if error and not htmx.is_htmx():
        return htmx.render("applications/show.html", status=status, **(show_context(application) | context))
    return htmx.done(location, "interviews/_employer.html", message=error or message,
                     kind="error" if error else "success", status=status, event="notifications-changed", **context)


def _owned(interview_id: int) -> Interview:
    interview = queries.for_employer(current_user, interview_id)
    if interview is None or current_user.role != "employer":
        abort(404)
    return interview


@bp.route("/postulaciones/<int:application_id>/entrevista", methods=["POST"])
@role_required("employer")
def propose_interview(application_id: int):
    """Propose one to three slots to an applicant in review or finalist."""
    application = application_queries.for_employer(current_user, application_id)
    if application is None:
        abort(404)
    try:
        services.propose(current_user, application, _proposal())
    except services.InterviewError as error:
        return _section(application, 422, error=str(error), field=error.field, typed=request.form.to_dict())
    return _section(application, message="Entrevista propuesta: le avisamos por correo con los horarios.")


@bp.route("/entrevistas/<int:interview_id>/reprogramar", methods=["POST"])
@role_required("employer")
def reschedule_interview(interview_id: int):
    """New slots for the same interview; the student picks again."""
    interview = _owned(interview_id)
    try:
        services.reschedule(current_user, interview, _proposal())
    except services.InterviewError as error:
        return _section(interview.application, 422, error=str(error), field=error.field,
                        typed=request.form.to_dict(), target=interview.id)
    return _section(interview.application, message="Entrevista reprogramada: le enviamos los nuevos horarios.")


@bp.route("/entrevistas/<int:interview_id>/cancelar", methods=["POST"])
@role_required("employer")
def cancel_interview(interview_id: int):
    """Call an interview off, with the reason she will read."""
    interview = _owned(interview_id)
    try:
        services.cancel(current_user, interview, request.form.get("reason", ""))
    except services.InterviewError as error:
        return _section(interview.application, 422, error=str(error), field=error.field,
                        typed=request.form.to_dict(), target=interview.id)
    return _section(interview.application, message="Entrevista cancelada: le avisamos con el motivo.")


@bp.route("/entrevistas/<int:interview_id>/asistencia", methods=["POST"])
@role_required("employer")
def interview_attendance(interview_id: int):
    """After the interview: whether the student came (only the company sees it)."""
    interview = _owned(interview_id)
    answer = request.form.get("attended", "")
    from_week = request.form.get("from") == "semana"
    try:
        if answer not in ("si", "no"):
            raise services.InterviewError("Elige si la persona vino o no.", "attended")
        services.record_attendance(current_user, interview, answer == "si")
    except services.InterviewError as error:
        if from_week:
            monday = queries.week_start(request.form.get("semana"))
            return htmx.done(url_for(".interviews_week", semana=monday.isoformat()), "interviews/_week_row.html",
                             message=str(error), kind="error", status=422, interview=interview, monday=monday)
        return _section(interview.application, 422, error=str(error), field=error.field, target=interview.id)
    message = "Asistencia registrada: vino." if interview.attended else "Asistencia registrada: no vino."
    if from_week:
        monday = queries.week_start(request.form.get("semana"))
        return htmx.done(url_for(".interviews_week", semana=monday.isoformat()), "interviews/_week_row.html",
                         message=message, interview=interview, monday=monday)
    return _section(interview.application, message=message)


@bp.route("/entrevistas")
@role_required("employer")
def interviews_week():
    """The company's interviews of one week (?semana=any day of it), Monday to Sunday in Lima."""
    monday = queries.week_start(request.args.get("semana"))
    week = queries.week(current_user, monday)
    context = {"monday": monday, "sunday": monday + timedelta(days=6),
               "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
               "interviews": week, "waiting": queries.waiting(current_user),
               "to_record": [i for i in queries.to_record(current_user) if i not in week]}
    return htmx.render("interviews/week.html", "interviews/_week.html", **context)


