"""The employer's dashboard (/empresa) and openings (/empresa/ofertas/…): create, edit, publish,
close, fill, duplicate, delete a draft."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import htmx, vocab
from portal.access import company_of, one_or_404, openings_managed_by, role_required
from portal.employers import bp, queries
from portal.forms import parse_decimal
from portal.models import Opening
from portal.openings import choices, legal, rmv, services
from portal.openings.forms import OpeningForm


def _company_or_pending():
    company = company_of(current_user)
    if company is None:
        abort(403)
    return company


def _owned_opening(opening_id: int) -> Opening:
    return one_or_404(openings_managed_by(current_user).where(Opening.id == opening_id))


def _dashboard_context(company):
    return {
        "company": company,
        "openings": queries.opening_counts(company),
        "applications": queries.application_counts(company),
        "rows": queries.opening_rows(company),
        "pending_members": queries.pending_member_count(company),
    }


@bp.route("")
@role_required("employer")
def dashboard():
    """The company's openings with their applicants by state, and what to do next."""
    company = company_of(current_user)
    if company is None:
        return htmx.render("employers/pending.html", membership=queries.pending_membership(current_user))
    return htmx.render("employers/dashboard.html", "employers/_openings.html", **_dashboard_context(company))


def _form_page(form: OpeningForm, opening: Opening | None, status: int = 200, stale: bool = False):
    company = _company_or_pending()
    choices.fill(form, held=choices.Held.of(opening),
                 kept_cetpros=[c.id for c in opening.cetpros] if opening else ())
    return htmx.render(
        "employers/opening_form.html",
        "employers/_opening_form.html",
        status=status,
        form=form,
        opening=opening,
        company=company,
        stale=stale,
        minimum=_minimum_for(form.kind.data, form.hours_per_week.data, form.start_date.data),
    )


def _apply_problems(form: OpeningForm, problems: dict[str, list[str]]) -> None:
    for name, messages in problems.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + messages


@bp.route("/ofertas/nueva", methods=["GET", "POST"])
@role_required("employer")
def create():
    """A new opening, saved as a draft."""
    company = _company_or_pending()
    form = OpeningForm()
    choices.fill(form)
    if form.validate_on_submit():
        try:
            opening = services.create_draft(company, current_user, form.to_data())
        except services.OpeningError as error:
            _apply_problems(form, error.problems)
        else:
            flash("Guardamos la oferta como borrador. Revísala y publícala cuando esté lista.", "success")
            return redirect(url_for("employers.edit", opening_id=opening.id), code=303)
        return _form_page(form, None, 422)
    if request.method == "POST":
        return _form_page(form, None, 422)
    return _form_page(form, None)


@bp.route("/ofertas/<int:opening_id>/editar", methods=["GET", "POST"])
@role_required("employer")
def edit(opening_id: int):
    """Edit an opening; a stale form is refused and shows the current version. A draft's
    "Publicar" button (name `publicar`) saves and publishes at once, or neither."""
    opening = _owned_opening(opening_id)
    form = OpeningForm()
    if request.method == "GET":
        form.fill_from(services.data_of(opening), opening.version)
        return _form_page(form, opening)
    choices.fill(form, held=choices.Held.of(opening))
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0
        publish = "publicar" in request.form
        try:
            services.update_opening(opening, current_user, form.to_data(), version, publish=publish)
        except services.StaleOpening as error:
            fresh = OpeningForm(formdata=None)
            fresh.fill_from(services.data_of(opening), opening.version)
            flash(str(error), "error")
            return _form_page(fresh, opening, 409, stale=True)
        except services.OpeningError as error:
            _apply_problems(form, error.problems)
            if not error.problems:
                flash(str(error), "error")
        else:
            if publish:
                flash("Publicaste la oferta. Ya aparece en el buscador.", "success")
                return redirect(url_for("openings.show", opening_id=opening.id), code=303)
            flash("Guardamos los cambios.", "success")
            return redirect(url_for("employers.edit", opening_id=opening.id), code=303)
    return _form_page(form, opening, 422)


