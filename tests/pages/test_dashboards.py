"""Each role's dashboard shows real counts from its own tenant only."""
from tests import factories


def test_student_dashboard_counts_own_applications(client, auth):
    student = factories.student()
    other = factories.student()
    opening = factories.opening()
    factories.application(opening, student, state="finalist")
    factories.application(opening, other, state="received")
    auth.login(student)
    page = client.get("/estudiante").get_data(as_text=True)
    assert "<b>1</b>Finalista" in page
    assert "<b>0</b>Recibida" in page


def test_employer_dashboard_counts_own_company_only(client, auth):
    company = factories.company()
    factories.opening(company, state="published")
    factories.opening(company, state="draft")
    factories.opening(state="published")  # another company
    auth.login(factories.employer(company))
    page = client.get("/empresa").get_data(as_text=True)
    assert "<b>1</b>Publicada" in page and "<b>1</b>Borrador" in page


def test_coordinator_dashboard_counts_own_cetpro_only(client, auth):
    cetpro = factories.cetpro()
    factories.student(cetpro, status="egresado")
    factories.student(cetpro, status="estudiante", verified=False)
    factories.student(status="egresado")  # another CETPRO
    auth.login(factories.coordinator(cetpro))
    page = client.get("/coordinador").get_data(as_text=True)
    assert "<b>1</b>Egresados(as)" in page
    assert "<b>1</b><a href=\"/coordinador/estudiantes?verificacion=pendiente\">Por verificar</a>" in page


def test_admin_dashboard_counts_everything(client, auth):
    factories.student()
    factories.student()
    auth.login(factories.admin())
    page = client.get("/admin").get_data(as_text=True)
    assert "<b>2</b>Estudiantes" in page
