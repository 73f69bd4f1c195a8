"""Related tables: bring surveys, firmographics and event logs onto the primary table.

Users keep one row per lead or account in a primary table and more data elsewhere: one-to-one
tables (a survey, a firmographic enrichment) and one-to-many event logs (page views, downloads,
email opens, demo requests). :func:`attach_related` opens each related table *in the primary
table's own backend connection* (Ibis cannot join across connections) and left-joins it on a key:

* ``kind: one_to_one`` brings the related columns as ``{name}_{column}``; a key that occurs twice
  is an error (the table is not one-to-one and a join would duplicate primary records).
* ``kind: events`` is aggregated per entity first: total events, a count per event type (the
  most frequent types), distinct active days, days since the first and last event, and
  "did X but never Y" flags. Entities without events get 0 counts and missing days-since.

Everything is an Ibis expression (joins, filters, aggregations), so it runs where the data lives
and compiles to other SQL dialects. A few small queries run eagerly to check the data and to
learn which event types exist (their counts become columns).

:func:`infer_roles` then gives every column a persona aspect: ``demographic`` (firmographic:
size, industry, country, role), ``behavior`` (engagement, events), ``need`` (survey answers,
budget, use case) or ``characteristic`` (everything else).

Decisions worth knowing
-----------------------
* The reference time (the "now" of days-since and of windows) defaults to the latest event time
  over *all* event tables, so one run is reproducible and every event table shares one "now".
  An explicit ``reference_time`` also drops events after it (they lie in the future of the
  snapshot).
* Windows include both ends: ``[reference - window_days, reference]``, or with ``relative_to``
  ``[entity time, entity time + window_days]`` (only ``[entity time, reference]`` without
  ``window_days``). Events without a time are dropped whenever a window or an explicit reference
  time applies.
* With ``relative_to`` the day features are measured from the entity's own time:
  ``{name}_days_to_first`` / ``{name}_days_to_last`` (days from creation to the first/last
  event); otherwise ``{name}_days_since_first`` / ``{name}_days_since_last`` (days before the
  reference time). Days are whole days, rounded down.
* A ``never`` pair naming an event type that never occurs in the event table is an error (most
  often a typo; a flag built on it would silently mean something else).
* Keys of different types (a text key against a number key) are compared as text.
* A ``source`` that is neither a frame key nor an existing file, and has no file suffix, is
  looked up as a table of the primary table's database (for warehouses).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
from ibis.expr.types import Table

from negpersona.config.tables import (
    ROLES,
    Related,
    Role,
    TableRef,
)
from negpersona.data.profile import name_tokens
from negpersona.data.source import CSV_SUFFIXES, PARQUET_SUFFIXES, nan_as_missing
from negpersona.errors import ConfigError, DataError

MAX_EVENT_TYPES = 20
SECONDS_PER_DAY = 86_400
KEY = "__negpersona_key"
TIME = "__negpersona_time"
TYPE = "__negpersona_type"
ANCHOR = "__negpersona_anchor"


# --------------------------------------------------------------------------------------------
# Attaching related tables
# --------------------------------------------------------------------------------------------


def attach_related(
    primary: Table,
    related: list[Related],
    *,
    backend: Any,
    base_dir: Path = Path("."),
    reference_time: datetime | None = None,
    frames: dict[str, Any] | None = None,
) -> tuple[Table, dict[str, str]]:
    """``primary`` left-joined with the features of every related table, and their origins.

    The result has one row per primary record (the row count is unchanged) and the primary
    columns first, in order. The mapping names each new column's origin, e.g.
    ``{"web_page_view_count": "web: count of page_view in the 90 days up to 2024-06-30 ..."}``.
    """
    if not related:
        return primary, {}
    names = [item.name for item in related]
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ConfigError(
            f"Related table name {doubled[0]!r} is used twice.",
            "Give every entry of related: its own name (it prefixes the new columns).",
        )
    frames = frames or {}
    opened = [
        _Opened(item, open_related(item, backend, Path(base_dir), frames), primary)
        for item in related
    ]
    for table in opened:
        table.check()
    reference = reference_time
    if reference is None:
        reference = _latest_event_time([t for t in opened if t.item.kind == "events"])

    taken = set(primary.columns)
    origins: dict[str, str] = {}
    joined = primary
    for table in opened:
        if table.item.kind == "one_to_one":
            features, fills, described = table.one_to_one()
        else:
            features, fills, described = table.events(
                reference, explicit_reference=reference_time is not None
            )
        for column in described:
            if column in taken:
                raise DataError(
                    f"Column {column!r} from related table {table.item.name!r} clashes with an "
                    "existing column.",
                    "Change that entry's name: in related: (it prefixes the new columns).",
                )
            taken.add(column)
        origins.update(described)
        joined = _left_join(joined, features, table.primary_key_expr(joined), list(described))
        if fills:
            joined = joined.mutate(
                **{column: ibis.coalesce(joined[column], value) for column, value in fills.items()}
            )
    return joined, origins


def _left_join(left: Table, right: Table, left_key: Any, new_columns: list[str]) -> Table:
    """``left`` with ``new_columns`` of ``right`` matched on ``right[KEY]`` (at most one row)."""
    keyed = left.mutate(__negpersona_left_key=left_key)
    joined = keyed.left_join(right, keyed["__negpersona_left_key"] == right[KEY])
    return joined.select(*left.columns, *new_columns)


class _Opened:
    """A related table opened in the primary's backend, with its key aligned to the primary's."""

    def __init__(self, item: Related, table: Table, primary: Table) -> None:
        self.item = item
        self.table = table
        self.primary = primary
        self.label = f"related table {item.name!r} ({item.source})"

    # ---- checks ----------------------------------------------------------------------------

    def check(self) -> None:
        item = self.item
        if item.key not in self.table.columns:
            raise DataError(
                f"The {self.label} has no key column {item.key!r}.",
                f"Set key: to one of its columns: {_listing(self.table.columns)}.",
            )
        if item.primary_key not in self.primary.columns:
            raise DataError(
                f"The primary table has no column {item.primary_key!r} to join the {self.label} on.",
                f"Set on: to the primary table's key column: {_listing(self.primary.columns)}.",
            )
        wanted = [
            (item.type_column, "type_column"),
            (item.time_column, "time_column"),
            *[(column, "columns") for column in item.columns or []],
        ]
        for column, field in wanted:
            if column and column not in self.table.columns:
                raise DataError(
                    f"The {self.label} has no column {column!r} (named in {field}).",
                    f"Its columns: {_listing(self.table.columns)}.",
                )
        if item.relative_to and item.relative_to not in self.primary.columns:
            raise DataError(
                f"The primary table has no column {item.relative_to!r} (relative_to of the "
                f"{self.label}).",
                f"Name a time column of the primary table: {_listing(self.primary.columns)}.",
            )
        self._check_matches()
        if item.kind == "one_to_one":
            self._check_unique()
        if item.time_column:
            _parse_times(self.table, item.time_column, self.label)
        if item.relative_to:
            _parse_times(self.primary, item.relative_to, "primary table")
        if item.never:
            self._check_never_types()

    def _check_matches(self) -> None:
        keys = self.keys().select(**{KEY: self.key_expr()}).distinct()
        primary_keys = self.primary.select(
            __negpersona_primary_key=self.primary_key_expr(self.primary)
        )
        row = (
            keys.aggregate(
                total=keys.count(),
                matched=keys[KEY].isin(primary_keys["__negpersona_primary_key"]).ifelse(1, 0).sum(),
                example=keys[KEY].cast("string").min(),
            )
            .to_pyarrow()
            .to_pylist()[0]
        )
        if not row["total"]:
            raise DataError(
                f"The {self.label} has no records with a key in {self.item.key!r}.",
                "Check the file and the key column.",
            )
        if not row["matched"]:
            example_primary = (
                primary_keys.aggregate(
                    example=primary_keys["__negpersona_primary_key"].cast("string").min()
                )
                .to_pyarrow()
                .to_pylist()[0]["example"]
            )
            raise DataError(
                f"No key of the {self.label} matches a primary record: {self.item.key!r} holds "
                f"e.g. {row['example']!r}, the primary column {self.item.primary_key!r} holds "
                f"e.g. {example_primary!r}.",
                "Check key: and on: (they must name the same identifier in both tables).",
            )

    def _check_unique(self) -> None:
        keys = self.keys()
        doubled = (
            keys.group_by(**{KEY: self.key_expr(keys)})
            .aggregate(n=ibis._.count())
            .filter(ibis._.n > 1)
        )
        row = (
            doubled.aggregate(keys=doubled.count(), example=doubled[KEY].cast("string").min())
            .to_pyarrow()
            .to_pylist()[0]
        )
        if row["keys"]:
            raise DataError(
                f"The {self.label} is not one-to-one: {row['keys']} value(s) of key "
                f"{self.item.key!r} occur more than once (e.g. {row['example']!r}).",
                "Remove the duplicates, or declare it kind: events to aggregate it per record.",
            )

    def _check_never_types(self) -> None:
        wanted = sorted({name for pair in self.item.never for name in pair})
        types = self.table[self.item.type_column].cast("string")
        found = {
            row["value"]
            for row in self.table.filter(types.isin(wanted))
            .select(value=types)
            .distinct()
            .to_pyarrow()
            .to_pylist()
        }
        missing = [name for name in wanted if name not in found]
        if missing:
            known = (
                self.table.group_by(value=types)
                .aggregate(n=ibis._.count())
                .order_by([ibis.desc("n"), "value"])
                .limit(MAX_EVENT_TYPES)
                .to_pyarrow()
                .column("value")
                .to_pylist()
            )
            raise DataError(
                f"Event type {missing[0]!r} named in never of the {self.label} does not occur in "
                f"its column {self.item.type_column!r}.",
                f"Use types that occur: {_listing([str(k) for k in known if k is not None])}.",
            )

    # ---- keys ------------------------------------------------------------------------------

    def keys(self) -> Table:
        return self.table.filter(self.table[self.item.key].notnull())

    def key_expr(self, table: Table | None = None) -> Any:
        """The related key, as text when the primary key has another kind of type."""
        table = self.table if table is None else table
        key = table[self.item.key]
        return key.cast("string") if self._as_text() else key

    def primary_key_expr(self, table: Table) -> Any:
        key = table[self.item.primary_key]
        return key.cast("string") if self._as_text() else key

    def _as_text(self) -> bool:
        mine = self.table.schema()[self.item.key]
        theirs = self.primary.schema()[self.item.primary_key]
        if mine == theirs:
            return False
        both_numeric = mine.is_numeric() and theirs.is_numeric()
        both_text = mine.is_string() and theirs.is_string()
        return not (both_numeric or both_text)

    # ---- features --------------------------------------------------------------------------

    def one_to_one(self) -> tuple[Table, dict[str, Any], dict[str, str]]:
        item = self.item
        columns = item.columns or [c for c in self.table.columns if c != item.key]
        table = nan_as_missing(self.keys())
        described = {
            f"{item.name}_{column}": f"{item.name}: {column} (one-to-one from {item.source} on "
            f"{item.key})"
            for column in columns
        }
        features = table.select(
            **{KEY: self.key_expr(table)},
            **{f"{item.name}_{column}": table[column] for column in columns},
        )
        return features, {}, described

    def events(
        self, reference: datetime | None, *, explicit_reference: bool
    ) -> tuple[Table, dict[str, Any], dict[str, str]]:
        item, name = self.item, self.item.name
        events = self._event_rows(reference, explicit_reference)
        scope = self._scope(reference, explicit_reference)
        has_time = TIME in events.columns
        metrics: dict[str, Any] = {f"{name}_count": events.count()}
        described = {f"{name}_count": f"{name}: count of all events {scope}"}
        fills: dict[str, Any] = {f"{name}_count": 0}

        if item.type_column:
            for value, column in _type_columns(events, name):
                metrics[column] = (events[TYPE] == value).ifelse(1, 0).sum()
                described[column] = f"{name}: count of {value} {scope}"
                fills[column] = 0
        if has_time:
            column = f"{name}_active_days"
            metrics[column] = events[TIME].date().nunique()
            described[column] = f"{name}: distinct days with an event {scope}"
            fills[column] = 0
            seconds_first = events[TIME].min().epoch_seconds()
            seconds_last = events[TIME].max().epoch_seconds()
            if item.relative_to:
                anchor = events[ANCHOR].min().epoch_seconds()
                for which, seconds in (("first", seconds_first), ("last", seconds_last)):
                    column = f"{name}_days_to_{which}"
                    metrics[column] = _whole_days(seconds - anchor)
                    described[column] = (
                        f"{name}: days from {item.relative_to} to the {which} event {scope}"
                    )
            elif reference is not None:
                now = ibis.literal(reference, type="timestamp").epoch_seconds()
                for which, seconds in (("first", seconds_first), ("last", seconds_last)):
                    column = f"{name}_days_since_{which}"
                    metrics[column] = _whole_days(now - seconds)
                    described[column] = (
                        f"{name}: days since the {which} event as of {_day(reference)} "
                        + self._scope(reference, explicit_reference, as_of=False)
                    )
        for did, never in item.never:
            column = f"{name}_{snake_case(did)}_without_{snake_case(never)}"
            did_count = (events[TYPE] == did).ifelse(1, 0).sum()
            never_count = (events[TYPE] == never).ifelse(1, 0).sum()
            metrics[column] = (did_count > 0) & (never_count == 0)
            described[column] = f"{name}: did {did} but never {never} {scope}"
            fills[column] = False
        features = events.group_by(KEY).aggregate(**metrics)
        return features, fills, described

    def _event_rows(self, reference: datetime | None, explicit_reference: bool) -> Table:
        """One row per event in the window: key, type (text) and time, as internal columns."""
        item = self.item
        table = self.keys()
        columns: dict[str, Any] = {KEY: self.key_expr(table)}
        if item.type_column:
            columns[TYPE] = table[item.type_column].cast("string")
        if item.time_column:
            columns[TIME] = _parse_times(table, item.time_column, self.label, check=False)
        events = table.select(**columns)
        if not item.time_column:
            return events
        time = events[TIME]
        if item.relative_to:
            anchor_time = _parse_times(self.primary, item.relative_to, "primary table", check=False)
            anchors = (
                self.primary.select(
                    **{KEY: self.primary_key_expr(self.primary), ANCHOR: anchor_time}
                )
                .filter(ibis._[KEY].notnull() & ibis._[ANCHOR].notnull())
                .group_by(KEY)
                .aggregate(**{ANCHOR: ibis._[ANCHOR].min()})
            )
            events = events.join(anchors, KEY)
            condition = events[TIME] >= events[ANCHOR]
            if item.window_days is not None:
                end = events[ANCHOR] + ibis.interval(days=item.window_days)
                condition &= events[TIME] <= end
            if explicit_reference and reference is not None:
                condition &= events[TIME] <= ibis.literal(reference, type="timestamp")
            return events.filter(condition)
        if reference is None:
            return events
        now = ibis.literal(reference, type="timestamp")
        if item.window_days is not None:
            start = now - ibis.interval(days=item.window_days)
            return events.filter(time.between(start, now))
        if explicit_reference:
            return events.filter(time <= now)
        return events

    def _scope(
        self, reference: datetime | None, explicit_reference: bool, *, as_of: bool = True
    ) -> str:
        """Which events a feature counts, for the origin descriptions."""
        item = self.item
        source = f"(events from {item.source})"
        if item.relative_to:
            if item.window_days is not None:
                return f"in the first {item.window_days} days after {item.relative_to} {source}"
            return f"after {item.relative_to} {source}"
        moment = _day(reference) if reference is not None and as_of else "then"
        if item.window_days is not None and reference is not None:
            return f"in the {item.window_days} days up to {moment} {source}"
        if explicit_reference and reference is not None and as_of:
            return f"up to {moment} {source}"
        return source


def _type_columns(events: Table, name: str) -> list[tuple[str, str]]:
    """The most frequent event types and their column names (``{name}_{type}_count``)."""
    rows = (
        events.filter(events[TYPE].notnull())
        .group_by(value=events[TYPE])
        .aggregate(n=ibis._.count())
        .order_by([ibis.desc("n"), "value"])
        .limit(MAX_EVENT_TYPES)
        .to_pyarrow()
        .column("value")
        .to_pylist()
    )
    used: set[str] = set()
    result = []
    for value in rows:
        base = f"{name}_{snake_case(value)}_count"
        column, n = base, 2
        while column in used:
            column, n = f"{base}_{n}", n + 1
        used.add(column)
        result.append((value, column))
    return result


def _whole_days(seconds: Any) -> Any:
    return (seconds / SECONDS_PER_DAY).floor()


def _parse_times(table: Table, column: str, label: str, *, check: bool = True) -> Any:
    """``table[column]`` as a timestamp; text that does not parse is an error when ``check``."""
    values = table[column]
    dtype = values.type()
    if dtype.is_timestamp():
        return values
    if dtype.is_date():
        return values.cast("timestamp")
    if not dtype.is_string():
        raise DataError(
            f"Column {column!r} of the {label} holds {dtype}, not timestamps.",
            "Name a date/time column (text like 2024-05-31 14:00 is parsed).",
        )
    parsed = values.try_cast("timestamp")
    if check:
        bad = table.filter(values.notnull() & (values.strip() != "") & parsed.isnull())
        row = bad.aggregate(n=bad.count(), example=bad[column].min()).to_pyarrow().to_pylist()[0]
        if row["n"]:
            raise DataError(
                f"Column {column!r} of the {label} has {row['n']} value(s) that are not "
                f"timestamps (e.g. {row['example']!r}).",
                "Fix or blank those values, or write times as YYYY-MM-DD[ HH:MM:SS].",
            )
    return parsed


def _latest_event_time(tables: list[_Opened]) -> datetime | None:
    latest = []
    for table in tables:
        if not table.item.time_column:
            continue
        keys = table.keys()
        time = _parse_times(keys, table.item.time_column, table.label, check=False)
        value = keys.aggregate(latest=time.max()).to_pyarrow().to_pylist()[0]["latest"]
        if value is not None:
            latest.append(value)
    return max(latest) if latest else None


def open_related(item: TableRef, backend: Any, base_dir: Path, frames: dict[str, Any]) -> Table:
    """Open ``item.source`` in ``backend``'s connection under a fresh, unique table name."""
    table_name = f"negpersona_related_{item.name}_{uuid.uuid4().hex[:8]}"
    if item.source in frames:
        return _register_frame(frames[item.source], backend, table_name, item)
    path = Path(item.source)
    if not path.is_absolute():
        path = base_dir / path
    lower = path.name.lower()
    looks_like_file = lower.endswith(CSV_SUFFIXES + PARQUET_SUFFIXES) or "/" in item.source
    if not path.exists():
        if not looks_like_file and _has_table(backend, item.source):
            return backend.table(item.source)
        raise DataError(
            f"File not found for {_label(item)}: {path}.",
            "Check source: (relative paths are taken from the folder of negpersona.yaml).",
        )
    if path.is_dir():
        location, kind = str(path / "*.parquet"), "parquet"
    elif lower.endswith(PARQUET_SUFFIXES):
        location, kind = str(path), "parquet"
    else:
        location, kind = str(path), "csv"
    reader = getattr(backend, f"read_{kind}", None)
    if reader is None:
        raise DataError(
            f"The {getattr(backend, 'name', 'current')} backend cannot read the file {path} of "
            f"{_label(item)}.",
            "Load it into the same database and set source: to its table name.",
        )
    try:
        options: dict[str, Any] = {"table_name": table_name}
        if kind == "csv" and item.delimiter:
            options["delim"] = item.delimiter
        table = reader(location, **options)
        if getattr(backend, "name", "") == "duckdb":
            # Materialize: a bad value past the CSV sniffer's sample fails here, not later.
            table = table.cache()
        columns = table.columns
    except Exception as exc:  # engines raise many exception types for unreadable files
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        raise DataError(
            f"Cannot read {path} ({_label(item)}) as {kind.upper()}: {first_line}",
            "Check the file" + (" and its delimiter: setting." if kind == "csv" else "."),
        ) from None
    if not columns:
        raise DataError(f"{path} ({_label(item)}) has no columns.")
    return table


