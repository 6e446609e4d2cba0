"""The welcome link imported students use to choose their first password (no sign-in:
the signed link is the key)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from portal import htmx
from portal.accounts import sessions
from portal.accounts.passwords import LinkUsed
from portal.extensions import limiter
from portal.roster import services
from portal.roster.forms import WelcomeForm

bp = Blueprint("roster", __name__)

@bp.route("/bienvenida/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def welcome(token: str):
    """Choose a first password from the invitation email, and start a session."""
    user = services.user_for_invitation(token)
    days = services.invite_max_age() // 86400
    if user is None:
        return htmx.render("roster/welcome.html", status=404, user=None, days=days)
    form = WelcomeForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.accept_invitation(user, form.password.data)
        except LinkUsed:
            # used by another request at the same moment: the answer to a used link
            return htmx.render("roster/welcome.html", status=404, user=None, days=days)
        except services.RosterError as error:
            form.password.errors = [str(error)]
            status = 422
        else:
            sessions.start(user)
            flash(f"Bienvenido(a), {user.first_names}. Ya tienes tu contraseña: completa tu perfil.", "success")
            return redirect(url_for("students.profile"), code=303)
    elif request.method == "POST":
        status = 422
    cetpro = user.student.cetpro if user.student else None
    return htmx.render("roster/welcome.html", status=status, user=user, form=form, token=token,
                       cetpro=cetpro, days=days)
