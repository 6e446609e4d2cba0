"""The coordinator's certificate pages (page and htmx fragment, without JS and in place) and
the public verification page: what it shows, what it never shows, unknown codes, the QR."""
from __future__ import annotations

import html
from datetime import date

from sqlalchemy import func, select

from portal import links
from portal.certificates import services
from portal.extensions import db
from portal.models import Certificate
from portal.privacy import deletion
from tests.helpers.events import toast


def count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate).where(*where))


def url(world) -> str:
    return f"/coordinador/estudiantes/{world['student'].student.id}/certificados"


def form(world, **changes) -> dict:
    values = {"module_id": str(world["modules"][0].id), "number": "0456-2026", "issued_on": "2026-07-15"}
    values.update(changes)
    return values


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main(response) -> str:
    """What the page says (its <main>): the frame around it carries a CSRF token, signed
    with the second it was made, so two renderings of one page may differ there only."""
    body = text(response)
    start, end = body.index('<main id="main"'), body.index("</main>")
    return body[start:end]


# --- The coordinator's pages ------------------------------------------------------------------


def test_page_and_fragment_list_her_students_certificates(client, auth, world, certify, htmx_headers):
    certify(1, "0999-2025")
    auth.login(world["coordinator"])
    page = client.get(url(world))
    body = text(page)
    assert page.status_code == 200 and "Certificados modulares de Rosa Quispe Mamani" in body
    assert "0999-2025" in body and world["modules"][1].name in body and "Vigente" in body
    assert "Registrar un certificado modular" in body
    fragment = client.get(url(world), headers=htmx_headers)
    assert fragment.data.lstrip().startswith(b'<div id="certificates"') and b"<html" not in fragment.data
    # The roster links to it.
    assert url(world) in client.get("/coordinador/estudiantes").get_data(as_text=True)


def test_record_without_javascript_redirects_with_a_message(client, auth, world):
    auth.login(world["coordinator"])
    response = client.post(url(world), data=form(world))
    assert response.status_code == 303 and response.headers["Location"] == url(world)
    body = text(client.get(url(world)))
    assert "Registramos el certificado N° 0456-2026 de Rosa Quispe Mamani" in body
    assert count(Certificate.number == "0456-2026") == 1


def test_record_in_place_with_htmx(client, auth, world, htmx_headers):
    auth.login(world["coordinator"])
    response = client.post(url(world), data=form(world), headers=htmx_headers)
    assert response.status_code == 200 and "0456-2026" in text(response)
    assert "Registramos el certificado" in toast(response)


def test_a_bad_input_shows_the_message_beside_the_field_and_records_nothing(client, auth, world, certify, htmx_headers):
    certify(1, "0456-2026")
    auth.login(world["coordinator"])
    for headers in ({}, htmx_headers):
        response = client.post(url(world), data=form(world), headers=headers)
        assert response.status_code == 422
        assert "Tu CETPRO ya registró un certificado con el número 0456-2026" in text(response)
        response = client.post(url(world), data=form(world, number="77", issued_on="31/02/2026"), headers=headers)
        assert response.status_code == 422 and "fecha" in text(response).lower()
    assert count() == 1


def test_another_cetpros_coordinator_gets_404_and_changes_nothing(client, auth, world, certify):
    certificate = certify()
    auth.login(world["other_coordinator"])
    assert client.get(url(world)).status_code == 404
    assert client.post(url(world), data=form(world, number="X-1")).status_code == 404
    revoke = f"/coordinador/certificados/{certificate.id}/revocar"
    assert client.get(revoke).status_code == 404
    assert client.post(revoke, data={"reason": "Porque sí"}).status_code == 404
    db.session.expire_all()
    assert count() == 1 and db.session.get(Certificate, certificate.id).state == "vigente"


def test_revoke_asks_to_confirm_then_keeps_it_as_revoked(client, auth, world, certify, htmx_headers):
    certificate = certify()
    auth.login(world["coordinator"])
    revoke = f"/coordinador/certificados/{certificate.id}/revocar"
    confirm = client.get(revoke)
    assert confirm.status_code == 200 and "¿Revocar el certificado N° 0123-2026" in text(confirm)
    assert "Confirmar revocación" in text(confirm) and "Registrar un certificado" not in text(confirm)
    in_place = client.get(revoke, headers=htmx_headers)
    assert in_place.data.lstrip().startswith(b'<div id="certificates"') and b"Confirmar revocaci" in in_place.data
    refused = client.post(revoke, data={"reason": ""}, headers=htmx_headers)
    assert refused.status_code == 422 and "Escribe el motivo" in text(refused)
    done = client.post(revoke, data={"reason": "Número mal escrito"})
    assert done.status_code == 303
    body = text(client.get(url(world)))
    assert "Revocamos el certificado N° 0123-2026" in body
    assert "Revocado el" in body and "Motivo: Número mal escrito" in body
    assert count() == 1


