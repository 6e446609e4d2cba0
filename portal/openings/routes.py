"""Public openings: the listing and its Atom feed, the opening page and its share card,
reports and suspension."""
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock, headers, htmx, links, places
from portal.access import company_of, role_required
from portal.applications import eligibility
from portal.applications.forms import ApplyForm
from portal.applications.queries import apply_state, audience_classes
from portal.extensions import limiter
from portal.openings import expiry, fragments, listing, moderation, posting, queries, share_card
from portal.openings.moderation_forms import ReportForm, SuspendForm

bp = Blueprint("openings", __name__)
bp.add_app_template_global(queries.card_html, "card_html")
bp.add_app_template_global(eligibility.audience, "audience")


@bp.route("/ofertas")
def index():
    """Open openings, filtered by the query string: every result list is a shareable URL."""
    filters = queries.Filters.from_args(request.args)
    # Per request, beside the cached cards: whether this student may take each modality.
    audiences = audience_classes(current_user)
    if not htmx.is_partial():
        page = queries.search_openings(filters)
        return htmx.render(
            "openings/index.html", page=page, filters=filters, audiences=audiences,
            families=queries.family_choices(filters.familia),
            programmes=queries.programme_choices(filters.familia, filters.programa),
            departments=places.departments(),
            provinces=places.provinces(filters.departamento or ""),
            orders=queries.ORDERS,
            # What "Avísame de nuevas ofertas así" saves without JavaScript (portal/alerts/).
            search_query=urlencode([(k, v) for k, v in filters.args().items() if k not in ("orden", "pagina")]),
        )
    # A search asked before (as of the same open openings) is answered with the bytes made
    # then (portal/openings/fragments.py).
    version = listing.open_openings(clock.today()).version
    return fragments.answer(version, (tuple(filters.args().items()), audiences),
                            lambda: _results(filters, audiences))


RESULTS = "openings/_results_swap.html"


def _results(filters: queries.Filters, audiences: str):
    """The listing's fragment: the results (and the filter count), or "Ver más"'s rows."""
    page = queries.search_openings(filters)
    if filters.pagina > 1 and page.items:
        # Only "Ver más" asks for a later page in place: the rows to append and a new pager.
        return htmx.render("openings/_more.html", page=page, filters=filters)
    response = htmx.render(RESULTS, page=page, filters=filters, audiences=audiences)
    headers.put(response, "HX-Push-Url", _pushed(filters))
    return response


def _pushed(filters: queries.Filters) -> str:
    """The form pushes its URL; push the clean one instead (no empty fields, no dropped
    values), so what people copy and share is short and shows the same results."""
    return links.with_query("openings.index", filters.args())


def first_results(args) -> tuple[str, str] | None:
    """The results `index` answers an anonymous visitor's search for its first page with,
    as the fragment's HTML and the URL it pushes, rendered from the template alone: no
    response, no context processors (the fragment reads none: `audiences` is empty for
    anyone not signed in). The listing's fast path answers a first search with it
    (portal/openings/fastpath.py: `_rendered_here`, which holds it to the view's answer).
    None for a later page, whose answer may be "Ver más"'s rows."""
    filters = queries.Filters.from_args(args)
    if filters.pagina > 1:
        return None
    page = queries.search_openings(filters)
    html = current_app.jinja_env.get_template(RESULTS).render(page=page, filters=filters, audiences="")
    return html, _pushed(filters)


FEED_MAX_AGE = 600  # a feed reader asks every hour or so; ten minutes old is fresh enough
CARD_MAX_AGE = 7 * 86400  # the page names the card by its digest: a changed card is a new URL


@bp.route("/ofertas.atom")
def feed():
    """The listing as an Atom feed: the same query string, the same search, its first page."""
    filters = queries.Filters.from_args(request.args)
    filters.pagina = 1
    page = queries.search_openings(filters)
    entries = queries.feed_entries(page.items)
    body = render_template("openings/feed.xml", page=page, filters=filters, entries=entries,
                           updated=queries.feed_updated(entries))
    response = Response(body, mimetype="application/atom+xml")
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    return response


@bp.route("/ofertas/<int:opening_id>/tarjeta.png")
def card_image(opening_id: int):
    """The picture a shared link shows (og:image), for an opening people may apply to."""
    opening = queries.visible_opening(opening_id, None)
    if opening is None or not posting.is_postable(opening):
        abort(404)
    card = share_card.fields(opening)
    if card.digest in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(share_card.png(card), mimetype="image/png")
    response.set_etag(card.digest)
    response.cache_control.public = True
    response.cache_control.max_age = CARD_MAX_AGE
    return response


