"""Sets of small non-negative integers held as the bits of one int: a filter is an AND, a
count a popcount. The listing's index (portal/openings/index.py) holds the open openings
so, and the job alerts' index (portal/alerts/index.py) the running alerts."""
from __future__ import annotations

FEW = 8  # up to this many positions, `mask_of` ORs single bits instead of building bytes


def mask_of(positions) -> int:
    """An int with the given bit positions set (built as bytes: fast for thousands).

    A few positions are ORed in one at a time, lowest first: converting the bytes of a mask
    of 100,000 bits costs about as much as eight such ORs, whatever the number of positions."""
    positions = list(positions)
    if not positions:
        return 0
    if len(positions) <= FEW:
        mask = 0
        for position in sorted(positions):
            mask |= 1 << position
        return mask
    bits = bytearray(max(positions) // 8 + 1)
    for position in positions:
        bits[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


# The set bits of each byte value, for `members`.
_BYTE_BITS = [tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256)]


def members(mask: int) -> list[int]:
    """Every set bit position, lowest first (a byte at a time: fast for thousands)."""
    found = []
    for at, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) // 8, "little")):
        if byte:
            base = at << 3
            found.extend(base + bit for bit in _BYTE_BITS[byte])
    return found
