"""The plumbing of the read model's state dataclasses (rows <-> states, a cheap ``replace``) and where a
province code an event carried belongs (``placed``, ``resolve_province``)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any, TypeVar

from dvc_contracts import units
from dvc_contracts.clock import vn_date

S = TypeVar("S")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


_FIELD_SETS: dict[type, frozenset[str]] = {}


def evolve(state: S, **changes: Any) -> S:
    """``dataclasses.replace`` for the states here, without running ``__init__`` again (they have no
    ``__post_init__`` and no ``init=False`` fields): a replay folds several changes per event, and the
    standard one was the largest single Python cost of a rebuild. Unknown field names still raise."""
    cls = type(state)
    known = _FIELD_SETS.get(cls)
    if known is None:
        known = _FIELD_SETS[cls] = frozenset(field_names(cls))
    if not known.issuperset(changes):
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(set(changes) - known)}")
    new = object.__new__(cls)
    new.__dict__.update(state.__dict__, **changes)
    return new


def state_from_row(cls: type[S], row: Any) -> S:
    """Build a state dataclass from a row mapping with the same column names."""
    return cls(**{name: row[name] for name in field_names(cls)})


def state_to_row(state: Any) -> dict[str, Any]:
    """The row of a state dataclass (shallow: ``dataclasses.asdict`` deep-copies every value)."""
    return {name: getattr(state, name) for name in field_names(type(state))}


Placed = tuple[str | None, str | None]  # (current province code, former province code or None)


def placed(code: str | None, at: datetime | date | None) -> Placed:
    """Where a province code an event carried at ``at`` is today, and which of the 63 it was (Viet Nam's day
    decides which edition the code belongs to: ``units.place``)."""
    return units.place(code, vn_date(at) if isinstance(at, datetime) else at)


def resolve_province(s: Any, dossier: Placed | None) -> Any:
    """A payment or an SMS that names a dossier shows the dossier's (current) place ``dossier`` — its
    (province_code, former_province) — unless it carries its own province (payments may, placed with the day
    it was paid; SMS never do). Called with the dossier's place every time the row is folded and every time
    that place changes, so the row does not depend on which arrived first."""
    own = getattr(s, "own_province", None)
    if own:
        where = placed(own, s.paid_at)
    elif dossier is not None and dossier[0]:
        where = dossier
    else:
        return s
    if where == (s.province_code, s.former_province):
        return s
    return evolve(s, province_code=where[0], former_province=where[1])
