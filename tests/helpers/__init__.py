"""Builders and helpers that test modules share. Fixtures stay in each directory's conftest.py;
test modules import from here (or `tests.factories`), never from a conftest."""
