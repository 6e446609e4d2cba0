"""The student's pages (/estudiante/…): dashboard, profile and CV, applications and
"Ofertas para ti"; assembled from the profiles, applications and matching features."""
from __future__ import annotations

from dataclasses import asdict
from urllib.parse import parse_qsl

from flask import Blueprint, abort, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from portal import htmx
from portal.access import role_required
from portal.alerts import queries as alert_queries
from portal.alerts import services as alert_services
from portal.applications import queries as application_queries
from portal.certificates import queries as certificates
from portal.extensions import db
from portal.forms import attach_errors
from portal.interviews import queries as interview_queries
from portal.interviews import services as interview_services
from portal.matching import recommendations
from portal.models import StudentProfile
from portal.profiles import cv_details, generated_cv, queries, services
from portal.profiles.forms import CvForm, CvPreferencesForm, ExperienceForm, ProfileForm
from portal.profiles.views import generated_cv_response
from portal.uploads import UploadError, send_stored

bp = Blueprint("students", __name__, url_prefix="/estudiante")

def _own_profile() -> StudentProfile:
    profile = queries.profile_of(current_user)
    if profile is None:
        abort(404)
    return profile


def _fill_choices(form: ProfileForm, profile: StudentProfile) -> None:
    """The catalogue's live choices, plus what the student already holds (retired or not)."""
    form.programme_id.choices = [SelectChoice(0, "Elige tu programa")] + [
        SelectChoice(id_, name, optgroup=family)
        for family, programmes in queries.programme_choices(keep=profile.programme_id)
        for id_, name in programmes
    ]
    form.module_ids.choices = [SelectChoice(m.id, m.name) for m in queries.programme_modules(
        form.programme_id.data, keep=[m.id for m in profile.modules])]


def _profile_data(form: ProfileForm) -> services.ProfileData:
    return services.ProfileData(
        programme_id=form.programme_id.data or 0,
        level=form.level.data or "",
        status=form.status.data or "",
        graduation_date=form.graduation_date.data,
        module_ids=list(form.module_ids.data or []),
        skills=form.skills.data or "",
        department_code=form.department_code.data or "",
        province_code=form.province_code.data or "",
        district_code=form.district_code.data or "",
        phone=form.phone.data or "",
        availability=form.availability.data or "",
        open_to_offers=bool(form.open_to_offers.data),
        sex=form.sex.data or "",
    )


def _saved_form(profile: StudentProfile) -> ProfileForm:
    form = ProfileForm(formdata=None, data=asdict(services.data_of(profile)))
    _fill_choices(form, profile)
    return form


def _context(profile: StudentProfile, form: ProfileForm | None = None, cv_form: CvForm | None = None) -> dict:
    return {
        "profile": profile,
        "form": form or _saved_form(profile),
        "cv_form": cv_form or CvForm(formdata=None),
        "missing": queries.missing(profile),
        "certificates": certificates.of_student(profile.id),
        "declared": list(profile.modules),
    }


@bp.route("")
@role_required("student")
def dashboard():
    """The student's profile state and applications at a glance."""
    profile = _own_profile()
    return htmx.render("students/dashboard.html", profile=profile,
                       counts=queries.application_counts(profile), missing=queries.missing(profile),
                       initial_alert=alert_queries.initial_alert(profile),
                       interviews=interview_queries.of_student(current_user),
                       certified=len(certificates.certified_module_ids(profile.id)),
                       shows_generated=generated_cv.shows_generated(profile))


@bp.route("/perfil", methods=["GET", "POST"])
@role_required("student")
def profile():
    """Edit the trade profile: programme, status, modules, skills, place, contact."""
    profile = _own_profile()
    if request.method == "GET":
        return htmx.render("students/profile.html", "students/_profile_form.html", **_context(profile))
    form = ProfileForm()
    _fill_choices(form, profile)
    if form.validate_on_submit():
        decided = profile.verification_state != "pending"
        try:
            changed = services.update_profile(profile, current_user, _profile_data(form))
        except services.ProfileError as error:
            for name, message in error.errors.items():
                getattr(form, name).errors = list(getattr(form, name).errors) + [message]
        else:
            if not changed:
                message = "No había cambios que guardar."
            elif decided and profile.verification_state == "pending":
                message = ("Guardamos tu perfil. Como cambiaste tu programa o tu situación, tu CETPRO volverá "
                           "a verificar tu cuenta; le avisamos y te contaremos cuando lo haga.")
            else:
                message = "Guardamos tu perfil."
            return htmx.done(url_for(".profile"), "students/_profile_saved.html", message=message, **_context(profile))
    return htmx.render("students/profile.html", "students/_profile_form.html", status=422,
                       **_context(profile, form=form))


