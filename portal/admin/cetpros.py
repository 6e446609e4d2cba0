"""CETPROs and their coordinators (/admin/cetpros): the list with search, a CETPRO's record
(create, edit, deactivate and reactivate) and its coordinators (invite by email, send the
link again, revoke, deactivate). Writes in portal/cetpros/."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import one_or_404, role_required
from portal.accounts.rules import AccountError
from portal.admin import bp
from portal.cetpros import invitations, queries, services
from portal.cetpros.forms import CetproForm, InviteForm
from portal.clock import utcnow
from portal.extensions import db
from portal.forms import attach_errors
from portal.models import Cetpro
from portal.webhooks import queries as webhook_queries


def _form_data(form: CetproForm) -> services.CetproData:
    return services.CetproData(
        codigo_modular=form.codigo_modular.data or "", name=form.name.data or "",
        management=form.management.data or "", ugel=form.ugel.data or "",
        department_code=form.department_code.data or "", province_code=form.province_code.data or "",
        district_code=form.district_code.data or "", programme_ids=[i for i in form.programme_ids.data or [] if i])


def _form_page(form: CetproForm, cetpro: Cetpro | None, status: int = 200):
    return htmx.render("admin/cetpro_form.html", "admin/_cetpro_form.html", status=status, form=form,
                       cetpro=cetpro,
                       programmes=queries.programme_choices([p.id for p in cetpro.programmes] if cetpro else ()))


def _people_context(cetpro: Cetpro, form: InviteForm | None = None) -> dict:
    now = utcnow()
    pending = queries.pending_invitations(cetpro)
    return {"cetpro": cetpro, "coordinators": queries.coordinators(cetpro), "invitations": pending,
            "expired": {i.id for i in pending if invitations.LINKS.is_expired(i, now)},
            "invite_form": form or InviteForm(formdata=None), "invite_hours": invitations.invite_max_age() // 3600,
            **_webhooks_context(cetpro)}


def _webhooks_context(cetpro: Cetpro) -> dict:
    """The CETPRO's webhooks as its coordinators see them (read only here)."""
    endpoints = webhook_queries.endpoints_of(cetpro.id)
    return {"webhooks": endpoints, "webhook_counts": webhook_queries.counts_by_state([e.id for e in endpoints])}


@bp.route("/cetpros")
@role_required("admin")
def cetpros():
    """Every CETPRO, searchable by name, código modular, place or UGEL; paged."""
    filters = queries.ListFilters.from_args(request.args)
    return htmx.render("admin/cetpros.html", "admin/_cetpro_results.html", filters=filters,
                       page=queries.search(filters), states=queries.STATE_LABELS)


@bp.route("/cetpros/nuevo", methods=["GET", "POST"])
@role_required("admin")
def new_cetpro():
    """Register a CETPRO."""
    form = CetproForm()
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if request.method == "POST" else 200)
    try:
        cetpro = services.create(_form_data(form), current_user)
    except services.CetproError as error:
        attach_errors(form, error.errors, str(error))
        return _form_page(form, None, 422)
    flash(f"Registramos {cetpro.name} ({cetpro.codigo_modular}). Ahora invita a quien lo coordinará.", "success")
    return redirect(url_for(".cetpro", cetpro_id=cetpro.id), code=303)


@bp.route("/cetpros/<int:cetpro_id>")
@role_required("admin")
def cetpro(cetpro_id: int):
    """A CETPRO's record, its coordinators and the invitations waiting."""
    row = one_or_404(queries.cetpro(cetpro_id))
    return htmx.render("admin/cetpro.html", **_people_context(row))


@bp.route("/cetpros/<int:cetpro_id>/editar", methods=["GET", "POST"])
@role_required("admin")
def edit_cetpro(cetpro_id: int):
    """Change a CETPRO's record."""
    row = one_or_404(queries.cetpro(cetpro_id))
    form = CetproForm(obj=row) if request.method == "GET" else CetproForm()
    if request.method == "GET":
        form.programme_ids.data = [p.id for p in row.programmes]
        form.district_code.data = row.district_code or ""
    if not form.validate_on_submit():
        return _form_page(form, row, 422 if request.method == "POST" else 200)
    try:
        changed = services.update(row, _form_data(form), current_user)
    except services.CetproError as error:
        attach_errors(form, error.errors, str(error))
        return _form_page(form, row, 422)
    message = f"Guardamos los cambios de {row.name}." if changed else "No había cambios que guardar."
    flash(message, "success")
    return redirect(url_for(".cetpro", cetpro_id=row.id), code=303)


