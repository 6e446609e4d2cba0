"""The coordinator's convenios (/coordinador/convenios): the CETPRO's list, a proposal to a
company (found by RUC or name), answers and the signed PDF; shared views in portal/convenios/views.py."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from portal import htmx
from portal.access import current_cetpro, role_required
from portal.convenios import queries, services, views
from portal.convenios.forms import CetproProposalForm
from portal.coordinators import bp


@bp.route("/convenios")
@role_required("coordinator")
def convenios():
    """The CETPRO's convenios (those waiting for an answer and those ending soon first) and a proposal form."""
    cetpro = current_cetpro()
    return htmx.render("convenios/index.html", "convenios/_list.html",
                       **views.context("cetpro", CetproProposalForm(formdata=None), cetpro))


@bp.route("/convenios/empresas")
@role_required("coordinator")
def convenio_companies():
    """Companies matching a RUC or name, to choose one in the proposal form (active search)."""
    current_cetpro()
    q = request.args.get("empresa", "")
    return htmx.render("convenios/_company_choices.html", companies=queries.company_matches(q), q=q.strip())


@bp.route("/convenios", methods=["POST"])
@role_required("coordinator")
def propose_convenio():
    """The CETPRO proposes a convenio to a company."""
    cetpro = current_cetpro()
    form = CetproProposalForm()
    companies = []
    if form.validate_on_submit():
        try:
            company = services.resolve_company(form.company_id.data or None, form.empresa.data)
            convenio, created = services.propose(current_user, "cetpro", cetpro, company, views.data(form), form.pdf.data)
        except services.ConvenioError as error:
            views.apply_errors(form, error)
            companies = queries.company_matches(form.empresa.data or "")
        else:
            return views.proposed("cetpro", cetpro, convenio, created, CetproProposalForm(formdata=None))
    return htmx.render("convenios/index.html", "convenios/_form.html", status=422,
                       companies=companies, **views.context("cetpro", form, cetpro))


@bp.route("/convenios/<int:convenio_id>/<any(aceptar, rechazar):action>", methods=["POST"])
@role_required("coordinator")
def decide_convenio(convenio_id: int, action: str):
    """Accept or decline a company's proposal, in place."""
    return views.decide("cetpro", convenio_id, action, current_cetpro())


@bp.route("/convenios/<int:convenio_id>/pdf", methods=["POST"])
@role_required("coordinator")
def convenio_pdf(convenio_id: int):
    """Upload or replace the signed PDF."""
    current_cetpro()
    return views.upload("cetpro", convenio_id)
