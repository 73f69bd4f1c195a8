"""Personas as a tool: load them, match records, decide the action for each record.

``Personas.load(dir)`` reads what ``discover`` wrote (``personas.json``, people's edits in
``personas/*.yaml`` and ``policy.json``). ``match(data)`` tags every record in the engine, one
vectorized query and never a Python loop per row, with:

* ``negative_personas``: the ids of every persona the record belongs to;
* ``negative_persona``: the first of them in the order of the personas' expected rate, lowest
  first (the same order as the trade-off curve and the SQL ``CASE``);
* ``expected_rate``: that persona's held-out rate (its rate on records the search never saw);
* ``negative_persona_action``: ``exclude`` for members of a persona the policy excludes, except
  ``holdout`` for the exploration holdout among them (a salted SHA-256 of the record id, see
  ``engine.hashing.is_holdout``), and ``target`` for everyone else.

A persona needs the columns its conditions name. Missing columns, or columns whose type cannot be
compared with a condition's value (a number read as text, say), are reported with the persona and
the column instead of silently matching nobody.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from negpersona.errors import ConfigError, DataError
from negpersona.explain.edits import apply_edits
from negpersona.model.conditions import Condition, segment_filter
from negpersona.model.document import PolicyDocument, validated
from negpersona.model.persona import DiscoveryResult, Persona

if TYPE_CHECKING:
    import pandas as pd
    from ibis.expr.types import Table

    from negpersona.config.policy import PolicySettings
    from negpersona.config.spec import Spec

# Ibis, pandas and the sources load inside the methods that match in the engine: loading
# personas to score one lead (``apply/route.py``) should not wait for them.

ACTIONS = ("exclude", "holdout", "target")
POLICY_KEYS = ("excluded", "holdout", "salt")  # what matching reads from policy.json
TAG_COLUMNS = ("negative_personas", "negative_persona", "expected_rate", "negative_persona_action")


class Personas:
    """The personas of one discovery, their policy, and matching (see the module docstring)."""

    def __init__(
        self,
        personas: list[Persona],
        *,
        policy: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        warnings: list[str] | None = None,
        baseline: dict[str, Any] | None = None,
    ) -> None:
        self.personas = sorted(personas, key=lambda p: (p.expected_rate, p.id))
        self.settings = settings or {}
        self.policy = policy or {"excluded": [], "holdout": 0.0, "salt": "negpersona"}
        self.warnings = warnings or []
        self.baseline = baseline or {}

    @property
    def baseline_rate(self) -> float:
        """The held-out baseline rate (all records' rate without a split)."""
        held_out = (self.baseline.get("confirmation") or {}).get("rate")
        return float(held_out if held_out is not None else self.baseline.get("rate", 0.0))

    # ---- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, folder: str | Path) -> Personas:
        """Read ``personas.json``, people's YAML edits and ``policy.json`` from ``folder``."""
        folder = Path(folder)
        result = DiscoveryResult.read(folder)
        warnings = apply_edits(result, folder)
        policy_path = folder / "policy.json"
        if policy_path.exists():
            try:
                policy = json.loads(policy_path.read_text(encoding="utf-8"))
                missing = [key for key in POLICY_KEYS if key not in policy]
            except (ValueError, TypeError) as exc:
                missing = [str(exc)]
            if missing:
                raise DataError(
                    f"{policy_path} is damaged (missing {', '.join(missing)}).",
                    "Run 'negpersona policy' or 'negpersona discover' again to rewrite it.",
                )
            validated(PolicyDocument, policy, policy_path)  # types, and a newer schema refused
        else:  # an older run: the default policy from its trade-off curve
            from negpersona.config.policy import PolicySettings

            policy = policy_for(result, PolicySettings())
        return cls(
            result.personas,
            policy=policy,
            settings=result.settings,
            warnings=warnings,
            baseline=result.baseline,
        )

    # ---- what the policy says ------------------------------------------------------------------

    @property
    def excluded(self) -> list[str]:
        """Ids of the excluded personas: the policy's choice with the YAML ``action`` overrides."""
        chosen = set(self.policy.get("excluded", []))
        for persona in self.personas:
            action = persona.extra.get("action")
            if action == "exclude":
                chosen.add(persona.id)
            elif action == "target":
                chosen.discard(persona.id)
        chosen -= set(self.paused)  # paused by a re-check: wins until 'policy --resume'
        return [p.id for p in self.personas if p.id in chosen]

    @property
    def paused(self) -> list[str]:
        """Ids whose exclusion a re-check paused (``policy.json``'s ``paused`` list)."""
        return [str(item.get("id")) for item in self.policy.get("paused", [])]

    def nothing_excluded_because(self) -> str | None:
        """Why no persona is excluded, or None when some is: an empty exclusion audience always
        comes with its reason."""
        if self.excluded:
            return None
        if self.paused:
            return (
                f"Exclusion of {', '.join(self.paused)} is paused by a re-check (see policy.json)."
            )
        if self.policy.get("excluded"):
            return "Every persona the policy excludes has 'action: target' in its YAML file."
        return self.policy.get("summary") or "The policy excludes no persona (see policy.json)."

    @property
    def holdout(self) -> float:
        return float(self.policy.get("holdout", 0.0))

    @property
    def salt(self) -> str:
        return str(self.policy.get("salt", "negpersona"))

    def required_columns(self) -> dict[str, list[str]]:
        """Column → ids of the personas whose conditions use it."""
        needed: dict[str, list[str]] = {}
        for persona in self.personas:
            for condition in persona.conditions:
                needed.setdefault(condition.column, [])
                if persona.id not in needed[condition.column]:
                    needed[condition.column].append(persona.id)
        return needed

    # ---- matching ------------------------------------------------------------------------------

    def match(
        self,
        data: Any,
        *,
        id_column: str | None = None,
        keep_columns: bool | None = None,
        delimiter: str | None = None,
        table: str | None = None,
        spec: Spec | None = None,
        frames: dict[str, Any] | None = None,
    ) -> Table:
        """``data`` with the persona tags (see the module docstring), as an Ibis table.

        ``id_column`` defaults to the discovery's id column. The result keeps the id and the tags
        (``keep_columns=True`` keeps every column; the default without an id column). With a
        ``spec``, its related tables are joined first, as in discovery (personas may use their
        columns, e.g. event counts).
        """
        from negpersona.data.relations import attach_related
        from negpersona.data.source import Source, open_source

        if spec is not None:
            delimiter, table = delimiter or spec.delimiter, table or spec.table
            id_column = id_column or spec.id
        source = (
            data
            if isinstance(data, Source)
            else open_source(data, delimiter=delimiter, table=table)
        )
        records = source.table
        if spec is not None and spec.related:
            records, _ = attach_related(
                records,
                spec.related,
                backend=source.backend,
                reference_time=spec.reference_time,
                frames=frames,
            )
        id_column = id_column or self.settings.get("id")
        if id_column and id_column not in records.columns:
            if id_column != self.settings.get("id"):
                raise DataError(
                    f"No id column {id_column!r} in {source.name}.",
                    f"Its columns are: {_listing(records.columns)}.",
                )
            id_column = None  # the discovery's id column is optional for matching
        records = self._checked(records, source.name)
        flags = [segment_filter(records, p.conditions) for p in self.personas]
        tags = self._tags(records, flags, id_column, source.name)
        if keep_columns is None:
            keep_columns = id_column is None
        front = list(records.columns) if keep_columns else ([id_column] if id_column else [])
        return records.mutate(**tags).select(*front, *TAG_COLUMNS)

    def _tags(
        self, records: Table, flags: list[Any], id_column: str | None, name: str
    ) -> dict[str, Any]:
        import ibis

        if not self.personas:
            empty = ibis.literal(None, type="string")
            return {
                "negative_personas": ibis.literal([], type="array<string>"),
                "negative_persona": empty,
                "expected_rate": ibis.literal(None, type="float64"),
                "negative_persona_action": ibis.literal("target"),
            }
        pairs = list(zip(flags, self.personas, strict=True))
        excluded = set(self.excluded)
        in_excluded = ibis.literal(False)
        for flag, persona in pairs:
            if persona.id in excluded:
                in_excluded = in_excluded | flag
        holdout = self._holdout(records, id_column, name) if excluded else ibis.literal(False)
        return {
            "negative_personas": ibis.array(
                [flag.ifelse(ibis.literal(p.id), ibis.null("string")) for flag, p in pairs]
            ).filter(lambda item: item.notnull()),
            "negative_persona": ibis.cases(*[(flag, p.id) for flag, p in pairs], else_=None),
            "expected_rate": ibis.cases(
                *[(flag, ibis.literal(p.expected_rate, type="float64")) for flag, p in pairs],
                else_=ibis.null("float64"),
            ),
            "negative_persona_action": ibis.cases(
                (in_excluded & holdout, "holdout"), (in_excluded, "exclude"), else_="target"
            ),
        }

    def _holdout(self, records: Table, id_column: str | None, name: str) -> Any:
        import ibis

        from negpersona.engine.hashing import holdout_flag

        if self.holdout <= 0:
            return ibis.literal(False)
        if not id_column:
            raise DataError(
                f"The exploration holdout needs a record id, and {name} has none set.",
                "Set the id column (id: in the spec), or policy.holdout to 0 to keep no holdout.",
                code="apply.holdout_needs_id",
                setting="id",
            )
        # The rule of sqlgen.holdout_expression and is_holdout, so SQL and Python agree.
        return holdout_flag(records[id_column], self.holdout, self.salt)

    def _checked(self, records: Table, name: str) -> Table:
        """``records`` with all-missing columns typed; errors for missing or mistyped columns."""
        schema = records.schema()
        needed = self.required_columns()
        missing = [column for column in needed if column not in schema]
        if missing:
            derived = self.settings.get("derived_columns") or {}
            hint = (
                " Some come from related tables: use the spec with its related: section."
                if any(column in derived for column in missing)
                else ""
            )
            listed = "; ".join(f"{c!r} (persona {', '.join(needed[c])})" for c in missing[:5])
            raise DataError(
                f"{name} lacks column(s) the personas use: {listed}.",
                f"Add the column(s) or edit those personas' conditions.{hint}",
                code="apply.missing_columns",
                related=bool(hint),
            )
        casts = {}
        for persona in self.personas:
            for condition in persona.conditions:
                dtype = schema[condition.column]
                if dtype.is_null():
                    casts[condition.column] = _type_for(condition)
                    continue
                problem = _type_problem(condition, dtype)
                if problem:
                    raise DataError(
                        f"Column {condition.column!r} is {dtype} in {name}, but persona "
                        f"{persona.id} ({persona.name}) compares it with {condition.value!r} "
                        f"({problem}).",
                        "Fix the column's type in the data (a CSV column is read as text when "
                        "one value is not a number) or edit that persona's conditions.",
                    )
        if casts:
            records = records.mutate(**{c: records[c].cast(t) for c, t in casts.items()})
        return records

    # ---- one record at a time (lead routing) ---------------------------------------------------

    def audience_records(
        self,
        data: Any,
        fmt: str,
        *,
        spec: Spec | None = None,
        id_column: str | None = None,
        email_column: str | None = None,
        phone_column: str | None = None,
        country_column: str | None = None,
    ) -> pd.DataFrame:
        """The records an audience file in ``fmt`` is made of (for ``audiences.audience_frame``).

        Exclusion formats take the ``exclude`` records only (the holdout stays targeted); CRM
        formats also the holdout. Each row holds the id and contact columns asked for, the
        persona and the action. Matching runs in the engine; only these rows reach pandas.
        """
        from negpersona.apply.audiences import CRM_FORMATS

        matched = self.match(data, spec=spec, id_column=id_column, keep_columns=True)
        wanted = ["exclude", "holdout"] if fmt in CRM_FORMATS else ["exclude"]
        matched = matched.filter(matched["negative_persona_action"].isin(wanted))
        columns = {
            "id column": id_column or (spec.id if spec else None) or self.settings.get("id"),
            "email column": email_column,
            "phone column": phone_column,
            "country column": country_column,
        }
        for role, column in columns.items():
            if column and column not in matched.columns:
                raise DataError(
                    f"No column {column!r} ({role}) in {data}.",
                    f"Its columns are: {', '.join(matched.columns[:20])}.",
                )
        keep = dict.fromkeys(c for c in columns.values() if c)
        return matched.select(*keep, "negative_persona", "negative_persona_action").to_pandas()

    def score(
        self,
        records: Iterable[dict[str, Any]],
        *,
        id_column: str | None = None,
        spec: Spec | None = None,
        engine: bool = False,
    ) -> list[dict]:
        """Matches and the recommended action for each record (dicts, e.g. parsed JSON lines).

        Records are judged in Python where that gives the engine's answer exactly
        (:mod:`negpersona.apply.route`), else in the engine; ``engine=True`` always uses it.
        """
        if not engine:
            from negpersona.apply.route import score_records

            return score_records(self, records, id_column=id_column, spec=spec)
        rows = list(records)
        if not rows:
            return []
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise DataError(
                    f"Record {index + 1} is a {type(row).__name__}, not an object.",
                    'Send one JSON object per line, e.g. {"company_size": 12}.',
                )
        import pandas as pd

        frame = pd.DataFrame.from_records(rows)
        # A column with no value in these records has no type: give it the one its conditions
        # compare with (the engine would otherwise read it as a number and reject text values).
        pandas_types = {"boolean": "boolean", "float64": "float64", "string": "string"}
        for persona in self.personas:
            for condition in persona.conditions:
                column = condition.column
                if condition.op == "is_missing":
                    continue  # any type is missing alike
                if column in frame.columns and frame[column].isna().all():
                    frame[column] = frame[column].astype(pandas_types[_type_for(condition)])
        order = "__np_row"
        frame[order] = range(len(frame))
        matched = self.match(frame, id_column=id_column, keep_columns=True, spec=spec)
        result = matched.order_by(order).to_pyarrow().to_pylist()
        keep = [c for c in (id_column or self.settings.get("id"),) if c and c in frame.columns]
        return [
            {**{c: row[c] for c in keep}, **{tag: row[tag] for tag in TAG_COLUMNS}}
            for row in result
        ]


def policy_for(result: DiscoveryResult, settings: PolicySettings) -> dict[str, Any]:
    """The policy of a discovery result under ``settings`` (from its trade-off curve)."""
    from negpersona.apply.policy import choose, default_money

    steps = result.extra.get("tradeoff") or []
    if not steps and result.personas:
        raise ConfigError(
            "This run has no trade-off curve (it was written before persona cards existed).",
            "Run 'negpersona discover' again.",
        )
    amounts = [result.settings.get(key) for key in ("cost", "value")]
    amounts = [
        a if isinstance(a, int | float) and not isinstance(a, bool) else None for a in amounts
    ]
    cost, value = default_money(amounts[0], amounts[1], steps)
    return choose(steps, settings, cost=cost, value=value)


def write_matches(table: Table, path: str | Path) -> Path:
    """Write matches to Parquet or CSV (by suffix) through the engine, atomically."""
    from negpersona.model.atomic import staged_file

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".parquet", ".csv"}:
        raise ConfigError(
            f"Cannot write {path.name}: use a .parquet or .csv file name.",
            "Parquet keeps the list of persona ids as a list; CSV joins them with ';'.",
        )
    if suffix == ".csv":
        table = table.mutate(negative_personas=table["negative_personas"].join(";"))
    with staged_file(path, suffix) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp)
        else:
            table.to_parquet(tmp)
    return path


def _type_for(condition: Condition) -> str:
    value = condition.value
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "float64"
    return "string"


def _type_problem(condition: Condition, dtype: Any) -> str | None:
    """Why ``dtype`` cannot be compared with the condition's value (None when it can)."""
    if condition.op == "is_missing":
        return None
    value = condition.value
    if isinstance(value, bool):
        return None if dtype.is_boolean() or dtype.is_numeric() else "a yes/no value"
    if isinstance(value, int | float):
        return None if dtype.is_numeric() else "a number"
    if condition.op in {"<", "<=", ">", ">="} and not (dtype.is_string() or dtype.is_temporal()):
        return "a text value in an ordering comparison"
    return None if dtype.is_string() or dtype.is_temporal() else "a text value"


def _listing(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" … ({len(names)} in all)" if len(names) > limit else "")
