"""The page-weight budget of DESIGN.md §7 for what every page loads: CSS + JS ≤ 30 KB gzipped."""
import gzip
import re


def test_css_and_js_of_a_page_fit_in_30_kb_compressed(client):
    page = client.get("/ofertas").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))\?v=[0-9a-f]+"', page)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {"app.css", "app.js", "htmx-4.0.1.min.js"}
    total = sum(len(gzip.compress(client.get(a).data, 9)) for a in assets)
    assert total <= 30 * 1024, f"{total} bytes gzipped"