@bp.route("/cetpros/<int:cetpro_id>/<any(reactivar, desactivar):action>", methods=["POST"])
@role_required("admin")
def set_cetpro_active(cetpro_id: int, action: str):
    """Deactivate or reactivate a CETPRO, in place."""
    row = one_or_404(queries.cetpro(cetpro_id))
    active = action == "reactivar"
    changed = services.set_active(row, active, current_user)
    if active:
        message = f"{row.name} está activo otra vez." if changed else f"{row.name} ya estaba activo."
    else:
        message = (f"Desactivamos {row.name}: ya no aparece en las listas para elegir. Sus estudiantes y su "
                   "historial se conservan." if changed else f"{row.name} ya estaba desactivado.")
    return htmx.done(url_for(".cetpro", cetpro_id=row.id), "admin/_cetpro_record.html", message=message, cetpro=row)


@bp.route("/cetpros/<int:cetpro_id>/invitar", methods=["POST"])
@role_required("admin")
def invite_coordinator(cetpro_id: int):
    """Email someone a link to become a coordinator of this CETPRO."""
    row = one_or_404(queries.cetpro(cetpro_id))
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, _ = invitations.invite(row, form.email.data or "", current_user)
        except invitations.InvitationError as error:
            attach_errors(form, {error.field or "": str(error)}, str(error))
        else:
            message = f"Enviamos la invitación a {invitation.email}. El enlace vale por {invitations.invite_max_age() // 3600} horas."
            return htmx.done(url_for(".cetpro", cetpro_id=row.id), "admin/_coordinators_changed.html",
                             message=message, **_people_context(row))
    return htmx.render("admin/cetpro.html", "admin/_coordinator_invite_form.html", status=422,
                       **_people_context(row, form))


@bp.route("/cetpros/<int:cetpro_id>/invitaciones/<int:invitation_id>/<any(anular, reenviar):action>",
          methods=["POST"])
@role_required("admin")
def coordinator_invitation(cetpro_id: int, invitation_id: int, action: str):
    """Send an invitation's link again (the old one dies) or revoke it, in place."""
    row = one_or_404(queries.cetpro(cetpro_id))
    invitation = one_or_404(queries.invitation_of(row, invitation_id))
    email = invitation.email
    try:
        if action == "reenviar":
            invitations.resend(invitation, current_user)
            message, kind = f"Enviamos un enlace nuevo a {email}; el anterior ya no sirve.", "success"
        elif invitations.revoke(invitation, current_user):
            message, kind = f"Anulamos la invitación para {email}: su enlace ya no sirve.", "success"
        else:
            message, kind = f"La invitación para {email} ya no estaba pendiente.", "info"
    except invitations.InvitationError as error:
        message, kind = str(error), "error"
    return htmx.done(url_for(".cetpro", cetpro_id=row.id), "admin/_coordinator_invitations.html",
                     message=message, kind=kind, **_people_context(row))


@bp.route("/cetpros/<int:cetpro_id>/coordinadores/<int:coordinator_id>/<any(reactivar, desactivar):action>",
          methods=["POST"])
@role_required("admin")
def set_coordinator_active(cetpro_id: int, coordinator_id: int, action: str):
    """Deactivate a coordinator (sessions end at once) or reactivate one, in place."""
    row = one_or_404(queries.cetpro(cetpro_id))
    person = one_or_404(queries.coordinator_of(row, coordinator_id))
    active = action == "reactivar"
    try:
        changed = invitations.set_coordinator_active(row, person, active, current_user,
                                                     request.form.get("reason", ""))
    except AccountError as error:
        db.session.rollback()
        return htmx.done(url_for(".cetpro", cetpro_id=row.id), "admin/_coordinators.html", status=422,
                         kind="error", message=str(error), **_people_context(row))
    if active:
        message = f"{person.full_name} puede ingresar otra vez." if changed else f"{person.full_name} ya estaba activo(a)."
    else:
        message = (f"Desactivamos a {person.full_name}: ya no puede ingresar y cerramos sus sesiones."
                   if changed else f"{person.full_name} ya estaba desactivado(a).")
    return htmx.done(url_for(".cetpro", cetpro_id=row.id), "admin/_coordinators.html",
                     message=message, **_people_context(row))