@bp.route("/perfil/modulos")
@role_required("student")
def module_fields():
    """The certified-module checkboxes of the chosen programme (htmx swaps them into the form);
    ticks that belong to another programme are dropped."""
    form = ProfileForm(formdata=request.args, meta={"csrf": False})
    _fill_choices(form, _own_profile())
    offered = {choice.value for choice in form.module_ids.choices}
    form.module_ids.data = [m for m in (form.module_ids.data or []) if m in offered]
    return htmx.render("students/_modules.html", form=form)


@bp.route("/cv", methods=["POST"])
@role_required("student")
def upload_cv():
    """Upload or replace the CV (a PDF by content, ≤ 2 MB); a refused file keeps the old CV."""
    profile = _own_profile()
    cv_form = CvForm()
    if cv_form.validate_on_submit():
        try:
            services.replace_cv(profile, current_user, cv_form.cv.data)
        except UploadError as error:
            cv_form.cv.errors = [str(error)]
        else:
            return htmx.done(url_for(".profile"), "students/_cv_saved.html", message="Subimos tu CV.", **_context(profile))
    return htmx.render("students/profile.html", "students/_cv.html", status=422,
                       **_context(profile, cv_form=cv_form))


@bp.route("/cv/quitar", methods=["POST"])
@role_required("student")
def remove_cv():
    """Remove the CV and its file."""
    profile = _own_profile()
    removed = services.remove_cv(profile, current_user)
    message = "Quitamos tu CV." if removed else "No tenías un CV subido."
    return htmx.done(url_for(".profile"), "students/_cv_saved.html", message=message, **_context(profile))


@bp.route("/cv")
@role_required("student")
def own_cv():
    """The signed-in student's own CV."""
    profile = _own_profile()
    return send_stored(profile.cv_path, queries.cv_name(profile))


@bp.route("/postulaciones")
@role_required("student")
def applications():
    """Every application of the student, with its state in Spanish and when it changed."""
    interviews = {}
    for interview in interview_queries.of_student(current_user):
        interviews.setdefault(interview.application_id, interview)
    return htmx.render("applications/mine.html", "applications/_mine.html", interviews=interviews,
                       applications=application_queries.student_applications(current_user))


@bp.route("/recomendadas")
@role_required("student")
def recommended():
    """Openings ranked for the student, with the reasons in their words and what is missing."""
    profile = _own_profile()
    found = recommendations.for_student(profile)
    return htmx.render("matching/for_student.html", "matching/_for_student.html",
                       ranked=found.ranked, applied_to_all=found.applied_to_all, profile=profile)


# --- Job alerts (portal/alerts/) -----------------------------------------------------------


def _alert_rows(profile: StudentProfile) -> list[dict]:
    return [{"alert": alert, "label": alert_services.label(alert), "matching": alert_queries.matching_now(alert),
             "args": alert_services.search_args(alert)} for alert in alert_queries.alerts_of(profile)]


def _render_alerts(profile: StudentProfile, status: int = 200, **context):
    return htmx.render("students/alerts.html", "students/_alerts.html", status=status,
                       rows=_alert_rows(profile), **context)


def _own_alert(profile: StudentProfile, alert_id: int):
    alert = alert_queries.alert_of(profile, alert_id)
    if alert is None:
        abort(404)
    return alert


@bp.route("/alertas")
@role_required("student")
def alerts():
    """Her job alerts: each one's search, frequency, when it last sent and what it finds now."""
    return _render_alerts(_own_profile())


def _saved_search():
    """The search to save: the /ofertas form as it is now (htmx includes it), else the
    query string the page was rendered with (without JavaScript)."""
    if "q" in request.form:
        return request.form
    return MultiDict(parse_qsl(request.form.get("busqueda", "")))


