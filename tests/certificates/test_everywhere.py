"""Certified or declared, wherever a student's modules are shown: her own profile and panel,
the employer's pipeline and applicant page. A revoked certificate shows as revoked and
certifies nothing (the module counts as declared at most)."""
from __future__ import annotations

import html
import re

import pytest

from portal.certificates import services
from tests import factories


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(body: str) -> str:
    """The page as read: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.fixture
def applied(world):
    """The world's student applied to an opening of a verified company."""
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company, title="Técnico electricista")
    application = factories.application(opening, world["student"])
    return {"employer": employer, "opening": opening, "application": application}


def pages(client, applied) -> dict[str, str]:
    return {
        "pipeline": text(client.get(f"/empresa/ofertas/{applied['opening'].id}/postulantes")),
        "applicant": text(client.get(f"/empresa/postulaciones/{applied['application'].id}")),
    }


def test_the_employer_tells_certified_from_declared_and_sees_a_revocation(client, auth, world, certify, applied):
    declared = world["student"].student.modules  # ticked by her: modules 0 and 1
    certificate = certify(0, "0123-2026")
    auth.login(applied["employer"])
    for name, body in pages(client, applied).items():
        assert "Certificado por CETPRO Arequipa (N° 0123-2026, 15 jul. 2026)" in body, name
        assert f"/verificar/{certificate.code}" in body, name
        assert f"{declared[1].name} — Declarado por el estudiante" in words(body), name
    services.revoke(world["coordinator"], certificate, "Error de registro")
    for name, body in pages(client, applied).items():
        assert "Certificado por CETPRO Arequipa" not in body, name
        assert "Certificado N° 0123-2026 revocado el" in body, name
        assert "Error de registro" not in body, name  # the reason is the CETPRO's record


def test_a_certified_module_she_did_not_tick_is_shown_too(client, auth, world, certify, applied):
    certify(3, "0777-2026")  # the programme's fourth module: not among her ticked ones
    auth.login(applied["employer"])
    for name, body in pages(client, applied).items():
        flat = words(body)
        assert f"{world['modules'][3].name} — Certificado por CETPRO Arequipa (N° 0777-2026" in flat, name


def test_the_student_sees_her_certificates_with_the_qr_and_what_she_only_declared(client, auth, world, certify):
    certificate = certify(0, "0123-2026")
    auth.login(world["student"])
    body = text(client.get("/estudiante/perfil"))
    assert "Mis certificados modulares" in body
    assert "Certificado por CETPRO Arequipa (N° 0123-2026, 15 jul. 2026)" in body
    assert f"/verificar/{certificate.code}/qr.svg" in body and f"/verificar/{certificate.code}/tarjeta" in body
    assert f'href="/verificar/{certificate.code}/credencial.jwt" download' in body  # the signed credential
    assert f"Declarados por ti (sin certificado registrado): {world['modules'][1].name}" in body
    panel = words(text(client.get("/estudiante")))
    assert "1 módulo certificado por tu CETPRO · 2 declarados por ti" in panel
    services.revoke(world["coordinator"], certificate, "Error")
    body = text(client.get("/estudiante/perfil"))
    assert "Revocado el" in body and f"/verificar/{certificate.code}/qr.svg" not in body
    assert f"/verificar/{certificate.code}/credencial.jwt" not in body
    assert "0 módulos certificados por tu CETPRO" in words(text(client.get("/estudiante")))


def test_recomendados_show_certified_without_the_verification_link(client, auth, world, certify):
    """Before she applies, an employer sees her anonymously: certified or declared, but no
    link to the verification page (it names her)."""
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company, title="Técnico electricista")
    certificate = certify(0, "0123-2026")
    auth.login(employer)
    body = words(text(client.get(f"/empresa/ofertas/{opening.id}/recomendados")))
    assert "Rosa" not in body
    assert f"{world['modules'][0].name} — Certificado por CETPRO Arequipa (N° 0123-2026, 15 jul. 2026)" in body
    assert f"{world['modules'][1].name} — Declarado por el estudiante" in body
    assert certificate.code not in body
    # Once a card: the reasons say the required module is met, the list above what backs it.
    assert f"✓ {world['modules'][0].name}" in body and body.count("N° 0123-2026") == 1
    services.revoke(world["coordinator"], certificate, "Error")
    body = words(text(client.get(f"/empresa/ofertas/{opening.id}/recomendados")))
    assert "Certificado por CETPRO Arequipa" not in body and "Certificado N° 0123-2026 revocado el" in body


