"""Uploaded files: checked by content and size, kept in the database under random keys.

Every feature that takes a file (a student's CV, a company's logo, a convenio PDF, a
placement's evidence) goes through here, so the rules live once (DESIGN.md §7, OWASP ASVS V12):

- the content decides what a file is, never its name or the browser's Content-Type;
- a size limit per kind of file, checked while reading (never more than limit + 1 bytes);
- files live in the ``stored_files`` table (content type, size, SHA-256 and the bytes),
  keyed ``<folder>/<random>.<ext>`` by a name we make, so every host serves every file,
  a database backup carries them, and a name like ``../../etc/passwd.pdf`` is never used;
- a key is only ever looked up if it has the shape we gave it;
- an image is never stored as sent: Pillow decodes it and writes a new file from its pixels
  (``reencode_image``), so trailing HTML, EXIF (GPS position, camera) and other chunks are
  gone, a decompression bomb is refused before it is decoded, and a large logo is shrunk.

A new file is written in the same transaction as the row that points to it, and the old
one is removed (``remove_stored``) in that transaction too: a refused upload or a failed
commit never loses what was there, and no file outlives the row that pointed to it.
Downloads stream the bytes in chunks with the access checks of the page that links them.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import warnings
from collections.abc import Iterator
from struct import error as struct_error
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, abort, request
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import LargeBinary, bindparam, delete, func, select

from portal import headers
from portal.extensions import db
from portal.models import StoredFile

PDF_MIMETYPE = "application/pdf"
CONTENT_TYPES = {"pdf": PDF_MIMETYPE, "png": "image/png", "jpg": "image/jpeg"}
CHUNK = 256 * 1024

_FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_STORED = re.compile(r"^([a-z0-9][a-z0-9_-]{0,39})/([0-9a-f]{32}\.(pdf|png|jpg))$")
_PDF_HEADER = re.compile(rb"^%PDF-\d\.\d")
# A PDF ends with %%EOF, possibly followed by a line end or a little padding.
_PDF_TAIL = 1024

# Chrome's PDF viewer is an internal <embed> governed by the PDF response's own CSP
# (crbug.com/271452): the page-wide policy (object-src 'none') would show "blocked".
PDF_CSP = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


# Images we take, by what Pillow finds in the bytes (never the name): format → extension.
IMAGE_EXTENSIONS = {"PNG": "png", "JPEG": "jpg"}
# Larger pictures are refused before their pixels are decoded: a 1 MB PNG of one colour
# can claim 50,000 × 50,000 pixels, 10 GB of memory (a decompression bomb).
IMAGE_MAX_PIXELS = 36_000_000


class UploadError(ValueError):
    """A refused upload; the message says why, in Spanish, for the person who sent it."""


def human_size(size: int) -> str:
    """2097152 → '2 MB', 512000 → '500 KB' (as people say it, not as disks count it)."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, size // 1024)} KB"


def read_upload(file_storage: BinaryIO | None, max_bytes: int, kind: str = "un archivo") -> bytes:
    """The uploaded bytes, or UploadError when nothing, nothing inside, or too much was sent.

    `file_storage` is a werkzeug FileStorage (or any object with `.read` / `.stream`).
    """
    if file_storage is None or getattr(file_storage, "filename", None) == "":
        # A form sent without choosing a file carries a part with an empty file name.
        raise UploadError(f"Elige {kind} para subir.")
    stream = getattr(file_storage, "stream", file_storage)
    content = stream.read(max_bytes + 1)
    if not content:
        raise UploadError("El archivo está vacío. Revisa que sea el archivo correcto y vuelve a subirlo.")
    if len(content) > max_bytes:
        raise UploadError(f"El archivo pesa más de {human_size(max_bytes)}, el máximo permitido. "
                          "Sube una versión más liviana.")
    return content


def looks_like_pdf(content: bytes) -> bool:
    """A PDF by its content: it starts with the %PDF-x.y header and ends with %%EOF."""
    return bool(_PDF_HEADER.match(content)) and b"%%EOF" in content[-_PDF_TAIL:]


def _decoded(content: bytes, noun: str) -> Image.Image:
    """The image in `content`, fully decoded, or UploadError (not PNG/JPEG, broken, a bomb)."""
    refused = (f"{noun} debe ser una imagen PNG o JPG que se pueda abrir (revisamos el contenido "
               "del archivo, no su nombre). Ábrela y guárdala de nuevo como PNG o JPG.")
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: make it an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content), formats=tuple(IMAGE_EXTENSIONS))
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise UploadError(f"{noun} mide {width} × {height} píxeles: es demasiado grande. "
                                  "Sube una versión de hasta 6000 × 6000 píxeles.")
            image.verify()  # checksums and structure, without keeping pixels
            image = Image.open(io.BytesIO(content), formats=tuple(IMAGE_EXTENSIONS))
            image.load()  # every pixel: a truncated or corrupt file fails here
        except UploadError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadError(f"{noun} tiene demasiados píxeles: sube una versión de hasta "
                              "6000 × 6000 píxeles.") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct_error):
            raise UploadError(refused) from None
    return image


