"""notify(), mark_read() and unread_count(): no HTTP, the caller's transaction."""
import pytest
from sqlalchemy import event, select, text

from portal.extensions import db
from portal.models import Notification, OutboxEmail
from portal.notifications import services
from tests import factories


@pytest.fixture
def rosa(app):
    user = factories.admin(email="rosa@example.pe")
    user.first_names = "Rosa"
    db.session.commit()
    return user


def test_notify_writes_the_row_and_the_email_in_the_callers_transaction(rosa):
    services.notify(rosa.id, "application-updated", "Elecsur te pasó a Finalista en «Electricista».",
                    "/estudiante/postulaciones",
                    email=("Eres finalista en Electricista", "Elecsur te pasó a Finalista en «Electricista»."))
    db.session.commit()

    notification = db.session.scalar(select(Notification))
    assert (notification.user_id, notification.kind, notification.url, notification.read_at) == (
        rosa.id, "application-updated", "/estudiante/postulaciones", None)
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_address == "rosa@example.pe"
    assert email.subject == "Eres finalista en Electricista"
    assert email.body_text.startswith("Hola Rosa:\n\nElecsur te pasó a Finalista")
    assert "http://localhost/estudiante/postulaciones\n" in email.body_text
    assert "http://localhost/notificaciones" in email.body_text
    assert email.sent_at is None


def test_notify_does_not_commit_and_a_rollback_leaves_neither(rosa):
    services.notify(rosa.id, "nomination", "Tu CETPRO te recomendó.", "/estudiante",
                    email=("Te recomendaron", "Tu CETPRO te recomendó."))
    db.session.rollback()
    assert db.session.scalar(select(Notification)) is None
    assert db.session.scalar(select(OutboxEmail)) is None


def test_without_email_only_the_notification_is_written(rosa):
    services.notify(rosa.id, "company-verified", "Verificamos tu empresa.")
    db.session.commit()
    assert db.session.scalar(select(Notification.url)) is None
    assert db.session.scalar(select(OutboxEmail)) is None


def test_an_email_without_url_links_to_the_notifications_page(rosa):
    services.notify(rosa.id, "opening-suspended", "Suspendimos una oferta.", email=("Oferta suspendida", "Texto."))
    db.session.commit()
    assert "\nhttp://localhost/notificaciones\n" in db.session.scalar(select(OutboxEmail.body_text))


def test_a_deactivated_account_is_notified_but_not_emailed(rosa):
    rosa.active = False
    db.session.commit()
    services.notify(rosa.id, "nomination", "Te recomendaron.", email=("Asunto", "Texto"))
    db.session.commit()
    assert db.session.scalar(select(Notification)) is not None
    assert db.session.scalar(select(OutboxEmail)) is None


def test_long_texts_are_shortened_to_what_the_columns_hold(rosa):
    services.notify(rosa.id, "nomination", "palabra " * 200, email=("asunto " * 60, "cuerpo"))
    db.session.commit()
    assert len(db.session.scalar(select(Notification.message))) == services.MESSAGE_MAX
    assert len(db.session.scalar(select(OutboxEmail.subject))) <= services.SUBJECT_MAX


@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example", "/\\evil.example",
                                 "javascript:alert(1)", "estudiante", "/a b"])
def test_notify_refuses_a_url_off_this_site(rosa, url):
    with pytest.raises(ValueError):
        services.notify(rosa.id, "nomination", "x", url)


@pytest.mark.parametrize("kind", ["Application Updated", "application_updated", "-x", "", "x" * 41])
def test_notify_refuses_a_kind_that_is_not_a_simple_identifier(rosa, kind):
    with pytest.raises(ValueError):
        services.notify(rosa.id, kind, "x")


def _notifications(user, n):
    for i in range(n):
        services.notify(user.id, "nomination", f"Aviso {i}")
    db.session.commit()
    return list(db.session.scalars(select(Notification.id).where(Notification.user_id == user.id)
                                    .order_by(Notification.id)))


def test_unread_count_and_mark_read_touch_only_the_users_own(rosa):
    other = factories.admin()
    mine = _notifications(rosa, 3)
    theirs = _notifications(other, 2)
    assert services.unread_count(rosa) == 3 and services.unread_count(other.id) == 2

    assert services.mark_read(rosa, [mine[0], theirs[0]]) == 1
    assert services.unread_count(rosa) == 2 and services.unread_count(other) == 2
    first_read = db.session.get(Notification, mine[0]).read_at

    assert services.mark_read(rosa, "all") == 2
    assert services.unread_count(rosa) == 0 and services.unread_count(other) == 2
    assert db.session.get(Notification, mine[0]).read_at == first_read  # the first reading stays
    assert services.mark_read(rosa, "all") == 0
    assert services.mark_read(rosa, []) == 0


def test_unread_count_is_one_count_on_the_user_read_index(app, rosa):
    _notifications(rosa, 2)
    user_id = rosa.id
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, …)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert services.unread_count(user_id) == 2
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "count(" in statements[0].lower()
    if db.engine.dialect.name == "sqlite":
        plan = db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM notifications WHERE user_id = :u AND read_at IS NULL"
        ), {"u": user_id}).all()
        assert "ix_notifications_user_read" in " ".join(str(row) for row in plan)
