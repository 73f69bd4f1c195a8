"""Open the user's data as an Ibis table.

DuckDB is the embedded default: CSV (any delimiter, sniffed or given), Parquet and in-memory
DataFrames (pandas, polars, pyarrow) are registered in an in-process DuckDB connection. A database
table is named by URL (``duckdb://file.db?table=t``, ``sqlite://file.db?table=t``,
``postgres://user@host/db?table=t``) and read by the matching Ibis backend, so heavy queries run
where the data lives. An existing Ibis table is used as it is (for Spark or a warehouse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import ibis
from ibis.expr.types import Table

from negpersona.errors import DataError

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".csv.zst")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
COPY_INTO_DUCKDB = {"sqlite"}
FILE_DATABASES = {"sqlite", "duckdb"}
URL_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def nan_as_missing(table: Table) -> Table:
    """Treat floating-point NaN as missing, like NULL.

    pandas hands NaN to Arrow as NULL, but Parquet and CSV files can hold real NaN, which SQL
    engines sort above every number (so ``x >= 3`` would be true for it). One view makes every
    later query, profile and condition see NULL instead.
    """
    floats = [name for name, dtype in table.schema().items() if dtype.is_floating()]
    if not floats:
        return table
    return table.mutate(
        **{
            name: table[name].isnan().ifelse(ibis.null(table[name].type()), table[name])
            for name in floats
        }
    )


@dataclass
class Source:
    """An opened dataset: the Ibis table, its backend and a name for messages."""

    table: Table
    backend: Any
    name: str

    def __post_init__(self) -> None:
        self.table = nan_as_missing(self.table)

    @property
    def dialect(self) -> str:
        return getattr(self.backend, "name", "duckdb")


def open_source(data: Any, *, delimiter: str | None = None, table: str | None = None) -> Source:
    """Open ``data`` (path, URL, DataFrame or Ibis table) as a :class:`Source`.

    ``delimiter`` forces the CSV separator (DuckDB's sniffer finds it otherwise); ``table`` names
    the table inside a database URL when the URL has no ``?table=`` part.
    """
    if isinstance(data, Source):
        return data
    if isinstance(data, Table):
        return Source(data, _backend_of(data), "table")
    if isinstance(data, str | Path):
        text = str(data)
        if URL_PATTERN.match(text) and not text.startswith("file://"):
            return _open_url(text, table)
        return _open_file(Path(text.removeprefix("file://")), delimiter)
    if _is_dataframe(data):
        con = ibis.duckdb.connect()
        # Registered as a zero-copy view over Arrow (Ibis' create_table trips on sqlglot 30 here).
        con.con.register("data", _to_arrow(data))
        return Source(con.table("data"), con, "dataframe")
    raise DataError(
        f"Cannot read data of type {type(data).__name__}.",
        "Pass a CSV or Parquet path, a database URL, a pandas/polars/pyarrow DataFrame or an "
        "Ibis table.",
    )


def _open_file(path: Path, delimiter: str | None) -> Source:
    if not path.exists():
        raise DataError(
            f"File not found: {path}.", "Check the path (it is relative to the current folder)."
        )
    if path.is_dir():
        parquet = sorted(path.glob("*.parquet"))
        if not parquet:
            raise DataError(
                f"{path} is a folder without Parquet files.", "Name a CSV or Parquet file."
            )
        return _read(path, "parquet", str(path / "*.parquet"), delimiter)
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return _read(path, "parquet", str(path), delimiter)
    if name.endswith(CSV_SUFFIXES) or "." not in name:
        return _read(path, "csv", str(path), delimiter)
    raise DataError(
        f"Unsupported file type: {path.name}.",
        "Use a .csv/.tsv (optionally .gz) or .parquet file, or a database URL.",
    )


def _read(path: Path, kind: str, location: str, delimiter: str | None) -> Source:
    con = ibis.duckdb.connect()
    try:
        if kind == "parquet":
            table = con.read_parquet(location, table_name="data")
        else:
            options: dict[str, Any] = {}
            if delimiter:
                options["delim"] = delimiter
            con.read_csv(location, table_name="raw", **options)
            # Materialize: a bad value past DuckDB's sniffing sample fails here, inside the try,
            # and later queries do not parse the file again.
            con.raw_sql('CREATE TABLE "data" AS SELECT * FROM "raw"')
            table = con.table("data")
        columns = table.columns
    except Exception as exc:  # DuckDB raises several exception types for unreadable files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"Cannot read {path} as {kind.upper()}: {first_line}",
            "Check that the file is a valid "
            + kind.upper()
            + " file"
            + (
                " and set delimiter: if it is not comma-, semicolon- or tab-separated."
                if kind == "csv"
                else "."
            ),
            code="source.unreadable",
            setting="delimiter" if kind == "csv" else None,
            kind=kind,
        ) from None
    if not columns:
        raise DataError(f"{path} has no columns.", "Check that the file has a header row.")
    return Source(table, con, str(path))


def _open_url(url: str, table: str | None) -> Source:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    table = query.pop("table", table)
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    if parts.scheme == "duckdb" and parts.netloc and not parts.path:
        clean = f"duckdb://{parts.netloc}"  # duckdb://file.db without a leading slash
    if parts.scheme in FILE_DATABASES:
        location = Path(parts.netloc + parts.path)
        if str(location) not in {"", ":memory:"} and not location.exists():
            raise DataError(
                f"Database file not found: {location} (from {_redact(url)}).",
                "Check the path; sqlite:///abs/path.db and duckdb://relative/path.db are both accepted.",
            )
    try:
        con = ibis.connect(clean)
    except Exception as exc:
        raise DataError(
            f"Cannot connect to {_redact(url)}: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            "Check the URL and that the backend extra is installed (e.g. pip install 'negpersona[postgres]').",
        ) from None
    if not table:
        raise DataError(
            f"No table named in {_redact(url)}.",
            "Add ?table=NAME to the URL or set table: NAME.",
            code="source.no_table",
            setting="table",
        )
    try:
        found = con.table(table)
    except Exception:
        try:
            known = ", ".join(sorted(con.list_tables())[:20])
        except Exception:
            known = "unknown"
        raise DataError(
            f"Table {table!r} not found in {_redact(url)}.", f"Tables there: {known or 'none'}."
        ) from None
    name = f"{_redact(url)} table {table}"
    if parts.scheme in COPY_INTO_DUCKDB:
        # SQLite has no quantiles or hashing: copy the (typically small) table into DuckDB.
        local = ibis.duckdb.connect()
        local.con.register("data", found.to_pyarrow())
        return Source(local.table("data"), local, name)
    return Source(found, con, name)


def _redact(url: str) -> str:
    """Hide a password in a URL before it appears in a message."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _is_dataframe(data: Any) -> bool:
    module = type(data).__module__.split(".")[0]
    return module in {"pandas", "polars", "pyarrow"}


def _to_arrow(data: Any) -> Any:
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if type(data).__module__.startswith("polars"):
        return data.to_arrow()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    try:
        return pa.Table.from_pandas(data, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        # e.g. ("Could not convert '' with type str: tried to convert to int64", 'Conversion
        # failed for column pages_viewed with type object')
        found = re.search(r"column (\S+) with type", str(exc))
        column = f"column {found.group(1)!r}" if found else "a column"
        detail = str(exc.args[0]) if exc.args else str(exc)
        raise DataError(
            f"The records' {column} mixes types ({detail}).",
            "Give every value of a column the same type (numbers as numbers, missing as null).",
        ) from None


def _backend_of(table: Table) -> Any:
    try:
        return table._find_backend()
    except Exception:
        return ibis.duckdb.connect()
