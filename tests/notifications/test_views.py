"""/notificaciones: the page and its fragments, the badge, opening one, marking all read."""
import json
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification
from portal.notifications import services
from tests import factories


@pytest.fixture
def rosa(app):
    return factories.admin(email="rosa@example.pe")


def add(user, n=1, url="/estudiante/postulaciones", message="Aviso {i}"):
    rows = [services.notify(user.id, "application-updated", message.format(i=i), url) for i in range(n)]
    db.session.commit()
    return [row.id for row in rows]


def hx_trigger(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


# --- The page ---------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/notificaciones")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/ingresar?next=")


def test_the_page_lists_own_notifications_newest_first_with_unread_marked(client, auth, rosa):
    first, second = add(rosa, 2, message="Mensaje {i}")
    services.mark_read(rosa, [first])
    add(factories.admin(), 1, message="De otra persona")
    auth.login(rosa)

    response = client.get("/notificaciones")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html and 'id="notification-list"' in html
    assert html.index("Mensaje 1") < html.index("Mensaje 0")  # newest first
    assert "De otra persona" not in html
    assert html.count('class="notification unread"') == 1 and html.count('class="notification"') == 1
    # Opening is a POST (it marks the notice read): a form with its token, never a link.
    assert f'<form method="post" action="/notificaciones/{second}/abrir"' in html
    assert 'href="/notificaciones/' not in html.split('id="notification-list"', 1)[1].split("</ol>", 1)[0]
    assert "Tienes 1 aviso sin leer." in html and "Marcar todas como leídas" in html
    assert "HX-Request" in response.headers["Vary"]


def test_messages_are_escaped(client, auth, rosa):
    add(rosa, message="<script>alert(1)</script>")
    auth.login(rosa)
    html = client.get("/notificaciones").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_nothing_yet_says_so_and_offers_no_button(client, auth, rosa):
    auth.login(rosa)
    html = client.get("/notificaciones").get_data(as_text=True)
    assert "Aún no tienes avisos" in html and "Marcar todas como leídas" not in html


# --- The badge --------------------------------------------------------------------------

def test_every_page_draws_the_badge_for_a_signed_in_user(client, auth, rosa):
    add(rosa, 3)
    auth.login(rosa)
    html = client.get("/ofertas").get_data(as_text=True)
    badge = re.search(r'<a id="notification-badge".*?</a>', html, re.S).group(0)
    assert 'aria-label="Avisos: 3 sin leer"' in badge and '<span class="count">3</span>' in badge
    assert 'hx-get="/notificaciones/contador"' in badge
    assert 'hx-trigger="every 60s, notifications-changed from:document"' in badge
    assert 'hx-swap="outerHTML"' in badge


def test_anonymous_pages_have_no_badge(client):
    assert b"notification-badge" not in client.get("/ofertas").data


def test_the_counter_is_a_small_uncached_fragment(client, auth, rosa, htmx_headers):
    add(rosa, 2)
    auth.login(rosa)
    response = client.get("/notificaciones/contador", headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<a id="notification-badge"') and "<html" not in html
    assert 'aria-label="Avisos: 2 sin leer"' in html and '<span class="count">2</span>' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.data) < 600


def test_the_counter_shows_no_count_when_all_is_read(client, auth, rosa, htmx_headers):
    add(rosa, 1)
    services.mark_read(rosa, "all")
    auth.login(rosa)
    html = client.get("/notificaciones/contador", headers=htmx_headers).get_data(as_text=True)
    assert 'class="count"' not in html and "aria-label" not in html and ">Avisos</a>" in html


def test_a_large_count_is_shown_short(client, auth, rosa, htmx_headers):
    add(rosa, 100)
    auth.login(rosa)
    html = client.get("/notificaciones/contador", headers=htmx_headers).get_data(as_text=True)
    assert '<span class="count">99+</span>' in html and 'aria-label="Avisos: 100 sin leer"' in html


def test_the_counter_answers_no_content_to_anonymous_polls(client, htmx_headers):
    response = client.get("/notificaciones/contador", headers=htmx_headers)
    assert response.status_code == 204 and response.data == b""
    assert response.headers["Cache-Control"] == "no-store"


# --- Opening one ------------------------------------------------------------------------

def test_opening_marks_it_read_and_goes_to_its_page(client, auth, rosa):
    (notification_id,) = add(rosa, url="/estudiante/postulaciones?estado=finalist")
    auth.login(rosa)
    response = client.post(f"/notificaciones/{notification_id}/abrir")
    assert response.status_code == 303
    assert response.headers["Location"] == "/estudiante/postulaciones?estado=finalist"
    assert db.session.get(Notification, notification_id).read_at is not None
    assert services.unread_count(rosa) == 0


def test_a_get_goes_there_but_changes_nothing(client, auth, rosa, htmx_headers):
    """What a prefetch, a mail scanner or a tab left open on the old list would send."""
    (notification_id,) = add(rosa, url="/estudiante/postulaciones")
    auth.login(rosa)
    for headers in ({}, htmx_headers):
        response = client.get(f"/notificaciones/{notification_id}/abrir", headers=headers)
        assert response.status_code == 303 and response.headers["Location"] == "/estudiante/postulaciones"
    db.session.expire_all()
    assert db.session.get(Notification, notification_id).read_at is None
    assert services.unread_count(rosa) == 1


def test_opening_without_the_csrf_token_changes_nothing(client, auth, rosa):
    (notification_id,) = add(rosa)
    auth.login(rosa)
    assert client.post(f"/notificaciones/{notification_id}/abrir", csrf=False).status_code == 400
    assert db.session.get(Notification, notification_id).read_at is None


def test_opening_again_keeps_the_first_reading_time(client, auth, rosa):
    (notification_id,) = add(rosa)
    auth.login(rosa)
    client.post(f"/notificaciones/{notification_id}/abrir")
    first = db.session.get(Notification, notification_id).read_at
    assert client.post(f"/notificaciones/{notification_id}/abrir").status_code == 303
    db.session.expire_all()
    assert db.session.get(Notification, notification_id).read_at == first


def test_another_users_notification_does_not_exist(client, auth, rosa):
    (theirs,) = add(factories.admin())
    auth.login(rosa)
    for method in (client.get, client.post):
        assert method(f"/notificaciones/{theirs}/abrir").status_code == 404
        assert method("/notificaciones/999999/abrir").status_code == 404
    assert db.session.get(Notification, theirs).read_at is None


def test_opening_needs_a_signed_in_user(client, rosa):
    (notification_id,) = add(rosa)
    for method in (client.get, client.post):
        response = method(f"/notificaciones/{notification_id}/abrir")
        assert response.status_code == 302 and response.headers["Location"].startswith("/ingresar")
    assert db.session.get(Notification, notification_id).read_at is None


@pytest.mark.parametrize("url", ["https://evil.example", "//evil", "/\\evil.example", "javascript:alert(1)",
                                 "/%09/evil.example", "/\t/evil.example", None])
def test_a_url_off_this_site_is_never_followed(client, auth, rosa, url):
    # Written around notify(), which refuses such urls: as if an old or hand-made row held one.
    row = Notification(user_id=rosa.id, kind="nomination", message="x", url=url)
    db.session.add(row)
    db.session.commit()
    auth.login(rosa)
    response = client.post(f"/notificaciones/{row.id}/abrir")
    assert response.status_code == 303 and response.headers["Location"] == "/notificaciones"
    assert db.session.get(Notification, row.id).read_at is not None


# --- Marking all read -------------------------------------------------------------------

def test_mark_all_read_without_htmx_redirects_back(client, auth, rosa):
    add(rosa, 3)
    (theirs,) = add(factories.admin())
    auth.login(rosa)
    response = client.post("/notificaciones/leer-todas")
    assert response.status_code == 303 and response.headers["Location"] == "/notificaciones"
    assert services.unread_count(rosa) == 0
    assert db.session.get(Notification, theirs).read_at is None
    html = client.get("/notificaciones").get_data(as_text=True)
    assert "Marcaste todos tus avisos como leídos." in html and "No tienes avisos sin leer." in html


def test_mark_all_read_with_htmx_answers_the_list_and_announces_it(client, auth, rosa, htmx_headers):
    add(rosa, 3)
    auth.login(rosa)
    response = client.post("/notificaciones/leer-todas", headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="notification-list"') and "<html" not in html
    assert 'class="notification unread"' not in html and "Marcar todas como leídas" not in html
    events = hx_trigger(response)
    assert "notifications-changed" in events
    assert events["notice-posted"]["message"] == "Marcaste todos tus avisos como leídos."
    assert services.unread_count(rosa) == 0


def test_mark_all_read_needs_the_csrf_token(client, auth, rosa):
    add(rosa, 1)
    auth.login(rosa)
    response = client.post("/notificaciones/leer-todas", csrf=False)
    assert response.status_code == 400
    assert services.unread_count(rosa) == 1


def test_mark_all_read_needs_a_signed_in_user(client):
    response = client.post("/notificaciones/leer-todas")
    assert response.status_code == 302 and response.headers["Location"].startswith("/ingresar")


def test_mark_all_read_is_a_post(client, auth, rosa):
    auth.login(rosa)
    assert client.get("/notificaciones/leer-todas").status_code == 405


# --- Pages ------------------------------------------------------------------------------

def _messages(html):
    return re.findall(r"Aviso (\d+)<", html)


def test_twenty_a_page_with_numbered_pages_for_no_script(client, auth, rosa):
    add(rosa, 45)
    auth.login(rosa)
    first = client.get("/notificaciones").get_data(as_text=True)
    assert _messages(first) == [str(i) for i in range(44, 24, -1)]
    assert 'id="notification-more"' in first and 'href="/notificaciones?pagina=2"' in first
    assert 'aria-current="page" aria-label="Página 1"' in first
    assert 'href="/notificaciones?pagina=3"' in first

    last = client.get("/notificaciones?pagina=3").get_data(as_text=True)
    assert _messages(last) == ["4", "3", "2", "1", "0"]
    assert 'id="notification-more"' not in last and 'aria-current="page" aria-label="Página 3"' in last


def test_ver_mas_appends_the_next_page_in_place(client, auth, rosa, htmx_headers):
    add(rosa, 45)
    auth.login(rosa)
    response = client.get("/notificaciones?pagina=2", headers=htmx_headers)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Marcar todas" not in html
    assert '<hx-partial hx-target="#notification-items" hx-swap="beforeend">' in html
    assert _messages(html) == [str(i) for i in range(24, 4, -1)]
    # The pager replaces itself and points at the page after.
    assert '<nav id="notification-pager"' in html and 'hx-get="/notificaciones?pagina=3"' in html

    last = client.get("/notificaciones?pagina=3", headers=htmx_headers).get_data(as_text=True)
    assert _messages(last) == ["4", "3", "2", "1", "0"]
    assert '<nav id="notification-pager"' in last and "notification-more" not in last


@pytest.mark.parametrize("asked, shown", [("0", 1), ("-3", 1), ("abc", 1), ("99", 3)])
def test_odd_page_numbers_land_on_a_real_page(client, auth, rosa, asked, shown):
    add(rosa, 45)
    auth.login(rosa)
    html = client.get(f"/notificaciones?pagina={asked}").get_data(as_text=True)
    assert f'aria-current="page" aria-label="Página {shown}"' in html


def test_one_page_has_no_pager(client, auth, rosa):
    add(rosa, 20)
    auth.login(rosa)
    assert b"notification-pager" not in client.get("/notificaciones").data


def test_the_page_shows_time_in_lima(client, auth, rosa):
    (notification_id,) = add(rosa)
    row = db.session.get(Notification, notification_id)
    from datetime import datetime

    row.created_at = datetime(2025, 3, 1, 15, 30)  # UTC
    db.session.commit()
    auth.login(rosa)
    html = client.get("/notificaciones").get_data(as_text=True)
    assert 'datetime="2025-03-01T15:30:00Z"' in html and "10:30" in html
    assert db.session.scalar(select(Notification.read_at)) is None  # looking is not reading
