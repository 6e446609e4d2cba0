"""Who may reach what: one table lists every rule of the app with the roles allowed.

A new route without an entry here fails the suite. For every GET rule and every role
(anonymous, student, employer, coordinator, admin) the expected answer is asserted for
the page and for the htmx fragment: 200 for an allowed role, a redirect to /ingresar for
an anonymous visitor on a protected route, 403 for a signed-in user of another role, and
404 for an allowed role asking for another tenant's object. Every POST rule refuses
wrong roles and other tenants' objects. No body shown to one tenant holds another
tenant's students' personal data (names, DNI, email, phone).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest

from tests.helpers.trust import signed_in
from tests.helpers.web import HTMX

ROLES = ("anonymous", "student", "employer", "coordinator", "admin")
SIGNED = frozenset(ROLES[1:])
PUBLIC = frozenset(ROLES)
GET, POST, BOTH = frozenset({"GET"}), frozenset({"POST"}), frozenset({"GET", "POST"})


@dataclass(frozen=True)
class Access:
    roles: frozenset
    methods: frozenset = GET
    # The route takes a tenant's object: another tenant's answers 404 (admins see all).
    tenant: bool = False
    # Whether admins see every tenant's object here (not a person's own notifications).
    admin_sees_all: bool = True
    # What an allowed role gets for the page (a redirect for some routes, 204 for a badge).
    ok: int = 200
    # What the page (no htmx) gets when it differs from the fragment: a fragment-only
    # route sends a browser on to the page it belongs to.
    page_ok: int | None = None
    # Per-role answers that differ from the rule above, with the reason in a comment.
    special: dict = field(default_factory=dict)


def _only(*roles: str) -> frozenset:
    return frozenset(roles)


# Signed-in people asking for a sign-in or sign-up page are sent on to their panel.
_SIGNED_REDIRECT = {role: 302 for role in SIGNED}
_SIGNED_UP = {role: 303 for role in SIGNED}  # a sign-up page: to /panel, with a flash

ACCESS: dict[str, Access] = {
    # Public pages.
    "pages.home": Access(PUBLIC),
    "pages.health": Access(PUBLIC),
    "metrics": Access(PUBLIC),  # the test client is loopback; other addresses get 404 (tests/test_metrics.py)
    "pages.dev_mail": Access(PUBLIC, ok=404),  # development only (tests/test_mail.py): not here
    "pages.place_fields": Access(PUBLIC),
    "pages.dashboard": Access(SIGNED, ok=302),  # /panel sends each role to its own panel
    "openings.index": Access(PUBLIC),
    "openings.provinces": Access(PUBLIC, page_ok=302),
    "openings.programmes": Access(PUBLIC, page_ok=302),
    "openings.show": Access(PUBLIC),  # published openings are public on both sides
    "openings.feed": Access(PUBLIC),  # the listing's search as Atom
    "openings.card_image": Access(PUBLIC),  # a published opening's share picture (og:image)
    "pages.robots": Access(PUBLIC),
    "pages.sitemap": Access(PUBLIC),
    "openings.report": Access(PUBLIC, POST),
    "openings.suspend": Access(_only("coordinator", "admin"), POST),
    "companies.logo": Access(PUBLIC),  # a logo is public like the company's name
    "accounts.login": Access(PUBLIC, BOTH, special=_SIGNED_REDIRECT),
    "accounts.logout": Access(PUBLIC, BOTH),
    "accounts.register": Access(PUBLIC, special=_SIGNED_UP),
    "accounts.register_student": Access(PUBLIC, BOTH, special=_SIGNED_UP),
    "accounts.register_employer": Access(PUBLIC, BOTH, special=_SIGNED_UP),
    "accounts.check_identifier": Access(PUBLIC),
    "accounts.check_email": Access(PUBLIC),
    "accounts.resend_confirmation": Access(PUBLIC, POST),
    "accounts.forgot": Access(PUBLIC, BOTH),
    # Token links, asked for with a forged token: nothing behind them.
    "accounts.reset": Access(PUBLIC, BOTH, ok=303),  # back to /recuperar with a message
    "accounts.confirm": Access(PUBLIC, BOTH, ok=303),  # back to /ingresar with a message
    "roster.welcome": Access(PUBLIC, BOTH, ok=404),
    "employers.join": Access(PUBLIC, BOTH, ok=404),
    "cetpros.accept": Access(PUBLIC, BOTH, ok=404),
    "placements.follow_up": Access(PUBLIC, BOTH, ok=404),
    # A certificate's public verification, asked for with a code nobody holds (a real one shows
    # the holder's name to anyone, by design: tests/certificates/test_views.py).
    "certificates.verify": Access(PUBLIC, ok=404),
    "certificates.card": Access(PUBLIC, ok=404),
    "certificates.qr_code": Access(PUBLIC, ok=404),
    # The certificate as a signed credential, and what any verifier fetches to check one.
    "certificates.credential": Access(PUBLIC, ok=404),
    "certificates.jwks": Access(PUBLIC),
    "certificates.did_document": Access(PUBLIC),
    "certificates.status_list": Access(PUBLIC),
    "notifications.counter": Access(PUBLIC, special={"anonymous": 204}),
    # Any signed-in person.
    "notifications.index": Access(SIGNED),
    # GET goes to the notice's page without marking it read (a prefetch changes nothing); POST marks it.
    "notifications.follow": Access(SIGNED, BOTH, tenant=True, ok=303, admin_sees_all=False),
    "notifications.mark_all_read": Access(SIGNED, POST),
    # Data rights (Ley 29733): each person's own data, whatever the role.
    "privacy.index": Access(SIGNED),
    "privacy.download": Access(SIGNED, POST),
    "privacy.request_deletion": Access(SIGNED, POST),
    "privacy.cancel_deletion": Access(SIGNED, POST),
    # Students.
    "students.dashboard": Access(_only("student")),
    "students.profile": Access(_only("student"), BOTH),
    "students.module_fields": Access(_only("student")),
    "students.upload_cv": Access(_only("student"), POST),
    "students.own_cv": Access(_only("student")),
    "students.remove_cv": Access(_only("student"), POST),
    "profiles.cv": Access(_only("student", "employer", "coordinator", "admin"), tenant=True),
    # The CV generated from the profile: her own page and PDF; her own experiences (another
    # student's answers 404).
    "students.generated_cv_page": Access(_only("student")),
    "students.generated_cv_pdf": Access(_only("student")),
    "students.add_cv_experience": Access(_only("student"), POST),
    "students.update_cv_experience": Access(_only("student"), POST, tenant=True),
    "students.remove_cv_experience": Access(_only("student"), POST, tenant=True),
    "students.cv_preferences": Access(_only("student"), POST),
    "applications.apply": Access(_only("student"), POST),
    "applications.withdraw": Access(_only("student"), POST, tenant=True),
    "students.applications": Access(_only("student")),
    "students.recommended": Access(_only("student")),
    # Job alerts: her own (another student's answers 404); the GET shares its URL with the save.
    "students.alerts": Access(_only("student")),
    "students.save_alert": Access(_only("student"), POST),
    "students.update_alert": Access(_only("student"), POST, tenant=True),
    # The emailed one-click unsubscribe: anyone holding the signed link; a forged one changes nothing.
    "alerts.unsubscribe": Access(PUBLIC, BOTH, ok=400),
    # Employers.
    "employers.dashboard": Access(_only("employer")),
    "employers.create": Access(_only("employer"), BOTH),
    "employers.edit": Access(_only("employer"), BOTH, tenant=True),
    "employers.requirement_fields": Access(_only("employer")),
    "employers.legal_minimum": Access(_only("employer")),
    "employers.change_state": Access(_only("employer"), POST, tenant=True),
    "employers.duplicate": Access(_only("employer"), POST, tenant=True),
    "employers.delete": Access(_only("employer"), BOTH, tenant=True),  # GET asks to confirm
    "employers.pipeline": Access(_only("employer", "admin"), tenant=True),
    "employers.application": Access(_only("employer", "admin"), tenant=True),
    "employers.move_applicant": Access(_only("employer"), POST, tenant=True),
    "employers.move_applicants": Access(_only("employer"), POST, tenant=True),
    "employers.notes": Access(_only("employer"), POST, tenant=True),
    # Interviews (issue 19): the company's own applicants and interviews; the student her own.
    "employers.propose_interview": Access(_only("employer"), POST, tenant=True),
    "employers.reschedule_interview": Access(_only("employer"), POST, tenant=True),
    "employers.cancel_interview": Access(_only("employer"), POST, tenant=True),
    "employers.interview_attendance": Access(_only("employer"), POST, tenant=True),
    "employers.interviews_week": Access(_only("employer")),
    "students.interview": Access(_only("student"), tenant=True),
    "students.pick_interview": Access(_only("student"), POST, tenant=True),
    "students.ask_interview_time": Access(_only("student"), POST, tenant=True),
    "employers.recommended": Access(_only("employer"), tenant=True),
    "employers.invite_student": Access(_only("employer"), POST, tenant=True),
    "employers.profile": Access(_only("employer"), BOTH),
    "employers.team": Access(_only("employer")),
    "employers.invite_member": Access(_only("employer"), POST),
    "employers.decide_request": Access(_only("employer"), POST, tenant=True),
    "employers.remove_member": Access(_only("employer"), POST, tenant=True),
    "employers.revoke_invitation": Access(_only("employer"), POST, tenant=True),
    "employers.convenios": Access(_only("employer")),
    "employers.propose_convenio": Access(_only("employer"), POST),
    "employers.decide_convenio": Access(_only("employer"), POST, tenant=True),
    "employers.convenio_pdf": Access(_only("employer"), POST, tenant=True),
    # Coordinators.
    "coordinators.dashboard": Access(_only("coordinator")),
    "coordinators.candidates": Access(_only("coordinator")),  # openings are public; candidates are scoped
    "coordinators.nominate": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.roster": Access(_only("coordinator")),
    "coordinators.decide_student": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.decide_students": Access(_only("coordinator"), POST),
    "coordinators.import_form": Access(_only("coordinator")),
    "coordinators.import_upload": Access(_only("coordinator"), POST),
    "coordinators.import_confirm": Access(_only("coordinator"), POST),
    "coordinators.roster_template": Access(_only("coordinator")),
    "coordinators.roster_export": Access(_only("coordinator")),
    "coordinators.placements": Access(_only("coordinator")),
    "coordinators.placement_students": Access(_only("coordinator")),
    "coordinators.record_placement": Access(_only("coordinator"), POST),
    "coordinators.certificates": Access(_only("coordinator"), tenant=True),
    "coordinators.record_certificate": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.confirm_revoke": Access(_only("coordinator"), tenant=True),
    "coordinators.revoke_certificate": Access(_only("coordinator"), POST, tenant=True),
    # Webhooks (/coordinador/webhooks): the CETPRO's own endpoints and deliveries only.
    "coordinators.webhooks": Access(_only("coordinator")),
    "coordinators.create_webhook": Access(_only("coordinator"), POST),
    "coordinators.webhook": Access(_only("coordinator"), tenant=True),
    "coordinators.update_webhook": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.pause_webhook": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.rotate_webhook_secret": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.delete_webhook": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.redeliver_webhook": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.answer_follow_up": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.record_agreement": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.placement_evidence": Access(_only("coordinator", "admin"), tenant=True),
    "coordinators.convenios": Access(_only("coordinator")),
    "coordinators.convenio_companies": Access(_only("coordinator")),
    "coordinators.propose_convenio": Access(_only("coordinator"), POST),
    "coordinators.decide_convenio": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.convenio_pdf": Access(_only("coordinator"), POST, tenant=True),
    "convenios.pdf": Access(_only("coordinator", "employer", "admin"), tenant=True),
    "coordinators.companies": Access(_only("coordinator")),
    "coordinators.decide_company": Access(_only("coordinator"), POST, tenant=True),
    "coordinators.report": Access(_only("coordinator")),
    "coordinators.report_csv": Access(_only("coordinator")),
    "coordinators.report_xlsx": Access(_only("coordinator")),
    "coordinators.seguimiento": Access(_only("coordinator")),
    "coordinators.seguimiento_csv": Access(_only("coordinator")),
    "coordinators.seguimiento_xlsx": Access(_only("coordinator")),
    # The audit trail of the coordinator's own CETPRO (portal.audit.of_cetpro).
    "coordinators.audit_trail": Access(_only("coordinator")),
    "coordinators.audit_trail_csv": Access(_only("coordinator")),
    # Reports on openings: a coordinator reads those of openings meant for its CETPRO.
    "coordinators.opening_report": Access(_only("coordinator"), tenant=True),
    "coordinators.opening_reports": Access(_only("coordinator")),
    # Another CETPRO's report does not exist for a coordinator (404), acted on or read.
    "coordinators.act_on_report": Access(_only("coordinator"), POST, tenant=True),
    # A CETPRO's API tokens: its coordinators' own page; another CETPRO's token does not exist here.
    "coordinators.api_tokens": Access(_only("coordinator")),
    "coordinators.create_api_token": Access(_only("coordinator"), POST),
    "coordinators.revoke_api_token": Access(_only("coordinator"), POST, tenant=True),
    # Admins.
    "admin.dashboard": Access(_only("admin")),
    "admin.companies": Access(_only("admin")),
    "admin.decide_company": Access(_only("admin"), POST),
    "admin.report": Access(_only("admin")),
    "admin.report_csv": Access(_only("admin")),
    "admin.report_xlsx": Access(_only("admin")),
    "admin.seguimiento": Access(_only("admin")),
    "admin.seguimiento_csv": Access(_only("admin")),
    "admin.seguimiento_xlsx": Access(_only("admin")),
    "admin.report_cetpros": Access(_only("admin"), page_ok=302),
    "admin.opening_reports": Access(_only("admin")),
    "admin.opening_report": Access(_only("admin"), tenant=True),  # admins read every report
    "admin.act_on_report": Access(_only("admin"), POST, tenant=True),  # and act on every one
    "admin.company_suspension": Access(_only("admin"), POST),  # the platform's decision
    "admin.outbox": Access(_only("admin")),
    "admin.jobs_page": Access(_only("admin")),
    "admin.retry_email": Access(_only("admin"), POST),  # emails belong to no tenant
    "admin.rmv_table": Access(_only("admin")),
    "admin.add_rmv": Access(_only("admin"), POST),
    "admin.correct_rmv": Access(_only("admin"), POST),  # the RMV table belongs to no tenant
    "admin.withdraw_rmv": Access(_only("admin"), POST),
    "admin.cetpros": Access(_only("admin")),
    "admin.new_cetpro": Access(_only("admin"), BOTH),
    "admin.cetpro": Access(_only("admin"), tenant=True),  # admins see every CETPRO
    "admin.edit_cetpro": Access(_only("admin"), BOTH, tenant=True),
    "admin.set_cetpro_active": Access(_only("admin"), POST),
    "admin.invite_coordinator": Access(_only("admin"), POST),
    "admin.api_tokens": Access(_only("admin"), tenant=True),  # any CETPRO's tokens
    "admin.create_api_token": Access(_only("admin"), POST),
    "admin.revoke_api_token": Access(_only("admin"), POST, tenant=True),
    "admin.coordinator_invitation": Access(_only("admin"), POST),
    "admin.set_coordinator_active": Access(_only("admin"), POST),
    # The trade catalogue belongs to no tenant: admins only.
    "admin.catalogue": Access(_only("admin")),
    "admin.add_family": Access(_only("admin"), POST),
    "admin.catalogue_family": Access(_only("admin")),
    "admin.rename_family": Access(_only("admin"), POST),
    "admin.add_programme": Access(_only("admin"), POST),
    "admin.catalogue_programme": Access(_only("admin")),
    "admin.rename_programme": Access(_only("admin"), POST),
    "admin.add_module": Access(_only("admin"), POST),
    "admin.merge_programme": Access(_only("admin"), BOTH),
    "admin.rename_module": Access(_only("admin"), POST),
    "admin.move_module": Access(_only("admin"), POST),
    "admin.merge_module": Access(_only("admin"), BOTH),
    "admin.retire": Access(_only("admin"), POST),
    "admin.skills": Access(_only("admin")),
    "admin.merge_skills": Access(_only("admin"), POST),
    "admin.deletions": Access(_only("admin")),
    "admin.run_deletion": Access(_only("admin"), POST),  # any pending account; others 404
    "admin.users": Access(_only("admin")),
    "admin.user": Access(_only("admin"), tenant=True),  # admins see every account
    "admin.user_action": Access(_only("admin"), POST),  # accounts belong to no tenant an admin is kept from
    "admin.audit_trail": Access(_only("admin")),
    "admin.audit_trail_csv": Access(_only("admin")),
}

# The API (/api/v1): no sessions there, so a signed-in browser is no one to it. Its public
# parts answer everybody; an operation that needs a token answers 401 to every role (the
# tokens' own matrix, every operation and CETPRO, is tests/api/test_tenancy.py).
_API_NEEDS_TOKEN = {role: 401 for role in ROLES}
ACCESS.update({
    "api.openapi": Access(PUBLIC),
    "api.docs": Access(PUBLIC),
    "api.list_openings": Access(PUBLIC),
    "api.list_students": Access(PUBLIC, special=_API_NEEDS_TOKEN),
    "api.list_placements": Access(PUBLIC, special=_API_NEEDS_TOKEN),
    # POST with a session and no token: 401 (the POST test skips PUBLIC rules; tests/api checks it).
    "api.sync_students": Access(PUBLIC, POST, special=_API_NEEDS_TOKEN),
})

_ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _methods(rule) -> frozenset:
    return frozenset(rule.methods - {"HEAD", "OPTIONS"})


def test_every_rule_has_an_entry(trust_app):
    """A new route (or a new method on one) must say here who may use it."""
    missing = [f"{r.rule} {sorted(_methods(r))} ({r.endpoint})" for r in _rules(trust_app)
               if r.endpoint not in ACCESS or ACCESS[r.endpoint].methods != _methods(r)]
    stale = sorted(set(ACCESS) - {r.endpoint for r in _rules(trust_app)})
    assert not missing, "rules without an (up-to-date) entry in ACCESS:\n" + "\n".join(missing)
    assert not stale, f"entries for rules that no longer exist: {stale}"


def _user_of(world, role):
    return {
        "anonymous": None,
        "student": world.a.students["A1"],
        "employer": world.a.employer,
        "coordinator": world.a.coordinator,
        "admin": world.admin,
    }[role]


def _values(rule, world, side, user) -> dict:
    """Concrete arguments for `rule`, pointing at `side`'s objects ('a' ours, 'b' theirs)."""
    s = getattr(world, side)
    letter = side.upper()
    choices = {name: options.split(",")[0].strip() for options, name in _ANY.findall(rule.rule)}
    if "notification_id" in rule.arguments:
        owner = user if (side == "a" and user is not None) else world.b.students["B1"]
        notification = world.notifications[owner.id]
    else:
        notification = None
    values = {
        "opening_id": s.opening.id,
        "application_id": s.application.id,
        # A student of that side who applied to that side's company.
        "student_id": s.students[f"{letter}1"].student.id,
        "convenio_id": s.convenio.id,
        "placement_id": s.placement.id,
        "certificate_id": s.certificate.id,
        "endpoint_id": s.webhook_ids[0],
        "delivery_id": s.webhook_ids[1],
        "code": "ZZZZZZZZZZ",
        "company_id": s.company.id,
        "cetpro_id": s.cetpro.id,
        "coordinator_id": s.coordinator.id,
        "member_id": s.employer.membership.id,
        "invitation_id": s.invitation.id,
        "notification_id": notification,
        "report_id": s.report.id,
        "email_id": 1,
        "rate_id": 1,
        # The catalogue's items (shared by every tenant): the programme of that side's student.
        "family_id": s.opening.family_id,
        "programme_id": s.students[f"{letter}1"].student.programme_id,
        "module_id": s.students[f"{letter}1"].student.programme.modules[0].id,
        "item_id": s.opening.family_id,
        # An account for the admin's account pages: one nobody signs in with here (the fuzz
        # test deactivates it).
        "user_id": s.students[f"{letter}2"].id,
        "months": 3,
        "number": 1,  # the first credential status list
        "token": "enlace-token-falso",
        "kind": "ruc",
        "token_id": s.api_token.id,
        "alert_id": _alert_id(s.students[f"{letter}1"]) if "alert_id" in rule.arguments else 0,
        "interview_id": s.interview.id,
        "experience_id": _experience_id(s.students[f"{letter}1"]) if "experience_id" in rule.arguments else 0,
        **choices,
    }
    if rule.endpoint == "coordinators.nominate":
        # A student of that side's CETPRO who is not yet nominated.
        values["student_id"] = s.students[f"{letter}1"].student.id
    return {name: values[name] for name in rule.arguments}


