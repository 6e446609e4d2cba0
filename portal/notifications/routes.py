"""/notificaciones: a signed-in user's notifications, and the header badge."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError

from portal import htmx
from portal.extensions import db
from portal.notifications import CHANGED_EVENT, queries, services
from portal.paging import PageOnly
from portal.redirects import safe_target

bp = Blueprint("notifications", __name__, url_prefix="/notificaciones")


@bp.app_context_processor
def badge_count():
    """`notification_count()` for base.html: called only where the header is drawn, not for fragments."""

    def notification_count() -> int | None:
        if not current_user.is_authenticated:
            return None
        try:
            return services.unread_count(current_user.id)
        except OperationalError:
            # The 503 page is drawn with this header too: without a database it shows no count.
            db.session.rollback()
            return None

    return {"notification_count": notification_count}


def _page_number() -> int:
    return PageOnly.from_args(request.values).page


@bp.route("")
@login_required
def index():
    """The user's notifications, newest first; "Ver más" appends the next page in place."""
    page = queries.page_of(current_user.id, _page_number())
    return htmx.render("notifications/index.html", "notifications/_more.html", page=page)


@bp.route("/contador")
def counter():
    """The header badge alone, polled by htmx. Anonymous: 204, so htmx leaves the header alone."""
    if not current_user.is_authenticated:
        response = htmx.add_vary(make_response("", 204))
    else:
        response = htmx.render("notifications/_badge.html", count=services.unread_count(current_user.id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/leer-todas", methods=["POST"])
@login_required
def mark_all_read():
    """Mark every notification read: 303 back without htmx; the list fragment with it."""
    changed = services.mark_read(current_user, "all")
    page = queries.page_of(current_user.id, _page_number())
    message = "Marcaste todos tus avisos como leídos." if changed else "No tenías avisos sin leer."
    location = url_for("notifications.index", pagina=page.page if page.page > 1 else None)
    return htmx.done(location, "notifications/_list.html", message=message, event=CHANGED_EVENT, page=page)


@bp.route("/<int:notification_id>/abrir", methods=["GET", "POST"])
@login_required
def follow(notification_id: int):
    """Open a notification: go where it points (only paths on this site). POST, from the
    list's button, also marks it read; GET only goes there, so a link prefetched by a browser,
    a mail scanner or an extension changes nothing (and a list page from before this change,
    still open in a tab, keeps working)."""
    notification = queries.owned(current_user.id, notification_id)
    if notification is None:
        abort(404)
    if request.method == "POST" and notification.read_at is None:
        services.mark_read(current_user, [notification.id])
    return redirect(safe_target(notification.url) or url_for("notifications.index"), code=303)
