"""The outbox: written with the change, delivered by `flask outbox send` over real SMTP;
a refused email is retried later and later, then kept as failed for the admins."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal import clock, mail
from portal.extensions import db
from portal.models import OutboxEmail
from tests import factories
from tests.helpers.events import toast
from tests.helpers.smtp import Inbox, free_port, smtp_inbox


@pytest.fixture
def smtp_server(app):
    with smtp_inbox(app) as inbox:
        yield inbox


def test_outbox_send_delivers_over_smtp_once(runner, smtp_server):
    mail.queue("rosa@example.pe", "Tu postulación fue vista", "Hola Rosa: la empresa vio tu postulación.")
    db.session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Enviados: 1" in result.output
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["rosa@example.pe"]
    assert "Tu postulación fue vista" in envelope.content.decode("utf-8", "replace") or b"Subject:" in envelope.content
    runner.invoke(args=["outbox", "send"])
    assert len(smtp_server.messages) == 1  # never sent twice


def test_the_console_backend_prints_each_email_to_the_log(app, runner, caplog):
    mail.queue("rosa@example.pe", "Prueba", "Contenido de prueba")
    db.session.commit()
    with caplog.at_level("INFO", logger="portal.mail"):
        result = runner.invoke(args=["outbox", "send"])
    assert "Enviados: 1" in result.output
    assert "Contenido de prueba" in caplog.text
    assert db.session.scalar(select(OutboxEmail.sent_at)) is not None


def test_unreachable_smtp_keeps_the_email_for_later(app, runner):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    mail.queue("rosa@example.pe", "Prueba", "x")
    db.session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    email = db.session.scalar(select(OutboxEmail))
    db.session.refresh(email)
    assert email.sent_at is None and email.attempts == 1 and "SMTP" in email.last_error


def test_email_queued_in_a_rolled_back_transaction_is_never_sent(app):
    mail.queue("rosa@example.pe", "Prueba", "x")
    db.session.rollback()
    assert db.session.scalar(select(OutboxEmail)) is None


class Refusing(Inbox):
    """An SMTP server that refuses every recipient (a full mailbox, a blocked domain)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 buzón no disponible"


@pytest.fixture
def refusing_server(app):
    with smtp_inbox(app, Refusing()):
        yield


def test_a_refused_email_is_retried_with_growing_waits_then_kept_as_failed(app, runner, refusing_server,
                                                                           frozen_clock):
    start = datetime(2026, 12, 3, 9, 0)
    frozen_clock(start)
    mail.queue("rosa@example.pe", "Confirma tu correo", "Abre este enlace: http://localhost/confirmar/x")
    db.session.commit()
    email = db.session.scalar(select(OutboxEmail))
    waits, at = [], start
    for _ in range(len(mail.RETRY_AFTER)):
        assert runner.invoke(args=["outbox", "send"]).exit_code == 1
        db.session.refresh(email)
        assert email.failed_at is None and "550" in email.last_error
        waits.append(email.next_attempt_at - clock.utcnow())
        # not tried again before its time: a send a second early finds nothing due
        frozen_clock(at := at + waits[-1] - timedelta(seconds=1))
        assert runner.invoke(args=["outbox", "send"]).output.strip() == "Enviados: 0. Fallidos: 0."
        frozen_clock(at := at + timedelta(seconds=1))
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                     timedelta(hours=12)]
    assert runner.invoke(args=["outbox", "send"]).exit_code == 1  # the sixth attempt: given up
    db.session.refresh(email)
    assert email.attempts == 6 and email.failed_at is not None and email.sent_at is None
    assert mail.failed() == [email] and mail.count_failed() == 1
    frozen_clock(at + timedelta(days=3))
    assert runner.invoke(args=["outbox", "send"]).output.strip() == "Enviados: 0. Fallidos: 0."  # kept, not retried