@bp.route("/alertas", methods=["POST"])
@role_required("student")
def save_alert():
    """Save the current /ofertas search as an alert ("Avísame de nuevas ofertas así")."""
    profile = _own_profile()
    search = _saved_search()
    args = alert_services.query_args(search)
    back, query = url_for("openings.index", **args), alert_services.query_of(alert_services.filters_from(args))
    try:
        alert, created = alert_services.save(profile, search, request.form.get("frecuencia", ""))
    except alert_services.AlertError as error:
        db.session.rollback()
        return htmx.done(back, "students/_alert_save.html", message=str(error), kind="error", status=422,
                         error=str(error), search_query=query)
    db.session.commit()
    message = ("Guardamos tu alerta: te avisaremos de nuevas ofertas así." if created else
               "Ya tenías esta búsqueda como alerta: la actualizamos.")
    return htmx.done(back, "students/_alert_save.html", message=message, alert=alert, search_query=query)


@bp.route("/alertas/<int:alert_id>", methods=["POST"])
@role_required("student")
def update_alert(alert_id: int):
    """Change an alert's frequency, pause or resume it, or delete it (the button pressed)."""
    profile = _own_profile()
    alert = _own_alert(profile, alert_id)
    action = request.form.get("accion", "")
    try:
        if action == "frecuencia":
            alert_services.set_frequency(alert, request.form.get("frecuencia", ""))
            message = "Cambiamos cada cuánto recibes esta alerta."
        elif action == "pausar":
            alert_services.set_paused(alert, True)
            message = "Pausamos la alerta: no te enviaremos nada hasta que la reanudes."
        elif action == "reanudar":
            alert_services.set_paused(alert, False)
            message = "Reanudamos la alerta."
        elif action == "borrar":
            alert_services.delete(alert)
            message = "Borramos la alerta."
        else:
            raise alert_services.AlertError("No entendimos qué quieres hacer con la alerta. No cambiamos nada.")
    except alert_services.AlertError as error:
        db.session.rollback()
        return htmx.done(url_for(".alerts"), "students/_alerts.html", message=str(error), kind="error",
                         status=422, rows=_alert_rows(profile))
    db.session.commit()
    return htmx.done(url_for(".alerts"), "students/_alerts.html", message=message, rows=_alert_rows(profile))


# --- Her interviews: pick a slot or ask for another time (portal/interviews) -----------------


def _own_interview(interview_id: int):
    interview = interview_queries.for_student(current_user, interview_id)
    if interview is None:
        abort(404)
    return interview


@bp.route("/entrevistas/<int:interview_id>")
@role_required("student")
def interview(interview_id: int):
    """One interview: when and where, the slots to pick from, or asking for another time."""
    return htmx.render("interviews/student.html", "interviews/_student.html", interview=_own_interview(interview_id))


def _interview_answer(interview, message: str | None = None, error: str | None = None, field: str | None = None):
    location = url_for(".interview", interview_id=interview.id)
    if error and not htmx.is_htmx():
        return htmx.render("interviews/student.html", status=422, interview=interview, error=error, field=field,
                           typed=request.form.to_dict())
    return htmx.done(location, "interviews/_student.html", message=error or message,
                     kind="error" if error else "success", status=422 if error else 200,
                     event="notifications-changed", interview=interview, error=error, field=field,
                     typed=request.form.to_dict() if error else {})


@bp.route("/entrevistas/<int:interview_id>/elegir", methods=["POST"])
@role_required("student")
def pick_interview(interview_id: int):
    """She takes one of the proposed slots: the interview is confirmed for both sides."""
    interview = _own_interview(interview_id)
    try:
        slot_id = int(request.form.get("slot", ""))
    except ValueError:
        slot_id = None
    try:
        interview_services.pick(_own_profile(), interview, slot_id)
    except interview_services.InterviewError as error:
        return _interview_answer(interview, error=str(error), field=error.field)
    return _interview_answer(interview, message="¡Listo! Entrevista confirmada; te enviamos la invitación por correo.")


@bp.route("/entrevistas/<int:interview_id>/otro-horario", methods=["POST"])
@role_required("student")
def ask_interview_time(interview_id: int):
    """None of the slots suits her: she tells the company when she can."""
    interview = _own_interview(interview_id)
    try:
        interview_services.ask_other_time(_own_profile(), interview, request.form.get("message", ""))
    except interview_services.InterviewError as error:
        return _interview_answer(interview, error=str(error), field=error.field)
    return _interview_answer(interview, message="Le pedimos a la empresa otro horario; te avisaremos.")


# --- The CV generated from the profile (portal/profiles/generated_cv.py) --------------------


def _experience_data(form: ExperienceForm) -> cv_details.ExperienceData:
    return cv_details.ExperienceData(kind=form.kind.data or "", role=form.role.data or "",
                                     employer=form.employer.data or "", start_date=form.start_date.data,
                                     end_date=form.end_date.data, description=form.description.data or "")