def test_the_matching_reasons_say_what_backs_each_met_module(client, auth, world, certify):
    """The coordinator's candidates: each met module required by the opening is certified
    (linked to its verification) or declared; a revoked one is shown revoked."""
    company = factories.company()
    opening = factories.opening(company, title="Técnico electricista")  # requires modules 0 and 1
    certificate = certify(0, "0123-2026")
    auth.login(world["coordinator"])
    url = f"/coordinador/ofertas/{opening.id}/candidatos"
    response = client.get(url)
    body = words(text(response))
    assert response.status_code == 200 and "Rosa Quispe Mamani" in body
    assert f"✓ {world['modules'][0].name} — Certificado por CETPRO Arequipa (N° 0123-2026, 15 jul. 2026)" in body
    assert f"✓ {world['modules'][1].name} — Declarado por el estudiante" in body
    assert f"/verificar/{certificate.code}" in text(response)
    services.revoke(world["coordinator"], certificate, "Error")
    body = words(text(client.get(url)))
    assert f"✓ {world['modules'][0].name} — Certificado N° 0123-2026 revocado el" in body
    assert "Certificado por CETPRO Arequipa" not in body


# --- Certified counts more than declared, in every ranking people see --------------------------


@pytest.fixture
def twin(world):
    """A second student of the same CETPRO, programme, place, level and status as Rosa, with the
    same two modules declared: an otherwise equal candidate, created after her (a larger id)."""
    return factories.named(factories.student(world["cetpro"], world["student"].student.programme,
                                             district_code="040103"), "Ana", "Flores Ccama")


def test_a_certified_candidate_ranks_above_her_declared_twin_on_the_coordinators_candidates(
        client, auth, world, twin, certify):
    opening = factories.opening(factories.company(), title="Técnico electricista")  # requires modules 0 and 1
    auth.login(world["coordinator"])
    url = f"/coordinador/ofertas/{opening.id}/candidatos"
    body = words(text(client.get(url)))
    assert body.index("Rosa Quispe Mamani") < body.index("Ana Flores Ccama")  # equal: the smaller id first
    certify(0, "0123-2026", student=twin)
    body = words(text(client.get(url)))
    assert body.index("Ana Flores Ccama") < body.index("Rosa Quispe Mamani")
    assert f"✓ {world['modules'][0].name} — Certificado por CETPRO Arequipa (N° 0123-2026" in body


def test_a_certified_candidate_comes_first_in_recomendados_and_her_score_is_higher(client, auth, world, twin,
                                                                                  certify):
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company, title="Técnico electricista")
    certify(1, "0456-2026", student=twin)
    auth.login(employer)
    body = words(text(client.get(f"/empresa/ofertas/{opening.id}/recomendados")))
    # Two anonymous cards: the first one's modules say certified, the second's declared.
    first, second = body.split("Certificado por CETPRO Arequipa (N° 0456-2026", 1)
    assert "Declarado por el estudiante" in second
    scores = [int(n) for n in re.findall(r"Puntaje (\d+) de 100", body)]
    # Required: Ana (0.9 + 1) / 2 × 50 = 47.5, Rosa (0.9 + 0.9) / 2 × 50 = 45; then for both no
    # desired 15, same province 15, the opening's family 5, Técnico 5, recent 5 → 92.5 (93), 90.
    assert scores[:2] == [93, 90]


def test_the_students_recommendations_say_what_is_certified_and_what_only_declared(client, auth, world,
                                                                                   certify):
    factories.opening(factories.company(), title="Técnico electricista")  # requires modules 0 and 1
    auth.login(world["student"])
    body = words(text(client.get("/estudiante/recomendadas")))
    assert (f"Declarado por ti, sin certificado registrado: {world['modules'][0].name}, "
            f"{world['modules'][1].name}") in body
    assert "Certificado por tu CETPRO" not in body
    score_before = int(re.search(r"Coincidencia (\d+) de 100", body).group(1))
    certify(0, "0123-2026")
    body = words(text(client.get("/estudiante/recomendadas")))
    assert f"Certificado por tu CETPRO: {world['modules'][0].name}" in body
    assert f"Declarado por ti, sin certificado registrado: {world['modules'][1].name}" in body
    assert int(re.search(r"Coincidencia (\d+) de 100", body).group(1)) > score_before


def test_a_certified_module_she_did_not_tick_meets_a_requirement_in_the_pipeline(client, auth, world, certify):
    """Matching counts a module her CETPRO certified as met, declared or not: the pipeline
    marks it met like a ticked one."""
    company = factories.company()
    employer = factories.employer(company)
    opening = factories.opening(company, title="Técnico electricista", required_modules=4)
    factories.application(opening, world["student"])
    certify(3, "0777-2026")
    auth.login(employer)
    body = words(text(client.get(f"/empresa/ofertas/{opening.id}/postulantes")))
    assert f"✓ {world['modules'][3].name} — Certificado por CETPRO Arequipa (N° 0777-2026" in body
    assert f"✓ {world['modules'][2].name}" not in body  # neither ticked nor certified
