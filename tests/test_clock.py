"""One clock (portal/clock.py): Lima's date for "today", naive UTC for the database, nothing else."""
import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from portal import clock

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# What would read the server's clock or zone instead of portal.clock.
OTHER_CLOCKS = {("date", "today"), ("datetime", "today"), ("datetime", "now"), ("datetime", "utcnow")}


def other_clocks(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = getattr(node.value, "id", getattr(node.value, "attr", None))
            if (owner, node.attr) in OTHER_CLOCKS:
                found.append(f"{node.lineno}: {owner}.{node.attr}")
            elif node.attr == "ZoneInfo":
                found.append(f"{node.lineno}: ZoneInfo")
        elif isinstance(node, ast.Name) and node.id == "ZoneInfo":
            found.append(f"{node.lineno}: ZoneInfo")
    return found


def test_only_the_clock_reads_the_time_or_names_a_zone():
    offenders = {str(path.relative_to(PORTAL)): found for path in sorted(PORTAL.rglob("*.py"))
                 if path.name != "clock.py" and (found := other_clocks(path.read_text(encoding="utf-8")))}
    assert offenders == {}
    assert other_clocks((PORTAL / "clock.py").read_text(encoding="utf-8"))  # the check does see them


def test_the_check_sees_each_way_of_reading_the_server_clock():
    for line in ("date.today()", "datetime.datetime.now()", "datetime.utcnow()", "field(default_factory=date.today)",
                 "zoneinfo.ZoneInfo('America/Lima')", "ZoneInfo('UTC')"):
        assert other_clocks(line), line
    assert other_clocks("clock.today(); clock.now(); clock.utcnow(); opening.deadline.today") == []


def test_at_02_00_utc_on_2_march_it_is_still_1_march_in_lima(frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    assert clock.today() == date(2026, 3, 1)
    assert clock.now().replace(tzinfo=None) == datetime(2026, 3, 1, 21, 0)
    assert clock.now().utcoffset() == timedelta(hours=-5)
    assert clock.utcnow() == datetime(2026, 3, 2, 2, 0)  # what the database stores: UTC, no zone
    assert clock.utcnow().tzinfo is None


def test_a_frozen_instant_without_a_zone_is_lima_time(frozen_clock):
    frozen_clock(datetime(2026, 12, 31, 23, 30))
    assert clock.today() == date(2026, 12, 31)
    assert clock.utcnow() == datetime(2027, 1, 1, 4, 30)
