"""Email through an outbox: written in the same transaction as the change, delivered later.

`queue()` only adds a row to the session, so an email exists exactly when the
change that caused it was committed. `deliver_pending()` hands the rows to the backend
MAIL_BACKEND names: `smtp` (MAIL_SERVER), or `console` in development, which prints each
email with its links to the log (and /dev/correo lists them). Production refuses
`console` (portal/config.py), so no confirmation or reset link is ever only printed.

A send that fails is tried again later, each time waiting longer (RETRY_AFTER); after
the last retry the email is kept as failed, with its error, for the admins to see
(`failed()`, `retry()`): nothing is dropped silently.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import func, or_, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import OutboxEmail

log = logging.getLogger("portal.mail")
# How long a failed email waits before its next attempt; after the last wait, one more
# failure marks it failed (six attempts over about fourteen and a half hours).
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=12))


def attachment(filename: str, content_type: str, text: str) -> dict:
    """A text file to send with an email (`queue(..., attachments=[...])`), e.g. an
    invitation: `attachment("entrevista.ics", "text/calendar; method=REQUEST", ics)`."""
    return {"filename": filename, "content_type": content_type, "text": text}


def queue(to: str, subject: str, body: str, unsubscribe: str | None = None,
          attachments: list[dict] | None = None) -> OutboxEmail:
    """Add an email to the outbox. `unsubscribe`: the List-Unsubscribe header's value (an
    email one can stop, RFC 8058): it is sent with `List-Unsubscribe-Post` for one-click.
    `attachments`: text files made with `attachment()`, kept with the row until it is sent."""
    email = OutboxEmail(to_address=to, subject=subject, body_text=body, list_unsubscribe=unsubscribe,
                        attachments=list(attachments) if attachments else None)
    db.session.add(email)
    return email


def _message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}")
    if email.list_unsubscribe:
        message["List-Unsubscribe"] = email.list_unsubscribe
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body_text)
    for item in email.attachments or ():
        # "text/calendar; method=REQUEST": the type and its parameters (calendars read `method`).
        kind, *params = [part.strip() for part in item["content_type"].split(";")]
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(item["text"].encode("utf-8"), maintype=maintype, subtype=subtype,
                               filename=item["filename"],
                               params=dict(param.split("=", 1) for param in params if "=" in param) | {
                                   "charset": "utf-8"})
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


def _pending(limit: int):
    now = utcnow()
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None),
               or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now))
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # Two senders running at once never pick the same email.
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _failed_once(email: OutboxEmail, error: str) -> None:
    """Count a failed attempt: schedule the next one, or give up and keep the email as failed."""
    email.attempts += 1
    email.last_error = error[:500]
    now = utcnow()
    if email.attempts > len(RETRY_AFTER):
        email.failed_at, email.next_attempt_at = now, None
        log.error("email %s to %s failed %s times, kept as failed: %s", email.id, email.to_address,
                  email.attempts, email.last_error)
    else:
        email.next_attempt_at = now + RETRY_AFTER[email.attempts - 1]


def _print(email: OutboxEmail) -> None:
    log.info("email to %s: %s\n%s", email.to_address, email.subject, email.body_text)


def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Send up to `limit` emails that are due; returns (sent, failed this time)."""
    emails = _pending(limit)
    if not emails:
        db.session.commit()
        return 0, 0
    sent = failed = 0
    smtp = None
    tried = set()
    try:
        if current_app.config["MAIL_BACKEND"] == "smtp":
            smtp = _connect()
        for email in emails:
            tried.add(email.id)
            try:
                if smtp is None:
                    _print(email)
                else:
                    smtp.send_message(_message(email))
            except (smtplib.SMTPException, OSError) as error:
                _failed_once(email, str(error))
                failed += 1
            else:
                email.attempts += 1
                email.sent_at, email.last_error, email.next_attempt_at = utcnow(), None, None
                sent += 1
    except (smtplib.SMTPException, OSError) as error:
        for email in emails:
            if email.id not in tried:
                _failed_once(email, f"conexión SMTP: {error}")
        failed = len(emails) - sent
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        db.session.commit()
    return sent, failed


def failed(limit: int = 100) -> list[OutboxEmail]:
    """Emails given up on, newest first (the admins' list)."""
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.failed_at.is_not(None))
                                   .order_by(OutboxEmail.failed_at.desc(), OutboxEmail.id.desc()).limit(limit)))


def count_failed() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.failed_at.is_not(None)))


def retry(email: OutboxEmail) -> bool:
    """Put a failed email back in the queue with fresh attempts (False: it was not failed)."""
    if email.failed_at is None:
        return False
    email.failed_at, email.next_attempt_at, email.attempts = None, None, 0
    return True


def recent(limit: int = 50) -> list[OutboxEmail]:
    """The newest emails of the outbox, sent or not (development's /dev/correo)."""
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)))
