"""Fixtures for company tests."""
import pytest

from tests.companies.helpers import add_convenio


@pytest.fixture
def convenio():
    """`convenio(cetpro, company, state=..., start=..., end=..., open_ended=...)` adds a Convenio."""
    return add_convenio
