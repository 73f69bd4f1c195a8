"""The head of discovery: the engine work before the search.

Read the data and join related tables, resolve the outcome, audit, split into discovery and
confirmation records, sample large data, profile, plan the columns and aggregate to the compressed
table. Each step is one function; :func:`prepare` composes them, and the ``audit`` command runs
the same first two (:func:`read_data`, :func:`audit_data`) so it audits exactly what discovery
audits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
from ibis.expr.types import Table

from negpersona.audit import AuditReport, Finding, audit_table
from negpersona.config.spec import Spec
from negpersona.data.outcome import ResolvedOutcome, resolve_outcome, unknown_column
from negpersona.data.profile import profile_table
from negpersona.data.relations import attach_related, infer_roles
from negpersona.data.source import Source, open_source
from negpersona.data.split import Split, make_split, no_split
from negpersona.data.time_proxy import DRIFT_THRESHOLD, drift_band, split_drift
from negpersona.engine.capabilities import capabilities
from negpersona.engine.sampling import keep_fraction, materialized
from negpersona.errors import ConfigError, DataError
from negpersona.search.compress import (
    CompressedTable,
    compress,
    working_table,
)
from negpersona.search.features import Feature, Selector
from negpersona.search.plan import INTERNAL_PREFIX, ColumnPlan, plan_columns

Progress = Callable[[str], None]
MIN_RECORDS_TOTAL = 50
AUDIT_SAMPLE_FACTOR = 4  # the audit reads at most 4 × max_search_rows records


@dataclass
class Prepared:
    """Everything computed before the search: data, features, selectors and compressed rows.

    Exposed so tests and benchmarks can run other algorithms on exactly the same conditions.
    ``fraction`` is the share of records in the compressed table (1.0 unless sampled).
    """

    spec: Spec
    source: Source
    outcome_description: str
    outcome_positive: list[Any]
    dropped_missing: int
    plan: ColumnPlan
    split: Split
    compressed: CompressedTable
    discovery_rows: CompressedTable
    confirmation_rows: CompressedTable
    selectors: list[Selector]
    table: Table
    working: Table
    fraction: float
    totals: dict[bool, dict[str, float]] | None
    roles: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    audit: AuditReport | None = None
    immature: int = 0

    @property
    def features(self) -> list[Feature]:
        return self.plan.features

    @property
    def sampled(self) -> bool:
        return self.fraction < 1.0


def prepare(
    data: Any = None,
    spec: Spec | None = None,
    *,
    hold_out: bool = True,
    progress: Progress | None = None,
    frames: dict[str, Any] | None = None,
    **overrides: Any,
) -> Prepared:
    """Open, audit, split, profile, discretize and aggregate ``data``: the engine work of a run.

    The steps, each a function below: :func:`read_data` (open, join related tables, resolve the
    outcome), :func:`audit_data` (the audit, on a seeded sample of large data; also what the
    ``audit`` command runs), :func:`_split_and_sample`, :func:`_profile_and_plan`, and the
    aggregation to the compressed table with drifting columns set aside.

    ``hold_out=False`` puts every record in the discovery part (as ``--raw-top`` does).
    ``frames`` maps names used as ``related[].source`` to DataFrames (Python API).
    """
    say = progress or (lambda _stage: None)
    spec = (spec or Spec()).with_overrides(**overrides)
    loaded = read_data(data, spec, frames=frames, progress=say)
    if loaded.records < MIN_RECORDS_TOTAL:  # before the audit: its verdict says little here
        raise DataError(
            f"Too few records in {loaded.source.name}: {loaded.records} "
            f"(need at least {MIN_RECORDS_TOTAL}).",
            "Personas need enough records to tell a segment from chance; add data.",
        )
    report, table, immature = None, loaded.table, 0
    if spec.discovery.run_audit:
        report = audit_data(loaded, spec, hold_out=hold_out, progress=say)
        if report.errors() and not spec.discovery.force:
            raise AuditFailed(report)
        table, immature = _drop_immature(table, report, spec)
    split, working, fraction, searched = _split_and_sample(table, loaded, spec, hold_out, say)
    plan, roles = _profile_and_plan(searched, loaded, spec, say)
    say("Aggregating to sufficient statistics")
    compressed = compress(searched, plan.features)
    # Exact totals come from the compressed table, or with a sample from the final recount.
    totals = _totals(compressed) if fraction == 1.0 else None
    selectors = _selectors(compressed, plan, spec, report, split, loaded.source.name)
    return Prepared(
        spec=spec,
        source=loaded.source,
        outcome_description=loaded.outcome.description,
        outcome_positive=_plain(loaded.outcome.positive),
        dropped_missing=loaded.outcome.dropped_missing,
        plan=plan,
        split=split,
        compressed=compressed,
        discovery_rows=compressed.subset(~compressed.confirm),
        confirmation_rows=compressed.subset(compressed.confirm),
        selectors=selectors,
        table=table,
        working=working,
        fraction=fraction,
        totals=totals,
        roles=roles,
        origins=loaded.origins,
        audit=report,
        immature=immature,
    )


@dataclass
class Loaded:
    """The head of the pipeline: the data as every later step sees it.

    ``table`` is the source with the related tables joined and records without an outcome
    dropped; ``outcome.label`` is the fit flag. ``discover`` and the ``audit`` command both start
    here, so the audit reads exactly the data discovery does.
    """

    source: Source
    outcome: ResolvedOutcome
    origins: dict[str, str]
    records: int

    @property
    def table(self) -> Table:
        return self.outcome.table


def read_data(
    data: Any,
    spec: Spec,
    *,
    frames: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Open the source, join the spec's related tables and resolve the outcome."""
    say = progress or (lambda _stage: None)
    say("Reading data")
    source = open_source(
        data if data is not None else _source_of(spec), delimiter=spec.delimiter, table=spec.table
    )
    origins: dict[str, str] = {}
    if spec.related:
        say("Joining related tables")
        joined, origins = attach_related(
            source.table,
            spec.related,
            backend=source.backend,
            reference_time=spec.reference_time,
            frames=frames,
        )
        source.table = materialized(joined)  # the joins run once, not in every later query
    _check_columns(source, spec)
    resolved = resolve_outcome(source.table, spec.outcome, source.dialect)
    records = int(resolved.table.count().to_pyarrow().as_py())
    return Loaded(source=source, outcome=resolved, origins=origins, records=records)


