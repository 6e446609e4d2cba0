"""The picture a shared opening shows (og:image): a 1200×630 PNG drawn with Pillow.

WhatsApp, Facebook and the rest show it under a shared link: the title, the company with
its verification badge, the pay and the place, in DejaVu Sans (Debian's fonts-dejavu-core,
which draws every Spanish letter: "Técnico en señalización"). It is made from those fields
only, so their digest names it: the page links `…/tarjeta.png?v=<digest>` (a new picture
is a new URL, which is what makes those apps fetch it again), the answer's ETag is the
digest, and a revalidation with the same digest is a 304 without drawing anything. Each
process keeps the last pictures it drew.
"""
from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import astuple, dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from portal import formatting, vocab
from portal.models import Opening

WIDTH, HEIGHT = 1200, 630
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian: fonts-dejavu-core
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
# Part of every digest: a change to the drawing makes every card new.
DRAWING = "1"
KEPT = 256  # pictures kept per process (about 40 KB each)

BRAND, INK, MUTED, PAPER, OK, ACCENT = "#0b5d4b", "#1b2420", "#5a6661", "#ffffff", "#1a743b", "#f6c445"


@dataclass(frozen=True)
class CardFields:
    """What the picture shows, and nothing else."""

    title: str
    company: str
    badge: str  # "✓ Verificada", "✓ Verificada por CETPRO X", or "" when not verified
    kind: str
    pay: str
    place: str

    @property
    def digest(self) -> str:
        text = "\x1f".join((DRAWING, *astuple(self)))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def fields(opening: Opening) -> CardFields:
    company = opening.company
    if not company.is_verified:
        badge = ""
    elif company.verified_by:
        badge = f"✓ Verificada por {company.verified_by}"
    else:
        badge = "✓ Verificada"
    place = formatting.place(opening.district_code or opening.province_code or opening.department_code)
    if opening.work_mode == "remoto":
        place = f"Remoto · {place}" if place else "Remoto · Todo el Perú"
    else:
        place = place or "Todo el Perú"
    pay = f"{formatting.money(opening.pay_monthly)} al mes" if opening.pay_monthly is not None else "Pago a convenir"
    return CardFields(opening.title, company.display_name, badge, vocab.OPENING_KINDS.get(opening.kind, opening.kind),
                      pay, place)


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _lines(draw: ImageDraw.ImageDraw, text: str, font, width: int, most: int) -> list[str]:
    """The text wrapped to `width` pixels in at most `most` lines (the last one cut with "…")."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width:  # one word wider than the line
            cut = len(current)
            while cut > 1 and draw.textlength(current[:cut], font=font) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = lines[:most]
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def draw(card: CardFields) -> bytes:
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    pen = ImageDraw.Draw(image)
    margin = 64
    inner = WIDTH - 2 * margin
    pen.rectangle((0, 0, WIDTH, 96), fill=BRAND)
    pen.text((margin, 48), "Enlace CETPRO", font=_font(BOLD, 36), fill=PAPER, anchor="lm")
    pen.text((WIDTH - margin, 48), card.kind, font=_font(REGULAR, 28), fill=ACCENT, anchor="rm")

    y = 136
    title_font = _font(BOLD, 60)
    for line in _lines(pen, card.title, title_font, inner, 3):
        pen.text((margin, y), line, font=title_font, fill=INK)
        y += 74
    y += 16
    company_font = _font(REGULAR, 36)
    company = _lines(pen, card.company, company_font, inner, 1)[0] if card.company else ""
    pen.text((margin, y), company, font=company_font, fill=INK)
    if card.badge:
        badge_font = _font(BOLD, 28)
        x = margin + pen.textlength(company, font=company_font) + 20
        width = pen.textlength(card.badge, font=badge_font) + 32
        if x + width > WIDTH - margin:  # no room beside the name: under it
            x, y = margin, y + 56
        pen.rounded_rectangle((x, y - 2, x + width, y + 44), radius=22, fill=OK)
        pen.text((x + 16, y + 21), card.badge, font=badge_font, fill=PAPER, anchor="lm")

    pen.line((margin, HEIGHT - 150, WIDTH - margin, HEIGHT - 150), fill="#d9e0dc", width=2)
    pen.text((margin, HEIGHT - 118), card.pay, font=_font(BOLD, 44), fill=BRAND)
    place_font = _font(REGULAR, 30)
    pen.text((margin, HEIGHT - 58), _lines(pen, card.place, place_font, inner, 1)[0], font=place_font, fill=MUTED)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


_drawn: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def png(card: CardFields) -> bytes:
    """The card's PNG, drawn once per distinct content in this process."""
    key = card.digest
    with _lock:
        held = _drawn.get(key)
        if held is not None:
            _drawn.move_to_end(key)
            return held
    made = draw(card)
    with _lock:
        _drawn[key] = made
        while len(_drawn) > KEPT:
            _drawn.popitem(last=False)
    return made

