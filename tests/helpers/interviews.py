"""Interviews test helpers: proposals of one to three slots (Lima time)."""
from __future__ import annotations

from portal.interviews import services


def slots(*times: tuple[str, str, str]) -> list[services.SlotInput]:
    return [services.SlotInput(*t) for t in times]


MONDAY_SLOTS = (("2026-12-07", "10:00", "10:30"), ("2026-12-07", "15:00", "15:30"), ("2026-12-08", "09:00", "09:45"))


def proposal(*times, mode="direccion", place="Av. Los Incas 123, Arequipa", note="Trae tu DNI.") -> services.Proposal:
    return services.Proposal(mode, place, note, slots(*(times or MONDAY_SLOTS)))