@bp.route("/ofertas/provincias")
def provinces():
    """The province select for the chosen department (swapped in when the department changes)."""
    filters = queries.Filters.from_args(request.args)
    if not htmx.is_partial():
        return redirect(url_for("openings.index", **filters.args()))
    return htmx.render("openings/_province_select.html", filters=filters,
                       provinces=places.provinces(filters.departamento or ""))


@bp.route("/ofertas/programas")
def programmes():
    """The programme select for the chosen family (swapped in when the family changes)."""
    filters = queries.Filters.from_args(request.args)
    if not htmx.is_partial():
        return redirect(url_for("openings.index", **filters.args()))
    return htmx.render("openings/_programme_select.html", filters=filters,
                       programmes=queries.programme_choices(filters.familia, filters.programa))


def _visible_or_404(opening_id: int):
    """The opening if this visitor may see it, expired first if its deadline has passed."""
    company = company_of(current_user) if current_user.is_authenticated else None
    company_id = company.id if company else None
    opening = queries.visible_opening(opening_id, company_id)
    if opening is None:
        abort(404)
    if expiry.expire_if_due(opening):
        opening = queries.visible_opening(opening_id, company_id)
    return opening


def _show_context(opening, **context) -> dict:
    if posting.is_postable(opening):
        # Google's job search and link previews: only for an opening people may apply to.
        context.setdefault("job_posting", posting.script_json(posting.job_posting(opening)))
        context.setdefault("card_digest", share_card.fields(opening).digest)
    can_suspend = moderation.can_suspend(current_user, opening)
    context.setdefault("report_form", ReportForm(prefix="report", formdata=None))
    if can_suspend and opening.state == "published":
        context.setdefault("suspend_form", SuspendForm(prefix="suspend", formdata=None))
    context.setdefault("apply", apply_state(current_user, opening))
    context.setdefault("form", ApplyForm(formdata=None))
    return {"opening": opening, "days_left": queries.days_left(opening.deadline), "can_suspend": can_suspend,
            **context}


def _render_show(opening, fragment: str | None = None, status: int = 200, **context):
    return htmx.render("openings/show.html", fragment, status=status, **_show_context(opening, **context))


@bp.route("/ofertas/<int:opening_id>")
def show(opening_id: int):
    """Everything a person needs to decide whether to apply."""
    return _render_show(_visible_or_404(opening_id))


@bp.route("/ofertas/<int:opening_id>/reportar", methods=["POST"])
@limiter.limit("10 per hour")
def report(opening_id: int):
    """Report an opening (anyone, signed in or not); coordinators and admins are told."""
    opening = _visible_or_404(opening_id)
    if opening.state == "draft":  # only its own company sees it: nothing to report
        abort(404)
    form = ReportForm(prefix="report")
    if form.validate_on_submit():
        reporter = current_user if current_user.is_authenticated else None
        try:
            moderation.report(opening, reporter, form.reason.data, form.details.data)
        except moderation.ModerationError as error:
            form[error.field or "reason"].errors.append(str(error))
        else:
            return htmx.done(url_for("openings.show", opening_id=opening.id), "openings/_report.html",
                             message="Gracias por avisarnos. Revisaremos esta oferta.", opening=opening,
                             reported=True)
    return _render_show(opening, "openings/_report.html", status=422, report_form=form, report_open=True)


@bp.route("/ofertas/<int:opening_id>/suspender", methods=["POST"])
@role_required("coordinator", "admin")
def suspend(opening_id: int):
    """Suspend a published opening with a reason (a coordinator: one meant for its CETPRO)."""
    opening = _visible_or_404(opening_id)
    if not moderation.can_suspend(current_user, opening):
        abort(404)
    form = SuspendForm(prefix="suspend")
    if form.validate_on_submit():
        try:
            moderation.suspend(opening, current_user, form.reason.data)
        except moderation.NotPublished as error:
            opening = queries.visible_opening(opening_id, None) or opening
            return _render_show(opening, "openings/_opening.html", status=409, moderation_error=str(error))
        except moderation.ModerationError as error:
            form.reason.errors.append(str(error))
        else:
            return htmx.done(url_for("openings.show", opening_id=opening_id), "openings/_opening.html",
                             message="Suspendiste la oferta. La empresa ya fue avisada.",
                             **_show_context(queries.visible_opening(opening_id, None)))
    return _render_show(opening, "openings/_opening.html", status=422, suspend_form=form, suspend_open=True)
