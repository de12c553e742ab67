"""Dormitory addresses as rosters write them ("一号楼301", "3栋502", "紫荆2号楼1203"): the
building, the floor and the room, so that roommates, floor-mates and a building compare."""

import re
from dataclasses import dataclass

# The building is everything before the room number; the room's last two digits are its
# number on the floor, the digits before them the floor.
_ADDRESS = re.compile(r"^(?P<building>.*?\D)?-?(?P<room>\d{3,5})室?$")


@dataclass(frozen=True)
class Dorm:
    building: str
    floor: str
    room: str  # the whole address, as written: roommates share it
    floor_prefix: str  # what every room of the floor starts with: "一号楼3" for "一号楼301"


def parse(address: str) -> Dorm | None:
    """The building, floor and room of an address; None when it names no room number."""
    address = (address or "").strip().replace(" ", "")
    match = _ADDRESS.match(address)
    if not match or not match.group("building"):
        return None
    building = match.group("building").rstrip("-")
    digits = match.group("room")
    floor = digits[:-2]
    return Dorm(
        building=building,
        floor=floor,
        room=address,
        floor_prefix=address[: match.start("room")] + floor,
    )
