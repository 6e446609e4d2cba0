"""Free skill tags are compared after normalisation: case, accents and spacing do not matter."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_skill(name: str | None) -> str:
    """'  ELECTRICIDAD  Básica ' → 'electricidad basica'."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip().casefold()[:80]


def split_skills(text: str | None) -> list[str]:
    """Tags typed as one comma- or line-separated text, de-duplicated by their normal form."""
    seen: dict[str, str] = {}
    for part in re.split(r"[,;\n]", text or ""):
        clean = _SPACES.sub(" ", part).strip()
        if clean and normalize_skill(clean) not in seen:
            seen[normalize_skill(clean)] = clean[:80]
    return list(seen.values())
