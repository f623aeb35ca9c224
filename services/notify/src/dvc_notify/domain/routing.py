"""Provider choice per message (pure): the ordered candidates for one message.

Brandname SMS in Vietnam is cheapest and most reliable through a gateway connected to the subscriber's own
network, so a route can be configured per network (``carrier_routes``); the network is guessed from the
prefix. Since mobile number portability (2021) the guess can be wrong, which costs only a slightly worse
route, never a lost message: every route ends with the default order.

Then: a message that must stay on one provider (``pinned``: a retry after an ambiguous answer from a gateway
that deduplicates by our reference) goes there first; the provider that just refused it goes last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

Carrier = Literal["viettel", "vinaphone", "mobifone", "vietnamobile", "gmobile", "itel", "reddi"]

# National significant number prefixes (after the 2018 renumbering), without the trunk 0.
CARRIER_PREFIXES: Final[Mapping[Carrier, tuple[str, ...]]] = {
    "viettel": ("32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98"),
    "vinaphone": ("81", "82", "83", "84", "85", "88", "91", "94"),
    "mobifone": ("70", "76", "77", "78", "79", "89", "90", "93"),
    "vietnamobile": ("52", "56", "58", "92"),
    "gmobile": ("59", "99"),
    "itel": ("87",),
    "reddi": ("55",),
}
_BY_PREFIX: Final[dict[str, Carrier]] = {p: c for c, ps in CARRIER_PREFIXES.items() for p in ps}


def carrier_of(e164: str) -> Carrier | None:
    """The network a ``+84…`` mobile number was issued by (None when unknown)."""
    if not e164.startswith("+84") or len(e164) < 5:
        return None
    return _BY_PREFIX.get(e164[3:5])


def candidates(
    e164: str,
    *,
    default: Sequence[str],
    carrier_routes: Mapping[str, Sequence[str]] | None = None,
    pinned: str | None = None,
    avoid: str | None = None,
) -> list[str]:
    """Providers to try for this message, best first, without duplicates."""
    order: list[str] = []
    carrier = carrier_of(e164)
    if carrier and carrier_routes and carrier in carrier_routes:
        order.extend(carrier_routes[carrier])
    order.extend(default)
    order = list(dict.fromkeys(order))
    if pinned and pinned in order:
        order.remove(pinned)
        order.insert(0, pinned)
    elif avoid and avoid in order and len(order) > 1:
        order.remove(avoid)
        order.append(avoid)
    return order