def _alert_id(student) -> int:
    """That side's student's job alert (made the first time a rule asks)."""
    from werkzeug.datastructures import MultiDict

    from portal.alerts import services
    from portal.extensions import db

    alert, _ = services.save(student.student, MultiDict([("q", "electricista")]), "diaria")
    db.session.commit()
    return alert.id


def _experience_id(student) -> int:
    """An experience that side's student added to her generated CV (made when a rule asks)."""
    from portal.extensions import db
    from portal.models import CvExperience

    experience = CvExperience(student_id=student.student.id, kind="empleo", role="Electricista Trust",
                              employer="", start_date=date(2025, 1, 6), description="")
    db.session.add(experience)
    db.session.commit()
    return experience.id


def _url(app, rule, values) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, method=sorted(_methods(rule))[0])


def _expected(access: Access, role: str, side: str, kind: str) -> int:
    if role not in access.roles:
        return 302 if role == "anonymous" else 403
    if role in access.special:
        return access.special[role]
    if access.tenant and side == "b" and (role != "admin" or not access.admin_sees_all):
        return 404
    if kind == "page" and access.page_ok is not None:
        return access.page_ok
    return access.ok


def _forbidden_data(world, role) -> list[str]:
    """Personal data this role must never see in any response (side A is the viewer)."""
    others = {
        "anonymous": ["A1", "A2", "A3", "B1", "B2"],
        "student": ["A2", "A3", "B1", "B2"],
        "employer": ["A3", "B1", "B2"],  # A1 applied, A2 was nominated: those it may see
        "coordinator": ["B1", "B2"],
        "admin": [],
    }[role]
    return world.personal_data(*others)


