"""Tests for portal.places (INEI ubigeo lookups)."""

import pytest

from portal import places


def _all_provinces() -> list[tuple[str, str]]:
    return [p for code, _ in places.departments() for p in places.provinces(code)]


def _all_districts() -> list[tuple[str, str]]:
    return [d for code, _ in _all_provinces() for d in places.districts(code)]


def test_totals_match_inei() -> None:
    assert len(places.departments()) == 25
    assert len(_all_provinces()) == 196
    assert len(_all_districts()) == 1893


def test_departments_are_inei_codes_sorted() -> None:
    deps = places.departments()
    assert [code for code, _ in deps] == [f"{n:02d}" for n in range(1, 26)]
    by_code = dict(deps)
    # INEI, not RENIEC: under RENIEC 07 is Cusco and 15 is Loreto.
    assert by_code["07"] == "Callao"
    assert by_code["15"] == "Lima"
    assert by_code["01"] == "Amazonas"
    assert by_code["12"] == "Junín"
    assert by_code["25"] == "Ucayali"


def test_code_lengths_per_level() -> None:
    assert all(len(code) == 4 and code.isdigit() for code, _ in _all_provinces())
    assert all(len(code) == 6 and code.isdigit() for code, _ in _all_districts())


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("150101", "Lima"),
        ("070101", "Callao"),
        ("040101", "Arequipa"),
        ("120101", "Huancayo"),
        ("150132", "San Juan de Lurigancho"),
        ("1201", "Huancayo"),
        ("12", "Junín"),
        ("02", "Áncash"),
    ],
)
def test_known_codes(code: str, expected: str) -> None:
    assert places.name(code) == expected
    assert places.is_valid(code)


def test_names_are_cleaned_up() -> None:
    assert places.name("150120") == "Magdalena del Mar"
    assert places.name("150135") == "San Martín de Porres"
    assert places.name("070103") == "Carmen de la Legua Reynoso"
    assert places.name("150142") == "Villa El Salvador"


def test_children_by_prefix() -> None:
    assert places.children("") == places.departments()
    assert places.children("15") == places.provinces("15")
    assert places.children("1501") == places.districts("1501")
    assert ("1501", "Lima") in places.provinces("15")
    assert ("150132", "San Juan de Lurigancho") in places.districts("1501")
    callao = places.districts("0701")
    assert callao[0] == ("070101", "Callao")
    assert len(callao) == 7
    assert all(code.startswith("0401") for code, _ in places.districts("0401"))
    assert places.districts("1501") == sorted(places.districts("1501"))


def test_returned_lists_are_copies() -> None:
    places.departments().clear()
    assert len(places.departments()) == 25


@pytest.mark.parametrize("bad", ["99", "9901", "999999", "1", "150", "15010", "1501011", "ab", "  "])
def test_invalid_codes(bad: str) -> None:
    assert places.children(bad) == []
    assert places.name(bad) is None
    assert places.is_valid(bad) is False
    assert places.label(bad) == ""


def test_wrong_level_helpers_return_empty() -> None:
    assert places.provinces("1501") == []
    assert places.provinces("") == []
    assert places.districts("15") == []
    assert places.districts("150101") == []
    assert places.children("150101") == []


def test_non_string_input() -> None:
    assert places.name(150101) is None  # type: ignore[arg-type]
    assert places.is_valid(None) is False  # type: ignore[arg-type]
    assert places.children(None) == []  # type: ignore[arg-type]
    assert places.label(15) == ""  # type: ignore[arg-type]


def test_label() -> None:
    assert places.label("150101") == "Lima, Lima, Lima"
    assert places.label("0401") == "Arequipa, Arequipa"
    assert places.label("120101") == "Huancayo, Huancayo, Junín"
    assert places.label("150132") == "San Juan de Lurigancho, Lima, Lima"
    assert places.label("07") == "Callao"
    assert places.label("") == ""