def test_students_and_employers_may_not_record(client, auth, world):
    auth.login(world["student"])
    assert client.post(url(world), data=form(world)).status_code == 403
    assert count() == 0


# --- The public verification page -----------------------------------------------------------


def test_verification_shows_the_certificate_and_its_state(client, world, certify):
    certificate = certify(0, "0123-2026", issued_on=date(2026, 7, 15))
    page = client.get(f"/verificar/{certificate.code}")
    body = text(page)
    assert page.status_code == 200
    for shown in ("Rosa Quispe Mamani", world["modules"][0].name, world["student"].student.programme.name,
                  "CETPRO Arequipa", "0123-2026", "15 jul. 2026", "Vigente"):
        assert shown in body, shown
    assert 'name="robots" content="noindex"' in body
    services.revoke(world["coordinator"], certificate, "Emitido por error")
    body = text(client.get(f"/verificar/{certificate.code}"))
    assert "Revocado el" in body and "ya no acredita el módulo" in body and "Vigente" not in body


def test_verification_shows_nothing_else_about_the_student(client, world, certify):
    certificate = certify()
    services.revoke(world["coordinator"], certificate, "Motivo interno de la coordinación")
    profile = world["student"].student
    pages = [client.get(f"/verificar/{certificate.code}"), client.get(f"/verificar/{certificate.code}/tarjeta")]
    for page in pages:
        body = text(page)
        assert page.status_code == 200 and "Rosa Quispe Mamani" in body
        # DNI, email, phone, birth date, district, status, graduation, the revocation's reason,
        # who recorded it: none of it.
        for private in ("71234598", "rosa.quispe@example.pe", "987123456", "2001", "Cayma", "Egresad",
                        "Motivo interno", world["coordinator"].email, world["coordinator"].first_names):
            assert private not in body, private
        assert profile.graduation_date.isoformat() not in body


def test_unknown_or_mistyped_code_is_404_without_hints(client, world, certify):
    certificate = certify()
    missing = client.get("/verificar/ZZZZZZZZZZ")
    assert missing.status_code == 404 and "No encontramos un certificado con ese código" in text(missing)
    near = client.get(f"/verificar/{certificate.code[:-1]}X" if certificate.code[-1] != "X"
                      else f"/verificar/{certificate.code[:-1]}Y")
    assert near.status_code == 404 and main(near) == main(missing)
    assert client.get("/verificar/ZZZZZZZZZZ/qr.svg").status_code == 404
    assert client.get("/verificar/ZZZZZZZZZZ/tarjeta").status_code == 404
    # Typed from paper in lower case with a dash: still found.
    code = certificate.code
    assert client.get(f"/verificar/{code[:5].lower()}-{code[5:].lower()}").status_code == 200


def test_the_qr_code_carries_the_absolute_verification_link(client, app, world, certify):
    certificate = certify()
    svg = client.get(f"/verificar/{certificate.code}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = client.get(f"/verificar/{certificate.code}/qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    with app.test_request_context():
        from portal.certificates import qr
        expected = links.base_url() + f"/verificar/{certificate.code}"
        assert qr.verification_url(certificate.code) == expected
    card = text(client.get(f"/verificar/{certificate.code}/tarjeta"))
    assert expected in card and f"/verificar/{certificate.code}/qr.svg" in card


def test_verification_is_rate_limited(client, world, certify):
    certificate = certify()
    answers = [client.get(f"/verificar/ZZZZZZZZ{i:02d}").status_code for i in range(61)]
    assert answers[:60] == [404] * 60 and answers[60] == 429
    assert client.get(f"/verificar/{certificate.code}").status_code == 429


def test_recording_and_revoking_are_in_her_cetpros_audit_trail_only(client, auth, world, certify):
    certificate = certify()
    services.revoke(world["coordinator"], certificate, "Número mal escrito")
    auth.login(world["coordinator"])
    trail = text(client.get("/coordinador/auditoria?tipo=Certificate"))
    assert "Certificado modular registrado" in trail and "Certificado modular revocado" in trail
    assert "0123-2026" in trail and "Número mal escrito" in trail
    auth.logout()
    auth.login(world["other_coordinator"])
    trail = text(client.get("/coordinador/auditoria?tipo=Certificate"))
    assert "0123-2026" not in trail and "Número mal escrito" not in trail


def test_after_the_holder_erases_her_account_her_codes_answer_as_unknown_ones(client, world, certify):
    certificate = certify()
    code = certificate.code
    assert client.get(f"/verificar/{code}").status_code == 200
    missing = main(client.get("/verificar/ZZZZZZZZZZ"))
    deletion.erase(world["student"])
    db.session.commit()
    for path in ("", "/tarjeta", "/qr.svg"):
        assert client.get(f"/verificar/{code}{path}").status_code == 404, path
    assert main(client.get(f"/verificar/{code}")) == missing
    # The row stays for the seguimiento's counts, as her profile's programme does.
    assert count(Certificate.code == code) == 1
