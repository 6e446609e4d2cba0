"""The coordinator's webhooks (/coordinador/webhooks): her CETPRO's addresses that receive
its events (docs/API.md «Webhooks»): create, edit, pause, rotate the secret, delete, and the
delivery log of each with «Reenviar». Another CETPRO's webhook or delivery does not exist
here (404).

The secret is shown once, in the answer to the POST that made it (created or rotated):
that answer is the page itself (200, never stored: Cache-Control no-store), not a 303, so
the secret never travels in a redirect, a cookie or an address."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import htmx, vocab
from portal.access import role_required
from portal.clock import utcnow
from portal.coordinators import bp
from portal.forms import attach_errors
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.webhooks import queries, services
from portal.webhooks.forms import DeleteForm, EndpointForm
from portal.webhooks.services import masked

UNREADABLE = "No pudimos leer el formulario. Recarga la página y vuelve a intentarlo."


def _own(endpoint_id: int) -> WebhookEndpoint:
    endpoint = queries.endpoint_of(current_user, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _list_context(form: EndpointForm | None = None) -> dict:
    endpoints = queries.endpoints_of(current_user.cetpro_id)
    return {"endpoints": endpoints, "counts": queries.counts_by_state([e.id for e in endpoints]),
            "form": form or EndpointForm(formdata=None, data={"events": list(vocab.WEBHOOK_EVENTS)}),
            "events": vocab.WEBHOOK_EVENTS, "masked": masked, "max_endpoints": services.MAX_PER_CETPRO}


def _endpoint_context(endpoint: WebhookEndpoint, form: EndpointForm | None = None, **extra) -> dict:
    return {"endpoint": endpoint, "deliveries": queries.deliveries_of(endpoint),
            "form": form or EndpointForm(formdata=None, obj=endpoint),
            "delete_form": DeleteForm(formdata=None), "delete_error": None,
            "events": vocab.WEBHOOK_EVENTS, "states": vocab.WEBHOOK_DELIVERY_STATES, "masked": masked,
            "secret": None, "now_utc": utcnow(), **extra}


def _data(form: EndpointForm) -> services.EndpointData:
    return services.EndpointData(url=form.url.data or "", description=form.description.data or "",
                                 events=list(form.events.data or []))


def _secret_page(endpoint: WebhookEndpoint, secret: str, message: str):
    """The page (or fragment) that shows the secret this once."""
    response = htmx.render("webhooks/show.html", "webhooks/_endpoint.html",
                           **_endpoint_context(endpoint, secret=secret, message=message))
    response.headers["Cache-Control"] = "no-store"
    return htmx.notice(response, message) if htmx.is_htmx() else response


@bp.route("/webhooks")
@role_required("coordinator")
def webhooks():
    """The CETPRO's webhooks and the form to add one."""
    return htmx.render("webhooks/index.html", "webhooks/_list.html", **_list_context())


@bp.route("/webhooks", methods=["POST"])
@role_required("coordinator")
def create_webhook():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint = services.create(current_user, current_user.cetpro_id, _data(form))
        except services.WebhookError as error:
            attach_errors(form, error.errors, str(error))
        else:
            return _secret_page(endpoint, endpoint.secret, f"Creamos el webhook para {endpoint.url}. "
                                "Copia ahora su secreto: no lo volveremos a mostrar.")
    elif not form.errors:
        attach_errors(form, {}, UNREADABLE)
    return htmx.render("webhooks/index.html", "webhooks/_list.html", status=422, **_list_context(form))


@bp.route("/webhooks/<int:endpoint_id>")
@role_required("coordinator")
def webhook(endpoint_id: int):
    """One webhook: its settings, actions and delivery log."""
    endpoint = _own(endpoint_id)
    return htmx.render("webhooks/show.html", "webhooks/_endpoint.html", **_endpoint_context(endpoint))


@bp.route("/webhooks/<int:endpoint_id>", methods=["POST"])
@role_required("coordinator")
def update_webhook(endpoint_id: int):
    endpoint = _own(endpoint_id)
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            services.update(current_user, endpoint, _data(form))
        except services.WebhookError as error:
            attach_errors(form, error.errors, str(error))
        else:
            return htmx.done(url_for(".webhook", endpoint_id=endpoint.id), "webhooks/_endpoint.html",
                             message="Guardamos los cambios del webhook.", **_endpoint_context(endpoint))
    else:
        attach_errors(form, {}, UNREADABLE)
    return htmx.render("webhooks/show.html", "webhooks/_endpoint.html", status=422,
                       **_endpoint_context(endpoint, form))


@bp.route("/webhooks/<int:endpoint_id>/pausa", methods=["POST"])
@role_required("coordinator")
def pause_webhook(endpoint_id: int):
    endpoint = _own(endpoint_id)
    action = request.form.get("action", "")
    if action not in ("pausar", "reanudar"):
        return htmx.done(url_for(".webhook", endpoint_id=endpoint.id), "webhooks/_endpoint.html",
                         message="Elige pausar o reanudar el webhook.", kind="error", status=422,
                         **_endpoint_context(endpoint))
    changed = services.set_paused(current_user, endpoint, action == "pausar")
    if action == "pausar":
        message = ("Pausamos el webhook: no se pondrán en cola eventos nuevos y los que esperan se enviarán al "
                   "reanudarlo." if changed else "El webhook ya estaba pausado.")
    else:
        message = "Reanudamos el webhook." if changed else "El webhook ya estaba activo."
    return htmx.done(url_for(".webhook", endpoint_id=endpoint.id), "webhooks/_endpoint.html",
                     message=message, **_endpoint_context(endpoint))


@bp.route("/webhooks/<int:endpoint_id>/secreto", methods=["POST"])
@role_required("coordinator")
def rotate_webhook_secret(endpoint_id: int):
    endpoint = _own(endpoint_id)
    secret = services.rotate(current_user, endpoint)
    return _secret_page(endpoint, secret, "Creamos un secreto nuevo. El anterior sigue firmando durante 24 horas; "
                        "cópialo ahora: no lo volveremos a mostrar.")


@bp.route("/webhooks/<int:endpoint_id>/eliminar", methods=["POST"])
@role_required("coordinator")
def delete_webhook(endpoint_id: int):
    endpoint = _own(endpoint_id)
    form = DeleteForm()
    valid = form.validate_on_submit()
    if valid and form.confirm.data:
        url = endpoint.url
        services.remove(current_user, endpoint)
        return htmx.done(url_for(".webhooks"), "webhooks/_list.html",
                         message=f"Eliminamos el webhook de {url} y su registro de entregas.", **_list_context())
    error = "Marca la casilla para confirmar que quieres eliminar este webhook." if valid else UNREADABLE
    return htmx.render("webhooks/show.html", "webhooks/_endpoint.html", status=422,
                       **_endpoint_context(endpoint, delete_form=form, delete_error=error))


@bp.route("/webhooks/entregas/<int:delivery_id>/reenviar", methods=["POST"])
@role_required("coordinator")
def redeliver_webhook(delivery_id: int):
    delivery: WebhookDelivery | None = queries.delivery_of(current_user, delivery_id)
    if delivery is None:
        abort(404)
    again = services.redeliver(current_user, delivery)
    endpoint = delivery.endpoint
    message = (f"Pusimos en cola otra vez el evento {delivery.event} (entrega N° {again.id}); se enviará en el "
               "próximo minuto." + (" El webhook está pausado: saldrá al reanudarlo." if endpoint.paused else ""))
    return htmx.done(url_for(".webhook", endpoint_id=endpoint.id), "webhooks/_endpoint.html",
                     message=message, **_endpoint_context(endpoint))