def reencode_image(content: bytes, max_side: int, noun: str = "La imagen") -> tuple[bytes, str]:
    """A new PNG or JPEG made from the pixels of `content` alone, at most `max_side` pixels
    on its longer side, and its extension; UploadError (Spanish, naming `noun`) if the bytes
    are not a PNG or JPEG that decodes whole.

    Only pixels survive: no EXIF (a phone's photo carries where it was taken), no text
    chunks, no ICC profile, nothing after the image's end (a PNG followed by HTML).
    """
    image = _decoded(content, noun)
    extension = IMAGE_EXTENSIONS[image.format]
    image = ImageOps.exif_transpose(image)  # the picture as people saw it, before its EXIF goes
    if extension == "jpg":
        image = image.convert("L" if image.mode in ("1", "L", "I;16", "I", "F") else "RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")  # palettes (with transparency), 16-bit, CMYK…
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A new image from the raw pixels: nothing of the original's metadata can come along.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if extension == "jpg":
        clean.save(out, "JPEG", quality=88, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue(), extension


def store_bytes(content: bytes, folder: str, extension: str) -> str:
    """Add `content` to the session as a stored file with a random key; return 'folder/name'.

    It is written with the caller's commit, together with the row that points to it: a
    failed commit leaves nothing behind, and no row ever points to a file not yet there."""
    if not _FOLDER.match(folder) or extension not in CONTENT_TYPES:
        raise ValueError(f"bad upload folder or extension: {folder!r}, {extension!r}")
    key = f"{folder}/{secrets.token_hex(16)}.{extension}"
    db.session.add(StoredFile(key=key, content_type=CONTENT_TYPES[extension], size=len(content),
                              sha256=hashlib.sha256(content).hexdigest(), content=content))
    return key


def store_pdf(file_storage: BinaryIO | None, folder: str, max_bytes: int) -> str:
    """Check an uploaded PDF by content and size, store it, and return its key."""
    content = read_upload(file_storage, max_bytes, "un archivo PDF")
    if not looks_like_pdf(content):
        raise UploadError("El archivo debe ser un PDF. Revisamos su contenido, no su nombre: "
                          "si lo hiciste en Word o en el celular, usa «Guardar como PDF» o «Exportar a PDF».")
    return store_bytes(content, folder, "pdf")


def _checked(key: str | None) -> str | None:
    """`key` if it has the shape store_bytes gives, else None (a tampered value finds nothing)."""
    return key if key and _STORED.match(key) else None


def stored(key: str | None) -> StoredFile | None:
    """The stored file's row (content type, size, SHA-256; not its bytes), or None."""
    key = _checked(key)
    return db.session.get(StoredFile, key) if key else None


def read_stored(key: str | None) -> bytes | None:
    """A stored file's bytes, or None if there is none (for exports that bundle files)."""
    key = _checked(key)
    if key is None:
        return None
    return db.session.scalar(select(StoredFile.content).where(StoredFile.key == key))


def remove_stored(key: str | None) -> None:
    """Delete a stored file in the caller's transaction (it goes with the caller's commit,
    when the row that pointed to it lets go of it); unknown keys are ignored."""
    key = _checked(key)
    if key is not None:
        db.session.execute(delete(StoredFile).where(StoredFile.key == key))


def content_disposition(download_name: str, inline: bool = True) -> str:
    """`inline; filename="CV-Quispe.pdf"`, plus an RFC 6266 UTF-8 name when it has accents."""
    plain = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.") or "archivo"
    value = f'{"inline" if inline else "attachment"}; filename="{plain}"'
    clean = re.sub(r"[\x00-\x1f\x7f\"\\/]+", "", download_name).strip()
    if clean and clean != plain:
        value += f"; filename*=UTF-8''{quote(clean, safe='')}"
    return value


def _body(row: StoredFile) -> bytes | Iterator[bytes]:
    """The file's bytes: at once when small, else CHUNK at a time, each chunk read on a
    connection of its own (a download never holds a whole file in memory, nor a pooled
    connection or the request's session while a slow client reads)."""
    if row.size <= CHUNK:
        return read_stored(row.key) or b""
    engine, size = db.engine, row.size
    piece = func.substr(StoredFile.content, bindparam("start"), CHUNK, type_=LargeBinary)
    statement = select(piece).where(StoredFile.key == row.key)

    def chunks() -> Iterator[bytes]:
        for start in range(1, size + 1, CHUNK):  # SQL counts from 1
            with engine.connect() as connection:
                chunk = connection.scalar(statement, {"start": start})
            if not chunk:
                return  # removed meanwhile: the client sees a short body, never another file
            yield bytes(chunk)

    return chunks()


def attachment(content: bytes, mimetype: str, download_name: str) -> Response:
    """A file the portal made for this person (a CSV, a spreadsheet, a ZIP), to save and never
    cache: it holds what only they may read."""
    response = Response(content, mimetype=mimetype)
    headers.put(response, "Content-Disposition", content_disposition(download_name, inline=False))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_stored(key: str | None, download_name: str, mimetype: str = PDF_MIMETYPE,
                inline: bool = True) -> Response:
    """Serve a stored file privately (never cached by anyone), or 404 if there is none.

    The caller has already checked that the person may see it.
    """
    row = stored(key)
    if row is None:
        abort(404)
    response = Response(_body(row), mimetype=mimetype)
    response.content_length = row.size
    headers.put(response, "Content-Disposition", content_disposition(download_name, inline))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if mimetype == PDF_MIMETYPE:
        response.headers["Content-Security-Policy"] = PDF_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def send_public(key: str | None, max_age: int) -> Response:
    """Serve a public stored file (a company's logo) with its own content type; caches may
    keep it `max_age` seconds and revalidate it by its SHA-256."""
    row = stored(key)
    if row is None:
        abort(404)
    response = Response(_body(row), mimetype=row.content_type)
    response.content_length = row.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.set_etag(row.sha256)
    return response.make_conditional(request)
