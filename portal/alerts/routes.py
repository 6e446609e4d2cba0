"""/alertas/baja/<token>: stop a job alert from its email, without signing in.

GET shows a confirmation form; POST stops the alert. The POST is also RFC 8058's
one-click unsubscribe, which the mail provider sends without a session or a CSRF token:
this one endpoint is exempt from CSRF and relies on the link's signature alone. A bad or
expired signature changes nothing and says so.
"""
from __future__ import annotations

from flask import Blueprint, request

from portal import htmx
from portal.alerts import services
from portal.extensions import csrf, db, limiter

bp = Blueprint("alerts", __name__)

BAD_LINK = ("Este enlace para dejar de recibir la alerta no es válido o ya venció. No cambiamos nada. "
            "Puedes pausar o borrar tus alertas desde «Mis alertas» al ingresar.")


@bp.route("/alertas/baja/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("30 per minute")
def unsubscribe(token: str):
    alert = services.alert_for_token(token)
    if alert is None:
        return htmx.render("alerts/unsubscribe.html", status=400, error=BAD_LINK)
    label = services.label(alert)
    if request.method == "GET":
        return htmx.render("alerts/unsubscribe.html", label=label, token=token)
    services.unsubscribe(alert)
    db.session.commit()
    return htmx.render("alerts/unsubscribe.html", label=label, done=True)