def _leaks(body: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![0-9A-Za-z@.]){re.escape(w)}(?![0-9A-Za-z])", body)]


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(trust_app, world, role):
    client = signed_in(trust_app, _user_of(world, role))
    forbidden = _forbidden_data(world, role)
    failures, checked = [], 0
    for rule in _rules(trust_app):
        access = ACCESS[rule.endpoint]
        if "GET" not in _methods(rule):
            continue
        sides = ("a", "b") if access.tenant else ("a",)
        for side in sides:
            url = _url(trust_app, rule, _values(rule, world, side, _user_of(world, role)))
            for kind, headers in (("page", {}), ("fragment", HTMX)):
                response = client.get(url, headers=headers)
                checked += 1
                expected = _expected(access, role, side, kind)
                got = response.status_code
                if got != expected:
                    failures.append(f"{role} {kind} GET {url}: {got}, expected {expected}")
                elif expected == 302 and role not in access.roles and "/ingresar" not in response.headers["Location"]:
                    failures.append(f"{role} {kind} GET {url}: redirect to {response.headers['Location']}")
                if response.mimetype in ("text/html", "application/json", "text/csv"):
                    leaked = _leaks(response.get_data(as_text=True), forbidden)
                    if leaked:
                        failures.append(f"{role} {kind} GET {url}: shows another tenant's data {leaked}")
    print(f"\nTRUST access GET {role}: {checked} requests")
    assert checked > 50
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_post_refused_to_wrong_role_and_other_tenant(trust_app, world, role):
    """With a valid CSRF token and an empty form: a wrong role is refused, and an allowed
    role acting on another tenant's object gets 404. Nothing of ours is posted to."""
    client = signed_in(trust_app, _user_of(world, role))
    failures, checked = [], 0
    for rule in _rules(trust_app):
        access = ACCESS[rule.endpoint]
        if "POST" not in _methods(rule):
            continue
        if role in access.roles and not (access.tenant and role != "admin"):
            continue
        url = _url(trust_app, rule, _values(rule, world, "b", _user_of(world, role)))
        for kind, headers in (("page", {}), ("fragment", HTMX)):
            response = client.post(url, headers=headers, data={})
            checked += 1
            if role not in access.roles:
                ok = response.status_code in ((302, 303) if role == "anonymous" else (403,))
                if ok and role == "anonymous":
                    ok = "/ingresar" in response.headers["Location"]
            else:
                ok = response.status_code == 404
            if not ok:
                failures.append(f"{role} {kind} POST {url}: {response.status_code}")
    print(f"\nTRUST access POST {role}: {checked} requests")
    assert not failures, "\n".join(failures)
