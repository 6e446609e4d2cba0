"""Convenios between a CETPRO and a company: both sides' pages, proposing, accepting or
declining in place, the signed PDF (for the two parties and admins only)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock, htmx
from portal.access import company_of, role_required
from portal.convenios import queries, services
from portal.convenios.forms import CetproProposalForm, CompanyProposalForm, DecisionForm, PdfForm
from portal.extensions import db
from portal.forms import attach_errors
from portal.models import Cetpro, Convenio
from portal.uploads import send_stored

bp = Blueprint("convenios", __name__)

# Per side: its page, its endpoints, and the party it deals with.
SIDES = {
    "cetpro": {"index": "convenios.coordinator_index", "create": "convenios.coordinator_create",
               "decide": "convenios.coordinator_decide", "pdf": "convenios.coordinator_pdf"},
    "company": {"index": "convenios.employer_index", "create": "convenios.employer_create",
                "decide": "convenios.employer_decide", "pdf": "convenios.employer_pdf"},
}


def _cetpro() -> Cetpro:
    cetpro = db.session.get(Cetpro, current_user.cetpro_id) if current_user.cetpro_id else None
    if cetpro is None:
        abort(403)
    return cetpro


def _company():
    """The employer's company; a pending member has none yet (→ its dashboard says why)."""
    company = company_of(current_user)
    if company is None:
        abort(redirect(url_for("employers.dashboard")))
    return company


def _own_convenio(convenio_id: int) -> Convenio:
    """A convenio of the user's CETPRO or company; anyone else's does not exist here (404)."""
    convenio = db.session.scalar(queries.visible_to(current_user).where(Convenio.id == convenio_id))
    if convenio is None:
        abort(404)
    return convenio


def _apply_errors(form, error: services.ConvenioError) -> None:
    attach_errors(form, error.errors, str(error))


def _data(form) -> services.ConvenioData:
    return services.ConvenioData(kind=form.kind.data or "", start_date=form.start_date.data,
                                 end_date=form.end_date.data, places_per_term=form.places_per_term.data,
                                 notes=form.notes.data or "")


def _context(side: str, form, party) -> dict:
    items = queries.for_cetpro(party.id) if side == "cetpro" else queries.for_company(party.id)
    return {"side": side, "endpoints": SIDES[side], "items": items, "form": form, "party": party,
            "today": clock.today(), "pdf_form": PdfForm(formdata=None)}


def _company_form(fresh: bool = False) -> CompanyProposalForm:
    form = CompanyProposalForm(formdata=None) if fresh else CompanyProposalForm()
    form.cetpro_id.choices = [(0, "— Elige un CETPRO —")] + queries.cetpro_choices()
    return form


def _proposed(side: str, party, convenio: Convenio, created: bool, fresh_form):
    other = convenio.company.display_name if side == "cetpro" else convenio.cetpro.name
    message = (f"Enviamos tu propuesta a {other}. Te avisaremos cuando responda." if created
               else f"Ya le habías propuesto este convenio a {other}: sigue esperando su respuesta.")
    if not htmx.is_htmx():
        flash(message, "success")
    return htmx.done(url_for(SIDES[side]["index"]), "convenios/_proposed.html", event="notice",
                     detail={"message": message, "kind": "success"}, **_context(side, fresh_form, party))


# --- The coordinator's side -------------------------------------------------------------------


@bp.route("/coordinador/convenios")
@role_required("coordinator")
def coordinator_index():
    """The CETPRO's convenios (those waiting for an answer and those ending soon first) and a proposal form."""
    cetpro = _cetpro()
    return htmx.render("convenios/index.html", "convenios/_list.html",
                       **_context("cetpro", CetproProposalForm(formdata=None), cetpro))


@bp.route("/coordinador/convenios/empresas")
@role_required("coordinator")
def company_search():
    """Companies matching a RUC or name, to choose one in the proposal form (active search)."""
    _cetpro()
    q = request.args.get("empresa", "")
    return htmx.render("convenios/_company_choices.html", companies=queries.company_matches(q), q=q.strip())


@bp.route("/coordinador/convenios", methods=["POST"])
@role_required("coordinator")
def coordinator_create():
    """The CETPRO proposes a convenio to a company."""
    cetpro = _cetpro()
    form = CetproProposalForm()
    companies = []
    if form.validate_on_submit():
        try:
            company = services.resolve_company(form.company_id.data or None, form.empresa.data)
            convenio, created = services.propose(current_user, "cetpro", cetpro, company, _data(form), form.pdf.data)
        except services.ConvenioError as error:
            _apply_errors(form, error)
            companies = queries.company_matches(form.empresa.data or "")
        else:
            return _proposed("cetpro", cetpro, convenio, created, CetproProposalForm(formdata=None))
    return htmx.render("convenios/index.html", "convenios/_form.html", status=422,
                       companies=companies, **_context("cetpro", form, cetpro))


