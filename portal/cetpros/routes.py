"""The link an invited coordinator opens (/coordinacion/bienvenida/<token>): no sign-in,
the signed link is the key. The admin pages live in portal/admin/cetpros.py."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from portal import htmx
from portal.accounts import sessions
from portal.cetpros import invitations
from portal.cetpros.forms import AcceptForm
from portal.extensions import limiter
from portal.forms import attach_errors

bp = Blueprint("cetpros", __name__)


@bp.route("/coordinacion/bienvenida/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def accept(token: str):
    """Choose a password from the invitation email, become a coordinator, start a session."""
    invitation, problem = invitations.read(token)
    if invitation is None or problem:
        return htmx.render("cetpros/accept.html", status=404, invitation=None, problem=problem,
                           hours=invitations.invite_max_age() // 3600)
    form = AcceptForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = invitations.accept(invitation, invitation.sends, form.first_names.data,
                                      form.last_names.data, form.password.data)
        except invitations.InvitationError as error:
            if error.field is None:  # the link was used, revoked or replaced meanwhile
                return htmx.render("cetpros/accept.html", status=404, invitation=None, problem=str(error),
                                   hours=invitations.invite_max_age() // 3600)
            attach_errors(form, {error.field: str(error)}, str(error))
            status = 422
        else:
            sessions.start(user)
            flash(f"Bienvenido(a), {user.first_names}. Ya coordinas {invitation.cetpro.name} en Enlace CETPRO.",
                  "success")
            return redirect(url_for("coordinators.dashboard"), code=303)
    elif request.method == "POST":
        status = 422
    return htmx.render("cetpros/accept.html", status=status, invitation=invitation, form=form, token=token)
