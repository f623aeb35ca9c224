"""The generator's sector profiles (``data/generator_profiles.yaml``), validated strictly on import: every sector,
agency, form field and document type must exist, every level a profile covers needs a subject there, and a fee
rule is a ``dvc_contracts.fees`` rule that the generated procedure can be assessed with."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dvc_catalog.domain.datafile import load_data_file, parse_data
from dvc_catalog.domain.seed_schema import AgencyCode, DocumentCode, FieldName, SectorCode, Text
from dvc_catalog.domain.vocabulary import LEVELS, Level
from dvc_contracts.fees import FeeRule

__all__ = [
    "GENERATOR",
    "GENERATOR_ENTRIES",
    "LEVEL_WEIGHTS",
    "PROFILES",
    "Audience",
    "GeneratorFile",
    "Profile",
    "Subject",
    "parse_generator_file",
]

Audience = Literal["person", "org", "both"]
Share = Annotated[float, Field(ge=0, le=1)]
# How errors in generator_profiles.yaml name an entry: "profile DUONG-BO".
GENERATOR_ENTRIES: Final = {"profiles": ("profile", "sector")}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Subject(_Strict):
    """The object of a procedure, the actions that make sense with it, and where it is handled (None = at every
    level / by every agency of the profile)."""

    phrase: Text
    verbs: list[Text] = Field(min_length=1)
    audience: Audience = "both"
    levels: list[Level] | None = None
    agencies: list[AgencyCode] | None = None

    def fits(self, level: str, agencies: list[str]) -> bool:
        if self.levels is not None and level not in self.levels:
            return False
        return self.agencies is None or any(a in self.agencies for a in agencies)


class Profile(_Strict):
    """A sector's procedures: who handles them at each level, their subjects, fields, documents and fees."""

    sector: SectorCode
    agencies: dict[Level, list[AgencyCode]] = Field(min_length=1)  # level -> responsible agency codes
    subjects: list[Subject] = Field(min_length=1)
    fields: list[FieldName] = Field(default_factory=list)
    documents: list[DocumentCode] = Field(default_factory=list)
    fixed_fees: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list)
    free_share: Share
    rule: FeeRule | None = None
    rule_share: Share = 0.0
    weight: int = Field(default=1, ge=1)
    related: list[AgencyCode] = Field(default_factory=list)  # agencies that may also report status

    @field_validator("rule")
    @classmethod
    def _rule_reads_a_value(cls, rule: FeeRule | None) -> FeeRule | None:
        if rule is not None and not isinstance(getattr(rule, "value_field", None), str):
            raise ValueError("the generator only draws rules that read a value_field")
        return rule

    @model_validator(mode="after")
    def _coherent(self) -> Profile:
        if self.rule_share > 0 and self.rule is None:
            raise ValueError("rule_share without a rule")
        if self.rule_share + self.free_share < 1 and not self.fixed_fees:
            raise ValueError("fixed_fees are needed unless rule_share + free_share is 1")
        for level, agencies in self.agencies.items():
            if not agencies or not self.subjects_at(level):
                raise ValueError(f"no agency or no subject at level {level!r}")
        for subject in self.subjects:
            if not any(subject.fits(level, agencies) for level, agencies in self.agencies.items()):
                raise ValueError(f"subject {subject.phrase!r} fits no level and agency of the profile")
        return self

    def subjects_at(self, level: Level) -> tuple[Subject, ...]:
        agencies = self.agencies.get(level, [])
        return tuple(s for s in self.subjects if agencies and s.fits(level, agencies))


class LevelProfile(_Strict):
    weight: Share
    name: Text
    processing_days: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)


class ApplicantFields(_Strict):
    person: list[FieldName] = Field(min_length=1)
    org: list[FieldName] = Field(min_length=1)


class GeneratorFile(_Strict):
    """``generator_profiles.yaml``: the levels, the applicant's fields, verb endings, then the profiles."""

    levels: dict[Level, LevelProfile]
    applicant_fields: ApplicantFields
    verb_suffixes: dict[str, list[str]]
    profiles: list[Profile] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _every_level(cls, levels: dict[Level, LevelProfile]) -> dict[Level, LevelProfile]:
        if set(levels) != set(LEVELS):
            raise ValueError(f"needs exactly the levels {list(LEVELS)}")
        if abs(sum(lv.weight for lv in levels.values()) - 1) > 1e-9:
            raise ValueError("the weights must add up to 1")
        return levels

    @field_validator("profiles")
    @classmethod
    def _sectors_once(cls, profiles: list[Profile]) -> list[Profile]:
        sectors = [p.sector for p in profiles]
        repeated = sorted({s for s in sectors if sectors.count(s) > 1})
        if repeated:
            raise ValueError(f"sector listed more than once: {', '.join(repeated)}")
        return profiles


def parse_generator_file(text: str, name: str = "generator_profiles.yaml") -> GeneratorFile:
    """A profiles file from its text (raises ``DataFileError`` naming the file, the line, the profile and the
    field of every problem)."""
    return parse_data(name, text, GeneratorFile, GENERATOR_ENTRIES)


GENERATOR: Final = load_data_file("generator_profiles.yaml", GeneratorFile, GENERATOR_ENTRIES)
PROFILES: Final[tuple[Profile, ...]] = tuple(GENERATOR.profiles)
LEVEL_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {level: GENERATOR.levels[level].weight for level in LEVELS}
)