def _decide(side: str, convenio_id: int, action: str, party):
    convenio = _own_convenio(convenio_id)
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
    if not htmx.is_htmx():
        flash(message, kind)
        return redirect(url_for(SIDES[side]["index"]), code=303)
    response = htmx.render("convenios/_convenio.html", status=status, item=queries.item(convenio, side),
                           side=side, endpoints=SIDES[side], pdf_form=PdfForm(formdata=None),
                           error=message if kind == "error" else None)
    htmx.trigger(response, "notice", {"message": message, "kind": kind})
    return htmx.trigger(response, "notifications-changed")


@bp.route("/coordinador/convenios/<int:convenio_id>/<any(aceptar, rechazar):action>", methods=["POST"])
@role_required("coordinator")
def coordinator_decide(convenio_id: int, action: str):
    """Accept or decline a company's proposal, in place."""
    return _decide("cetpro", convenio_id, action, _cetpro())


def _upload(side: str, convenio_id: int):
    convenio = _own_convenio(convenio_id)
    form = PdfForm()
    status, kind = 200, "success"
    if not form.validate_on_submit():
        abort(400)
    try:
        services.attach_pdf(current_user, convenio, form.pdf.data)
        message = "Guardamos el PDF del convenio."
    except services.ConvenioError as error:
        message, status, kind = str(error), 422, "error"
    if not htmx.is_htmx():
        flash(message, kind)
        return redirect(url_for(SIDES[side]["index"]), code=303)
    response = htmx.render("convenios/_convenio.html", status=status, item=queries.item(convenio, side),
                           side=side, endpoints=SIDES[side], pdf_form=PdfForm(formdata=None),
                           error=message if kind == "error" else None)
    return htmx.trigger(response, "notice", {"message": message, "kind": kind})


@bp.route("/coordinador/convenios/<int:convenio_id>/pdf", methods=["POST"])
@role_required("coordinator")
def coordinator_pdf(convenio_id: int):
    """Upload or replace the signed PDF."""
    _cetpro()
    return _upload("cetpro", convenio_id)


# --- The employer's side ----------------------------------------------------------------------


@bp.route("/empresa/convenios")
@role_required("employer")
def employer_index():
    """The company's convenios with CETPROs and a proposal form."""
    company = _company()
    return htmx.render("convenios/index.html", "convenios/_list.html",
                       **_context("company", _company_form(fresh=True), company))


@bp.route("/empresa/convenios", methods=["POST"])
@role_required("employer")
def employer_create():
    """The company proposes a convenio to a CETPRO."""
    company = _company()
    form = _company_form()
    if form.validate_on_submit():
        cetpro = db.session.get(Cetpro, form.cetpro_id.data) if form.cetpro_id.data else None
        try:
            convenio, created = services.propose(current_user, "company", cetpro, company, _data(form), form.pdf.data)
        except services.ConvenioError as error:
            _apply_errors(form, error)
        else:
            return _proposed("company", company, convenio, created, _company_form(fresh=True))
    return htmx.render("convenios/index.html", "convenios/_form.html", status=422,
                       **_context("company", form, company))


@bp.route("/empresa/convenios/<int:convenio_id>/<any(aceptar, rechazar):action>", methods=["POST"])
@role_required("employer")
def employer_decide(convenio_id: int, action: str):
    """Accept or decline a CETPRO's proposal, in place."""
    return _decide("company", convenio_id, action, _company())


@bp.route("/empresa/convenios/<int:convenio_id>/pdf", methods=["POST"])
@role_required("employer")
def employer_pdf(convenio_id: int):
    """Upload or replace the signed PDF."""
    _company()
    return _upload("company", convenio_id)


# --- The signed PDF ---------------------------------------------------------------------------


@bp.route("/convenios/<int:convenio_id>/pdf")
@role_required("coordinator", "employer", "admin")
def pdf(convenio_id: int):
    """The signed PDF: for the CETPRO's coordinators, the company's members and admins; 404 for anyone else."""
    convenio = _own_convenio(convenio_id)
    return send_stored(convenio.pdf_path, f"Convenio-{convenio.id}.pdf")
