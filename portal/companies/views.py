"""The company verification queue, shared by coordinators (partners with a convenio in force)
and admins (every company); the routes live with each audience."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import htmx
from portal.access import one_or_404
from portal.companies import errors, queries, verification
from portal.companies.forms import DecisionForm
from portal.models import Company
from portal.redirects import safe_target

QUEUES = {"coordinator": "coordinators.companies", "admin": "admin.companies"}


DECIDE = {"coordinator": "coordinators.decide_company", "admin": "admin.decide_company"}


def _queue_context() -> dict:
    role = current_user.role
    return {"queue_endpoint": QUEUES[role], "decide_endpoint": DECIDE[role], "role": role,
            "queue_labels": queries.STATE_FILTER_LABELS}


def queue(page_template: str = "companies/queue.html"):
    filters = queries.QueueFilters.from_args(request.args)
    page = queries.queue(current_user, filters)
    return htmx.render(page_template, "companies/_queue.html", filters=filters, page=page,
                       back=request.full_path.rstrip("?"), cetpro=current_user.cetpro, **_queue_context())


def _safe_back(target: str | None, queue_url: str) -> str:
    """Back to the same page of the queue; anything else goes to the queue itself."""
    target = safe_target(target)
    if target and target.startswith(queue_url):
        return target
    return queue_url


def decide(company_id: int, action: str):
    company = one_or_404(queries.verifiable_by(current_user).where(Company.id == company_id))
    form = DecisionForm()
    context = _queue_context()
    back = _safe_back(form.next.data, url_for(context["queue_endpoint"]))
    row = {"company": company, "convenio": queries.convenio_for(current_user, company), "back": back,
           "changes": queries.identity_changes([company.id]).get(company.id, []), **context}
    cetpro = current_user.cetpro.name if current_user.role == "coordinator" and current_user.cetpro else None
    name = company.display_name
    try:
        if action == "verificar":
            changed = verification.verify(company, current_user)
            if cetpro:
                message = (f"Verificaste a {name} en nombre de {cetpro}: se muestra «Verificada por {cetpro}». "
                           "Avisamos a su equipo." if changed else f"{cetpro} ya había verificado a {name}.")
            else:
                message = f"Verificaste a {name}. Avisamos a su equipo." if changed else f"{name} ya estaba verificada."
        else:
            changed = verification.reject(company, current_user, form.reason.data)
            if cetpro:
                message = (f"Registramos que {cetpro} no pudo verificar a {name}. Le enviamos el motivo."
                           + (" Sigue verificada por el equipo de Enlace CETPRO u otro CETPRO, que revisará tu motivo."
                              if company.is_verified else "") if changed else f"{cetpro} ya había rechazado a {name}.")
            else:
                message = (f"Rechazaste la verificación de {name}. Le enviamos el motivo." if changed
                           else f"{name} ya estaba rechazada.")
    except errors.NotAllowed:
        abort(404)
    except errors.CompanyError as error:
        # The row again, with the message beside the reason and what was typed.
        return htmx.render("companies/decision.html", "companies/_company_row.html", status=422,
                           error=str(error), reason=form.reason.data or "",
                           endorsements=queries.endorsements([company.id]).get(company.id, []), **row)
    row["endorsements"] = queries.endorsements([company.id]).get(company.id, [])
    return htmx.done(back, "companies/_company_row.html", message=message, **row)
