"""Emailed invitation links, the one machinery behind a CETPRO's coordinator invitations
(portal/cetpros/invitations.py) and a company's team invitations (portal/companies/team.py).

An invitation is a row (`pending`, then `accepted` or `revoked`); its link carries only the
row's id, and for kinds that count their sends the send it came with, signed like every emailed
link (portal/signing.py) and valid for a configured time from the signature. The row says
whether the link still works, so revoking it or using it ends every link at once. Each change
of state is one conditional UPDATE: a double click, another tab or another admin loses
cleanly instead of acting twice. What each kind emails, audits and makes of an accepted
invitation stays with it. No request, no templates.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal import signing
from portal.clock import utcnow
from portal.extensions import db
from portal.models import User


class LinkExpired(Exception):
    """The link's signature is good but older than the kind's maximum age."""


class InvitationLinks:
    """The links of one kind of invitation: `model` is its table (with `id`, `state`,
    `sent_at`, `invited_by_id`, `ended_at`, `ended_by_id`, and `sends` when `counts_sends`);
    `salt` keeps its links apart from every other signed link; the maximum age is
    `current_app.config[max_age_setting]`, else `max_age`.

    With `counts_sends`, sending a link again makes every earlier one stop working; without,
    each link works until the invitation ends or the link expires."""

    def __init__(self, model: Any, salt: str, max_age_setting: str, max_age: int, counts_sends: bool):
        self.model, self.salt = model, salt
        self.max_age_setting, self.default_max_age = max_age_setting, max_age
        self.counts_sends = counts_sends

    def max_age(self) -> int:
        """How many seconds a link works after it was sent."""
        return int(current_app.config.get(self.max_age_setting, self.default_max_age))

    def is_expired(self, invitation: Any, now: datetime | None = None) -> bool:
        """Whether the newest link of a pending invitation has expired (it can be sent again)."""
        return ((now or utcnow()) - invitation.sent_at).total_seconds() > self.max_age()

    def _serializer(self) -> URLSafeTimedSerializer:
        return signing.serializer(self.salt)

    def token(self, invitation: Any) -> str:
        """The token of the link to send now (after the row is flushed, so it has an id)."""
        data = {"i": invitation.id}
        if self.counts_sends:
            data["n"] = invitation.sends
        return self._serializer().dumps(data)

    def read(self, token: str) -> tuple[Any | None, int | None]:
        """The invitation a link names (in whatever state) and the send it came with (None for
        kinds that do not count them). (None, None) when the link is forged or names nothing;
        LinkExpired when it was good but is too old."""
        try:
            data = self._serializer().loads(token, max_age=self.max_age())
        except SignatureExpired:
            raise LinkExpired from None
        except BadSignature:
            return None, None
        keys = ("i", "n") if self.counts_sends else ("i",)
        if not isinstance(data, dict) or not all(type(data.get(key)) is int for key in keys):
            return None, None
        return db.session.get(self.model, data["i"]), data.get("n")

    def _change_pending(self, invitation: Any, *where: Any, **values: Any) -> bool:
        """Change a pending invitation, if it still is: one UPDATE, so only one request wins.
        The loser's transaction is rolled back (nothing it added is kept)."""
        model = self.model
        changed = db.session.execute(
            update(model).where(model.id == invitation.id, model.state == "pending", *where).values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            db.session.rollback()
        return bool(changed)

    def renew(self, invitation: Any, actor: User | None) -> bool:
        """Mark a pending invitation sent again now by `actor` (the expiry counts from now; a
        counted send kills the earlier links). False, rolled back, when it no longer waits.
        The row is refreshed: `token` then gives the new link."""
        model = self.model
        values: dict[str, Any] = {"sent_at": utcnow(),
                                  "invited_by_id": actor.id if actor else invitation.invited_by_id}
        if self.counts_sends:
            values["sends"] = model.sends + 1
        if not self._change_pending(invitation, **values):
            return False
        db.session.refresh(invitation)
        return True

    def revoke(self, invitation: Any, actor: User, *where: Any) -> bool:
        """Revoke a pending invitation: every link it was sent with stops working. `where`
        narrows it (to its company). False, rolled back, when it was already used or revoked."""
        return self._change_pending(invitation, *where, state="revoked", ended_at=utcnow(), ended_by_id=actor.id)

    def claim(self, invitation: Any, sends: int | None = None, by: User | None = None) -> bool:
        """Use the invitation up, from the link sent `sends`-th (None: any of its links): its
        links work once. False, rolled back, when a revocation, a newer link or another tab
        got there first."""
        where = [self.model.sends == sends] if self.counts_sends and sends is not None else []
        values: dict[str, Any] = {"state": "accepted", "ended_at": utcnow()}
        if by is not None:
            values["ended_by_id"] = by.id
        return self._change_pending(invitation, *where, **values)


def invited_account(email: str, role: str, first_names: str, last_names: str, password: str,
                    **fields: Any) -> User | None:
    """The account of someone who chose a password on an invitation's page, added and flushed:
    the link came by email to this address, so the address is confirmed. None, rolled back,
    when the address got an account meanwhile (the same link submitted twice at once)."""
    user = User(email=email, role=role, first_names=first_names, last_names=last_names,
                email_confirmed_at=utcnow(), **fields)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return user
