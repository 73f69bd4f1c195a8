"""Personas and discovery results, and their files.

``personas.json`` is a contract other tools read; one YAML file per persona is meant to be edited
by people (rename, add notes) and re-applied by later stages. Field names follow the contract in
the README.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from negpersona.errors import DataError
from negpersona.model.atomic import staged_directory, to_json, to_yaml, write_json
from negpersona.model.conditions import Condition, describe, neutral_name
from negpersona.model.document import (
    AuditDocument,
    PolicyDocument,
    RunDocument,
    validated,
    versioned,
)


def persona_id(conditions: list[Condition]) -> str:
    """A stable id from the conditions: the same segment gets the same id in every run."""
    canonical = json.dumps(sorted(json.dumps(c.to_dict(), sort_keys=True) for c in conditions))
    return "np-" + hashlib.sha1(canonical.encode()).hexdigest()[:8]


@dataclass
class Confirmation:
    """The segment measured on records the search never saw."""

    records: int
    positives: int
    rate: float
    rate_ci: tuple[float, float]
    p_value: float
    p_adjusted: float
    confirmed: bool
    baseline_rate: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "positives": self.positives,
            "rate": self.rate,
            "rate_ci": list(self.rate_ci),
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "confirmed": self.confirmed,
            "baseline_rate": self.baseline_rate,
            "rate_ratio": self.rate / self.baseline_rate if self.baseline_rate else None,
        }


@dataclass
class Persona:
    """A negative segment with its evidence.

    Top-level numbers are measured on the discovery records (where the segment was found); the
    ``confirmation`` block holds the same numbers on the held-out records.
    """

    conditions: list[Condition]
    records: int
    positives: int
    share: float
    rate: float
    rate_ci: tuple[float, float]
    rate_ratio: float
    conversion_share: float
    quality: float
    confirmation: Confirmation | None = None
    name: str = ""
    id: str = ""
    value_share: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name or neutral_name(self.conditions)
        self.id = self.id or persona_id(self.conditions)

    @property
    def confirmed(self) -> bool:
        return bool(self.confirmation and self.confirmation.confirmed)

    @property
    def held_out(self) -> bool:
        """Whether the persona was measured on held-out records (a confirmation split)."""
        return self.confirmation is not None and self.confirmation.records > 0

    @property
    def expected_rate(self) -> float:
        """The rate to expect from new records: held out where there was a split (the rate
        where the persona was found is optimistic), else the discovery rate."""
        return self.confirmation.rate if self.held_out else self.rate

    @property
    def expected_rate_ci(self) -> tuple[float, float]:
        """The Wilson interval of :attr:`expected_rate`."""
        return tuple(self.confirmation.rate_ci) if self.held_out else tuple(self.rate_ci)

    @property
    def description(self) -> list[str]:
        return describe(self.conditions)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "conditions": [condition.to_dict() for condition in self.conditions],
            "records": self.records,
            "share": self.share,
            "positives": self.positives,
            "rate": self.rate,
            "rate_ci": list(self.rate_ci),
            "rate_ratio": self.rate_ratio,
            "conversion_share": self.conversion_share,
            "quality": self.quality,
        }
        if self.value_share is not None:
            data["value_share"] = self.value_share
        data.update(self.extra)
        data["confirmation"] = None if self.confirmation is None else self.confirmation.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Persona:
        confirmation = data.get("confirmation")
        known = {
            "id", "name", "description", "conditions", "records", "share", "positives", "rate",
            "rate_ci", "rate_ratio", "conversion_share", "quality", "confirmation", "value_share",
        }  # fmt: skip
        return cls(
            conditions=[Condition.from_dict(item) for item in data["conditions"]],
            records=int(data["records"]),
            positives=int(data["positives"]),
            share=float(data["share"]),
            rate=float(data["rate"]),
            rate_ci=tuple(data["rate_ci"]),
            rate_ratio=float(data["rate_ratio"]),
            conversion_share=float(data["conversion_share"]),
            quality=float(data["quality"]),
            confirmation=None
            if confirmation is None
            else Confirmation(
                records=int(confirmation["records"]),
                positives=int(confirmation["positives"]),
                rate=float(confirmation["rate"]),
                rate_ci=tuple(confirmation["rate_ci"]),
                p_value=float(confirmation["p_value"]),
                p_adjusted=float(confirmation["p_adjusted"]),
                confirmed=bool(confirmation["confirmed"]),
                baseline_rate=float(confirmation.get("baseline_rate", 0.0)),
            ),
            name=str(data.get("name", "")),
            id=str(data.get("id", "")),
            value_share=data.get("value_share"),
            extra={key: value for key, value in data.items() if key not in known},
        )


RUN_EXTRAS = ("created", "data_window", "tradeoff", "selection", "reference")


@dataclass
class DiscoveryResult:
    """Everything one discovery run produced."""

    baseline: dict[str, Any]
    settings: dict[str, Any]
    set_aside: list[dict[str, str]]
    personas: list[Persona]
    unconfirmed: list[Persona]
    raw_top: list[dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    audit: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # created, data_window, tradeoff
    policy: dict[str, Any] | None = None  # policy.json

    def to_dict(self) -> dict[str, Any]:
        """The run document (``personas.json``), schema in :mod:`negpersona.model.document`."""
        return versioned({
            "baseline": self.baseline,
            "settings": self.settings,
            "set_aside": self.set_aside,
            "notes": self.notes,
            **self.extra,
            "personas": [persona.to_dict() for persona in self.personas],
            "unconfirmed": [persona.to_dict() for persona in self.unconfirmed],
        })  # fmt: skip

    def write(self, out_dir: str | Path) -> Path:
        """Write ``personas.json``, ``personas/<id>.yaml`` (and ``raw_top.json``) atomically."""
        out_dir = Path(out_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise DataError(
                f"{out_dir} is a file, not a folder.",
                "Name a folder for the outputs.",
                code="output.not_a_folder",
                setting="out",
                path=str(out_dir),
            )
        documents = {"personas.json": (RunDocument, self.to_dict())}
        if self.audit is not None:
            documents["audit.json"] = (AuditDocument, versioned(self.audit))
        if self.policy is not None:
            documents["policy.json"] = (PolicyDocument, versioned(self.policy))
        texts = {}
        for name, (model, document) in documents.items():
            texts[name] = to_json(document)
            validated(model, json.loads(texts[name]), name)  # a writer bug fails here, not later
        with staged_directory(out_dir) as stage:
            for name, text in texts.items():
                (stage / name).write_text(text, encoding="utf-8")
            folder = stage / "personas"
            folder.mkdir()
            for persona in self.personas:
                (folder / f"{persona.id}.yaml").write_text(_persona_yaml(persona), encoding="utf-8")
            if self.raw_top is not None:
                (stage / "raw_top.json").write_text(to_json(self.raw_top), encoding="utf-8")
        return out_dir

    @classmethod
    def read(cls, out_dir: str | Path) -> DiscoveryResult:
        path = Path(out_dir) / "personas.json"
        if not path.exists():
            raise DataError(f"No personas.json in {out_dir}.", "Run 'negpersona discover' first.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            validated(RunDocument, data, path)  # names the file and the field, refuses newer
            return cls(
                baseline=data["baseline"],
                settings=data["settings"],
                set_aside=data.get("set_aside", []),
                personas=[Persona.from_dict(item) for item in data["personas"]],
                unconfirmed=[Persona.from_dict(item) for item in data.get("unconfirmed", [])],
                notes=data.get("notes", []),
                extra={key: data[key] for key in RUN_EXTRAS if key in data},
            )
        except (ValueError, KeyError, TypeError) as exc:
            detail = (
                f"missing field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            )
            raise DataError(
                f"{path} is damaged or not a negpersona file ({detail}).",
                "Run 'negpersona discover' again to rewrite it.",
            ) from None


def _persona_yaml(persona: Persona) -> str:
    header = (
        "# A negative persona found by negpersona. You may edit 'name' and add 'notes';\n"
        "# 'action: exclude' or 'action: target' overrides the exclusion policy (auto follows it);\n"
        "# editing 'conditions' changes who belongs to it (re-check it with new data).\n"
    )
    data = persona.to_dict()
    data.pop("card", None)  # the card is data for reports (personas.json), not for editing
    data["notes"] = data.get("notes", "")
    data["action"] = data.get("action", "auto")
    return header + to_yaml(data)


__all__ = ["Persona", "Confirmation", "DiscoveryResult", "persona_id", "write_json"]
