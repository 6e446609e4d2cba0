"""Token links with real tokens (issue 7, access control).

The access matrix asks every token route for a forged token. Here each token is made the
way the portal makes it, by the service that sends it: a roster import's welcome link
(/bienvenida/<token>), a company team invitation (/empresa/unirse/<token>), a placement
follow-up question (/seguimiento/<token>), a password reset (/recuperar/<token>), and a
roster import preview (/coordinador/estudiantes/importar?vista=<token>). For each:

- the person it was sent to gets the page (200) and its action works once;
- the same link a second time is refused, or answered "already done", in Spanish, and
  writes nothing (every table's row count and checksum is compared);
- a link issued longer ago than its lifetime (the app's own serializer, its clock moved
  back) and a link with one character changed are refused and write nothing;
- a link of tenant A shows A's object only, never tenant B's data; someone signed in
  with another role or tenant who opens it gets what the route documents;
- the page and the htmx fragment (HX-Request + HX-Request-Type: partial) answer alike;
- a token signed for one purpose opens no other route;
- the same link sent several times at once is taken once (three tests that FAIL today:
  the welcome and reset links are accepted by every concurrent request, and a double
  click on «Unirme a …» gives the loser an IntegrityError, a 500; see their comments).

What the routes document for someone who is signed in: the welcome, reset and follow-up
links need no sign-in, the signed link is the key (whoever holds it acts for its
addressee: welcome and reset start the addressee's session, ending the current one); a
company invitation is taken by the account of the invited email only (anyone else is
told why, 409 on POST); an import preview belongs to the coordinator who uploaded it
(anyone else: 404).
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from portal import clock
from portal.accounts import passwords
from portal.companies import team
from portal.extensions import db
from portal.models import (
    AuditEvent,
    CompanyInvitation,
    CompanyMember,
    FollowUp,
    ImportPreview,
    Notification,
    OutboxEmail,
    Placement,
    User,
)
from portal.placements import rules as placement_rules
from portal.placements import services as placements
from portal.roster import imports
from portal.roster import services as roster
from tests.helpers.roster import confirm_fields, csv_bytes, import_file, preview_html, row
from tests.helpers.trust import changed_tables, error_messages, signed_in, snapshot, spanish_problem
from tests.helpers.web import HTMX
from tests.trust.world import build_world

KINDS = (("page", {}), ("fragment", HTMX))
PASSWORD = "tableros-y-cables-2026"
TALLY: dict[str, int] = {}


def _count(name: str, n: int = 1) -> None:
    TALLY[name] = TALLY.get(name, 0) + n


@pytest.fixture
def tenants(app):
    return build_world()


def other_tenant(world) -> list[str]:
    """What a link of tenant A must never show: B's students, CETPRO and company."""
    return [*world.personal_data("B1", "B2"), "CETPRO Trust B", "Empresa Trust B"]


def not_own(words: list[str], viewer: User) -> list[str]:
    """`words` without the viewer's own name and email (shown in the page's header)."""
    own = {viewer.first_names, viewer.last_names.split()[0], viewer.email, viewer.phone}
    return [w for w in words if w not in own]


def _leaks(body: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![0-9A-Za-z@.]){re.escape(w)}(?![0-9A-Za-z])", body)]


def _mailed_path(to: str, prefix: str) -> str:
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.to_address == to)
                             .order_by(OutboxEmail.id.desc()).limit(1))
    return re.search(rf"http://localhost({re.escape(prefix)}\S+)", body).group(1)


@contextmanager
def issued_ago(monkeypatch, seconds: int):
    """Tokens made inside are stamped `seconds` in the past by itsdangerous itself."""
    real = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - seconds)
        yield