def audit_data(
    loaded: Loaded, spec: Spec, *, hold_out: bool = True, progress: Progress | None = None
) -> AuditReport:
    """The audit discovery runs: on a seeded sample when the data is large, never raising."""
    say = progress or (lambda _stage: None)
    table, label, fraction = loaded.table, loaded.outcome.label, 1.0
    limit = AUDIT_SAMPLE_FACTOR * spec.discovery.max_search_rows
    if loaded.records > limit:
        # The audit's shares, AUCs and maturity window are estimates that a seeded sample gives
        # as well; on 10M records the full audit would take longer than the discovery.
        fraction = limit / loaded.records
        keep = keep_fraction(table, list(table.columns), fraction, spec.discovery.seed, "audit:")
        table = materialized(table.mutate(__np_audit_fit=label).filter(keep))
        label = table["__np_audit_fit"]
    say("Auditing data" if fraction == 1.0 else f"Auditing a {fraction:.0%} sample")
    report = audit_for(table, label, spec, hold_out=hold_out)
    report.summary["audited_fraction"] = fraction
    return report


def _drop_immature(table: Table, report: AuditReport, spec: Spec) -> tuple[Table, int]:
    """Records younger than the maturity window (they may still convert), unless kept."""
    cutoff = report.summary.get("maturity_cutoff")
    if report.immature is None or not cutoff or not spec.time or spec.discovery.keep_immature:
        return table, 0
    # Rebuilt on the full table (the audit may have read a sample).
    young = (table[spec.time].cast("timestamp") > ibis.timestamp(cutoff)).fill_null(False)
    immature = int(young.sum().to_pyarrow().as_py())
    return table.filter(~young), immature


def _split_and_sample(
    table: Table, loaded: Loaded, spec: Spec, hold_out: bool, say: Progress
) -> tuple[Split, Table, float, Table]:
    """The discovery/confirmation split, the working table, and the search's seeded sample."""
    settings = spec.discovery
    split = (
        make_split(table, settings.confirm_fraction, settings.seed, spec.time, spec.id)
        if settings.confirm and hold_out
        else no_split()
    )
    working = working_table(
        table,
        loaded.outcome.label,
        split.confirm,
        table[spec.value] if spec.value else None,
        table[spec.cost] if spec.cost else None,
    )
    records = int(table.count().to_pyarrow().as_py())
    fraction = min(1.0, settings.max_search_rows / max(records, 1))
    searched = working
    if fraction < 1.0:
        # One seeded sample, kept in the engine, serves profiling, binning and the search.
        say(f"Sampling {fraction:.1%} of {records:,} records for the search")
        keep = keep_fraction(working, _data_columns(table), fraction, settings.seed, "search:")
        searched = materialized(working.filter(keep))
    return split, working, fraction, searched


def _data_columns(table: Table) -> list[str]:
    return [name for name in table.columns if not name.startswith(INTERNAL_PREFIX)]


def _profile_and_plan(
    searched: Table, loaded: Loaded, spec: Spec, say: Progress
) -> tuple[ColumnPlan, dict[str, str]]:
    """Profile the columns, decide which become features, and give each a persona aspect."""
    settings = spec.discovery
    say("Profiling columns")
    profiles = profile_table(
        searched,
        bins=settings.bins,
        max_categories=settings.max_categories,
        exact_quantiles=capabilities(loaded.source.dialect).exact_quantiles,
        columns=_data_columns(loaded.table),
        max_rows=max(settings.max_search_rows, 1) * 2,
    )
    plan = plan_columns(searched, profiles, spec)
    roles = infer_roles(
        {name: profiles[name] for name in profiles if name not in spec.special_columns()},
        spec.related,
        spec.roles,
        origins=loaded.origins,
    )
    if not plan.features:
        raise DataError(
            f"No usable condition columns in {loaded.source.name}.",
            "All columns were set aside (see 'set aside' reasons); include more columns or allow some.",
        )
    return plan, roles


