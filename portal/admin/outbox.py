"""Email that could not be delivered (/admin/correos): each given-up email with its error,
and a button that puts it back in the queue. Bodies are not shown: they carry people's
confirmation and password links."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, url_for
from flask_login import current_user

from portal import htmx, mail
from portal.access import role_required
from portal.admin import bp
from portal.audit import audit
from portal.extensions import db
from portal.models import OutboxEmail


@bp.route("/correos")
@role_required("admin")
def outbox():
    """The emails the outbox gave up on, newest first."""
    hours = sum(mail.RETRY_AFTER, timedelta()).total_seconds() / 3600
    return htmx.render("admin/outbox.html", emails=mail.failed(), retries=len(mail.RETRY_AFTER), hours=round(hours))


@bp.route("/correos/<int:email_id>/reintentar", methods=["POST"])
@role_required("admin")
def retry_email(email_id: int):
    """Queue a failed email again, with fresh attempts."""
    email = db.session.get(OutboxEmail, email_id) or abort(404)
    if mail.retry(email):
        audit("outbox.retry", email, current_user, to=email.to_address)
        message = f"Volvimos a poner en cola el correo a {email.to_address}."
    else:
        message = f"El correo a {email.to_address} ya no estaba fallido."
    db.session.commit()
    return htmx.done(url_for(".outbox"), "admin/_outbox_email.html", message=message, email=email)
