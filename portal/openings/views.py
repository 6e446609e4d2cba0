"""View code two audiences share: the moderation queue of reports on openings and one report,
read and acted on by an admin (/admin/denuncias) or by a coordinator told about it
(/coordinador/denuncias), within the coordinator's tenancy (moderation_queries._scope)."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal import htmx
from portal.extensions import db
from portal.models import Company
from portal.openings import moderation_actions, moderation_queries
from portal.openings.moderation import ModerationError, NotAllowed, NotPublished, suspend
from portal.openings.moderation_forms import ActionForm
from portal.redirects import safe_target

# The queue's endpoints for each role (the templates build every link from them).
ENDPOINTS = {
    "admin": {"queue": "admin.opening_reports", "report": "admin.opening_report", "act": "admin.act_on_report"},
    "coordinator": {"queue": "coordinators.opening_reports", "report": "coordinators.opening_report",
                    "act": "coordinators.act_on_report"},
}

# What each action button says was done (the toast, or the flash without JavaScript).
DONE = {
    "descartar": "Descartaste la denuncia. Quien la envió, si tenía cuenta, ya fue avisado.",
    "suspender": "Suspendiste la oferta. Avisamos a la empresa, a sus postulantes y a quienes la denunciaron.",
    "confirmar": "Confirmaste la suspensión. Avisamos a la empresa y a quienes la denunciaron.",
    "reactivar": "La oferta vuelve a estar publicada. Avisamos a la empresa y a sus postulantes.",
}


def _endpoints() -> dict[str, str]:
    return ENDPOINTS[current_user.role]


def queue(page_template: str):
    """The reports this person may read, newest first, filtered by state and reason."""
    filters = moderation_queries.QueueFilters.from_args(request.args)
    page = moderation_queries.queue(current_user, filters)
    return htmx.render(page_template, "openings/_report_queue.html", page=page, filters=filters,
                       endpoints=_endpoints(), back=request.full_path.rstrip("?"))


def report(report_id: int, back_url: str, back_label: str):
    """The report if this person may read it (404 otherwise: another CETPRO's does not exist for them)."""
    row = moderation_queries.report_for(current_user, report_id)
    if row is None:
        abort(404)
    return htmx.render("openings/report.html", row=row, back_url=back_url, back_label=back_label,
                       endpoints=_endpoints(), back=request.path)


def _back(form: ActionForm, report_id: int) -> str:
    """Back to the page the action came from (a queue page or the report's own), never elsewhere."""
    target = safe_target(form.next.data)
    allowed = (url_for(_endpoints()["queue"]), url_for(_endpoints()["report"], report_id=report_id))
    if target and target.split("?")[0] in allowed:
        return target
    return allowed[0]


def act(report_id: int, action: str):
    """Dismiss the report, or suspend, confirm or reinstate its opening; the card answers in place."""
    row = moderation_queries.report_for(current_user, report_id)
    if row is None:
        abort(404)
    form = ActionForm()
    back = _back(form, report_id)
    error, status = None, 422
    if form.validate_on_submit():
        try:
            if action == "descartar":
                moderation_actions.dismiss(row.report, current_user, form.text.data)
            elif action == "suspender":
                suspend(row.opening, current_user, form.text.data)
            elif action == "confirmar":
                moderation_actions.confirm(row.opening, current_user, form.text.data)
            else:
                moderation_actions.reinstate(row.opening, current_user, form.text.data)
        except NotAllowed:
            abort(404)
        except NotPublished as problem:
            db.session.rollback()
            error, status = str(problem), 409
        except ModerationError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            return htmx.done(back, "openings/_report_card.html", message=DONE[action],
                             row=moderation_queries.report_for(current_user, report_id), link=True,
                             endpoints=_endpoints(), back=back)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors) or "Revisa el formulario."
    fresh = moderation_queries.report_for(current_user, report_id)
    return htmx.done(back, "openings/_report_card.html", message=error, kind="error", status=status,
                     row=fresh, link=True, endpoints=_endpoints(), back=back,
                     error=error, error_action=action, text=form.text.data or "")


def _openings(count: int) -> str:
    return "su oferta" if count == 1 else f"sus {count} ofertas"


def company_suspension(company_id: int, action: str):
    """An admin suspends or reinstates a company, from a report's card (back to where it was)."""
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    form = ActionForm()
    target = safe_target(form.next.data)
    back = target if target and target.startswith(url_for(ENDPOINTS["admin"]["queue"])) else url_for(
        ENDPOINTS["admin"]["queue"])
    if not form.validate_on_submit():
        message = " ".join(e for errors in form.errors.values() for e in errors) or "Revisa el formulario."
        return htmx.done(back, message=message, kind="error", status=422)
    try:
        if action == "suspender":
            count = moderation_actions.suspend_company(company, current_user, form.text.data)
            message = (f"Suspendiste a {company.display_name}"
                       + (f" y {_openings(count)} publicada{'s' if count > 1 else ''}." if count
                          else ". No tenía ofertas publicadas.")
                       + " Avisamos a su equipo.")
        else:
            count = moderation_actions.reinstate_company(company, current_user, form.text.data)
            message = (f"{company.display_name} ya no está suspendida"
                       + (f"; {_openings(count)} vuelve{'n' if count > 1 else ''} a estar publicada{'s' if count > 1 else ''}."
                          if count else ".")
                       + " Avisamos a su equipo.")
    except NotAllowed:
        abort(404)
    except ModerationError as problem:
        db.session.rollback()
        return htmx.done(back, message=str(problem), kind="error",
                         status=409 if isinstance(problem, NotPublished) else 422)
    # A plain form (every card of the company changed): back to the page it came from.
    return htmx.done(back, message=message)
