"""/empresa/equipo and /empresa/unirse/<token>: invitations and join requests, in place and without JS."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from portal import clock
from portal.companies import errors, team
from portal.extensions import db
from portal.models import AuditEvent, CompanyInvitation, CompanyMember, Notification, OutboxEmail, User
from tests import factories
from tests.helpers.trust import signed_in


@pytest.fixture
def company(app):
    return factories.company(legal_name="Electro Sur S.A.C.")


@pytest.fixture
def owner(company):
    return factories.employer(company)


@pytest.fixture
def requester(company):
    user = factories.employer(company, state="pending")
    user.first_names, user.last_names = "Luis", "Paredes"
    db.session.commit()
    return user


def membership(user) -> CompanyMember | None:
    return db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))


def invitation_link(to: str) -> str:
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == to)
                              .order_by(OutboxEmail.id.desc()).limit(1))
    return re.search(r"http://localhost(/empresa/unirse/\S+)", email.body_text).group(1)


# --- The team page ---------------------------------------------------------------------------


def test_team_page_lists_members_and_requests(client, auth, owner, requester):
    auth.login(owner)
    response = client.get("/empresa/equipo")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert owner.email in page and "Solicitudes pendientes" in page
    assert f'id="member-request-{membership(requester).id}"' in page and "Luis Paredes" in page


def test_invitation_without_javascript(client, auth, owner):
    auth.login(owner)
    response = client.post("/empresa/equipo/invitar", data={"email": "Ana@ElectroSur.pe"})
    assert response.status_code == 303 and response.headers["Location"] == "/empresa/equipo"
    assert invitation_link("ana@electrosur.pe").startswith("/empresa/unirse/")
    assert "Enviamos la invitación a ana@electrosur.pe." in client.get("/empresa/equipo").get_data(as_text=True)


def test_invitation_with_htmx(client, auth, owner, htmx_headers):
    auth.login(owner)
    response = client.post("/empresa/equipo/invitar", data={"email": "ana@electrosur.pe"}, headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<form id="company-invite-form"') and 'value="ana@electrosur.pe"' not in page
    assert json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"] == "Enviamos la invitación a ana@electrosur.pe."


@pytest.mark.parametrize(
    "email, message",
    [("", "Ingresa el correo de tu colega."), ("ana@", "Ese correo no parece válido")],
)
@pytest.mark.parametrize("partial", [False, True])
def test_bad_invitation_email(client, auth, owner, htmx_headers, email, message, partial):
    auth.login(owner)
    response = client.post("/empresa/equipo/invitar", data={"email": email}, headers=htmx_headers if partial else {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and ("<html" in page) is not partial
    assert db.session.scalar(select(OutboxEmail)) is None


def test_inviting_a_colleague_already_in_the_team(client, auth, owner, company):
    colleague = factories.employer(company)
    auth.login(owner)
    response = client.post("/empresa/equipo/invitar", data={"email": colleague.email})
    assert response.status_code == 422
    assert "ya es parte del equipo" in response.get_data(as_text=True)


def test_invitation_without_csrf_token(client, auth, owner):
    auth.login(owner)
    assert client.post("/empresa/equipo/invitar", data={"email": "ana@electrosur.pe"}, csrf=False).status_code == 400
    assert db.session.scalar(select(OutboxEmail)) is None


# --- Accepting and declining requests ---------------------------------------------------------


def test_accept_in_place_with_htmx(client, auth, owner, requester, htmx_headers):
    auth.login(owner)
    member_id = membership(requester).id
    response = client.post(f"/empresa/equipo/{member_id}/aceptar", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert f'<li id="member-request-{member_id}"' in page and "✓ Aceptaste a <strong>Luis Paredes</strong>" in page
    assert '<hx-partial hx-target="#company-members"' in page and requester.email in page
    assert json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"] == "Aceptaste a Luis Paredes: ya es parte del equipo."
    assert membership(requester).state == "active"
    assert db.session.scalar(select(Notification).where(Notification.user_id == requester.id)).kind == "member-accepted"
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == requester.email))


def test_accept_without_javascript(client, auth, owner, requester):
    auth.login(owner)
    response = client.post(f"/empresa/equipo/{membership(requester).id}/aceptar")
    assert response.status_code == 303 and response.headers["Location"] == "/empresa/equipo"
    assert membership(requester).state == "active"


def test_accepting_twice_says_it_was_handled(client, auth, owner, requester, htmx_headers):
    auth.login(owner)
    member_id = membership(requester).id
    client.post(f"/empresa/equipo/{member_id}/aceptar", headers=htmx_headers)
    response = client.post(f"/empresa/equipo/{member_id}/aceptar", headers=htmx_headers)
    assert response.status_code == 200 and "ya fue atendida" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Notification).where(Notification.user_id == requester.id)).all()) == 1


def test_decline(client, auth, owner, requester, htmx_headers):
    auth.login(owner)
    response = client.post(f"/empresa/equipo/{membership(requester).id}/rechazar", headers=htmx_headers)
    assert response.status_code == 200
    assert "Rechazaste la solicitud de <strong>Luis Paredes</strong>" in response.get_data(as_text=True)
    assert membership(requester) is None
    assert db.session.get(User, requester.id) is not None  # the account stays


def test_another_company_cannot_touch_the_request(client, auth, requester):
    auth.login(factories.employer())
    member_id = membership(requester).id
    assert client.post(f"/empresa/equipo/{member_id}/aceptar").status_code == 404
    assert client.post(f"/empresa/equipo/{member_id}/rechazar").status_code == 404
    assert membership(requester).state == "pending"


def test_a_pending_member_cannot_accept_itself(client, auth, requester):
    auth.login(requester)
    response = client.post(f"/empresa/equipo/{membership(requester).id}/aceptar")
    assert response.status_code == 302 and response.headers["Location"] == "/empresa"
    assert membership(requester).state == "pending"


def test_accept_without_csrf_token(client, auth, owner, requester):
    auth.login(owner)
    assert client.post(f"/empresa/equipo/{membership(requester).id}/aceptar", csrf=False).status_code == 400
    assert membership(requester).state == "pending"


# --- Following the link ------------------------------------------------------------------------


@pytest.fixture
def link(company, owner) -> str:
    team.invite(company, owner, "ana@electrosur.pe")
    return invitation_link("ana@electrosur.pe")


def test_a_new_colleague_registers_from_the_link_and_joins(client, company, owner, link):
    page = client.get(link).get_data(as_text=True)
    assert "Unirte a" in page and "Electro Sur S.A.C." in page and 'value="ana@electrosur.pe" readonly' in page
    response = client.post(link, data={"first_names": "Ana", "last_names": "Rojas", "password": "tableros y cables 2026",
                                       "email": "intruso@example.pe"})
    assert response.status_code == 303 and response.headers["Location"] == "/empresa"
    user = db.session.scalar(select(User).where(User.email == "ana@electrosur.pe"))
    assert user.role == "employer"
    assert db.session.scalar(select(User).where(User.email == "intruso@example.pe")) is None
    assert (membership(user).company_id, membership(user).state) == (company.id, "active")
    dashboard = client.get("/empresa").get_data(as_text=True)
    assert "ya eres parte de Electro Sur S.A.C." in dashboard
    assert db.session.scalar(select(Notification).where(Notification.user_id == owner.id, Notification.kind == "member-joined"))


@pytest.mark.parametrize(
    "field, value, message",
    [("password", "corta", "La contraseña debe tener al menos 10 caracteres."),
     ("first_names", "", "Ingresa tus nombres.")],
)
def test_bad_registration_from_the_link(client, link, field, value, message):
    data = {"first_names": "Ana", "last_names": "Rojas", "password": "tableros y cables 2026", field: value}
    response = client.post(link, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'value="Rojas"' in page
    assert db.session.scalar(select(User).where(User.email == "ana@electrosur.pe")) is None


def test_a_forged_or_expired_link(app, client, link):
    response = client.get(link + "x")
    assert response.status_code == 404 and "La invitación no es válida" in response.get_data(as_text=True)
    app.config["COMPANY_INVITE_MAX_AGE"] = -1
    assert client.get(link).status_code == 404
    response = client.post(link, data={"first_names": "Ana", "last_names": "Rojas", "password": "tableros y cables 2026"})
    assert response.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "ana@electrosur.pe")) is None


def test_an_existing_account_signs_in_and_comes_back(client, company, link):
    ana = User(email="ana@electrosur.pe", role="employer", first_names="Ana", password_hash=factories.password_hash(),
               email_confirmed_at=clock.utcnow())
    db.session.add(ana)
    db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "Ya hay una cuenta con" in page and "/ingresar?next=" in page
    response = client.post("/ingresar", data={"email": "ana@electrosur.pe", "password": factories.PASSWORD, "next": link})
    assert response.headers["Location"] == link
    assert "Unirme a Electro Sur S.A.C." in client.get(link).get_data(as_text=True)
    response = client.post(link)
    assert response.status_code == 303
    assert (membership(ana).company_id, membership(ana).state) == (company.id, "active")


def test_a_signed_in_account_with_another_email_cannot_take_the_link(client, auth, company, link):
    stranger = factories.employer(factories.company())
    auth.login(stranger)
    page = client.get(link).get_data(as_text=True)
    assert "Esta invitación es para ana@electrosur.pe" in page
    response = client.post(link)
    assert response.status_code == 409
    assert membership(stranger).company_id != company.id


def test_a_member_following_the_link_again_is_told_so(client, auth, company, owner):
    team.invite(company, owner, "ana@electrosur.pe")
    link = invitation_link("ana@electrosur.pe")
    ana = factories.employer(company, email="ana@electrosur.pe")
    auth.login(ana)
    assert "Ya eres parte de" in client.get(link).get_data(as_text=True)


# --- Issue 22: owners remove members and revoke invitations -----------------------------------


@pytest.fixture
def colleague(company):
    """A member who joined later: not an owner."""
    user = factories.employer(company, email="pedro@electrosur.pe")
    membership(user).is_owner = False
    user.first_names, user.last_names = "Pedro", "Huamán"
    db.session.commit()
    return user


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_owner_removes_a_member_without_javascript_and_their_sessions_end(app, client, auth, owner, colleague):
    theirs = signed_in(app, colleague)
    assert theirs.get("/empresa/equipo").status_code == 200
    auth.login(owner)
    member_id = membership(colleague).id
    page = client.get("/empresa/equipo").get_data(as_text=True)
    assert f'action="/empresa/equipo/miembros/{member_id}/quitar"' in page
    response = client.post(f"/empresa/equipo/miembros/{member_id}/quitar")
    assert response.status_code == 303 and response.headers["Location"] == "/empresa/equipo"
    page = client.get("/empresa/equipo").get_data(as_text=True)
    assert "Quitaste a Pedro Huamán (pedro@electrosur.pe) del equipo y cerramos sus sesiones." in page
    assert membership(colleague) is None and db.session.get(User, colleague.id) is not None  # the account stays
    # The departed colleague's open session is over: applicants are out of reach at once.
    gone = theirs.get("/empresa/equipo")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/ingresar")
    # Signing in again, the account acts for no company.
    theirs.post("/ingresar", data={"email": colleague.email, "password": factories.PASSWORD})
    assert "Tu cuenta no está vinculada a ninguna empresa." in theirs.get("/empresa").get_data(as_text=True)
    assert theirs.get("/empresa/equipo").headers["Location"] == "/empresa"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.member_removed"))
    assert event.actor_id == owner.id and event.data["user_id"] == colleague.id
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == colleague.email)).subject == \
        "Ya no eres parte de Electro Sur S.A.C. en Enlace CETPRO"


def test_removing_in_place_with_htmx(client, auth, owner, colleague, htmx_headers):
    auth.login(owner)
    response = client.post(f"/empresa/equipo/miembros/{membership(colleague).id}/quitar", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<section id="company-members"') and "Miembros (1)" in page
    assert "pedro@electrosur.pe" not in page
    notice = json.loads(response.headers["HX-Trigger"])["notice-posted"]
    assert notice == {"message": "Quitaste a Pedro Huamán (pedro@electrosur.pe) del equipo y cerramos sus sesiones.",
                      "kind": "success"}


@pytest.mark.parametrize("partial", [False, True])
def test_a_member_who_is_not_an_owner_cannot_remove_anyone(app, client, auth, owner, colleague, htmx_headers, partial):
    auth.login(colleague)
    page = client.get("/empresa/equipo").get_data(as_text=True)
    assert "/quitar" not in page and "/anular" not in page  # no buttons for what they may not do
    response = client.post(f"/empresa/equipo/miembros/{membership(owner).id}/quitar",
                           headers=htmx_headers if partial else {})
    message = "Solo quien administra la empresa (quien la registró) puede quitar miembros del equipo."
    if partial:
        assert response.status_code == 403
        assert message in json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"]
    else:
        assert response.status_code == 303 and message in client.get("/empresa/equipo").get_data(as_text=True)
    assert membership(owner).state == "active" and "company.member_removed" not in audit_actions()
    assert client.get("/empresa").status_code == 200  # the colleague's own session is untouched


def test_the_last_owner_cannot_be_removed_and_nobody_removes_themselves(client, auth, company, owner, colleague,
                                                                          htmx_headers):
    auth.login(owner)
    response = client.post(f"/empresa/equipo/miembros/{membership(owner).id}/quitar", headers=htmx_headers)
    assert response.status_code == 422
    assert "No puedes quitar a la única persona que administra la empresa" in \
        json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"]
    second_owner = factories.employer(company, email="socia@electrosur.pe")  # also an owner
    response = client.post(f"/empresa/equipo/miembros/{membership(owner).id}/quitar")
    assert response.status_code == 303
    assert "No puedes quitarte a ti mismo(a) del equipo" in client.get("/empresa/equipo").get_data(as_text=True)
    assert membership(owner).state == "active" and membership(second_owner).state == "active"
    # One owner may remove another while one remains.
    assert client.post(f"/empresa/equipo/miembros/{membership(second_owner).id}/quitar").status_code == 303
    assert membership(second_owner) is None and membership(owner).is_owner


def test_two_owners_removing_each_other_leave_one(company, owner):
    """The second removal runs after the first (the owners' rows are locked): its actor is no
    longer an owner, so it is refused and the company keeps an owner."""
    second_owner = factories.employer(company, email="socia@electrosur.pe")
    mine, hers = membership(owner), membership(second_owner)
    assert team.remove_member(company, owner, hers) is True
    with pytest.raises(errors.CompanyError):
        team.remove_member(company, second_owner, mine)
    assert membership(owner).state == "active" and membership(owner).is_owner


def test_another_companys_member_and_a_pending_request_cannot_be_removed(client, auth, owner, requester):
    auth.login(owner)
    stranger = factories.employer(factories.company())
    assert client.post(f"/empresa/equipo/miembros/{membership(stranger).id}/quitar").status_code == 404
    assert client.post(f"/empresa/equipo/miembros/{membership(requester).id}/quitar").status_code == 404
    assert membership(stranger).state == "active" and membership(requester).state == "pending"


def test_removing_without_csrf_token(client, auth, owner, colleague):
    auth.login(owner)
    assert client.post(f"/empresa/equipo/miembros/{membership(colleague).id}/quitar", csrf=False).status_code == 400
    assert membership(colleague).state == "active"


def pending(company) -> list[CompanyInvitation]:
    return db.session.scalars(select(CompanyInvitation).where(CompanyInvitation.company_id == company.id,
                                                              CompanyInvitation.state == "pending")).all()


def test_an_owner_revokes_an_invitation_and_its_link_stops_working(app, client, auth, company, owner, link):
    auth.login(owner)
    [invitation] = pending(company)
    page = client.get("/empresa/equipo").get_data(as_text=True)
    assert "Invitaciones enviadas (1)" in page and "ana@electrosur.pe" in page
    response = client.post(f"/empresa/equipo/invitaciones/{invitation.id}/anular")
    assert response.status_code == 303
    page = client.get("/empresa/equipo").get_data(as_text=True)
    assert "Anulaste la invitación para ana@electrosur.pe: su enlace ya no sirve." in page
    assert "Invitaciones enviadas (0)" in page
    visitor = app.test_client()
    for response in (visitor.get(link), visitor.post(link, data={"first_names": "Ana", "last_names": "Rojas",
                                                                "password": "tableros y cables 2026"})):
        assert response.status_code == 404
        assert "La empresa anuló esta invitación" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "ana@electrosur.pe")) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.invitation_revoked"))
    assert event.actor_id == owner.id and event.data["email"] == "ana@electrosur.pe"


def test_a_revoked_link_is_refused_to_the_invited_account_signed_in(app, company, owner, link):
    ana = factories.employer(None, email="ana@electrosur.pe", state="pending")
    [invitation] = pending(company)
    team.revoke_invitation(company, owner, invitation)
    theirs = signed_in(app, ana)
    assert "La empresa anuló esta invitación" in theirs.get(link).get_data(as_text=True)
    assert theirs.post(link).status_code == 404
    assert membership(ana).company_id != company.id


def test_revoking_in_place_with_htmx(client, auth, company, owner, link, htmx_headers):
    auth.login(owner)
    [invitation] = pending(company)
    response = client.post(f"/empresa/equipo/invitaciones/{invitation.id}/anular", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.lstrip().startswith('<section id="company-invitations"')
    assert "No hay invitaciones pendientes." in page
    again = client.post(f"/empresa/equipo/invitaciones/{invitation.id}/anular", headers=htmx_headers)
    assert "ya estaba usada o anulada" in json.loads(again.headers["HX-Trigger"])["notice-posted"]["message"]
    assert audit_actions().count("company.invitation_revoked") == 1


def test_only_owners_revoke_and_only_their_companys_invitations(client, auth, company, owner, colleague, link):
    [invitation] = pending(company)
    auth.login(colleague)
    response = client.post(f"/empresa/equipo/invitaciones/{invitation.id}/anular")
    assert response.status_code == 303 and "Solo quien administra la empresa" in \
        client.get("/empresa/equipo").get_data(as_text=True)
    auth.logout()
    auth.login(factories.employer(factories.company()))
    assert client.post(f"/empresa/equipo/invitaciones/{invitation.id}/anular").status_code == 404
    assert pending(company) == [invitation]


def test_a_used_link_stops_working(app, client, company, link):
    response = client.post(link, data={"first_names": "Ana", "last_names": "Rojas", "password": "tableros y cables 2026"})
    assert response.status_code == 303
    stranger = app.test_client()
    response = stranger.get(link)
    assert response.status_code == 404 and "Esta invitación ya se usó" in response.get_data(as_text=True)
    assert "Ya eres parte de" in client.get(link).get_data(as_text=True)  # its own account is told so


def test_inviting_again_sends_a_new_link_for_the_same_invitation(client, auth, company, owner, link):
    team.invite(company, owner, "ana@electrosur.pe")
    [invitation] = pending(company)
    second = invitation_link("ana@electrosur.pe")
    team.revoke_invitation(company, owner, invitation)
    for each in {link, second}:
        assert client.get(each).status_code == 404