def _selectors(
    compressed: CompressedTable,
    plan: ColumnPlan,
    spec: Spec,
    report: AuditReport | None,
    split: Split,
    name: str,
) -> list[Selector]:
    """Every feature's selectors, without the features that drift between the two parts."""
    selectors = [s for i, feature in enumerate(plan.features) for s in feature.selectors(i)]
    # Only periods drift: a random split differs by chance (or, without an id, by which
    # identical records hash together), which says nothing about time.
    drifting = (
        _drifting_features(compressed, plan, spec, report) if split.method == "time" else set()
    )
    if drifting:
        selectors = [s for s in selectors if s.feature not in drifting]
        if not selectors:
            raise DataError(
                f"Every condition column of {name} drifts strongly between the discovery "
                "and confirmation records.",
                "Personas would describe the period, not people; allow a column in "
                "allow_columns or check the time column.",
                code="split.every_column_drifts",
                setting="allow_columns",
            )
    return selectors


def audit_for(table: Table, label: Any, spec: Spec, *, hold_out: bool = True) -> AuditReport:
    """The audit of ``table`` with the spec's roles and thresholds (as ``discover`` runs it)."""
    settings = spec.discovery
    return audit_table(
        table,
        label,
        id_column=spec.id,
        time_column=spec.time,
        exclude=[*spec.exclude, *spec.special_columns()],
        allow_columns=spec.allow_columns,
        settings=spec.audit,
        max_rate_ratio=settings.max_rate_ratio,
        min_support=settings.min_support,
        alpha=settings.alpha,
        confirm_fraction=settings.confirm_fraction if settings.confirm and hold_out else None,
    )


class AuditFailed(DataError):
    """The audit found errors: personas built on this data would mislead."""

    def __init__(self, report: AuditReport) -> None:
        self.report = report
        errors = report.errors()
        listed = "; ".join(f"{e.kind} in {e.column or 'the data'}: {e.message}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(
            f"The data audit found {len(errors)} error(s): {listed}{more}.",
            "Fix the data or the spec (see audit.json), or set discovery.force to go on anyway.",
            code="audit.failed",
            setting="discovery.force",
        )


def _totals(rows: CompressedTable) -> dict[bool, dict[str, float]]:
    return {
        flag: {
            "n": int(rows.count[rows.confirm == flag].sum()),
            "pos": int(rows.positives[rows.confirm == flag].sum()),
            "value": float(rows.value[rows.confirm == flag].sum())
            if rows.value is not None
            else 0.0,
        }
        for flag in (False, True)
    }


def _drifting_features(
    compressed: CompressedTable, plan: ColumnPlan, spec: Spec, report: AuditReport | None
) -> set[int]:
    """Features whose values shift wholesale between the discovery and confirmation records.

    A segment on such a column describes when records were seen (a campaign, a form change),
    not who they are, and it will not hold later: set aside unless ``allow_columns`` names it,
    and reported in the audit and among the columns set aside.
    """
    if not compressed.confirm.any() or compressed.confirm.all():
        return set()
    drift = split_drift(compressed.codes, compressed.count, compressed.confirm, plan.features)
    drifting = set()
    for i, psi in drift.items():
        column = plan.features[i].column
        if psi < DRIFT_THRESHOLD or column in spec.allow_columns:
            continue
        drifting.add(i)
        reason = (
            f"drifts strongly between the discovery and confirmation records (PSI {psi:.2f}); "
            f"allow with --allow-column {column}"
        )
        plan.set_aside.append({"column": column, "reason": reason})
        if report is not None:
            report.findings.append(
                Finding(
                    severity="warning",
                    kind="drift",
                    column=column,
                    message=f"{column}'s values shift strongly between the discovery and the "
                    f"confirmation records (PSI {psi:.2f}, {drift_band(psi)}).",
                    suggestion="Left out of conditions: a persona on it would describe the "
                    f"period, not people. Allow it with --allow-column {column} if it should.",
                    details={"psi": psi},
                )
            )
    return drifting


def _plain(values: list[Any]) -> list[Any]:
    """Outcome values as JSON keeps them (NumPy scalars become Python ones)."""
    return [value.item() if hasattr(value, "item") else value for value in values]


def _source_of(spec: Spec) -> str:
    if not spec.source:
        raise ConfigError(
            "No data given.", "Pass a DATA path or URL, or set source: in negpersona.yaml."
        )
    return spec.source


def _check_columns(source: Source, spec: Spec) -> None:
    for role, name in [
        ("id", spec.id),
        ("time", spec.time),
        ("value", spec.value),
        ("cost", spec.cost),
    ]:
        if name and name not in source.table.columns:
            raise unknown_column(name, source.table, role)
    for name in [*spec.exclude, *spec.allow_sensitive, *spec.allow_columns, *spec.sensitive]:
        if name not in source.table.columns:
            raise unknown_column(name, source.table, "listed")
