"""Tests for the seed taxonomy and RMV table."""

from decimal import Decimal

from portal.reference.taxonomy_data import FAMILIES, LEVELS, RMV_RATES

EXPECTED_FAMILIES = [
    "Administración y Comercio",
    "Actividades Agrarias",
    "Actividades Marítimo-Pesqueras",
    "Artes Gráficas",
    "Artesanía y Manualidades",
    "Computación e Informática",
    "Comunicación, Imagen y Sonido",
    "Construcción",
    "Cuero y Calzado",
    "Electricidad y Electrónica",
    "Estética Personal",
    "Hostelería y Turismo",
    "Industrias Alimentarias",
    "Mecánica y Metales",
    "Mecánica y Motores",
    "Minería",
    "Química",
    "Textil y Confección",
]


def _programmes():
    return [p for family in FAMILIES for p in family.programmes]


def test_eighteen_families_with_exact_names() -> None:
    assert [f.name for f in FAMILIES] == EXPECTED_FAMILIES


def test_each_family_has_two_to_four_programmes() -> None:
    for family in FAMILIES:
        assert 2 <= len(family.programmes) <= 4, family.name


def test_each_programme_has_three_to_six_modules() -> None:
    for programme in _programmes():
        assert 3 <= len(programme.modules) <= 6, programme.name


def test_programme_names_unique_across_catalogue() -> None:
    names = [p.name for p in _programmes()]
    assert len(names) == len(set(names))


def test_module_names_unique_within_programme() -> None:
    for programme in _programmes():
        assert len(programme.modules) == len(set(programme.modules)), programme.name


def test_levels_valid() -> None:
    assert set(LEVELS) == {"auxiliar_tecnico", "tecnico"}
    assert {p.level for p in _programmes()} <= set(LEVELS)


def test_names_are_clean_strings() -> None:
    for programme in _programmes():
        for text in (programme.name, *programme.modules):
            assert isinstance(text, str) and text == text.strip() and "  " not in text
            assert text[0].isupper()


def test_examples_from_design() -> None:
    by_family = {f.name: {p.name: p for p in f.programmes} for f in FAMILIES}
    electricidad = by_family["Electricidad y Electrónica"]["Electricidad"]
    assert electricidad.level == "tecnico"
    assert electricidad.modules[:2] == (
        "Instalaciones eléctricas domiciliarias",
        "Instalaciones eléctricas industriales",
    )
    assert "Mecánica automotriz" in by_family["Mecánica y Motores"]
    assert "Cosmetología" in by_family["Estética Personal"]
    assert "Confección textil" in by_family["Textil y Confección"]


def test_rmv_rates() -> None:
    assert RMV_RATES == (
        ("2018-04-01", "930.00"),
        ("2022-05-01", "1025.00"),
        ("2025-01-01", "1130.00"),
    )
    dates = [d for d, _ in RMV_RATES]
    assert dates == sorted(dates)
    amounts = [Decimal(a) for _, a in RMV_RATES]
    assert amounts == sorted(amounts)
