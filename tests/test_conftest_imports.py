"""Test modules share builders (`tests.factories`, `tests.helpers`), never conftests: a conftest
holds the fixtures of its own directory, and importing one from elsewhere couples two test packages."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def conftest_imports(source: str) -> list[str]:
    """The imports in `source` that reach into a conftest module, as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if "conftest" in alias.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if "conftest" in module.replace(".", " ").split():
                found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names if alias.name == "conftest"]
    return found


@pytest.mark.parametrize("source", [
    "from tests.roster.conftest import csv_bytes",
    "from tests.conftest import HTMX",
    "from .conftest import world",
    "from tests.roster import conftest",
    "from . import conftest",
    "import tests.trust.conftest",
    "def f():\n    from tests.reports.conftest import place\n",
])
def test_the_check_sees_every_way_of_importing_a_conftest(source):
    assert conftest_imports(source)


def test_the_check_leaves_builders_and_look_alike_names_alone():
    source = "from tests import factories\nfrom tests.helpers.roster import row\nimport conftest_tools\n"
    assert conftest_imports(source) == []


def test_no_module_under_tests_imports_a_conftest():
    offenders = {
        str(path.relative_to(TESTS.parent)): found
        for path in sorted(TESTS.rglob("*.py"))
        if (found := conftest_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "move what they import to tests/factories.py or tests/helpers/"
