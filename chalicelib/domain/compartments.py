"""Compartment sizes and the allocation order: smallest that fits, accessible first when asked."""

from __future__ import annotations

from dataclasses import dataclass

SIZES = ("S", "M", "L")
_RANK = {size: rank for rank, size in enumerate(SIZES)}


@dataclass(frozen=True)
class Compartment:
    locker_id: str
    id: str
    size: str
    accessible: bool = False
    enabled: bool = True
    request_id: str | None = None
    door: str = "closed"
    occupied: bool = False

    @property
    def is_free(self) -> bool:
        """In service, held by no request and with nothing known inside."""
        return self.enabled and self.request_id is None and not self.occupied

    @property
    def state(self) -> str:
        """What staff see: out_of_service, door_open, occupied, reserved or free."""
        if not self.enabled:
            return "out_of_service"
        if self.door == "open":
            return "door_open"
        if self.occupied:
            return "occupied"
        if self.request_id is not None:
            return "reserved"
        return "free"


def fits(compartment_size: str, wanted: str) -> bool:
    return _RANK[compartment_size] >= _RANK[wanted]


def allocation_order(compartments: list[Compartment], wanted: str, accessible: bool) -> list[Compartment]:
    """Free compartments that fit, best first.

    A citizen who asked for an accessible compartment gets one before any size
    concern (a high door is useless from a wheelchair); everyone else gets the
    smallest that fits, and accessible ones are kept back for those who need them.
    """
    candidates = [c for c in compartments if c.is_free and fits(c.size, wanted)]

    def key(c: Compartment) -> tuple[int, int, str]:
        if accessible:
            return (0 if c.accessible else 1, _RANK[c.size], c.id)
        return (_RANK[c.size], 1 if c.accessible else 0, c.id)

    return sorted(candidates, key=key)
