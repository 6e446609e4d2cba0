"""The employer's company (/empresa/perfil, /empresa/equipo, /empresa/unirse/<token>): its
public profile and logo, its team, and taking an emailed invitation to join it."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import current_company, one_or_404, role_required
from portal.accounts import rules, sessions
from portal.companies import errors, queries
from portal.companies import profile as profile_services
from portal.companies import team as team_services
from portal.companies.forms import InviteForm, JoinForm, ProfileForm
from portal.employers import bp
from portal.extensions import limiter
from portal.forms import attach_errors
from portal.models import Company


def _apply_errors(form, error: errors.CompanyError) -> None:
    attach_errors(form, error.errors, str(error))


def _profile_data(form: ProfileForm) -> profile_services.ProfileData:
    return profile_services.ProfileData(**{name: getattr(form, name).data or "" for name in (
        "legal_name", "trade_name", "sector", "department_code", "province_code", "district_code",
        "address", "website", "phone", "description")})


@bp.route("/perfil", methods=["GET", "POST"])
@role_required("employer")
def profile():
    """Edit the company's public profile (the RUC stays as registered)."""
    company = current_company()
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
            if requeued and company.awaits_reverification:
                message += (" Cambiaste la razón social: tu empresa vuelve a verificarse. Tus ofertas publicadas "
                            "siguen visibles, marcadas «Pendiente de re-verificación», y no puedes publicar nuevas "
                            "hasta que la verifiquen.")
            elif requeued:
                message += " Tu empresa volvió a la cola de verificación."
            return htmx.done(url_for(".profile"), "companies/_profile_form.html", message=message,
                         form=ProfileForm(formdata=None, obj=company), company=company)
    elif request.method == "POST":
        status = 422
    return htmx.render("companies/profile.html", "companies/_profile_form.html", status=status,
                       form=form, company=company)


def _team_context(company: Company, form: InviteForm | None = None) -> dict:
    return {
        "company": company,
        "members": queries.members(company, "active"),
        "requests": queries.members(company, "pending"),
        "invitations": team_services.pending_invitations(company),
        "can_manage": queries.is_owner(company, current_user),
        "form": form or InviteForm(formdata=None),
        "invite_days": team_services.invite_max_age() // 86400,
    }


@bp.route("/equipo")
@role_required("employer")
def team():
    """Who acts for the company, who asked to join, pending invitations and a new one by email."""
    return htmx.render("companies/team.html", **_team_context(current_company()))


@bp.route("/equipo/invitar", methods=["POST"])
@role_required("employer")
@limiter.limit("30 per hour")
def invite_member():
    """Email a colleague a link to join the company."""
    company = current_company()
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
            return htmx.done(url_for(".team"), "companies/_invite_sent.html", message=message,
                         **_team_context(company))
    return htmx.render("companies/team.html", "companies/_invite_form.html", status=422,
                       **_team_context(company, form))


@bp.route("/equipo/<int:member_id>/<any(aceptar, rechazar):action>", methods=["POST"])
@role_required("employer")
def decide_request(member_id: int, action: str):
    """Accept or decline a pending request to join, in place."""
    company = current_company()
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
    return htmx.done(url_for(".team"), "companies/_request_decided.html", message=message,
                 name=name, email=member.user.email, member_id=member_id,
                 outcome=action if changed else "handled", **_team_context(company))


@bp.route("/equipo/miembros/<int:member_id>/quitar", methods=["POST"])
@role_required("employer")
def remove_member(member_id: int):
    """An owner removes a member from the team (their sessions end), in place."""
    company = current_company()
    member = one_or_404(queries.member_of(company, member_id))
    name, email = member.user.full_name, member.user.email
    try:
        removed = team_services.remove_member(company, current_user, member)
    except errors.NotAllowed:
        abort(404)
    except team_services.NotOwner as error:
        return htmx.done(url_for(".team"), "companies/_members.html", message=str(error), kind="error",
                         status=403, **_team_context(company))
    except errors.CompanyError as error:
        return htmx.done(url_for(".team"), "companies/_members.html", message=str(error), kind="error",
                         status=422, **_team_context(company))
    message = (f"Quitaste a {name} ({email}) del equipo y cerramos sus sesiones." if removed
               else f"{name} ya no era parte del equipo.")
    return htmx.done(url_for(".team"), "companies/_members.html", message=message, **_team_context(company))


@bp.route("/equipo/invitaciones/<int:invitation_id>/anular", methods=["POST"])
@role_required("employer")
def revoke_invitation(invitation_id: int):
    """An owner revokes a pending invitation: its link stops working, in place."""
    company = current_company()
    invitation = one_or_404(queries.invitation_of(company, invitation_id))
    email = invitation.email
    try:
        revoked = team_services.revoke_invitation(company, current_user, invitation)
    except errors.NotAllowed:
        abort(404)
    except team_services.NotOwner as error:
        return htmx.done(url_for(".team"), "companies/_invitations.html", message=str(error), kind="error",
                         status=403, **_team_context(company))
    message = (f"Anulaste la invitación para {email}: su enlace ya no sirve." if revoked
               else f"La invitación para {email} ya estaba usada o anulada.")
    return htmx.done(url_for(".team"), "companies/_invitations.html", message=message, **_team_context(company))


@bp.route("/unirse/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def join(token: str):
    """Take an emailed invitation: sign in or create the account, then join the company."""
    invitation = team_services.read_invitation(token)
    if invitation is None:
        return htmx.render("companies/join.html", status=404, invitation=None)
    company = invitation.company
    membership = queries.membership_of(current_user) if current_user.is_authenticated else None
    already = membership is not None and membership.company_id == company.id and membership.state == "active"
    if (ended := team_services.invitation_problem(invitation)) and not already:
        # Revoked by an owner, or used: the link no longer works for anyone.
        return htmx.render("companies/join.html", status=404, invitation=None, ended=ended)
    if current_user.is_authenticated:
        problem = None if already else team_services.join_problem(invitation, current_user)
        if request.method == "POST" and problem is None:
            try:
                team_services.join(invitation, current_user)
            except errors.CompanyError as error:  # revoked or used a moment ago
                return htmx.render("companies/join.html", status=404, invitation=None, ended=str(error))
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
            sessions.start(user)
            flash(f"Tu cuenta está lista y ya eres parte de {company.display_name}.", "success")
            return redirect(url_for("employers.dashboard"), code=303)
    elif request.method == "POST":
        status = 422
    return htmx.render("companies/join.html", status=status, invitation=invitation, form=form,
                       has_account=has_account, token=token)