def one_changed(token: str) -> list[str]:
    """The token with one character changed: in its payload, its timestamp, its signature."""
    payload, stamp, signature = token.rsplit(".", 2)
    start = len(payload) + 1
    positions = [1 if not token.startswith(".") else 2, start + len(stamp) // 2,
                 start + len(stamp) + 1 + len(signature) // 2]
    out = []
    for i in positions:
        c = token[i]
        out.append(token[:i] + ("A" if c != "A" else "B") + token[i + 1:])
    assert all(t != token for t in out)
    return out


def refused_alike(client, method: str, path: str, status: int, words: str, data: dict | None = None) -> None:
    """Page and fragment: the same status, a Spanish message saying `words`, no table changed."""
    for kind, headers in KINDS:
        before = snapshot()
        response = (client.get(path, headers=headers) if method == "GET"
                    else client.post(path, headers=headers, data=dict(data or {})))
        after = snapshot()
        assert response.status_code == status, (kind, method, path, response.status_code)
        messages = error_messages(response, client)
        body = response.get_data(as_text=True)
        assert words in body or any(words in m for m in messages), (kind, method, path, messages, body[:400])
        if status >= 400 or status == 303:
            assert spanish_problem(messages) is None, (kind, method, path, spanish_problem(messages))
        assert not changed_tables(before, after), (kind, method, path, changed_tables(before, after))
        _count("refused")


def page_and_fragment(client, path: str, must: list[str], never: list[str]) -> None:
    for kind, headers in KINDS:
        response = client.get(path, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (kind, path, response.status_code)
        for words in must:
            assert words in body, (kind, path, words)
        assert not _leaks(body, never), (kind, path, _leaks(body, never))
        _count("shown")


def _rows(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- /bienvenida/<token>: an imported student's first password ---------------------------------


@pytest.fixture
def welcome(app, tenants):
    """Coordinator A imports one student; the welcome link is read from the queued email."""
    coordinator = signed_in(app, tenants.a.coordinator)
    response = import_file(coordinator, csv_bytes([row(1)]))
    assert response.status_code == 303
    return _mailed_path("rosa1@correo.pe", "/bienvenida/")


def _rosa() -> User:
    return db.session.scalar(select(User).where(User.email == "rosa1@correo.pe"))


def test_welcome_link_works_once_for_its_student_only(app, tenants, welcome):
    visitor = app.test_client()
    page_and_fragment(visitor, welcome, ["Hola, Rosa 1", "CETPRO Trust A", "rosa1@correo.pe"], other_tenant(tenants))
    done = visitor.post(welcome, data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/estudiante/perfil"
    assert _rosa().check_password(PASSWORD)
    assert _rows(AuditEvent, AuditEvent.action == "student.invitation_accepted") == 1
    # Used up: every way of coming back is refused and writes nothing.
    again = app.test_client()
    refused_alike(again, "GET", welcome, 404, "Este enlace ya no sirve")
    refused_alike(again, "POST", welcome, 404, "Este enlace ya no sirve",
                  {"password": "otra-clave-segura-9", "confirm": "otra-clave-segura-9"})
    refused_alike(visitor, "POST", welcome, 404, "Este enlace ya no sirve",
                  {"password": "otra-clave-segura-9", "confirm": "otra-clave-segura-9"})
    assert _rosa().check_password(PASSWORD)
    assert _rows(AuditEvent, AuditEvent.action == "student.invitation_accepted") == 1


def test_welcome_link_expired_or_changed_is_refused(app, tenants, welcome, monkeypatch):
    user = _rosa()
    days = roster.invite_max_age()
    with issued_ago(monkeypatch, days + 60):
        expired = roster.invitation_token(user.id)
    with issued_ago(monkeypatch, days - 60):
        nearly = roster.invitation_token(user.id)
    visitor = app.test_client()
    assert visitor.get(f"/bienvenida/{nearly}").status_code == 200  # the last minute still counts
    form = {"password": PASSWORD, "confirm": PASSWORD}
    for token in [expired, *one_changed(welcome.rsplit("/", 1)[1])]:
        refused_alike(visitor, "GET", f"/bienvenida/{token}", 404, "Este enlace ya no sirve")
        refused_alike(visitor, "POST", f"/bienvenida/{token}", 404, "Este enlace ya no sirve", form)
    assert _rosa().password_hash == ""


@pytest.mark.parametrize("who", ["coordinator B", "employer B", "student B"])
def test_welcome_link_opened_by_someone_signed_in(app, tenants, welcome, who):
    """The link is the key: the page is the invited student's (never the viewer's tenant),
    and choosing the password ends the viewer's session and starts the student's."""
    viewer = {"coordinator B": tenants.b.coordinator, "employer B": tenants.b.employer,
              "student B": tenants.b.students["B1"]}[who]
    client = signed_in(app, viewer)
    page_and_fragment(client, welcome, ["Hola, Rosa 1", "CETPRO Trust A"], not_own(other_tenant(tenants), viewer))
    done = client.post(welcome, data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/estudiante/perfil"
    profile = client.get("/estudiante/perfil").get_data(as_text=True)
    assert "Rosa 1" in profile and viewer.first_names not in profile
    assert not _leaks(profile, other_tenant(tenants))
    assert client.get("/panel").headers["Location"].startswith("/estudiante")


# --- /empresa/unirse/<token>: a company team invitation ----------------------------------------


INVITED = "nuevo.colega@trust-a.pe"


@pytest.fixture
def invitation(app, tenants):
    """Employer A invites a colleague through the team page; the link comes from the email."""
    employer = signed_in(app, tenants.a.employer)
    response = employer.post("/empresa/equipo/invitar", data={"email": INVITED})
    assert response.status_code == 303
    return _mailed_path(INVITED, "/empresa/unirse/")


def _members_of(company) -> int:
    return _rows(CompanyMember, CompanyMember.company_id == company.id)


def test_invitation_works_once_for_its_email_and_company(app, tenants, invitation):
    visitor = app.test_client()
    company = tenants.a.company
    page_and_fragment(visitor, invitation, ["Empresa Trust A S.A.C.", INVITED, f"RUC {company.ruc}"],
                      other_tenant(tenants))
    members = _members_of(company)
    done = visitor.post(invitation, data={"first_names": "Nuevo", "last_names": "Colega", "password": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/empresa"
    user = db.session.scalar(select(User).where(User.email == INVITED))
    assert user.role == "employer" and _members_of(company) == members + 1
    assert _rows(CompanyMember, CompanyMember.user_id == user.id, CompanyMember.state == "active") == 1
    # Again, anonymously: the link was used up; refused in Spanish, nothing written.
    again = app.test_client()
    refused_alike(again, "GET", invitation, 404, "Esta invitación ya se usó")
    refused_alike(again, "POST", invitation, 404, "Esta invitación ya se usó",
                  {"first_names": "Otra", "last_names": "Persona", "password": PASSWORD})
    # Again, as the new member: told so; a second POST changes nothing.
    for kind, headers in KINDS:
        page = visitor.get(invitation, headers=headers)
        assert page.status_code == 200 and "Ya eres parte de" in page.get_data(as_text=True), kind
    before = snapshot()
    visitor.post(invitation)
    assert not changed_tables(before, snapshot())
    assert _members_of(company) == members + 1 and _rows(User, User.email == INVITED) == 1


def test_invitation_expired_or_changed_is_refused(app, tenants, invitation, monkeypatch):
    employer = tenants.a.employer
    with issued_ago(monkeypatch, team.invite_max_age() + 60):
        expired = team.invite(tenants.a.company, employer, "otro.colega@trust-a.pe")
    visitor = app.test_client()
    form = {"first_names": "Nuevo", "last_names": "Colega", "password": PASSWORD}
    for token in [expired, *one_changed(invitation.rsplit("/", 1)[1])]:
        refused_alike(visitor, "GET", f"/empresa/unirse/{token}", 404, "La invitación no es válida")
        refused_alike(visitor, "POST", f"/empresa/unirse/{token}", 404, "La invitación no es válida", form)
    assert _rows(User, User.email.in_([INVITED, "otro.colega@trust-a.pe"])) == 0


def test_invitation_revoked_by_an_owner_is_refused_to_everyone(app, tenants, invitation):
    """Issue 22: an owner revokes the invitation from the team page; its link then works for
    nobody, the invited email's own account included, page and fragment, and writes nothing."""
    from tests import factories

    invited = db.session.scalar(select(CompanyInvitation).where(CompanyInvitation.email == INVITED))
    owner = signed_in(app, tenants.a.employer)
    assert owner.post(f"/empresa/equipo/invitaciones/{invited.id}/anular").status_code == 303
    form = {"first_names": "Nuevo", "last_names": "Colega", "password": PASSWORD}
    visitor = app.test_client()
    refused_alike(visitor, "GET", invitation, 404, "La empresa anuló esta invitación")
    refused_alike(visitor, "POST", invitation, 404, "La empresa anuló esta invitación", form)
    user = User(email=INVITED, role="employer", first_names="Nuevo", last_names="Colega",
                password_hash=factories.password_hash(), email_confirmed_at=clock.utcnow())
    db.session.add(user)
    db.session.commit()
    theirs = signed_in(app, user)
    refused_alike(theirs, "GET", invitation, 404, "La empresa anuló esta invitación")
    refused_alike(theirs, "POST", invitation, 404, "La empresa anuló esta invitación")
    assert _rows(CompanyMember, CompanyMember.user_id == user.id) == 0


@pytest.mark.parametrize("who", ["employer B", "coordinator B", "student A", "admin"])
def test_invitation_opened_by_another_account(app, tenants, invitation, who):
    """Only the invited email's employer account may take it: anyone else is told why
    (200 with the reason, 409 on POST) and nothing changes; B's data never shows."""
    viewer = {"employer B": tenants.b.employer, "coordinator B": tenants.b.coordinator,
              "student A": tenants.a.students["A1"], "admin": tenants.admin}[who]
    client = signed_in(app, viewer)
    never = other_tenant(tenants) if who != "employer B" else [w for w in other_tenant(tenants)
                                                               if w != "Empresa Trust B"]
    page_and_fragment(client, invitation, [f"Esta invitación es para {INVITED}"], not_own(never, viewer))
    refused_alike(client, "POST", invitation, 409, f"Esta invitación es para {INVITED}")
    assert _rows(CompanyMember, CompanyMember.user_id == viewer.id,
                 CompanyMember.company_id == tenants.a.company.id) == 0


def test_invitation_to_an_employer_of_another_company_is_refused(app, tenants):
    """Company A invites the email of company B's employer: B's employer is told that an
    account acts for one company only, and stays in B."""
    inviter = signed_in(app, tenants.a.employer)
    assert inviter.post("/empresa/equipo/invitar", data={"email": tenants.b.employer.email}).status_code == 303
    link = _mailed_path(tenants.b.employer.email, "/empresa/unirse/")
    client = signed_in(app, tenants.b.employer)
    page_and_fragment(client, link, ["Tu cuenta ya actúa por otra empresa"], tenants.personal_data("A1", "A2", "A3"))
    refused_alike(client, "POST", link, 409, "Tu cuenta ya actúa por otra empresa")
    member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == tenants.b.employer.id))
    assert (member.company_id, member.state) == (tenants.b.company.id, "active")


# --- /seguimiento/<token>: the graduate's one-tap follow-up ------------------------------------


@pytest.fixture
def follow_ups(app, tenants):
    """A placement per tenant started 100 days ago; the follow-up command makes the
    3-month row and tells each graduate, with the link, in a notification and an email."""
    links = {}
    for side, key, job, where in (("a", "A3", "Tablerista Quenual", "Taller Quenual"),
                                  ("b", "B2", "Soldador Chachacomo", "Metal Chachacomo")):
        s = getattr(tenants, side)
        student = s.students[key]
        db.session.add(Placement(student_id=student.student.id, cetpro_id=s.cetpro.id, employer_name=where,
                                 job_title=job, kind="empleo", source="manual",
                                 start_date=clock.today() - timedelta(days=100)))
        db.session.commit()
        links[side] = student
    created, emailed = placements.schedule_due()
    assert created >= 2 and emailed >= 2
    out = {}
    for side, student in links.items():
        url = db.session.scalar(select(Notification.url).where(Notification.user_id == student.id,
                                                               Notification.kind == "follow-up"))
        assert url.startswith("/seguimiento/")
        out[side] = url
    return out


def _answered() -> int:
    return _rows(FollowUp, FollowUp.answer.is_not(None))


def test_follow_up_link_shows_its_own_placement_and_takes_one_answer(app, tenants, follow_ups):
    visitor = app.test_client()
    own = ["Tablerista Quenual", "Taller Quenual", "¿Sigues trabajando allí?"]
    theirs = ["Soldador Chachacomo", "Metal Chachacomo", *other_tenant(tenants)]
    page_and_fragment(visitor, follow_ups["a"], own, theirs)
    # B's link shows B's placement and none of A's.
    page_and_fragment(visitor, follow_ups["b"], ["Soldador Chachacomo"],
                      ["Tablerista Quenual", "Taller Quenual", *tenants.personal_data("A1", "A2", "A3")])
    answer = visitor.post(follow_ups["a"], headers=HTMX,
                          data={"answer": "elsewhere", "current_employer": "Obras Kantu"})
    assert answer.status_code == 200 and "¡Gracias! Registramos tu respuesta." in answer.get_data(as_text=True)
    row_ = db.session.scalar(select(FollowUp).join(Placement).where(Placement.job_title == "Tablerista Quenual"))
    assert (row_.answer, row_.current_employer) == ("elsewhere", "Obras Kantu")
    assert row_.answered_by_id == tenants.a.students["A3"].id
    assert _answered() == 1 and _rows(AuditEvent, AuditEvent.action == "follow_up.answered") == 1
    # The second answer, page or fragment, by anyone holding the link: "ya registramos", nothing written.
    for kind, headers in KINDS:
        before = snapshot()
        again = visitor.post(follow_ups["a"], headers=headers, data={"answer": "not_working"})
        assert not changed_tables(before, snapshot()), kind
        if kind == "page":
            assert again.status_code == 303
            with visitor.session_transaction() as session:
                flashed = [m for _, m in session.pop("_flashes", [])]
            assert "Ya registramos tu respuesta. ¡Gracias!" in flashed
        else:
            assert again.status_code == 200 and "Ya registramos tu respuesta" in again.get_data(as_text=True)
        _count("refused")
    page = visitor.get(follow_ups["a"]).get_data(as_text=True)
    assert "Ya registramos tu respuesta" in page and "Obras Kantu" in page
    assert _answered() == 1


def test_follow_up_link_expired_or_changed_is_refused(app, tenants, follow_ups, monkeypatch):
    row_ = db.session.scalar(select(FollowUp).join(Placement).where(Placement.job_title == "Tablerista Quenual"))
    with issued_ago(monkeypatch, placement_rules.TOKEN_MAX_AGE + 60):
        expired = placements.token_for(row_)
    visitor = app.test_client()
    refused_alike(visitor, "GET", f"/seguimiento/{expired}", 410, "Este enlace venció")
    refused_alike(visitor, "POST", f"/seguimiento/{expired}", 410, "Este enlace venció", {"answer": "still_there"})
    for token in one_changed(follow_ups["a"].rsplit("/", 1)[1]):
        refused_alike(visitor, "GET", f"/seguimiento/{token}", 404, "Enlace no válido")
        refused_alike(visitor, "POST", f"/seguimiento/{token}", 404, "Enlace no válido", {"answer": "still_there"})
    assert _answered() == 0


@pytest.mark.parametrize("who", ["coordinator B", "student B", "employer A"])
def test_follow_up_link_opened_by_someone_signed_in(app, tenants, follow_ups, who):
    """No sign-in is asked: whoever holds the link sees that placement only (never the
    viewer's own tenant's), and an answer is recorded once, as the graduate's."""
    viewer = {"coordinator B": tenants.b.coordinator, "student B": tenants.b.students["B1"],
              "employer A": tenants.a.employer}[who]
    client = signed_in(app, viewer)
    page_and_fragment(client, follow_ups["a"], ["Tablerista Quenual"],
                      not_own(["Soldador Chachacomo", "Metal Chachacomo", *tenants.personal_data("B1", "B2")], viewer))
    assert client.post(follow_ups["a"], data={"answer": "still_there"}).status_code == 303
    row_ = db.session.scalar(select(FollowUp).join(Placement).where(Placement.job_title == "Tablerista Quenual"))
    assert row_.answer == "still_there" and row_.answered_by_id == tenants.a.students["A3"].id
    assert _answered() == 1


# --- /recuperar/<token>: a password reset ------------------------------------------------------


@pytest.fixture
def reset_link(app, tenants):
    student = tenants.a.students["A1"]
    assert app.test_client().post("/recuperar", data={"email": student.email}).status_code == 303
    return _mailed_path(student.email, "/recuperar/")


def test_reset_link_works_once(app, tenants, reset_link):
    visitor = app.test_client()
    page_and_fragment(visitor, reset_link, ["Elige una nueva contraseña"],
                      [*other_tenant(tenants), *tenants.personal_data("A1")])
    done = visitor.post(reset_link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/panel"
    student = db.session.get(User, tenants.a.students["A1"].id)
    assert student.check_password(PASSWORD)
    again = app.test_client()
    refused_alike(again, "GET", reset_link, 303, "El enlace venció o ya fue usado")
    refused_alike(again, "POST", reset_link, 303, "El enlace venció o ya fue usado",
                  {"password": "otra-clave-segura-9", "confirm": "otra-clave-segura-9"})
    assert db.session.get(User, student.id).check_password(PASSWORD)


def test_reset_link_expired_or_changed_is_refused(app, tenants, reset_link, monkeypatch):
    student = tenants.a.students["A1"]
    with issued_ago(monkeypatch, app.config["PASSWORD_RESET_MAX_AGE"] + 60):
        expired = passwords.reset_token(student)
    visitor = app.test_client()
    form = {"password": PASSWORD, "confirm": PASSWORD}
    for token in [expired, *one_changed(reset_link.rsplit("/", 1)[1])]:
        refused_alike(visitor, "GET", f"/recuperar/{token}", 303, "El enlace venció o ya fue usado")
        refused_alike(visitor, "POST", f"/recuperar/{token}", 303, "El enlace venció o ya fue usado", form)
    assert not db.session.get(User, student.id).check_password(PASSWORD)


def test_reset_link_opened_by_someone_signed_in(app, tenants, reset_link):
    """The link is the key: a coordinator of B who holds A1's link sees a bare form (no
    one's data) and, by using it, is signed out and signed in as A1."""
    client = signed_in(app, tenants.b.coordinator)
    page_and_fragment(client, reset_link, ["Elige una nueva contraseña"],
                      [*other_tenant(tenants), *tenants.personal_data("A1", "A2", "A3")])
    client.post(reset_link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert client.get("/coordinador").status_code == 403
    assert client.get("/estudiante").status_code == 200


# --- The same link sent twice at once ------------------------------------------------------------
#
# The welcome and reset links are single use because they are bound to the account's
# password hash; the new password is a conditional write (only if the hash is still the one
# the request started from, `accounts.passwords.take_password_link`), so of several requests
# carrying one link at the same moment exactly one wins, and the others get the answer to a
# used link with nothing written. These tests found the race when the write was a plain
# UPDATE: three POSTs of one link were all accepted. The hashing is slowed here so the
# overlap is certain, not left to the scheduler.


def _send_at_once(app, clients, path: str, forms: list[dict], headers: dict | None = None) -> list:
    """POST `forms[i]` from `clients[i]` to `path`, all released together; each answer is
    (status, Location), or the name of the exception a request raised (a 500 in production)."""
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def send(i):
        with app.app_context():
            barrier.wait()
            try:
                response = clients[i].post(path, data=forms[i], headers=headers or {})
                answers[i] = (response.status_code, response.headers.get("Location", ""))
            except Exception as error:  # noqa: BLE001 - reported in the assertion
                answers[i] = type(error).__name__

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _slowed(monkeypatch, owner, name: str, seconds: float = 0.3) -> None:
    real = getattr(owner, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)


def _same_link_at_once(app, monkeypatch, path: str, n: int = 3) -> list:
    _slowed(monkeypatch, passwords, "generate_password_hash")
    clients = [app.test_client() for _ in range(n)]
    forms = []
    for i, client in enumerate(clients):
        assert client.get(path).status_code == 200
        password = f"clave-numero-{i}-2026"
        forms.append({"password": password, "confirm": password, "csrf_token": client.csrf_token()})
    return _send_at_once(app, clients, path, forms)


def test_welcome_link_sent_twice_at_once_is_taken_once(app, tenants, welcome, monkeypatch):
    answers = _same_link_at_once(app, monkeypatch, welcome)
    accepted = [a for a in answers if a == (303, "/estudiante/perfil")]
    events = _rows(AuditEvent, AuditEvent.action == "student.invitation_accepted")
    assert len(accepted) == 1 and events == 1, (
        f"one welcome link, sent 3 times at once: {len(accepted)} accepted {answers}, {events} audit events")
    assert sorted(answers) == [(303, "/estudiante/perfil"), (404, ""), (404, "")], answers  # as a used link


def test_reset_link_sent_twice_at_once_is_taken_once(app, tenants, reset_link, monkeypatch):
    answers = _same_link_at_once(app, monkeypatch, reset_link)
    accepted = [a for a in answers if a == (303, "/panel")]
    events = _rows(AuditEvent, AuditEvent.action == "password.reset")
    assert len(accepted) == 1 and events == 1, (
        f"one reset link, sent 3 times at once: {len(accepted)} accepted {answers}, {events} audit events")
    assert sorted(answers) == [(303, "/panel"), (303, "/recuperar"), (303, "/recuperar")], answers  # as a used link


def test_invitation_taken_twice_at_once_by_its_account(app, tenants, invitation, monkeypatch):
    """The invited person already has an account, signs in and double-clicks «Unirme a …».
    `companies.team.join` checks for a membership, then inserts one; the loser of the
    race hits the unique key on company_members.user_id and answers as the winner (this
    test found it answering a 500). Telling the colleagues is slowed so the overlap is certain."""

    from tests import factories

    user = User(email=INVITED, role="employer", first_names="Nuevo", last_names="Colega",
                password_hash=factories.password_hash(), email_confirmed_at=clock.utcnow())
    db.session.add(user)
    db.session.commit()
    _slowed(monkeypatch, team, "notify")
    clients = [signed_in(app, user) for _ in range(3)]
    answers = _send_at_once(app, clients, invitation, [{"csrf_token": c.csrf_token()} for c in clients])
    assert _rows(CompanyMember, CompanyMember.user_id == user.id) == 1
    assert all(a[0] in (303, 409) for a in answers if isinstance(a, tuple)) and all(
        isinstance(a, tuple) for a in answers), f"one invitation taken 3 times at once: {answers}"


def test_invitation_registered_twice_at_once(app, tenants, invitation, monkeypatch):
    """Held: three sign-ups from one invitation at once make one account and one
    membership; the others are told in Spanish that the account exists (422)."""
    _slowed(monkeypatch, team, "password_problem")
    clients = [app.test_client() for _ in range(3)]
    forms = [{"first_names": "Nuevo", "last_names": "Colega", "password": PASSWORD, "csrf_token": c.csrf_token()}
             for c in clients]
    answers = _send_at_once(app, clients, invitation, forms)
    assert sorted(a[0] for a in answers) == [303, 422, 422], answers
    assert _rows(User, User.email == INVITED) == 1
    assert _rows(CompanyMember, CompanyMember.company_id == tenants.a.company.id) == 2  # the owner and the new one


def test_follow_up_answered_three_times_at_once(app, tenants, follow_ups, monkeypatch):
    """Held: the answer is a conditional write; three taps at once record one answer and
    one event, and every tap is answered without an error."""
    _slowed(monkeypatch, placements, "read_token")
    clients = [app.test_client() for _ in range(3)]
    forms = [{"answer": answer, "csrf_token": c.csrf_token()}
             for c, answer in zip(clients, ("still_there", "elsewhere", "not_working"), strict=True)]
    answers = _send_at_once(app, clients, follow_ups["a"], forms, HTMX)
    assert all(isinstance(a, tuple) and a[0] == 200 for a in answers), answers
    assert _answered() == 1 and _rows(AuditEvent, AuditEvent.action == "follow_up.answered") == 1


# --- A token made for one purpose opens no other route ----------------------------------------


def test_tokens_open_only_their_own_route(app, tenants, welcome, invitation, follow_ups, reset_link):
    tokens = {"welcome": welcome, "join": invitation, "follow-up": follow_ups["a"], "reset": reset_link}
    answers = {"/bienvenida/": (404, "Este enlace ya no sirve"), "/empresa/unirse/": (404, "La invitación no es válida"),
               "/seguimiento/": (404, "Enlace no válido"), "/recuperar/": (303, "El enlace venció o ya fue usado")}
    visitor = app.test_client()
    for path in tokens.values():
        token = path.rsplit("/", 1)[1]
        for prefix, (status, words) in answers.items():
            if path.startswith(prefix):
                continue
            refused_alike(visitor, "GET", prefix + token, status, words)


# --- ?vista=<token>: a roster import preview ---------------------------------------------------


IMPORT = "/coordinador/estudiantes/importar"


def test_import_preview_belongs_to_its_coordinator_and_confirms_once(app, tenants, monkeypatch):
    own = signed_in(app, tenants.a.coordinator)
    html = preview_html(own, csv_bytes([row(1)]))
    fields = confirm_fields(html)
    view = f"{IMPORT}?vista={fields['token']}"
    for kind, headers in KINDS:
        assert own.get(view, headers=headers).status_code == 200, kind
    # Another CETPRO's coordinator, and A's own colleague, get nothing of it.
    colleague_a = signed_in(app, _colleague(tenants.a.cetpro))
    for client in (signed_in(app, tenants.b.coordinator), colleague_a):
        for kind, headers in KINDS:
            before = snapshot()
            response = client.get(view, headers=headers)
            assert response.status_code == 404 and "Rosa 1" not in response.get_data(as_text=True), kind
            assert client.post(f"{IMPORT}/confirmar", headers=headers, data=dict(fields)).status_code == 404
            assert not changed_tables(before, snapshot())
    done = own.post(f"{IMPORT}/confirmar", data=dict(fields))
    assert done.status_code == 303 and _rows(User, User.email == "rosa1@correo.pe") == 1
    # A second confirm is the same result, and writes nothing.
    for kind, headers in KINDS:
        before = snapshot()
        again = own.post(f"{IMPORT}/confirmar", headers=headers, data=dict(fields))
        assert again.status_code in (200, 303), kind
        assert not changed_tables(before, snapshot()), kind
    assert _rows(User, User.email == "rosa1@correo.pe") == 1
    assert _rows(OutboxEmail, OutboxEmail.to_address == "rosa1@correo.pe") == 1
    # Changed by one character, or an hour old: refused in Spanish, nothing written.
    html = preview_html(own, csv_bytes([row(2)]))
    fresh = confirm_fields(html)
    token = fresh["token"]
    changed = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for _kind, headers in KINDS:
        assert own.get(f"{IMPORT}?vista={changed}", headers=headers).status_code == 404
        assert own.post(f"{IMPORT}/confirmar", headers=headers,
                        data={**fresh, "token": changed}).status_code == 404
    # An hour old: 410 with the Spanish reason, page and fragment alike (each on its own
    # upload: an expired preview is removed when it is found expired).
    for kind, headers in KINDS:
        token = confirm_fields(preview_html(own, csv_bytes([row(3)])))["token"]
        with monkeypatch.context() as patch:
            patch.setattr(imports, "PREVIEW_MAX_AGE", -1)
            before = snapshot()
            response = own.get(f"{IMPORT}?vista={token}", headers=headers)
            assert response.status_code == 410, kind
            assert "La vista previa venció" in response.get_data(as_text=True), kind
            # Nothing written but the expired preview's removal.
            assert changed_tables(before, snapshot()) == ["import_previews"]
            assert _rows(ImportPreview, ImportPreview.token == token) == 0
        _count("refused")
    assert _rows(User, User.email.in_(["rosa2@correo.pe", "rosa3@correo.pe"])) == 0


def _colleague(cetpro):
    from tests import factories

    return factories.coordinator(cetpro, email="trust.coord.a2@example.pe")


def test_zz_tally():
    print(f"\nTRUST token links: {TALLY.get('shown', 0)} valid-link answers (page and fragment), "
          f"{TALLY.get('refused', 0)} refused or already-done answers with nothing written")