def _label(item: TableRef) -> str:
    """How errors name an entry: ``related table 'web'`` or ``text source 'deals'``."""
    return f"{item.section_label} {item.name!r}"


def _register_frame(frame: Any, backend: Any, table_name: str, item: Related) -> Table:
    if isinstance(frame, Table):
        return frame
    from negpersona.data.source import _is_dataframe, _to_arrow

    if not _is_dataframe(frame):
        raise DataError(
            f"frames[{item.source!r}] for related table {item.name!r} is a {type(frame).__name__}.",
            "Pass a pandas/polars/pyarrow DataFrame or an Ibis table.",
        )
    arrow = _to_arrow(frame)
    raw = getattr(backend, "con", None)
    if raw is not None and hasattr(raw, "register"):
        # A zero-copy DuckDB view over Arrow (Ibis' create_table trips on sqlglot 30 here).
        raw.register(table_name, arrow)
    else:
        backend.create_table(table_name, obj=arrow, temp=True)
    return backend.table(table_name)


def _has_table(backend: Any, name: str) -> bool:
    try:
        backend.table(name)
    except Exception:
        return False
    return True


def _listing(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in total)" if len(names) > limit else "") or "none"


def _day(moment: datetime) -> str:
    return (
        moment.strftime("%Y-%m-%d %H:%M")
        if (moment.hour or moment.minute)
        else f"{moment:%Y-%m-%d}"
    )


