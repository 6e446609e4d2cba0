"""Password reset by a signed, expiring, single-use link sent through the outbox."""
import base64
import json
import re
import time

from sqlalchemy import select

from portal.accounts import passwords
from portal.extensions import db
from portal.models import OutboxEmail
from portal.roster import services as roster_services
from tests import factories


def reset_link_for(email: str) -> str:
    message = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == email))
    return re.search(r"http://localhost(/recuperar/\S+)", message.body_text).group(1)


def test_reset_request_sends_a_link_that_works_once(client, auth):
    user = factories.student()
    response = client.post("/recuperar", data={"email": user.email})
    assert response.status_code == 303
    link = reset_link_for(user.email)

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "nueva clave segura", "confirm": "nueva clave segura"})
    assert response.status_code == 303
    auth.logout()
    assert auth.login(user, "nueva clave segura").status_code == 303
    auth.logout()

    again = client.post(link, data={"password": "otra clave segura", "confirm": "otra clave segura"})
    assert again.status_code == 303 and again.headers["Location"] == "/recuperar"
    assert auth.login(user, "otra clave segura").status_code == 422


def test_unknown_email_gets_the_same_answer_and_no_email(client):
    known = factories.student()
    answers = [client.post("/recuperar", data={"email": e}, follow_redirects=True)
               for e in (known.email, "nadie@example.pe")]
    message = b"Si hay una cuenta con ese correo"
    assert all(message in a.data for a in answers)
    recipients = set(db.session.scalars(select(OutboxEmail.to_address)))
    assert recipients == {known.email}


def test_expired_link_is_refused(app, client, monkeypatch):
    user = factories.student()
    two_hours_ago = time.time() - 7200
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: two_hours_ago)
        token = passwords.reset_token(user)
    assert passwords.user_for_reset_token(token) is None
    response = client.get(f"/recuperar/{token}", follow_redirects=True)
    assert "El enlace venció o ya fue usado".encode() in response.data


def test_tampered_link_is_refused(client):
    response = client.get("/recuperar/abc.def.ghi", follow_redirects=True)
    assert "El enlace venció o ya fue usado".encode() in response.data


def test_weak_new_password_is_refused(client):
    user = factories.student()
    client.post("/recuperar", data={"email": user.email})
    link = reset_link_for(user.email)
    response = client.post(link, data={"password": "123", "confirm": "123"})
    assert response.status_code == 422
    assert b"al menos 10 caracteres" in response.data


def test_reset_ends_other_sessions(app, client, auth):
    user = factories.student()
    other_device = app.test_client()
    other_device.post("/ingresar", data={"email": user.email, "password": factories.PASSWORD,
                                         "csrf_token": other_device.csrf_token()})
    assert other_device.get("/estudiante").status_code == 200
    passwords.reset_password(user, "una clave completamente nueva")
    assert other_device.get("/estudiante").status_code == 302


def _payload(token: str) -> str:
    """What anyone holding the link reads: an itsdangerous payload is base64 JSON, signed, not secret."""
    data = token.split(".")[0]
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()


def _pieces(secret: str, size: int = 6) -> set[str]:
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


def test_reset_link_carries_nothing_of_the_password_hash(client, auth):
    user = factories.student()
    client.post("/recuperar", data={"email": user.email})
    token = reset_link_for(user.email).rsplit("/", 1)[1]
    payload = _payload(token)
    assert json.loads(payload)["id"] == user.id
    assert not [piece for piece in _pieces(user.password_hash) if piece in payload]
    # Still a key that works once: it dies with the password it was made for.
    assert client.post(f"/recuperar/{token}", data={"password": "nueva clave segura",
                                                    "confirm": "nueva clave segura"}).status_code == 303
    auth.logout()
    used = client.get(f"/recuperar/{token}", follow_redirects=True)
    assert "El enlace venció o ya fue usado. Pide uno nuevo.".encode() in used.data


def test_welcome_link_carries_nothing_of_the_password_hash(app, client):
    user = factories.student()
    token = roster_services.invitation_token(user.id, user.password_hash)
    payload = _payload(token)
    assert not [piece for piece in _pieces(user.password_hash) if piece in payload]
    assert roster_services.user_for_invitation(token) == user
    passwords.reset_password(user, "una clave completamente nueva")
    assert roster_services.user_for_invitation(token) is None


def test_links_made_the_old_way_are_refused(app, client):
    """Links sent before the fingerprint carried the hash's last 16 characters as "h": refused
    like any used link, with the usual Spanish message."""
    user = factories.student()
    old_reset = passwords._serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})
    response = client.get(f"/recuperar/{old_reset}", follow_redirects=True)
    assert "El enlace venció o ya fue usado. Pide uno nuevo.".encode() in response.data
    old_welcome = roster_services._invite_serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})
    assert roster_services.user_for_invitation(old_welcome) is None
    assert client.get(f"/bienvenida/{old_welcome}").status_code == 404
