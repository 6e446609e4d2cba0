"""Convenio pages shared by both parties: a coordinator's CETPRO and an employer's company
see the same list, propose with their own form, and answer and attach the PDF the same way.
The routes live with each audience (portal/coordinators/convenios.py, portal/employers/convenios.py)."""
from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from portal import clock, htmx
from portal.convenios import queries, services
from portal.convenios.forms import CompanyProposalForm, DecisionForm, PdfForm
from portal.extensions import db
from portal.forms import attach_errors, options
from portal.models import Convenio

SIDES = {
    "cetpro": {"index": "coordinators.convenios", "create": "coordinators.propose_convenio",
               "decide": "coordinators.decide_convenio", "pdf": "coordinators.convenio_pdf"},
    "company": {"index": "employers.convenios", "create": "employers.propose_convenio",
                "decide": "employers.decide_convenio", "pdf": "employers.convenio_pdf"},
}


def own_convenio(convenio_id: int) -> Convenio:
    """A convenio of the user's CETPRO or company; anyone else's does not exist here (404)."""
    convenio = db.session.scalar(queries.visible_to(current_user).where(Convenio.id == convenio_id))
    if convenio is None:
        abort(404)
    return convenio


def apply_errors(form, error: services.ConvenioError) -> None:
    attach_errors(form, error.errors, str(error))


def data(form) -> services.ConvenioData:
    return services.ConvenioData(kind=form.kind.data or "", start_date=form.start_date.data,
                                 end_date=form.end_date.data, places_per_term=form.places_per_term.data,
                                 notes=form.notes.data or "")


def context(side: str, form, party) -> dict:
    items = queries.for_cetpro(party.id) if side == "cetpro" else queries.for_company(party.id)
    return {"side": side, "endpoints": SIDES[side], "items": items, "form": form, "party": party,
            "today": clock.today(), "pdf_form": PdfForm(formdata=None)}


def company_form(fresh: bool = False) -> CompanyProposalForm:
    form = CompanyProposalForm(formdata=None) if fresh else CompanyProposalForm()
    form.cetpro_id.choices = options(queries.cetpro_choices(), first=(0, "— Elige un CETPRO —"))
    return form


def proposed(side: str, party, convenio: Convenio, created: bool, fresh_form):
    other = convenio.company.display_name if side == "cetpro" else convenio.cetpro.name
    message = (f"Enviamos tu propuesta a {other}. Te avisaremos cuando responda." if created
               else f"Ya le habías propuesto este convenio a {other}: sigue esperando su respuesta.")
    return htmx.done(url_for(SIDES[side]["index"]), "convenios/_proposed.html", message=message,
                     **context(side, fresh_form, party))


def decide(side: str, convenio_id: int, action: str, party):
    convenio = own_convenio(convenio_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    accept = action == "aceptar"
    status, kind = 200, "success"
    try:
        changed = services.decide(current_user, convenio, accept)
    except services.NotAllowed as error:
        message, status, kind = str(error), 409, "error"
    except services.ConvenioError as error:
        message, status, kind = str(error), 409, "error"
    else:
        other = convenio.company.display_name if side == "cetpro" else convenio.cetpro.name
        if not changed:
            message = f"Esta propuesta ya fue respondida: {queries.status(convenio, clock.today()).label.lower()}."
        elif accept:
            message = f"Aceptaste el convenio con {other}. Le avisamos."
        else:
            message = f"Rechazaste la propuesta de {other}. Le avisamos."
    return htmx.done(url_for(SIDES[side]["index"]), "convenios/_convenio.html", message=message, kind=kind,
                     status=status, event="notifications-changed", item=queries.item(convenio, side),
                     side=side, endpoints=SIDES[side], pdf_form=PdfForm(formdata=None),
                     error=message if kind == "error" else None)


def upload(side: str, convenio_id: int):
    convenio = own_convenio(convenio_id)
    form = PdfForm()
    status, kind = 200, "success"
    if not form.validate_on_submit():
        abort(400)
    try:
        services.attach_pdf(current_user, convenio, form.pdf.data)
        message = "Guardamos el PDF del convenio."
    except services.ConvenioError as error:
        message, status, kind = str(error), 422, "error"
    return htmx.done(url_for(SIDES[side]["index"]), "convenios/_convenio.html", message=message, kind=kind,
                     status=status, item=queries.item(convenio, side), side=side, endpoints=SIDES[side],
                     pdf_form=PdfForm(formdata=None), error=message if kind == "error" else None)
