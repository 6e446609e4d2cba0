"""Roster uploads for tests: valid rows, CSV/XLSX files built from them, and the coordinator's
import journey (upload, preview, confirm) through the test client."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook

from portal.roster.sheets import HEADERS

ELECTRICIDAD = "Electricidad"
MODULES = ("Instalaciones eléctricas domiciliarias", "Instalaciones eléctricas industriales")


def valid_dni(n: int) -> str:
    """A distinct 8-digit DNI for row n."""
    return f"{70000000 + n:08d}"


def row(n: int = 1, **changes) -> dict[str, str]:
    """One valid roster row, by header; `changes` use the field names below."""
    values = {
        "dni": valid_dni(n), "first_names": f"Rosa {n}", "last_names": "Quispe Mamani",
        "email": f"rosa{n}@correo.pe", "mobile": "987654321", "programme": ELECTRICIDAD,
        "modules": "; ".join(MODULES), "status": "egresado", "graduation_date": "15/12/2024",
        "department": "Arequipa", "province": "Arequipa",
    }
    values.update(changes)
    return values


KEYS = ("dni", "ce", "first_names", "last_names", "email", "mobile", "programme", "modules", "status",
        "graduation_date", "department", "province", "sex", "certificates")


def csv_bytes(rows: list[dict], delimiter: str = ",", encoding: str = "utf-8", bom: bool = False,
              headers: tuple[str, ...] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(key, "") for key in KEYS])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[dict], headers: tuple[str, ...] = HEADERS, raw: list[list] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Estudiantes"
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(key, "") for key in KEYS])
    for cells in raw or []:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, filename: str = "lista.csv", headers: dict | None = None):
    return client.post("/coordinador/estudiantes/importar",
                       data={"archivo": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", headers=headers or {})


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def confirm_fields(html: str) -> dict[str, str]:
    return {name: hidden(html, name) for name in ("token", "fingerprint", "revision")}


def preview_html(client, content: bytes, filename: str = "lista.csv") -> str:
    """Upload without htmx and follow the redirect to the preview page."""
    response = upload(client, content, filename)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def import_file(client, content: bytes, filename: str = "lista.csv"):
    """Upload, then confirm the preview as shown: the coordinator's whole journey without htmx."""
    html = preview_html(client, content, filename)
    return client.post("/coordinador/estudiantes/importar/confirmar", data=confirm_fields(html))

