"""Accounts (/admin/usuarios): search everyone by name, email, DNI or RUC, and one account's
page with what an admin may do to it (portal/accounts/administration.py): deactivate,
reactivate, resend the confirmation email, send the password reset email."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import role_required
from portal.accounts import administration, directory
from portal.accounts.forms import DeactivateForm, UserActionForm
from portal.accounts.rules import AccountError
from portal.admin import bp
from portal.extensions import db
from portal.models import User


@bp.route("/usuarios")
@role_required("admin")
def users():
    """Every account, searchable and filtered by role and state, by surname."""
    filters = directory.UserFilters.from_args(request.args)
    return htmx.render("admin/users.html", "admin/_users.html", filters=filters, page=directory.search(filters),
                       roles=directory.ROLE_FILTER_LABELS, states=directory.STATE_FILTERS)


def _account_or_404(user_id: int) -> tuple[User, directory.UserRow]:
    user = db.session.get(User, user_id)
    row = directory.account(user_id) if user else None
    if user is None or row is None:
        abort(404)
    return user, row


def _account_context(row: directory.UserRow, **extra) -> dict:
    return {"account": row, "is_self": row.id == current_user.id,
            "deactivate_form": extra.pop("deactivate_form", None) or DeactivateForm(), **extra}


@bp.route("/usuarios/<int:user_id>")
@role_required("admin")
def user(user_id: int):
    """One account: who, where, its state and last sign-in, and the actions on it."""
    _, row = _account_or_404(user_id)
    return htmx.render("admin/user.html", "admin/_user_account.html", **_account_context(row))


ACTIONS = ("desactivar", "reactivar", "confirmacion", "contrasena")


@bp.route(f"/usuarios/<int:user_id>/<any({', '.join(ACTIONS)}):action>", methods=["POST"])
@role_required("admin")
def user_action(user_id: int, action: str):
    """One action on an account, answered in place (htmx) or with a 303 to its page."""
    target, _ = _account_or_404(user_id)
    here = url_for(".user", user_id=user_id)
    form = DeactivateForm() if action == "desactivar" else UserActionForm()
    if not form.validate_on_submit():
        _, row = _account_or_404(user_id)
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        return htmx.done(here, "admin/_user_account.html", status=422, kind="error",
                         message=f"No se hizo ningún cambio. {problems}".strip(),
                         **_account_context(row, deactivate_form=form if action == "desactivar" else None))
    name = target.full_name
    try:
        if action == "desactivar":
            changed = administration.deactivate(target, current_user, form.reason.data or "")
            message = (f"Desactivaste la cuenta de {name}: ya no puede ingresar y sus sesiones terminaron. "
                       "Sus datos se conservan." if changed else f"La cuenta de {name} ya estaba desactivada.")
        elif action == "reactivar":
            changed = administration.reactivate(target, current_user)
            message = (f"Reactivaste la cuenta de {name}: puede volver a ingresar." if changed
                       else f"La cuenta de {name} ya estaba activa.")
        elif action == "confirmacion":
            administration.resend_confirmation(target, current_user)
            message = f"Enviamos a {target.email} un nuevo enlace para activar la cuenta."
        else:
            administration.send_password_reset(target, current_user)
            message = (f"Enviamos a {target.email} el correo para cambiar la contraseña. "
                       "Solo la persona puede elegir la nueva.")
    except AccountError as error:
        db.session.rollback()
        _, row = _account_or_404(user_id)
        return htmx.done(here, "admin/_user_account.html", status=422, kind="error", message=str(error),
                         **_account_context(row))
    _, row = _account_or_404(user_id)
    return htmx.done(here, "admin/_user_account.html", message=message, **_account_context(row))
