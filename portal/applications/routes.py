"""Applying and withdrawing (POST /ofertas/<id>/postular, /retirar): the apply area of the
opening page, in place."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.applications import queries, services
from portal.applications.forms import ApplyForm
from portal.extensions import db
from portal.models import Opening

bp = Blueprint("applications", __name__)

def _public_opening(opening_id: int) -> Opening:
    opening = db.session.get(Opening, opening_id)
    if opening is None or opening.state == "draft":
        abort(404)
    return opening


def _apply_area(opening: Opening, status: int = 200, message: str | None = None, kind: str = "success",
                form: ApplyForm | None = None, error: str | None = None):
    state = queries.apply_state(current_user, opening)
    location = url_for("openings.show", opening_id=opening.id)
    return htmx.done(location, "applications/_apply.html", message=error or message,
                     kind="error" if error else kind, status=status, opening=opening,
                     apply=state, form=form or ApplyForm(), error=error)


@bp.route("/ofertas/<int:opening_id>/postular", methods=["POST"])
def apply(opening_id: int):
    """Apply in one tap; a repeat (double tap, second tab) gives the same answer."""
    opening = _public_opening(opening_id)
    if not current_user.is_authenticated:
        flash("Ingresa con tu cuenta de estudiante para postular.", "info")
        return redirect(url_for("accounts.login", next=url_for("openings.show", opening_id=opening.id)), code=303)
    if current_user.role != "student":
        abort(403)
    form = ApplyForm()
    if not form.validate_on_submit():
        return _apply_area(opening, 422, form=form, error="Revisa tu mensaje: " + " ".join(form.message.errors))
    profile = queries.profile_of(current_user)
    try:
        _, created = services.apply(profile, opening, form.message.data)
    except services.ApplicationError as error:
        return _apply_area(opening, 409, error=str(error))
    message = "Postulación enviada. Te avisaremos cada vez que la empresa la mueva." if created else "Ya habías postulado a esta oferta."
    return _apply_area(opening, message=message)


@bp.route("/ofertas/<int:opening_id>/retirar", methods=["POST"])
@role_required("student")
def withdraw(opening_id: int):
    """Withdraw until the employer decides."""
    opening = _public_opening(opening_id)
    state = queries.apply_state(current_user, opening)
    if state.application is None:
        abort(404)
    try:
        services.withdraw(queries.profile_of(current_user), state.application)
    except services.ApplicationError as error:
        return _apply_area(opening, 409, error=str(error))
    return _apply_area(opening, message="Retiraste tu postulación.")
