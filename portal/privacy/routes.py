"""/cuenta/mis-datos: any signed-in person's data rights — download everything the portal
holds about them, ask to delete the account, cancel that request within the grace period."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from portal import formatting, htmx, uploads
from portal.audit import audit
from portal.extensions import db, limiter
from portal.privacy import deletion, export
from portal.privacy.forms import DeletionForm

bp = Blueprint("privacy", __name__, url_prefix="/cuenta")


def _me():
    """The signed-in user itself (the audit trail names an object by its class, not a proxy's)."""
    return current_user._get_current_object()


def _per_person() -> str:
    """The download limit counts per person (Flask-Limiter may ask before login_required ran)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _page(form: DeletionForm | None = None, status: int = 200):
    return htmx.render("privacy/index.html", "privacy/_deletion.html", status=status,
                       form=form or DeletionForm(formdata=None), grace_days=deletion.grace().days,
                       can_delete=current_user.role in deletion.SELF_SERVICE_ROLES)


@bp.route("/mis-datos")
@login_required
def index():
    """What the person can do with their data: download it, or delete the account."""
    return _page()


@bp.route("/mis-datos/descargar", methods=["POST"])
@login_required
@limiter.limit("5 per hour", key_func=_per_person)
def download():
    """One ZIP with every row about the person (JSON) and their files; each download audited."""
    content = export.build_zip(_me())
    audit("account.data_exported", _me(), _me(), size=len(content))
    db.session.commit()
    return uploads.attachment(content, "application/zip", export.filename())


@bp.route("/eliminar", methods=["POST"])
@login_required
def request_deletion():
    """Ask to delete the account, confirmed with the password; it runs after the grace period."""
    form = DeletionForm()
    if form.validate_on_submit():
        try:
            due = deletion.request_deletion(_me(), form.password.data)
        except deletion.DeletionError as error:
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            message = (f"Pediste eliminar tu cuenta. La eliminaremos el {formatting.moment(due)}; hasta entonces "
                       "puedes entrar y cancelarlo.")
            return htmx.done(url_for(".index"), "privacy/_deletion.html", message=message,
                             form=DeletionForm(formdata=None), grace_days=deletion.grace().days, can_delete=True)
    return _page(form, status=422)


@bp.route("/eliminar/cancelar", methods=["POST"])
@login_required
def cancel_deletion():
    """Keep the account: the pending deletion is cancelled (CSRF is checked app-wide)."""
    if deletion.cancel(_me()):
        db.session.commit()
        message = "Cancelaste la eliminación: tu cuenta sigue activa."
    else:
        message = "No había una eliminación pendiente."
    return htmx.done(url_for(".index"), "privacy/_deletion.html", message=message, form=DeletionForm(formdata=None),
                     grace_days=deletion.grace().days,
                     can_delete=current_user.role in deletion.SELF_SERVICE_ROLES)
