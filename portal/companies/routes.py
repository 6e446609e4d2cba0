"""Company profile, team and verification queues."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, session, url_for
from flask_login import current_user, login_user

from portal import htmx
from portal.access import company_of, one_or_404, role_required
from portal.accounts import rules
from portal.companies import errors, queries, verification
from portal.companies import profile as profile_services
from portal.companies import team as team_services
from portal.companies.forms import DecisionForm, InviteForm, JoinForm, ProfileForm
from portal.extensions import limiter
from portal.forms import attach_errors
from portal.models import Company

bp = Blueprint("companies", __name__)


def _done(location: str, fragment: str | None, message: str, kind: str = "success", **context):
    """303 + flash without htmx; with htmx the fragment and a "notice" event (announced by app.js)."""
    if not htmx.is_htmx():
        flash(message, kind)
    return htmx.done(location, fragment, event="notice", detail={"message": message, "kind": kind}, **context)


def _apply_errors(form, error: errors.CompanyError) -> None:
    attach_errors(form, error.errors, str(error))


def _own_company() -> Company:
    """The signed-in employer's company; a pending member has none yet (→ its dashboard says why)."""
    company = company_of(current_user)
    if company is None:
        abort(redirect(url_for("employers.dashboard")))
    return company


# --- Profile ------------------------------------------------------------------------------


def _profile_data(form: ProfileForm) -> profile_services.ProfileData:
    return profile_services.ProfileData(**{name: getattr(form, name).data or "" for name in (
        "legal_name", "trade_name", "sector", "department_code", "province_code", "district_code",
        "address", "website", "phone", "description")})


@bp.route("/empresa/perfil", methods=["GET", "POST"])
@role_required("employer")
def profile():
    """Edit the company's public profile (the RUC stays as registered)."""
    company = _own_company()
    form = ProfileForm(obj=company) if request.method == "GET" else ProfileForm()
    status = 200
    if form.validate_on_submit():
        try:
            requeued = profile_services.update_profile(company, current_user, _profile_data(form),
                                               logo=form.logo.data, remove_logo=form.remove_logo.data)
        except errors.NotAllowed:
            abort(404)
        except errors.CompanyError as error:
            _apply_errors(form, error)
            status = 422
        else:
            message = "Guardamos el perfil de la empresa."
            if requeued:
                message += " Tu empresa volvió a la cola de verificación."
            return _done(url_for(".profile"), "companies/_profile_form.html", message,
                         form=ProfileForm(formdata=None, obj=company), company=company)
    elif request.method == "POST":
        status = 422
    return htmx.render("companies/profile.html", "companies/_profile_form.html", status=status,
                       form=form, company=company)


@bp.route("/empresas/<int:company_id>/logo")
def logo(company_id: int):
    """A company's logo (public, like its name); only the file its profile points to."""
    company = queries.company(company_id)
    located = profile_services.logo_file(company) if company else None
    if located is None:
        abort(404)
    path, mimetype = located
    # Public like the company's name; the URL carries a version, so caches may keep it.
    return send_file(path, mimetype=mimetype, max_age=86400)


# --- Team ---------------------------------------------------------------------------------


def _team_context(company: Company, form: InviteForm | None = None) -> dict:
    return {
        "company": company,
        "members": queries.members(company, "active"),
        "requests": queries.members(company, "pending"),
        "form": form or InviteForm(formdata=None),
        "invite_days": team_services.invite_max_age() // 86400,
    }


@bp.route("/empresa/equipo")
@role_required("employer")
def team():
    """Who acts for the company, who asked to join, and an invitation by email."""
    return htmx.render("companies/team.html", **_team_context(_own_company()))


@bp.route("/empresa/equipo/invitar", methods=["POST"])
@role_required("employer")
@limiter.limit("30 per hour")
def invite():
    """Email a colleague a link to join the company."""
    company = _own_company()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            team_services.invite(company, current_user, form.email.data)
        except errors.NotAllowed:
            abort(404)
        except errors.CompanyError as error:
            _apply_errors(form, error)
        else:
            message = f"Enviamos la invitación a {rules.normalize_email(form.email.data)}."
            return _done(url_for(".team"), "companies/_invite_form.html", message,
                         **_team_context(company))
    return htmx.render("companies/team.html", "companies/_invite_form.html", status=422,
                       **_team_context(company, form))


@bp.route("/empresa/equipo/<int:member_id>/<any(aceptar, rechazar):action>", methods=["POST"])
@role_required("employer")
def decide_request(member_id: int, action: str):
    """Accept or decline a pending request to join, in place."""
    company = _own_company()
    member = one_or_404(queries.request_of(company, member_id))
    name = member.user.full_name
    try:
        if action == "aceptar":
            changed = team_services.accept_member(company, current_user, member)
            message = f"Aceptaste a {name}: ya es parte del equipo." if changed else "Esta solicitud ya fue atendida."
        else:
            changed = team_services.decline_member(company, current_user, member)
            message = f"Rechazaste la solicitud de {name}." if changed else "Esta solicitud ya fue atendida."
    except errors.NotAllowed:
        abort(404)
    return _done(url_for(".team"), "companies/_request_decided.html", message,
                 name=name, email=member.user.email, member_id=member_id,
                 outcome=action if changed else "handled", **_team_context(company))


