"""Email through an outbox: written in the same transaction as the change, delivered later.

`queue()` only adds a row to the session, so an email exists exactly when the
change that caused it was committed. `deliver_pending()` sends the rows over
SMTP when MAIL_SERVER is set, and otherwise writes them to the log (development).
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import OutboxEmail

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 5


def queue(to: str, subject: str, body: str) -> OutboxEmail:
    email = OutboxEmail(to_address=to, subject=subject, body_text=body)
    db.session.add(email)
    return email


def _message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}")
    message.set_content(email.body_text)
    return message


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    if cfg["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
    else:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
    if cfg["MAIL_USERNAME"]:
        smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
    return smtp


def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Send up to `limit` unsent emails; returns (sent, failed)."""
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # Two senders running at once never pick the same email.
        query = query.with_for_update(skip_locked=True)
    emails = list(db.session.scalars(query))
    if not emails:
        db.session.commit()
        return 0, 0
    sent = failed = 0
    smtp = None
    try:
        if current_app.config["MAIL_SERVER"]:
            smtp = _connect()
        for email in emails:
            email.attempts += 1
            try:
                if smtp is None:
                    log.info("email to %s: %s\n%s", email.to_address, email.subject, email.body_text)
                else:
                    smtp.send_message(_message(email))
                email.sent_at = utcnow()
                email.last_error = None
                sent += 1
            except (smtplib.SMTPException, OSError) as error:
                email.last_error = str(error)[:500]
                failed += 1
    except (smtplib.SMTPException, OSError) as error:
        for email in emails:
            if email.sent_at is None:
                email.attempts += 0 if email.last_error else 1
                email.last_error = f"conexión SMTP: {error}"[:500]
        failed = len(emails) - sent
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        db.session.commit()
    return sent, failed
