"""Company services without HTTP: who may verify, what verifying does, profile rules, team."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal import clock, uploads
from portal.companies import errors, queries, team, verification
from portal.companies import profile as company_profile
from portal.extensions import db
from portal.models import AuditEvent, Company, CompanyMember, Notification, OutboxEmail, StoredFile
from tests import factories
from tests.helpers.files import JPEG, PNG, gps_exif, image, png_claiming


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def partner(app):
    """A CETPRO, one of its coordinators and an unverified company with two members."""
    cetpro = factories.cetpro(name="CETPRO San Martín")
    company = factories.company(verified=False, legal_name="Electro Sur S.A.C.")
    owner = factories.employer(company)
    colleague = factories.employer(company)
    return cetpro, factories.coordinator(cetpro), company, owner, colleague


# --- Who may verify --------------------------------------------------------------------------

TODAY = clock.today


@pytest.mark.parametrize(
    "convenio_args, allowed",
    [
        ({"state": "active"}, True),
        ({"state": "active", "open_ended": True}, True),
        ({"state": "active", "end": "today"}, True),  # the last day still counts
        ({"state": "active", "start": "in 10 days"}, False),  # not started yet
        ({"state": "active", "end": "10 days ago", "start": "a year ago"}, False),  # expired
        ({"state": "proposed"}, False),
        ({"state": "rejected"}, False),
        ({"state": "ended"}, False),
        (None, False),  # no convenio at all
    ],
)
def test_coordinator_may_verify_only_with_a_convenio_in_force(partner, convenio_args, allowed):
    cetpro, coordinator, company, *_ = partner
    if convenio_args is not None:
        days = {"today": TODAY(), "in 10 days": TODAY() + timedelta(days=10),
                "10 days ago": TODAY() - timedelta(days=10), "a year ago": TODAY() - timedelta(days=365)}
        args = {k: days.get(v, v) for k, v in convenio_args.items()}
        factories.convenio(cetpro, company, **args)
    assert verification.can_verify(company, coordinator) is allowed
    visible = db.session.scalars(queries.verifiable_by(coordinator)).all()
    assert (company in visible) is allowed


def test_a_convenio_with_another_cetpro_does_not_count(partner):
    _, coordinator, company, *_ = partner
    factories.convenio(factories.cetpro(), company)
    assert not verification.can_verify(company, coordinator)
    with pytest.raises(errors.NotAllowed):
        verification.verify(company, coordinator)
    assert db.session.get(Company, company.id).verification_state == "unverified"


def test_admin_may_verify_any_company(partner):
    *_, company, _, _ = partner
    assert verification.can_verify(company, factories.admin())


def test_employers_and_students_may_not_verify(partner):
    *_, company, owner, _ = partner
    assert not verification.can_verify(company, owner)
    assert not verification.can_verify(company, factories.student())
    with pytest.raises(errors.NotAllowed):
        verification.verify(company, owner)
    with pytest.raises(errors.NotAllowed):
        verification.reject(company, owner, "No")


def test_an_inactive_admin_may_not_verify(partner):
    *_, company, _, _ = partner
    admin = factories.admin()
    admin.active = False
    db.session.commit()
    assert not verification.can_verify(company, admin)


# --- What verifying and rejecting do -----------------------------------------------------------


def test_verify_marks_the_company_and_tells_every_active_member(partner):
    cetpro, coordinator, company, owner, colleague = partner
    pending = factories.employer(company, state="pending")
    factories.convenio(cetpro, company)
    assert verification.verify(company, coordinator) is True
    company = db.session.get(Company, company.id)
    assert company.verification_state == "verified"
    assert company.verified_at is not None and company.verified_by == "CETPRO San Martín"
    assert [(e.decided_by_id, e.state) for e in company.endorsements] == [(coordinator.id, "verified")]
    for member in (owner, colleague):
        note = db.session.scalar(select(Notification).where(Notification.user_id == member.id))
        assert note.kind == "company-verified" and "CETPRO San Martín" in note.message
        email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == member.email))
        assert "ya está verificada" in email.subject
    assert count(Notification, Notification.user_id == pending.id) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.verified"))
    assert event.actor_id == coordinator.id and event.object_id == company.id
    assert event.data["cetpro_id"] == cetpro.id


def test_verifying_twice_changes_nothing_the_second_time(partner):
    *_, company, owner, _ = partner
    admin = factories.admin()
    assert verification.verify(company, admin) is True
    assert verification.verify(company, admin) is False
    assert count(Notification, Notification.user_id == owner.id) == 1
    assert count(AuditEvent, AuditEvent.action == "company.verified") == 1


def test_reject_needs_a_reason(partner):
    *_, company, owner, _ = partner
    admin = factories.admin()
    with pytest.raises(errors.CompanyError) as error:
        verification.reject(company, admin, "   ")
    assert str(error.value) == "Escribe el motivo del rechazo: la empresa lo leerá para corregir sus datos."
    assert error.value.errors == {"reason": str(error.value)}
    with pytest.raises(errors.CompanyError, match="hasta 500 caracteres; escribiste 501"):
        verification.reject(company, admin, "x" * 501)
    assert db.session.get(Company, company.id).verification_state == "unverified"
    assert count(Notification) == 0 and count(OutboxEmail) == 0


def test_reject_keeps_the_reason_and_tells_the_members(partner):
    *_, company, owner, _ = partner
    admin = factories.admin()
    assert verification.reject(company, admin, "  El RUC no coincide   con la razón social. ") is True
    company = db.session.get(Company, company.id)
    assert company.verification_state == "rejected"
    assert company.verification_note == "El RUC no coincide con la razón social."
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert "el equipo de Enlace CETPRO" in note.message and "El RUC no coincide" in note.message
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == owner.email))
    assert "Motivo: El RUC no coincide con la razón social." in email.body_text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.rejected")).data["reason"]


def test_a_verified_company_can_lose_its_badge_and_a_rejected_one_can_be_verified(partner):
    *_, company, _, _ = partner
    admin = factories.admin()
    verification.verify(company, admin)
    assert verification.reject(company, admin, "Oferta engañosa reportada") is True
    assert db.session.get(Company, company.id).verification_state == "rejected"
    assert verification.verify(company, admin) is True
    company = db.session.get(Company, company.id)
    assert company.verification_state == "verified" and company.verification_note is None


# --- Profile ---------------------------------------------------------------------------------


def profile(**changes) -> company_profile.ProfileData:
    values = {"legal_name": "Electro Sur S.A.C.", "trade_name": "Electro Sur", "sector": "Electricidad",
              "department_code": "04", "province_code": "0401", "district_code": "040101",
              "address": "Av. Ejército 101", "website": "https://electrosur.pe", "phone": "054 123456",
              "description": "Instalaciones eléctricas industriales."}
    return company_profile.ProfileData(**{**values, **changes})


def test_update_profile_saves_everything(partner):
    *_, company, owner, _ = partner
    assert company_profile.update_profile(company, owner, profile()) is False
    company = db.session.get(Company, company.id)
    assert (company.trade_name, company.district_code, company.website) == ("Electro Sur", "040101", "https://electrosur.pe")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.profile_updated"))
    assert "trade_name" in event.data["fields"] and event.actor_id == owner.id


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("legal_name", "  ", "Ingresa la razón social, como figura en SUNAT."),
        ("website", "ftp://electrosur.pe", "La web debe ser una dirección que empiece con http:// o https://"),
        ("website", "javascript:alert(1)", "La web debe ser una dirección que empiece con http:// o https://"),
        ("website", "https://localhost", "La web debe ser una dirección"),
        ("phone", "12345", "El teléfono debe tener de 6 a 15 dígitos"),
        ("phone", "054-abc-123", "El teléfono debe tener de 6 a 15 dígitos"),
        ("province_code", "1501", "Elige una provincia de Arequipa"),
        ("district_code", "150101", "Elige un distrito de Arequipa"),
        ("department_code", "99", "Elige un departamento de la lista."),
        ("description", "x" * 3001, "Máximo 3000 caracteres; escribiste 3001."),
    ],
)
def test_bad_profile_input_is_explained_and_nothing_is_saved(partner, field, value, message):
    *_, company, owner, _ = partner
    before = company.legal_name
    with pytest.raises(errors.CompanyError) as error:
        company_profile.update_profile(company, owner, profile(**{field: value}))
    assert message in error.value.errors[field]
    db.session.rollback()
    company = db.session.get(Company, company.id)
    assert company.legal_name == before and company.trade_name is None


def test_a_bare_domain_gets_https(partner):
    *_, company, owner, _ = partner
    company_profile.update_profile(company, owner, profile(website="www.electrosur.pe"))
    assert db.session.get(Company, company.id).website == "https://www.electrosur.pe"


def test_only_an_active_member_of_that_company_may_edit(partner):
    *_, company, _, _ = partner
    outsider = factories.employer()
    pending = factories.employer(company, state="pending")
    for user in (outsider, pending):
        with pytest.raises(errors.NotAllowed):
            company_profile.update_profile(company, user, profile(trade_name="Hackeada"))
    assert db.session.get(Company, company.id).trade_name is None


def test_editing_a_rejected_company_sends_it_back_to_the_queue(partner):
    *_, company, owner, _ = partner
    verification.reject(company, factories.admin(), "Falta la dirección")
    assert company_profile.update_profile(company, owner, profile()) is True
    company = db.session.get(Company, company.id)
    assert company.verification_state == "unverified" and company.verification_note is None


@pytest.mark.parametrize("content, extension", [(PNG, "png"), (JPEG, "jpg")])
def test_logo_is_judged_by_content(content, extension):
    stored, found = company_profile.read_logo(io.BytesIO(content))
    assert found == extension
    assert Image.open(io.BytesIO(stored)).format == {"png": "PNG", "jpg": "JPEG"}[extension]


def test_a_png_header_followed_by_html_is_refused():
    with pytest.raises(errors.CompanyError, match="El logo debe ser una imagen PNG o JPG"):
        company_profile.read_logo(io.BytesIO(PNG[:16] + b"<html><script>alert(document.cookie)</script></html>"))


def test_html_after_a_real_png_is_not_kept():
    stored, extension = company_profile.read_logo(io.BytesIO(PNG + b"<html><script>alert(1)</script></html>"))
    assert extension == "png" and b"<script" not in stored and b"<html" not in stored


def test_exif_and_its_gps_position_are_gone():
    sent = image("JPEG", (64, 48), exif=gps_exif())
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825)
    stored, extension = company_profile.read_logo(io.BytesIO(sent))
    kept = Image.open(io.BytesIO(stored))
    assert extension == "jpg" and kept.size == (64, 48)
    assert not kept.getexif() and "exif" not in kept.info and b"Exif" not in stored and b"CelularMarca" not in stored


def test_a_3000_pixel_logo_is_shrunk_to_512():
    sent = image("PNG", (3000, 1500))
    stored, _ = company_profile.read_logo(io.BytesIO(sent))
    assert Image.open(io.BytesIO(stored)).size == (512, 256)


def test_a_decompression_bomb_is_refused_before_decoding():
    # 8,000 × 8,000 pixels announced by a file of a few hundred bytes.
    with pytest.raises(errors.CompanyError, match="mide 8000 × 8000 píxeles: es demasiado grande"):
        company_profile.read_logo(io.BytesIO(png_claiming(8_000, 8_000)))
    with pytest.raises(errors.CompanyError, match="demasiados píxeles"):  # past Pillow's own bomb limit
        company_profile.read_logo(io.BytesIO(png_claiming(60_000, 60_000)))


def test_a_truncated_jpeg_is_refused():
    sent = image("JPEG", (200, 200))
    with pytest.raises(errors.CompanyError, match="El logo debe ser una imagen PNG o JPG"):
        company_profile.read_logo(io.BytesIO(sent[: len(sent) // 2]))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"esto no es una imagen", "El logo debe ser una imagen PNG o JPG"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "No aceptamos logos SVG"),
        (b"  <svg onload='alert(1)'></svg>", "No aceptamos logos SVG"),
        (b"GIF89a\x01\x00\x01\x00", "El logo debe ser una imagen PNG o JPG"),
        (b"", "El archivo está vacío."),
        (PNG + b"\x00" * (1024 * 1024), "El archivo pesa más de 1 MB"),
    ],
)
def test_logo_refused(content, message):
    with pytest.raises(errors.CompanyError, match=message):
        company_profile.read_logo(io.BytesIO(content))


def test_logo_is_stored_with_a_random_name_and_the_old_one_removed(app, partner):
    *_, company, owner, _ = partner
    company_profile.update_profile(company, owner, profile(), logo=io.BytesIO(PNG))
    first = db.session.get(Company, company.id).logo_path
    assert first.startswith("logos/") and first.endswith(".png") and len(first) == len("logos/") + 32 + 4
    assert Image.open(io.BytesIO(uploads.read_stored(first))).size == (1, 1)
    company_profile.update_profile(company, owner, profile(), logo=io.BytesIO(JPEG))
    second = db.session.get(Company, company.id).logo_path
    assert second.endswith(".jpg") and second != first
    assert uploads.read_stored(first) is None
    company_profile.update_profile(company, owner, profile(), remove_logo=True)
    assert db.session.get(Company, company.id).logo_path is None
    assert uploads.read_stored(second) is None
    assert db.session.scalars(select(StoredFile.key)).all() == []


# --- Team ------------------------------------------------------------------------------------


def test_invitation_is_emailed_with_a_signed_link(partner):
    *_, company, owner, _ = partner
    token = team.invite(company, owner, "  Ana@Electrosur.PE ")
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "ana@electrosur.pe"))
    assert f"http://localhost/empresa/unirse/{token}" in email.body_text
    invitation = team.read_invitation(token)
    assert invitation.company.id == company.id and invitation.email == "ana@electrosur.pe"
    assert invitation.inviter.id == owner.id
    assert team.read_invitation(token + "x") is None


def test_invitation_expires(app, partner):
    *_, company, owner, _ = partner
    token = team.invite(company, owner, "ana@electrosur.pe")
    app.config["COMPANY_INVITE_MAX_AGE"] = -1
    assert team.read_invitation(token) is None


def test_an_invitation_signed_for_another_purpose_is_refused(app, partner):
    from itsdangerous import URLSafeTimedSerializer

    *_, company, _, _ = partner
    forged = URLSafeTimedSerializer(app.secret_key, salt="password-reset").dumps({"c": company.id, "e": "x@y.pe"})
    assert team.read_invitation(forged) is None


def test_inviting_someone_already_in_the_team_is_refused(partner):
    *_, company, owner, colleague = partner
    with pytest.raises(errors.CompanyError, match="ya es parte del equipo"):
        team.invite(company, owner, colleague.email)
    assert count(OutboxEmail) == 0


def test_register_and_join_creates_an_active_member(partner):
    *_, company, owner, _ = partner
    invitation = team.read_invitation(team.invite(company, owner, "ana@electrosur.pe"))
    user = team.register_and_join(invitation, "Ana", "Rojas", "cables y tableros 2026")
    assert user.role == "employer" and user.email == "ana@electrosur.pe"
    membership = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))
    assert membership.company_id == company.id and membership.state == "active" and not membership.is_owner
    assert db.session.scalar(select(Notification).where(Notification.user_id == owner.id,
                                                        Notification.kind == "member-joined"))


def test_join_refuses_another_email_and_a_member_of_another_company(partner):
    *_, company, owner, _ = partner
    invitation = team.read_invitation(team.invite(company, owner, "ana@electrosur.pe"))
    stranger = factories.employer()
    assert "Esta invitación es para ana@electrosur.pe" in team.join_problem(invitation, stranger)
    other_company_member = factories.employer(email="ana@electrosur.pe")
    assert "ya actúa por otra empresa" in team.join_problem(invitation, other_company_member)
    with pytest.raises(errors.CompanyError):
        team.join(invitation, other_company_member)
    assert db.session.scalar(
        select(CompanyMember.company_id).where(CompanyMember.user_id == other_company_member.id)
    ) != company.id


def test_join_replaces_a_pending_request_elsewhere(partner):
    *_, company, owner, _ = partner
    waiting = factories.employer(factories.company(), email="ana@electrosur.pe", state="pending")
    invitation = team.read_invitation(team.invite(company, owner, "ana@electrosur.pe"))
    team.join(invitation, waiting)
    membership = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == waiting.id))
    assert (membership.company_id, membership.state) == (company.id, "active")


def test_accepting_a_request_activates_and_tells_the_person(partner):
    *_, company, owner, _ = partner
    person = factories.employer(company, state="pending")
    member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == person.id))
    assert team.accept_member(company, owner, member) is True
    assert db.session.get(CompanyMember, member.id).state == "active"
    note = db.session.scalar(select(Notification).where(Notification.user_id == person.id))
    assert note.kind == "member-accepted"
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == person.email))
    assert team.accept_member(company, owner, member) is False  # a double click
    assert count(Notification, Notification.user_id == person.id) == 1


def test_declining_a_request_removes_it(partner):
    *_, company, owner, _ = partner
    person = factories.employer(company, state="pending")
    member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == person.id))
    assert team.decline_member(company, owner, member) is True
    assert db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == person.id)) is None
    assert db.session.scalar(select(Notification).where(Notification.user_id == person.id)).kind == "member-declined"


def test_a_pending_member_cannot_accept_others(partner):
    *_, company, _, _ = partner
    first = factories.employer(company, state="pending")
    second = factories.employer(company, state="pending")
    member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == second.id))
    with pytest.raises(errors.NotAllowed):
        team.accept_member(company, first, member)