def test_a_failed_email_sent_again_after_an_admin_retries_it(app, runner, smtp_server):
    email = mail.queue("rosa@example.pe", "Prueba", "x")
    email.attempts, email.failed_at, email.last_error = 6, clock.utcnow(), "550 buzón no disponible"
    db.session.commit()
    assert mail.retry(email) is True
    db.session.commit()
    assert runner.invoke(args=["outbox", "send"]).output.strip() == "Enviados: 1. Fallidos: 0."
    assert len(smtp_server.messages) == 1
    assert mail.retry(email) is False  # sent: nothing to retry


def test_admins_see_failed_emails_and_queue_them_again(app, client, auth, htmx_headers):
    admin = factories.admin()
    kept = mail.queue("rosa@example.pe", "Confirma tu correo", "enlace secreto http://localhost/confirmar/abc")
    kept.attempts, kept.failed_at, kept.last_error = 6, clock.utcnow(), "550 5.1.1 buzón no disponible"
    mail.queue("pedro@example.pe", "En cola", "x")  # pending: not on the list
    db.session.commit()
    auth.login(admin)
    assert "Correos que no salieron (1)" in client.get("/admin").get_data(as_text=True)
    page = client.get("/admin/correos").get_data(as_text=True)
    assert "rosa@example.pe" in page and "550 5.1.1 buzón no disponible" in page and "6 intentos" in page
    assert "pedro@example.pe" not in page
    assert "enlace secreto" not in page  # bodies carry people's links: never shown

    response = client.post(f"/admin/correos/{kept.id}/reintentar", headers=htmx_headers)
    assert response.status_code == 200
    assert toast(response) == "Volvimos a poner en cola el correo a rosa@example.pe."
    assert "En cola" in response.get_data(as_text=True)
    db.session.refresh(kept)
    assert kept.failed_at is None and kept.attempts == 0
    assert "1 correo fallido" not in client.get("/admin/correos").get_data(as_text=True)
    again = client.post(f"/admin/correos/{kept.id}/reintentar")  # without htmx: flash and back to the list
    assert again.status_code == 303 and again.headers["Location"].endswith("/admin/correos")


def test_dev_mail_lists_the_outbox_with_clickable_links_in_development(app, client):
    mail.queue("rosa@example.pe", "Confirma tu correo", "Abre http://localhost/confirmar/abc <b>ya</b>")
    db.session.commit()
    page = client.get("/dev/correo").get_data(as_text=True)
    assert '<a href="http://localhost/confirmar/abc"' in page
    assert "&lt;b&gt;ya&lt;/b&gt;" in page  # the body is text, escaped


@pytest.mark.parametrize("setting, remote", [
    ({"MAIL_BACKEND": "smtp"}, "127.0.0.1"),  # real mail: nothing to show
    ({}, "192.168.1.20"),  # from another machine on the network
])
def test_dev_mail_is_not_there_outside_console_and_loopback(app, client, setting, remote):
    app.config.update(setting)
    assert client.get("/dev/correo", environ_base={"REMOTE_ADDR": remote}).status_code == 404


def test_dev_mail_is_not_there_in_production(app, client, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    assert client.get("/dev/correo").status_code == 404


def test_an_attachment_travels_with_its_email_as_a_mime_part(runner, smtp_server):
    """A text attachment (an interview's .ics) is kept with the outbox row and sent as its own
    part, with its type's parameters (`method=REQUEST`) and its file name."""
    from email import message_from_bytes
    from email import policy as email_policy

    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nX-NOTE:Entrevista en Tacna\r\nEND:VCALENDAR\r\n"
    mail.queue("rosa@example.pe", "Entrevista", "Hola Rosa.",
               attachments=[mail.attachment("entrevista.ics", "text/calendar; method=REQUEST", ics)])
    db.session.commit()
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    message = message_from_bytes(smtp_server.messages[0].content, policy=email_policy.default)
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "Hola Rosa."
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "entrevista.ics" and part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content().replace("\r\n", "\n") == ics.replace("\r\n", "\n")