def _cv_context(profile: StudentProfile, add_form: ExperienceForm | None = None,
                edited: ExperienceForm | None = None, editing: int | None = None,
                prefs_form: CvPreferencesForm | None = None) -> dict:
    experiences = generated_cv.experiences_of(profile)
    edit_forms = {e.id: ExperienceForm(formdata=None, obj=e, prefix=f"e{e.id}") for e in experiences}
    if edited is not None and editing in edit_forms:
        edit_forms[editing] = edited
    return {
        "profile": profile,
        "cv": generated_cv.build(profile),
        "experiences": experiences,
        "edit_forms": edit_forms,
        "editing": editing,
        "add_form": add_form or ExperienceForm(formdata=None, prefix="nueva"),
        "prefs_form": prefs_form or CvPreferencesForm(formdata=None, obj=generated_cv.preferences_of(profile)),
        "shows_generated": generated_cv.shows_generated(profile),
    }


def _cv_done(profile: StudentProfile, message: str):
    return htmx.done(url_for(".generated_cv_page"), "students/_cv_generated.html", message=message,
                     **_cv_context(profile))


def _cv_refused(profile: StudentProfile, **context):
    return htmx.render("students/cv.html", "students/_cv_generated.html", status=422,
                       **_cv_context(profile, **context))


@bp.route("/cv/generado")
@role_required("student")
def generated_cv_page():
    """Her CV made from the profile, printable, with what she adds to it and what it shows."""
    return htmx.render("students/cv.html", "students/_cv_generated.html", **_cv_context(_own_profile()))


@bp.route("/cv/generado.pdf")
@role_required("student")
def generated_cv_pdf():
    """The generated CV as a PDF (drawn once per content; ETag = its digest)."""
    profile = _own_profile()
    return generated_cv_response(profile, queries.cv_name(profile))


@bp.route("/cv/experiencias", methods=["POST"])
@role_required("student")
def add_cv_experience():
    """Add a job, práctica or self-employment to the generated CV."""
    profile = _own_profile()
    form = ExperienceForm(prefix="nueva")
    if form.validate():
        try:
            cv_details.add_experience(profile, current_user, _experience_data(form))
        except services.ProfileError as error:
            db.session.rollback()
            attach_errors(form, error.errors, str(error))
        else:
            return _cv_done(profile, "Agregamos la experiencia a tu CV.")
    return _cv_refused(profile, add_form=form)


def _own_experience(profile: StudentProfile, experience_id: int):
    experience = cv_details.experience_of(profile, experience_id)
    if experience is None:
        abort(404)
    return experience


@bp.route("/cv/experiencias/<int:experience_id>", methods=["POST"])
@role_required("student")
def update_cv_experience(experience_id: int):
    """Edit one of the experiences she added."""
    profile = _own_profile()
    experience = _own_experience(profile, experience_id)
    form = ExperienceForm(prefix=f"e{experience.id}")
    if form.validate():
        try:
            changed = cv_details.update_experience(profile, current_user, experience, _experience_data(form))
        except services.ProfileError as error:
            db.session.rollback()
            attach_errors(form, error.errors, str(error))
        else:
            return _cv_done(profile, "Guardamos la experiencia." if changed else "No había cambios que guardar.")
    return _cv_refused(profile, edited=form, editing=experience.id)


@bp.route("/cv/experiencias/<int:experience_id>/quitar", methods=["POST"])
@role_required("student")
def remove_cv_experience(experience_id: int):
    """Remove one of the experiences she added (the portal's placements are not hers to remove)."""
    profile = _own_profile()
    cv_details.remove_experience(profile, current_user, _own_experience(profile, experience_id))
    return _cv_done(profile, "Quitamos la experiencia de tu CV.")


@bp.route("/cv/preferencias", methods=["POST"])
@role_required("student")
def cv_preferences():
    """Which contact details the generated CV shows, and which CV employers see."""
    profile = _own_profile()
    form = CvPreferencesForm()
    if form.validate_on_submit():
        try:
            changed = cv_details.set_preferences(profile, current_user, form.show_email.data, form.show_phone.data,
                                                 form.shown.data or "")
        except services.ProfileError as error:
            db.session.rollback()
            attach_errors(form, error.errors, str(error))
        else:
            return _cv_done(profile, "Guardamos qué muestra tu CV." if changed else "No había cambios que guardar.")
    return _cv_refused(profile, prefs_form=form)
