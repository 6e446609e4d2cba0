"""The reports' world: a small one whose figures are worked out by hand in `tests.helpers.reports`."""
import pytest

from tests.helpers.reports import World, report_world
from tests.helpers.seguimiento import seguimiento_world as build_seguimiento_world


@pytest.fixture
def world(app) -> World:
    return report_world()


@pytest.fixture
def seguimiento_world(app) -> dict:
    return build_seguimiento_world()
