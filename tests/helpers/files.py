"""Uploaded files for tests: tiny real images, a real minimal PDF (it opens in any viewer), a PDF of any size."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# The smallest valid PNG (1×1, transparent) and a real 8×8 JPEG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc````\x00\x00\x00\x05\x00\x01\xa5\xf6E@\x00\x00\x00\x00IEND\xaeB`\x82")


def image(fmt: str = "PNG", size: tuple[int, int] = (8, 8), color=(200, 30, 30), exif=None) -> bytes:
    """A picture of one colour, as a file of `fmt` (PNG or JPEG), with `exif` if given."""
    out = io.BytesIO()
    picture = Image.new("RGBA" if fmt == "PNG" else "RGB", size, color)
    picture.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def gps_exif() -> Image.Exif:
    """EXIF as a phone writes it: the camera, and where the photo was taken (Arequipa)."""
    exif = Image.Exif()
    exif[0x010F] = "CelularMarca"  # Make
    exif[0x0110] = "Modelo X"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (16.0, 24.0, 33.0), 3: "W", 4: (71.0, 32.0, 13.0)})
    return exif


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces `width` × `height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
            + chunk(b"IEND", b""))


JPEG = image("JPEG")


def minimal_pdf(text: str = "CV de prueba", padding: int = 0) -> bytes:
    """A one-page PDF with a correct cross-reference table; `padding` adds a comment of that size."""
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if padding:
        out += b"%" + b"x" * max(0, padding - 2) + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly `size` bytes."""
    padding = size - len(minimal_pdf())
    pdf = minimal_pdf(padding=padding)
    pdf = minimal_pdf(padding=padding - (len(pdf) - size))  # the startxref number grew by a few digits
    assert len(pdf) == size, (len(pdf), size)
    return pdf