@bp.route("/ofertas/<int:opening_id>/eliminar", methods=["GET", "POST"])
@role_required("employer")
def delete(opening_id: int):
    """Delete a draft nobody has seen. GET asks to confirm (a page, so it works without
    JavaScript); POST deletes. An opening that was published is closed instead."""
    opening = _owned_opening(opening_id)
    if request.method == "GET":
        return htmx.render("employers/delete_opening.html", opening=opening,
                           obstacle=services.deletion_obstacle(opening))
    try:
        title = services.delete_draft(opening, current_user)
    except services.OpeningError as error:
        return htmx.done(url_for("employers.delete", opening_id=opening_id), message=str(error),
                         kind="error", status=409)
    return htmx.done(url_for("employers.dashboard"), message=f"Eliminaste el borrador «{title}».")


@bp.route("/ofertas/campos")
@role_required("employer")
def requirement_fields():
    """The programmes and modules of the chosen family (htmx swaps them into the form)."""
    form = OpeningForm(formdata=request.args, meta={"csrf": False})
    choices.fill(form)
    return htmx.render("employers/_requirements.html", form=form)


def _decimal(value) -> Decimal | None:
    try:
        number = parse_decimal(str(value or "").replace(",", "."))
    except ValueError:
        return None
    return number if 0 < number <= 168 else None


def _minimum_for(kind, hours_per_week, start_date):
    if kind not in vocab.OPENING_KINDS:
        return None
    rate = rmv.in_force(start_date)
    if rate is None:
        return None
    max_day, max_week = legal.MAX_HOURS[kind]
    hours = min(hours_per_week, Decimal(max_week)) if hours_per_week else None
    return {
        "kind": kind,
        "amount": legal.minimum_pay(kind, hours, rate.amount),
        "rmv": rate,
        "max_day": max_day,
        "max_week": max_week,
        "hours": hours,
        "formative": kind in vocab.FORMATIVE_KINDS,
    }


@bp.route("/ofertas/minimo")
@role_required("employer")
def legal_minimum():
    """The lawful minimum pay for the hours typed so far (htmx, as the hours change)."""
    try:
        start = date.fromisoformat(request.args.get("start_date", ""))
    except ValueError:
        start = None
    minimum = _minimum_for(request.args.get("kind"), _decimal(request.args.get("hours_per_week")), start)
    return htmx.render("employers/_legal_minimum.html", minimum=minimum)


def _row_response(opening: Opening, message: str, kind: str = "success", status: int = 200):
    company = _company_or_pending()
    context = _dashboard_context(company)
    row = next((r for r in context["rows"] if r.opening.id == opening.id), None)
    return htmx.done(url_for("employers.dashboard"), "employers/_opening_changed.html", message=message, kind=kind,
                     status=status, row=row, error=message if kind == "error" else None, **context)


@bp.route("/ofertas/<int:opening_id>/<any(publicar, cerrar, cubrir):action>", methods=["POST"])
@role_required("employer")
def change_state(opening_id: int, action: str):
    """Publish, close or mark filled, in place."""
    opening = _owned_opening(opening_id)
    try:
        if action == "publicar":
            services.publish(opening, current_user)
            message = "Publicaste la oferta. Ya aparece en el buscador."
        else:
            told = services.finish(opening, current_user, "close" if action == "cerrar" else "fill")
            done = "Cerraste la oferta" if action == "cerrar" else "Marcaste la oferta como cubierta"
            if told:
                people = "postulante" if told == 1 else "postulantes"
                message = f"{done}. Avisamos a {told} {people} que el proceso terminó."
            else:
                message = f"{done}. No había postulaciones abiertas."
    except services.OpeningError as error:
        return _row_response(opening, str(error), "error", 409)
    return _row_response(opening, message)


@bp.route("/ofertas/<int:opening_id>/duplicar", methods=["POST"])
@role_required("employer")
def duplicate(opening_id: int):
    """Copy an opening into a new draft and open it for editing."""
    copy = services.duplicate(_owned_opening(opening_id), current_user)
    flash("Creamos una copia como borrador. Elige sus fechas y publícala.", "success")
    return redirect(url_for("employers.edit", opening_id=copy.id), code=303)
