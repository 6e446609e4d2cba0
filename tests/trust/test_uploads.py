"""Uploads: every file field refuses wrong, disguised, oversized and empty files with a
Spanish message and stores nothing; a good file is stored under a name we make.

Fields (found in the forms: every `FileField`, plus the roster's `archivo`): a student's
CV, a company's logo, a convenio's signed PDF (from both sides), a placement's evidence
and the roster import (CSV or XLSX). Each case is sent as a page and as an htmx fragment.
"Nothing stored" means: no new or removed stored file or roster preview, nothing on
disk under UPLOAD_PATH, and every table's rows exactly as before.

A file's name is never used: a real PDF called ``../../etc/passwd.pdf`` is a real PDF,
so it is stored, under a random name inside its folder; a name that would reach outside
the folder, carries a NUL or is very long changes nothing. A bad file under such a
name is refused like any bad file.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.companies.profile import LOGO_MAX_BYTES
from portal.convenios.services import PDF_MAX_BYTES
from portal.extensions import db
from portal.models import Company, Convenio, Placement, StudentProfile
from portal.placements.services import EVIDENCE_MAX_BYTES
from portal.profiles.services import CV_MAX_BYTES
from portal.roster.imports import MAX_BYTES as ROSTER_MAX_BYTES
from portal.roster.sheets import HEADERS
from portal.uploads import human_size, read_stored
from tests.helpers.files import gps_exif, image, png_claiming
from tests.helpers.trust import (
    changed_tables,
    error_messages,
    signed_in,
    snapshot,
    spanish_problem,
    stored_files,
)
from tests.helpers.web import HTMX
from tests.trust.world import PDF, PNG

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 120
CSV = (",".join(HEADERS) + "\n71836499,Nuevo,Estudiante Prueba,nuevo.prueba@example.pe,987650199,"
       "Electricidad,,estudiante,,,\n").encode()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png_with_idat(data: bytes) -> bytes:
    """A PNG with a correct header and checksums whose compressed pixel data is `data`."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return PNG[:33] + chunk(b"IDAT", data) + chunk(b"IEND", b"")


JPEG_PHOTO = image("JPEG", (300, 200), exif=gps_exif())
ZIP = _zip({"cv.docx.txt": b"hola"})
NOT_XLSX_ZIP = _zip({"[Content_Types].xml": b"<Types/>", "hola.txt": b"no es una hoja"})
# 70 MB of zeros in a zip of ~70 KB: more than the 60 MB a roster may unpack to.
ZIP_BOMB = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\x00" * (70 * 1024 * 1024)})

# Names that try to reach outside the upload folder, or to confuse whoever reads them.
TRICK_NAMES = ["../../etc/passwd.pdf", "..\\..\\..\\Windows\\System32\\cv.pdf", "C:\\fakepath\\cv.pdf",
               "/etc/passwd.pdf", "cv\x00.pdf", "cv.pdf\x00.exe", "x" * 1000 + ".pdf", "%2e%2e%2fcv.pdf",
               "cv.pdf;.php", ".htaccess", "ñandú\u202efdp.exe", "CON.pdf"]


def _padded(head: bytes, size: int, tail: bytes = b"") -> bytes:
    """`head` + filler + `tail`, exactly `size` bytes long."""
    return head + b"0" * (size - len(head) - len(tail)) + tail


@dataclass
class Upload:
    label: str
    role: str  # which person of side A sends it
    field: str
    kind: str  # "pdf", "logo" or "sheet"
    limit: int
    folder: str
    column: tuple | None  # (model, attribute) that points to the stored file

    def url(self, world) -> str:
        return {
            "cv": "/estudiante/cv",
            "logo": "/empresa/perfil",
            "convenio (CETPRO)": f"/coordinador/convenios/{world.a.convenio.id}/pdf",
            "convenio (empresa)": f"/empresa/convenios/{world.a.convenio.id}/pdf",
            "evidence": "/coordinador/colocaciones",
            "roster": "/coordinador/estudiantes/importar",
        }[self.label]

    def form(self, world, n: int) -> list:
        """The rest of the form, valid, so that only the file can be wrong."""
        if self.label == "logo":
            return [("legal_name", "Empresa Trust A S.A.C.")]
        if self.label == "evidence":
            return [("student_id", str(world.a.students["A3"].student.id)), ("employer_name", f"Taller Subida {n}"),
                    ("job_title", "Electricista"), ("kind", "empleo"),
                    ("start_date", (clock.today() - timedelta(days=10)).isoformat())]
        return []

    def valid(self) -> tuple[bytes, str]:
        return {"pdf": (PDF, "cv.pdf"), "logo": (PNG, "logo.png"), "sheet": (CSV, "lista.csv")}[self.kind]

    def oversize(self) -> bytes:
        size = self.limit + 1
        return {"pdf": _padded(PDF[:9], size, b"\n%%EOF\n"), "logo": _padded(PNG, size),
                "sheet": _padded(CSV, size)}[self.kind]


