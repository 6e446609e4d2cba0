"""The reports' world: a small one whose figures are worked out by hand in `tests.helpers.reports`."""
import pytest

from tests.helpers.reports import World, report_world


@pytest.fixture
def world(app) -> World:
    return report_world()
