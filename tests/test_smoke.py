from tests import factories


def test_home_page_renders_in_spanish(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'lang="es"' in response.data
    assert "Últimas ofertas".encode() in response.data


def test_published_opening_is_listed(client):
    factories.opening(title="Técnico electricista")
    response = client.get("/ofertas")
    assert "Técnico electricista".encode() in response.data
