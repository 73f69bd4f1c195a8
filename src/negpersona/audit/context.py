"""The audit's context: the data, the options and what the checks found so far.

Every check is a function that reads an :class:`AuditContext` and adds findings (and summary
entries) to it; no check calls another. The base step (:meth:`AuditContext.base`) computes what
several checks read (profiles, column kinds, base counts) once, before the checks run.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis.expr.types import BooleanValue, Table

from negpersona.audit.common import (
    MAX_EXACT_VALUES,
    Y,
    _epoch,
    _is_numeric,
    _iso,
    _kind_of,
    _label_columns,
    _significant,
    _split_placeholders,
    _to_epoch,
    _value_rows,
)
from negpersona.audit.findings import Finding, Severity
from negpersona.config.audit import AuditSettings
from negpersona.data.profile import profile_table
from negpersona.stats import rate_interval


class AuditContext:
    """The table with the label, the options, findings, summary and shared caches."""

    def __init__(self, table: Table, label: BooleanValue, **options: Any) -> None:
        self.source = table
        self.settings: AuditSettings = options["settings"]
        self.options = options
        self.id_column: str | None = options["id_column"]
        self.time_column: str | None = options["time_column"]
        self.findings: list[Finding] = []
        self.summary: dict[str, Any] = {}
        self.immature: BooleanValue | None = None
        self.values: dict[str, list[tuple[Any, int, int]]] = {}
        self.schema = table.schema()
        for name in [
            self.id_column,
            self.time_column,
            self.settings.outcome_time,
            self.settings.updated,
        ]:
            if name and name not in self.schema:
                from negpersona.data.outcome import unknown_column

                raise unknown_column(name, table, "audit")
        self.label_columns = _label_columns(label)
        skipped = options["exclude"] | self.label_columns
        self.columns = [
            name for name in table.columns if name not in skipped and not name.startswith("__")
        ]
        self.t = table.mutate(**{Y: label.fill_null(False).cast("int64")})
        self.y = self.t[Y]

    def add(
        self,
        severity: Severity,
        kind: str,
        column: str | None,
        message: str,
        suggestion: str,
        **details: Any,
    ) -> None:
        self.findings.append(Finding(severity, kind, column, message, suggestion, details))

    def base(self) -> None:
        profiles = self.options["profiles"]
        if profiles is None:
            profiles = profile_table(self.source, columns=self.columns, bins=2, max_categories=1)
        self.profiles = profiles
        self.kinds = {
            name: (profiles[name].kind if name in profiles else _kind_of(self.schema[name]))
            for name in self.columns
        }
        self.text = {
            name
            for name in self.columns
            if name in self.options["text_columns"] or self.kinds[name] == "text"
        }
        self.roles = {
            name: role
            for name, role in [
                (self.id_column, "id"),
                (self.time_column, "time"),
                (self.settings.outcome_time, "outcome_time"),
                (self.settings.updated, "updated"),
            ]
            if name
        }
        self.numeric_sentinels, self.string_placeholders = _split_placeholders(
            self.settings.placeholders
        )
        t, y = self.t, self.y
        metrics: dict[str, Any] = {"n": t.count(), "pos": y.sum()}
        for i, name in enumerate(self.columns):
            column = t[name]
            metrics[f"c{i}"] = column.count()
            metrics[f"cp{i}"] = column.count(where=y == 1)
            if _is_numeric(self.schema[name]) and name not in self.roles:
                metrics[f"lo{i}"] = column.min()
                metrics[f"hi{i}"] = column.max()
                for j, value in enumerate(self.numeric_sentinels):
                    metrics[f"s{i}_{j}"] = column.count(where=column == value)
                    if value < 0:
                        metrics[f"sn{i}_{j}"] = column.min(where=column != value)
                    else:
                        metrics[f"sn{i}_{j}"] = column.max(where=column < value)
        for role in ("time", "outcome_time", "updated"):
            name = self.role(role)
            if name:
                metrics[f"max_{role}"] = _epoch(t[name]).max()
        row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
        self.row = row
        self.n = int(row["n"] or 0)
        self.pos = int(row["pos"] or 0)
        self.neg = self.n - self.pos
        self.baseline = self.pos / self.n if self.n else 0.0
        self.counts = {name: int(row[f"c{i}"] or 0) for i, name in enumerate(self.columns)}
        self.count_pos = {name: int(row[f"cp{i}"] or 0) for i, name in enumerate(self.columns)}
        self.index = {name: i for i, name in enumerate(self.columns)}
        if self.settings.now is not None:
            self.now = _to_epoch(self.settings.now)
        else:
            latest = [
                row[f"max_{r}"]
                for r in ("time", "outcome_time", "updated")
                if row.get(f"max_{r}") is not None
            ]
            self.now = float(max(latest)) if latest else None
        low, high = rate_interval(self.pos, self.n, self.options["alpha"])
        self.summary.update(
            records=self.n,
            positives=self.pos,
            baseline_rate=self.baseline,
            baseline_ci=[low, high],
            columns_audited=len(self.columns),
            not_audited=sorted(set(self.source.columns) - set(self.columns) - {Y}),
            free_text=sorted(self.text),
            now=_iso(self.now),
        )

    def role(self, role: str) -> str | None:
        return next((name for name, r in self.roles.items() if r == role), None)

    def distinct(self, name: str) -> int:
        profile = self.profiles.get(name)
        return profile.distinct if profile is not None else 0

    def value_counts(
        self, numeric: list[str], categorical: list[str]
    ) -> dict[str, list[tuple[Any, int, int]]]:
        """Per column, ``(value, records, positives)`` for every value (null included)."""
        t = self.t
        result: dict[str, list[tuple[Any, int, int]]] = {}
        for names, cast in ((numeric, "float64"), (categorical, "string")):
            if not names:
                continue
            parts = []
            for name in names:
                value = t[name].cast(cast)
                if cast == "float64" and self.distinct(name) > MAX_EXACT_VALUES:
                    value = _significant(value, 3)
                parts.append(t.select(column=ibis.literal(name), value=value, y=t[Y]))
            rows = _value_rows(parts)
            for item in rows:
                result.setdefault(item["column"], []).append(
                    (item["value"], int(item["n"]), int(item["pos"] or 0))
                )
        return result

    def condition_columns(self) -> list[str]:
        return [
            name
            for name in self.columns
            if name not in self.text and name not in self.roles and self.kinds[name] != "id"
        ]

    def leak_suggestion(self, name: str) -> str:
        return (
            f"If {name} is filled in or changed after the outcome is known, it cannot be used to "
            f"describe who converts: add it to the spec's exclude list (`exclude: [{name}]`). "
            "If it is known beforehand, it is a genuinely strong predictor and can stay."
        )