UPLOADS = [
    Upload("cv", "student", "cv", "pdf", CV_MAX_BYTES, "cv", (StudentProfile, "cv_path")),
    Upload("logo", "employer", "logo", "logo", LOGO_MAX_BYTES, "logos", (Company, "logo_path")),
    Upload("convenio (CETPRO)", "coordinator", "pdf", "pdf", PDF_MAX_BYTES, "convenios", (Convenio, "pdf_path")),
    Upload("convenio (empresa)", "employer", "pdf", "pdf", PDF_MAX_BYTES, "convenios", (Convenio, "pdf_path")),
    Upload("evidence", "coordinator", "evidence", "pdf", EVIDENCE_MAX_BYTES, "evidence", (Placement, "evidence_path")),
    Upload("roster", "coordinator", "archivo", "sheet", ROSTER_MAX_BYTES, "imports", None),
]

# (what, content, name, words the message must hold)
NOT_A_PDF = "debe ser un PDF"
BAD = {
    "pdf": [
        ("a PNG", PNG, "foto.png", NOT_A_PDF),
        ("a Word file", ZIP, "cv.docx", NOT_A_PDF),
        ("plain text", b"Mi CV: electricista", "cv.txt", NOT_A_PDF),
        ("PNG named .pdf", PNG, "cv.pdf", NOT_A_PDF),
        ("HTML named .pdf", HTML, "cv.pdf", NOT_A_PDF),
        ("ZIP named .pdf", ZIP, "cv.pdf", NOT_A_PDF),
        ("EXE named .pdf", EXE, "cv.pdf", NOT_A_PDF),
        ("SVG named .pdf", SVG, "cv.pdf", NOT_A_PDF),
        ("a PDF cut short (no %%EOF)", PDF[:20], "cv.pdf", NOT_A_PDF),
        ("%PDF inside, not at the start", b" " + PDF, "cv.pdf", NOT_A_PDF),
    ],
    "logo": [
        ("a PDF", PDF, "logo.pdf", "PNG o JPG"),
        ("a GIF", GIF, "logo.gif", "PNG o JPG"),
        ("HTML named .png", HTML, "logo.png", "PNG o JPG"),
        ("SVG with script named .png", SVG, "logo.png", "SVG"),
        ("SVG with script named .svg", SVG, "logo.svg", "SVG"),
        ("bare <svg> named .jpg", b"<svg onload=alert(1)>", "logo.jpg", "SVG"),
        ("EXE named .png", EXE, "logo.png", "PNG o JPG"),
        ("ZIP named .jpg", ZIP, "logo.jpg", "PNG o JPG"),
        # Issue 22: the first bytes of an image followed by something else.
        ("a PNG header followed by HTML", PNG[:16] + HTML, "logo.png", "PNG o JPG"),
        ("a PNG signature followed by HTML", PNG[:8] + HTML, "logo.png", "PNG o JPG"),
        ("a JPEG header followed by HTML", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML, "logo.jpg", "PNG o JPG"),
        ("a JPEG cut in half", JPEG_PHOTO[: len(JPEG_PHOTO) // 2], "logo.jpg", "PNG o JPG"),
        ("a PNG whose pixel data is HTML", _png_with_idat(HTML), "logo.png", "PNG o JPG"),
        ("a decompression bomb (8000 × 8000 px in 300 bytes)", png_claiming(8_000, 8_000), "logo.png", "píxeles"),
        ("a decompression bomb (60000 × 60000 px)", png_claiming(60_000, 60_000), "logo.png", "píxeles"),
    ],
    "sheet": [
        ("a PDF", PDF, "lista.csv", "Es un PDF"),
        ("an .xlsx that is not a zip", EXE, "lista.xlsx", "no es un CSV ni un XLSX"),
        ("a PNG named .xlsx", PNG, "lista.xlsx", "no es un CSV ni un XLSX"),
        ("an old .xls", XLS, "lista.xls", "Excel antiguo"),
        ("a zip that is no workbook, named .xlsx", NOT_XLSX_ZIP, "lista.xlsx", "XLSX"),
        ("a zip bomb named .xlsx", ZIP_BOMB, "lista.xlsx", "XLSX"),
        ("HTML named .csv", HTML, "lista.csv", "Faltan las columnas"),
        ("headers only", ",".join(HEADERS).encode(), "lista.csv", "no tiene filas"),
    ],
}


def _cases(upload: Upload):
    """(what, content, name, words expected in the message, status when plain, fragment)."""
    for what, content, name, words in BAD[upload.kind]:
        yield what, content, name, words, None
    yield "an empty file", b"", upload.valid()[1], "vacío", None
    yield (f"one byte over its {human_size(upload.limit)} limit", upload.oversize(), upload.valid()[1],
           f"pesa más de {human_size(upload.limit)}", None)
    yield ("over MAX_CONTENT_LENGTH", _padded(upload.valid()[0], 6 * 1024 * 1024 + 1), upload.valid()[1],
           "Archivo demasiado grande", 413)
    for name in TRICK_NAMES:
        yield f"HTML under the name {name[:40]!r}", HTML, name, "", None


def _post(client, upload: Upload, world, n: int, content: bytes, name: str, htmx: bool):
    data = MultiDict(upload.form(world, n))
    data.add("csrf_token", client.csrf_token())
    data.add(upload.field, (io.BytesIO(content), name))
    return client.post(upload.url(world), data=data, csrf=False, content_type="multipart/form-data",
                       headers=HTMX if htmx else {})


def _clients(trust_app, world) -> dict:
    people = {"student": world.a.students["A1"], "employer": world.a.employer, "coordinator": world.a.coordinator}
    return {role: signed_in(trust_app, user) for role, user in people.items()}


def test_bad_files_are_refused_in_spanish_and_nothing_is_stored(trust_app, world):
    clients = _clients(trust_app, world)
    failures, checked, n = [], 0, 0
    files, tables = stored_files(trust_app), snapshot()
    for upload in UPLOADS:
        client = clients[upload.role]
        for what, content, name, words, status in _cases(upload):
            for htmx in (False, True):
                n += 1
                label = f"{upload.label} {'fragment' if htmx else 'page'}: {what}"
                response = _post(client, upload, world, n, content, name, htmx)
                checked += 1
                messages = error_messages(response, client)
                refused = response.status_code in (400, 413, 422) or (response.status_code == 303 and messages)
                if not refused:
                    failures.append(f"{label}: not refused ({response.status_code}, {messages})")
                    files, tables = stored_files(trust_app), snapshot()
                    continue
                if status and response.status_code != status:
                    failures.append(f"{label}: {response.status_code}, expected {status}")
                if problem := spanish_problem(messages):
                    failures.append(f"{label}: {problem}")
                elif words not in " ".join(messages):
                    failures.append(f"{label}: the message does not say {words!r}: {messages}")
                # Compared with the state before the first case: every case is refused.
                if (now := stored_files(trust_app)) != files:
                    failures.append(f"{label}: files changed: {now ^ files}")
                    files = now
                if changed := changed_tables(tables, after := snapshot()):
                    failures.append(f"{label}: tables changed: {changed}")
                    tables = after
    print(f"\nTRUST uploads refused: {len(UPLOADS)} fields, {checked} requests")
    assert checked > 200
    assert not failures, "\n".join(failures)


_GENERATED = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg)$")
_PREVIEW = re.compile(r"^[A-Za-z0-9_-]{32}$")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_good_files_are_stored_under_a_name_we_make(trust_app, world, htmx):
    """A real file, under its own name or a tricky one, lands in its folder under a random
    name; the client's name appears in no path, and nothing is written outside the folder."""
    clients = _clients(trust_app, world)
    root = Path(trust_app.config["UPLOAD_PATH"])
    outside = root.parent  # the test's temporary area, around the upload folder
    around_before = {p for p in outside.rglob("*") if not p.is_relative_to(root)}
    failures, checked = [], 0
    for upload in UPLOADS:
        client = clients[upload.role]
        content, plain_name = upload.valid()
        for i, name in enumerate([plain_name, *TRICK_NAMES]):
            n = 1000 + i + (500 if htmx else 0)
            label = f"{upload.label} {'fragment' if htmx else 'page'} named {name[:40]!r}"
            before = stored_files(trust_app)
            response = _post(client, upload, world, n, content, name, htmx)
            checked += 1
            messages = error_messages(response, client)
            if response.status_code >= 400 or messages:
                failures.append(f"{label}: refused ({response.status_code}, {messages})")
                continue
            added = stored_files(trust_app) - before
            new = [Path(p) for p in added if not Path(p).name.startswith(".")]
            if len(new) != 1 or len(added) != 1:
                failures.append(f"{label}: expected one new file, got {sorted(added)}")
                continue
            stored = new[0]
            pattern = _PREVIEW if upload.kind == "sheet" else _GENERATED
            if stored.parent != Path(upload.folder) or not pattern.match(stored.name):
                failures.append(f"{label}: stored as {stored}, not {upload.folder}/<random name>")
            if upload.column is not None:
                model, attribute = upload.column
                db.session.expire_all()
                paths = set(db.session.scalars(db.select(getattr(model, attribute))))
                db.session.rollback()
                if str(stored) not in paths:
                    failures.append(f"{label}: no {model.__name__}.{attribute} points to {stored}")
    around_after = {p for p in outside.rglob("*") if not p.is_relative_to(root)}
    if around_after != around_before:
        failures.append(f"written on disk: {sorted(map(str, around_after - around_before))}")
    print(f"\nTRUST uploads stored: {len(UPLOADS)} fields, {checked} good files "
          f"({len(TRICK_NAMES)} tricky names each) ({'fragment' if htmx else 'page'})")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_stored_image_is_only_pixels(trust_app, world, htmx):
    """Issue 22: an image is re-encoded, never stored as sent. Whatever rode along a real
    picture (EXIF with the GPS position, HTML after its end, text chunks) is not in the
    stored file, which is at most 512 px a side and served as what it now is."""
    client = _clients(trust_app, world)["employer"]
    upload = UPLOADS[1]
    text = PngInfo()
    text.add_text("Comment", "<script>alert(1)</script>")
    with_text = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 120, 200)).save(with_text, "PNG", pnginfo=text)
    cases = [
        ("a phone photo with GPS EXIF", image("JPEG", (1600, 1200), exif=gps_exif()), "foto.jpg", (512, 384)),
        ("a real PNG followed by HTML", PNG + HTML, "logo.png", (1, 1)),
        ("a PNG with a script in a text chunk", with_text.getvalue(), "logo.png", (40, 40)),
        ("a 3000 px logo", image("PNG", (3000, 1000)), "logo.png", (512, 171)),
    ]
    failures = []
    for n, (what, content, name, size) in enumerate(cases, start=2000 + (500 if htmx else 0)):
        before = stored_files(trust_app)
        response = _post(client, upload, world, n, content, name, htmx)
        added = [p for p in stored_files(trust_app) - before if not Path(p).name.startswith(".")]
        if response.status_code >= 400 or len(added) != 1:
            failures.append(f"{what}: {response.status_code}, stored {added}")
            continue
        stored = read_stored(added[0])
        picture = Image.open(io.BytesIO(stored))
        if picture.size != size:
            failures.append(f"{what}: stored at {picture.size}, expected {size}")
        leftovers = [w for w in (b"Exif", b"CelularMarca", b"<script", b"<html", b"tEXt", b"iTXt", b"zTXt")
                     if w in stored]
        if leftovers or picture.getexif():
            failures.append(f"{what}: the stored file still carries {leftovers or 'EXIF'}")
    print(f"\nTRUST uploads re-encoded: {len(cases)} images with EXIF, trailing HTML, text chunks or 3000 px, "
          f"stored as pixels only ({'fragment' if htmx else 'page'})")
    assert not failures, "\n".join(failures)
