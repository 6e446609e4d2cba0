"""The outbox: written with the change, delivered by `flask outbox send` over real SMTP."""
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal import mail
from portal.extensions import db
from portal.models import OutboxEmail


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield inbox
    controller.stop()


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


def test_without_mail_server_emails_go_to_the_log(app, runner, caplog):
    mail.queue("rosa@example.pe", "Prueba", "Contenido de prueba")
    db.session.commit()
    with caplog.at_level("INFO", logger="portal.mail"):
        result = runner.invoke(args=["outbox", "send"])
    assert "Enviados: 1" in result.output
    assert "Contenido de prueba" in caplog.text
    assert db.session.scalar(select(OutboxEmail.sent_at)) is not None


def test_unreachable_smtp_keeps_the_email_for_later(app, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
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
