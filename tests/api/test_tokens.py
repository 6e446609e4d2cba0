"""API tokens: made by a CETPRO's coordinators (and admins) with the secret shown once and
only its SHA-256 kept; revoked at once; expiry; last use shown; another CETPRO's token does
not exist for a coordinator."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.apitokens import services
from portal.extensions import db
from portal.models import ApiToken, AuditEvent
from tests.helpers.api import bearer

SECRET = re.compile(r'value="(ecp_[A-Za-z0-9_-]{43})"')


def _form(**changes) -> dict:
    values = {"name": "SIGA CETPRO", "scopes": ["roster:read", "roster:write"], "days": "90"}
    values.update(changes)
    return values


def test_a_coordinator_makes_a_token_shown_once_and_kept_hashed(client, auth, world):
    auth.login(world["coordinator_x"])
    response = client.post("/coordinador/api/tokens", data=_form())
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    secret = SECRET.search(body).group(1)
    assert "no lo volveremos a mostrar" in body
    token = db.session.scalar(select(ApiToken))
    assert token.cetpro_id == world["x"].id and token.scope_list == ["roster:write", "roster:read"]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) == 12
    assert secret not in str(db.session.execute(select(ApiToken.__table__)).all())
    assert 89 <= (token.expires_at - datetime.utcnow()).days <= 90
    listed = client.get("/coordinador/api/tokens").get_data(as_text=True)
    assert "SIGA CETPRO" in listed and token.prefix in listed and secret not in listed
    assert "Nunca" in listed  # not used yet
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.created"))
    assert event.data["prefix"] == token.prefix and secret not in str(event.data)


def test_a_bad_form_says_why_in_spanish_and_makes_nothing(client, auth, world, htmx_headers):
    auth.login(world["coordinator_x"])
    response = client.post("/coordinador/api/tokens", data=_form(name=" ", scopes=[], days="7"),
                           headers=htmx_headers)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Escribe un nombre para el token" in body
    assert "Elige al menos un permiso" in body
    assert "Elige cuánto dura el token" in body
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    response = client.post("/coordinador/api/tokens", data=_form(scopes=["roster:read", "admin:all"]))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_revoking_stops_the_token_at_once(client, auth, world, make_token):
    secret = make_token("x", "openings:read")
    assert client.get("/api/v1/openings", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken))
    auth.login(world["coordinator_x"])
    response = client.post(f"/coordinador/api/tokens/{token.id}/revocar")
    assert response.status_code == 303
    refused = client.get("/api/v1/openings", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert "revocado" in refused.get_json()["detail"]
    assert "Revocado" in client.get("/coordinador/api/tokens").get_data(as_text=True)


def test_another_cetpros_token_does_not_exist_for_a_coordinator(client, auth, world, make_token):
    make_token("y", "roster:read")
    theirs = db.session.scalar(select(ApiToken))
    auth.login(world["coordinator_x"])
    assert client.post(f"/coordinador/api/tokens/{theirs.id}/revocar").status_code == 404
    assert "SIGA y" not in client.get("/coordinador/api/tokens").get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_an_admin_manages_any_cetpros_tokens(client, auth, world):
    auth.login(world["admin"])
    url = f"/admin/cetpros/{world['y'].id}/api/tokens"
    assert client.get(url).status_code == 200
    response = client.post(url, data=_form(name="Sistema DRE"))
    assert response.status_code == 201
    token = db.session.scalar(select(ApiToken))
    assert token.cetpro_id == world["y"].id and token.created_by_id == world["admin"].id
    assert client.post(f"{url}/{token.id}/revocar").status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_an_expired_token_is_refused_and_shown_as_expired(client, auth, world, make_token):
    secret = make_token("x", "openings:read")
    token = db.session.scalar(select(ApiToken))
    token.expires_at = datetime.utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/api/v1/openings", headers=bearer(secret)).status_code == 401
    auth.login(world["coordinator_x"])
    assert "Vencido" in client.get("/coordinador/api/tokens").get_data(as_text=True)


def test_last_use_time_and_address_are_shown_and_every_call_is_audited(client, auth, world, make_token):
    secret = make_token("x", "openings:read")
    client.get("/api/v1/openings?q=electricista", headers=bearer(secret), environ_base={"REMOTE_ADDR": "203.0.113.7"})
    client.get("/api/v1/openings?cursor=malo", headers=bearer(secret), environ_base={"REMOTE_ADDR": "203.0.113.7"})
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is not None and token.last_used_ip == "203.0.113.7"
    calls = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.called")
                               .order_by(AuditEvent.id)).all()
    assert [(c.object_id, c.data["status"], c.data["path"]) for c in calls] == [
        (token.id, 200, "/api/v1/openings"), (token.id, 422, "/api/v1/openings")]
    auth.login(world["coordinator_x"])
    assert "203.0.113.7" in client.get("/coordinador/api/tokens").get_data(as_text=True)
    # Her CETPRO's audit trail shows the calls; the other CETPRO's coordinator sees none of them.
    trail = client.get("/coordinador/auditoria").get_data(as_text=True)
    assert f"SIGA x ({token.prefix}…)" in trail and "path: /api/v1/openings" in trail
    auth.logout()
    auth.login(world["coordinator_y"])
    assert token.prefix not in client.get("/coordinador/auditoria").get_data(as_text=True)


def test_authenticate_refuses_lookalikes(app):
    assert services.authenticate("") is None
    assert services.authenticate("ecp_" + "A" * 43) is None
    assert services.authenticate("Bearer ecp_x") is None