def _start_session(user) -> None:
    # A fresh session on sign-in: nothing set before survives it (fixation).
    session.clear()
    login_user(user)
    session.permanent = True


@bp.route("/empresa/unirse/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def join(token: str):
    """Take an emailed invitation: sign in or create the account, then join the company."""
    invitation = team_services.read_invitation(token)
    if invitation is None:
        return htmx.render("companies/join.html", status=404, invitation=None)
    company = invitation.company
    if current_user.is_authenticated:
        problem = team_services.join_problem(invitation, current_user)
        membership = queries.membership_of(current_user)
        already = membership is not None and membership.company_id == company.id and membership.state == "active"
        if request.method == "POST" and problem is None:
            team_services.join(invitation, current_user)
            flash(f"Listo: ya eres parte de {company.display_name}.", "success")
            return redirect(url_for("employers.dashboard"), code=303)
        status = 409 if request.method == "POST" else 200
        return htmx.render("companies/join.html", status=status, invitation=invitation, problem=problem,
                           already=already, token=token)
    has_account = rules.email_taken(invitation.email)
    form = JoinForm()
    status = 200
    if has_account:
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        try:
            user = team_services.register_and_join(invitation, form.first_names.data, form.last_names.data,
                                              form.password.data)
        except errors.CompanyError as error:
            _apply_errors(form, error)
            status = 422
        else:
            _start_session(user)
            flash(f"Tu cuenta está lista y ya eres parte de {company.display_name}.", "success")
            return redirect(url_for("employers.dashboard"), code=303)
    elif request.method == "POST":
        status = 422
    return htmx.render("companies/join.html", status=status, invitation=invitation, form=form,
                       has_account=has_account, token=token)


# --- Verification queues ------------------------------------------------------------------

QUEUES = {"coordinator": "companies.coordinator_queue", "admin": "companies.admin_queue"}
DECIDE = {"coordinator": "companies.coordinator_decide", "admin": "companies.admin_decide"}


def _queue_context() -> dict:
    role = current_user.role
    return {"queue_endpoint": QUEUES[role], "decide_endpoint": DECIDE[role], "role": role,
            "queue_labels": queries.STATE_FILTER_LABELS}


def _queue(page_template: str = "companies/queue.html"):
    filters = queries.QueueFilters.from_args(request.args)
    page = queries.queue(current_user, filters)
    return htmx.render(page_template, "companies/_queue.html", filters=filters, page=page,
                       back=request.full_path.rstrip("?"), cetpro=current_user.cetpro, **_queue_context())


@bp.route("/coordinador/empresas")
@role_required("coordinator")
def coordinator_queue():
    """Companies with a convenio in force with the coordinator's CETPRO, by verification state."""
    return _queue()


@bp.route("/admin/empresas")
@role_required("admin")
def admin_queue():
    """Every company, by verification state, searchable by RUC or name."""
    return _queue()


def _safe_back(target: str | None, queue_url: str) -> str:
    """Back to the same page of the queue; anything else goes to the queue itself."""
    if target and target.startswith(queue_url) and "//" not in target and "\\" not in target:
        return target
    return queue_url


def _decide(company_id: int, action: str):
    company = one_or_404(queries.verifiable_by(current_user).where(Company.id == company_id))
    form = DecisionForm()
    context = _queue_context()
    back = _safe_back(form.next.data, url_for(context["queue_endpoint"]))
    row = {"company": company, "convenio": queries.convenio_for(current_user, company), "back": back, **context}
    name = company.display_name
    try:
        if action == "verificar":
            changed = verification.verify(company, current_user)
            message = f"Verificaste a {name}. Avisamos a su equipo." if changed else f"{name} ya estaba verificada."
        else:
            changed = verification.reject(company, current_user, form.reason.data)
            message = (f"Rechazaste la verificación de {name}. Le enviamos el motivo." if changed
                       else f"{name} ya estaba rechazada.")
    except errors.NotAllowed:
        abort(404)
    except errors.CompanyError as error:
        # The row again, with the message beside the reason and what was typed.
        return htmx.render("companies/decision.html", "companies/_company_row.html", status=422,
                           error=str(error), reason=form.reason.data or "", **row)
    return _done(back, "companies/_company_row.html", message, **row)


@bp.route("/coordinador/empresas/<int:company_id>/<any(verificar, rechazar):action>", methods=["POST"])
@role_required("coordinator")
def coordinator_decide(company_id: int, action: str):
    """Verify or reject a partner company, in place."""
    return _decide(company_id, action)


@bp.route("/admin/empresas/<int:company_id>/<any(verificar, rechazar):action>", methods=["POST"])
@role_required("admin")
def admin_decide(company_id: int, action: str):
    """Verify or reject any company, in place."""
    return _decide(company_id, action)