def snake_case(text: Any) -> str:
    """``"Page View"`` / ``"pageView"`` / ``"page-view"`` → ``"page_view"`` (never empty)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(text))
    name = re.sub(r"[^\w]+", "_", spaced).strip("_").lower()
    return re.sub(r"_+", "_", name) or "blank"


# --------------------------------------------------------------------------------------------
# Column roles
# --------------------------------------------------------------------------------------------

NEED_WORDS = {
    "budget", "need", "usecase", "use_case", "pain", "painpoint", "interest", "interested",
    "goal", "priority", "timeline", "timeframe", "requirement", "preference", "preferred",
    "prefer", "reason", "challenge", "intent", "intention", "purpose", "motivation",
    "objective", "problem", "survey", "answer", "nps", "satisfaction", "feedback", "wish",
    "want", "expectation", "urgency", "concern", "blocker", "evaluating",
}  # fmt: skip
BEHAVIOR_WORDS = {
    "visit", "view", "viewed", "page", "pageview", "session", "click", "clicked", "download",
    "downloaded", "open", "opened", "login", "usage", "engagement", "engaged", "activity",
    "active", "event", "webinar", "attended", "attendance", "demo", "trial", "signup",
    "request", "requested", "contact", "contacted", "call", "duration", "recency", "frequency",
    "since", "campaign", "channel", "utm", "source", "referrer", "medium", "touch",
    "touchpoint", "reply", "replied", "bounce", "unsubscribe", "unsubscribed", "poutcome",
    "pdays", "previous",
}  # fmt: skip
DEMOGRAPHIC_WORDS = {
    "size", "employee", "headcount", "staff", "revenue", "industry", "sector", "vertical",
    "country", "region", "city", "state", "location", "geo", "territory", "continent",
    "role", "title", "job", "seniority", "department", "company", "firm", "organization",
    "org", "founded", "age", "gender", "education", "marital", "income", "language",
    "timezone", "domain", "nationality", "occupation", "funding", "ownership",
}  # fmt: skip
SURVEY_TABLE_WORDS = {
    "survey", "questionnaire", "poll", "feedback", "nps", "form", "answer", "response",
    "preference", "interview", "need",
}  # fmt: skip
FIRMOGRAPHIC_TABLE_WORDS = {
    "firmographic", "firmo", "company", "account", "enrichment", "clearbit", "zoominfo",
    "demographic", "org", "organization", "firm",
}  # fmt: skip


def infer_roles(
    profiles: dict[str, Any],
    related: list[Related],
    overrides: dict[str, str],
    *,
    origins: dict[str, str] | None = None,
) -> dict[str, str]:
    """Every column of ``profiles`` (internal ``__`` columns aside) → its persona aspect.

    Order of precedence: ``overrides`` (column → role) win; then a related table's ``role:``;
    then origin (event features are behavior, columns of a survey-like one-to-one table are
    need); then name rules (need words before behavior words before demographic words); a
    firmographic-like one-to-one table makes demographic the default; else characteristic.
    ``origins`` (from :func:`attach_related`) tells which columns came from related tables;
    without it a column belongs to the related table whose ``{name}_`` prefix it carries.
    """
    for column, role in overrides.items():
        if role not in ROLES:
            raise ConfigError(
                f"Unknown role {role!r} for column {column!r}.", f"Use one of: {', '.join(ROLES)}."
            )
        if column not in profiles:
            raise ConfigError(
                f"Role given for unknown column {column!r}.",
                f"Name one of the columns: {_listing(list(profiles))}.",
            )
    by_prefix = sorted(related, key=lambda item: -len(item.name))
    roles: dict[str, str] = {}
    for column in profiles:
        if column.startswith("__"):
            continue
        if column in overrides:
            roles[column] = overrides[column]
            continue
        origin = None
        if origins is None or column in origins:
            origin = next((r for r in by_prefix if column.startswith(f"{r.name}_")), None)
        roles[column] = _role(column, origin)
    return roles


def _role(column: str, origin: Related | None) -> str:
    if origin is None:
        return _role_by_name(column) or "characteristic"
    if origin.role:
        return origin.role
    if origin.kind == "events":
        return "behavior"
    table_words = _stems(name_tokens(origin.name) | name_tokens(Path(origin.source).stem))
    if table_words & SURVEY_TABLE_WORDS:
        return "need"
    by_name = _role_by_name(column.removeprefix(f"{origin.name}_"))
    if by_name:
        return by_name
    return "demographic" if table_words & FIRMOGRAPHIC_TABLE_WORDS else "characteristic"


def _role_by_name(column: str) -> str | None:
    words = _words(column)
    for role, vocabulary in (
        ("need", NEED_WORDS),
        ("behavior", BEHAVIOR_WORDS),
        ("demographic", DEMOGRAPHIC_WORDS),
    ):
        if words & vocabulary:
            return role
    return None


def _words(column: str) -> set[str]:
    """Tokens, their singular forms and adjacent pairs (``use_case`` → usecase, use_case)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column)
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]
    words = set(tokens)
    for first, second in zip(tokens, tokens[1:], strict=False):
        words |= {first + second, f"{first}_{second}"}
    return _stems(words)


def _stems(words: set[str]) -> set[str]:
    stems = set(words)
    for word in words:
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            stems.add(word[:-1])
    return stems


__all__ = [
    "ROLES",
    "Related",
    "Role",
    "attach_related",
    "infer_roles",
    "snake_case",
]
