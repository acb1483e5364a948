"""US postal addresses written in a message ("88 Orchard Street, Apt 2B, Madison, WI 53703").

A street line (a house number, a few words, a street type), an optional unit (apartment, suite, unit, floor, #;
a floor also after its ordinal, "3rd floor"), a city, an optional two-letter state and a five-digit ZIP code,
separated by commas or spaces. What the customer writes around it is not part of it; an address without its ZIP
code or city is not complete enough to ship to and is not read.
"""

from __future__ import annotations

import re
from typing import TypedDict

_STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|drive|dr|lane|ln|boulevard|blvd|way|court|ct|place|pl|terrace|ter|"
    "parkway|pkwy|circle|cir|highway|hwy|square|sq|trail|trl|row|walk|alley|plaza|loop|crescent|close")
# (a floor may come after its ordinal: "3rd floor", "14th Fl.")
_UNIT = (r"(?:(?:apt|apartment|suite|ste|unit|floor|fl|flat|room|rm|#)\.?\s*#?\s*[\w-]{1,6}"
         r"|\d{1,3}(?:st|nd|rd|th)\s+(?:floor|fl)\b\.?)")
_ADDRESS = re.compile(
    rf"(?P<line1>\b\d{{1,6}}[A-Za-z]?\s+(?:(?:[A-Za-z][A-Za-z0-9.'-]*|\d+(?:st|nd|rd|th))\s+){{0,4}}?"
    rf"(?:{_STREET_TYPES})\b\.?)"
    rf"(?:\s*,?\s*(?P<line2>{_UNIT}))?"
    r"\s*,?\s+(?P<city>[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){0,3})"
    r"\s*,?\s*(?P<state>[A-Z]{2})?\s*,?\s*(?P<zip>\d{5})(?:-\d{4})?\b",
    re.IGNORECASE,
)
# When the agent asked for an address, a street without a street type ("412 E Broadway", "7 Rue Cler") is read
# too: the house number starts it, a comma or the unit ends it, and the city and ZIP code still have to follow.
_EXPECTED_ADDRESS = re.compile(
    rf"(?P<line1>\b\d{{1,6}}[A-Za-z]?(?:\s+(?:[A-Za-z][A-Za-z0-9.'-]*|\d+(?:st|nd|rd|th))){{1,4}}?)"
    rf"(?:\s*,\s*|\s*,?\s*(?P<line2>{_UNIT})\s*,?\s*)"
    r"(?P<city>[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){0,3})"
    r"\s*,?\s*(?P<state>[A-Z]{2})?\s*,?\s*(?P<zip>\d{5})(?:-\d{4})?\b",
    re.IGNORECASE,
)
# A function word is no city ("... Street, and 60614").
_NOT_A_CITY = re.compile(r"^(the|and|in|at|to|for|is|it|my|our|your|please|thanks)\b", re.IGNORECASE)


class Address(TypedDict, total=False):
    line1: str
    line2: str
    city: str
    state: str
    zip_code: str


def find_addresses(text: str, expected: bool = False) -> list[tuple[tuple[int, int], Address]]:
    """Every complete address in ``text`` with its span; ``expected``: the agent asked for one, so a street
    without a street type counts (``_EXPECTED_ADDRESS``)."""
    found = []
    matches = list(_ADDRESS.finditer(text))
    if expected and not matches:
        matches = list(_EXPECTED_ADDRESS.finditer(text))
    for m in matches:
        city = m.group("city").strip(" ,.")
        state = m.group("state")
        if state is None and " " in city and re.fullmatch(r"[A-Z]{2}", city.rsplit(" ", 1)[1]):
            city, state = city.rsplit(" ", 1)  # "Chicago IL 60651": the state was read as part of the city
        if _NOT_A_CITY.match(city):
            continue
        address: Address = {"line1": " ".join(m.group("line1").split()).rstrip(","), "city": city,
                            "zip_code": m.group("zip")}
        if m.group("line2"):
            address["line2"] = " ".join(m.group("line2").split())
        if state:
            address["state"] = state.upper()
        found.append((m.span(), address))
    return found
