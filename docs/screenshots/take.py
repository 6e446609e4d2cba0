"""Take the README's screenshots from a portal serving the demo data (`make run`).

    .venv/bin/python docs/screenshots/take.py [BASE_URL]     # default http://127.0.0.1:5000

Debian's Chromium through Playwright, with the browser tests' flags. When Pillow can be
imported (it is not a dependency of the portal: e.g. `pip install --target /tmp/pil pillow`
and `PYTHONPATH=/tmp/pil`), each PNG is reduced to a 128-colour palette, which keeps the
four of them at a few hundred KB.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 (the flags, written once)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 820}
PASSWORD = "enlace-demo"
# The demo's openings these pictures show (portal/seed/demo.py).
INTERNSHIP = "Practicante preprofesional de instalaciones eléctricas"
JOB = "Técnico(a) electricista de instalaciones domiciliarias"


def opening_id(page: Page, title: str) -> int:
    page.goto("/ofertas")
    href = page.get_by_role("link", name=title, exact=True).get_attribute("href")
    return int(re.search(r"/ofertas/(\d+)$", href).group(1))


def log_in(page: Page, email: str) -> None:
    page.goto("/ingresar")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(lambda url: "/ingresar" not in url)


def shrink(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main(base_url: str) -> None:
    shots = (
        # file, who (None: a visitor), viewport, scale, path or callable giving it
        ("ofertas-celular.png", None, PHONE, 2, lambda ids: "/ofertas"),
        ("oferta-celular.png", "estudiante2@demo.pe", PHONE, 2, lambda ids: f"/ofertas/{ids[INTERNSHIP]}"),
        ("postulantes.png", "empresa@demo.pe", DESKTOP, 1, lambda ids: f"/empresa/ofertas/{ids[JOB]}/postulantes"),
        ("candidatos.png", "coordinador@demo.pe", DESKTOP, 1, lambda ids: f"/coordinador/ofertas/{ids[JOB]}/candidatos"),
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, who, viewport, scale, path in shots:
            context = browser.new_context(base_url=base_url, viewport=viewport, device_scale_factor=scale,
                                          locale="es-PE", timezone_id="America/Lima")
            page = context.new_page()
            ids = {title: opening_id(page, title) for title in (INTERNSHIP, JOB)}
            if who:
                log_in(page, who)
            page.goto(path(ids))
            out = HERE / name
            page.screenshot(path=str(out))
            shrink(out)
            print(f"{out.relative_to(ROOT)}: {out.stat().st_size // 1024} KB")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
