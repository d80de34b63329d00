"""Exports of the store for analysts: CSV (Excel-safe), JSON Lines and Parquet, streamed.

Rows come from one cursor a chunk at a time and go straight to the writer, so memory stays flat
whatever the size of the store. The database keeps every text verbatim; only the CSV writer
neutralises cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from newsbot.analysis.bad_text import TextRepairs
from newsbot.core.fields import FIELDS, LIST_FIELDS, LIST_SEPARATOR
from newsbot.core.text import fold_key
from newsbot.enrich.districts import DISTRICTS
from newsbot.store.codec import NULLABLE, from_row
from newsbot.store.search import fts_query

logger = logging.getLogger(__name__)

#: The DESIGN.md fields, then the store's bookkeeping an analyst needs: the near-duplicate link
#: (filter ``duplicate_of`` empty for one row per story) and when the row was first/last crawled.
EXPORT_COLUMNS: tuple[str, ...] = (*FIELDS, "duplicate_of", "first_seen_at", "last_seen_at")
FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_EXTENSIONS[".pq"] = "parquet"

#: Cells starting with these are formulas to Excel/LibreOffice (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MOSCOW = ZoneInfo("Europe/Moscow")
_MOSCOW_DATES = ("published_at", "modified_at")
_UTC_DATES = ("scraped_at", "first_seen_at", "last_seen_at")
CHUNK_ROWS = 1000
CSV_BATCH_ROWS = 1000  # rows per Arrow batch written as CSV (memory grows with it)
PARQUET_BATCH_ROWS = 2000  # rows per row group: each adds footer metadata held to the end


class ExportError(ValueError):
    """A bad argument or an unusable database: the CLI prints it and exits with status 2."""


# -- filters -----------------------------------------------------------------------------------
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def date_bound(value: str, *, end: bool = False) -> str:
    """A user's date as a bound comparable with the stored Moscow-time ISO strings.

    ``2023``, ``2023-09`` or ``2023-09-05`` name a whole period (Moscow days): as ``since`` its
    first day, as ``until`` the first day after it (compared with ``<``, so inclusive). A full
    ISO datetime is converted to Moscow time and compared as is.
    """
    text = value.strip()
    match = _PARTIAL_DATE.fullmatch(text)
    try:
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            start = date(year or 1, month or 1, day or 1)
            if not end:
                return start.isoformat()
            if day:
                nxt = date.fromordinal(start.toordinal() + 1)
            elif month:
                last = calendar.monthrange(start.year, start.month)[1]
                nxt = date.fromordinal(start.toordinal() + last)
            else:
                nxt = date(start.year + 1, 1, 1)
            return nxt.isoformat()
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ExportError(f"not a date: {value!r} (use 2023-09-05, 2023-09 or ISO 8601)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MOSCOW)
    return moment.astimezone(MOSCOW).isoformat(timespec="seconds")


def canonical_district(name: str) -> str:
    wanted = fold_key(name.strip())
    for district in DISTRICTS:
        if district.casefold() == wanted:
            return district
    raise ExportError(f"unknown district {name!r}; one of: {', '.join(DISTRICTS)}")


@dataclass
class Filters:
    """Which rows to export: every criterion given must hold."""

    since: str | None = None
    until: str | None = None
    sites: Sequence[str] = field(default_factory=tuple)
    districts: Sequence[str] = field(default_factory=tuple)
    search: str | None = None
    unique: bool = False  # leave out near-duplicates (rows with duplicate_of set)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if self.since:
            clauses.append("articles.published_at >= ?")
            args.append(date_bound(self.since))
        if self.until:
            bound = date_bound(self.until, end=True)
            is_date = bool(_PARTIAL_DATE.fullmatch(self.until.strip()))
            clauses.append(f"articles.published_at {'<' if is_date else '<='} ?")
            args.append(bound)
        if self.sites:
            clauses.append(f"articles.site IN ({', '.join('?' * len(self.sites))})")
            args.extend(s.strip().lower() for s in self.sites)
        for name in self.districts:
            clauses.append(
                "EXISTS (SELECT 1 FROM json_each(articles.districts) AS d WHERE d.value = ?)"
            )
            args.append(canonical_district(name))
        if self.search:
            clauses.append(
                "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
            )
            args.append(fts_query(self.search))
        if self.unique:
            clauses.append("articles.duplicate_of IS NULL")
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def check_search(conn: sqlite3.Connection, query: str) -> None:
    """Fail before any output is written when the FTS query does not parse."""
    try:
        conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1",
            (fts_query(query),),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        raise ExportError(f"bad --search query {query!r}: {exc}") from exc


# -- rows --------------------------------------------------------------------------------------
def count_rows(conn: sqlite3.Connection, filters: Filters) -> int:
    where, args = filters.where()
    return int(conn.execute(f"SELECT COUNT(*) FROM articles{where}", args).fetchone()[0])


def iter_rows(
    conn: sqlite3.Connection,
    filters: Filters | None = None,
    columns: Sequence[str] = EXPORT_COLUMNS,
    chunk: int = CHUNK_ROWS,
) -> Iterator[dict[str, Any]]:
    """Typed rows (lists as lists, word_count int, missing dates None), oldest first.

    A text that is not UTF-8 stops SQLite's decoding; the rows from that chunk on are then read
    again as bytes and repaired (``TextRepairs``): the fast path costs nothing extra.
    """
    where, args = (filters or Filters()).where()
    names = ", ".join(f"articles.{c}" for c in columns)
    sql = f"SELECT {names} FROM articles{where} ORDER BY articles.published_at, articles.id"
    done = 0
    try:
        cursor = conn.execute(sql, args)
        while batch := cursor.fetchmany(chunk):
            for values in batch:
                yield from_row(dict(zip(columns, values, strict=True)))
                done += 1
    except sqlite3.OperationalError as exc:
        if "decode" not in str(exc):
            raise
        yield from _repaired_rows(conn, f"{sql} LIMIT -1 OFFSET {done}", args, columns, done)


def _repaired_rows(
    conn: sqlite3.Connection, sql: str, args: Sequence[Any], columns: Sequence[str], done: int
) -> Iterator[dict[str, Any]]:
    repairs = TextRepairs()
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        for number, values in enumerate(conn.execute(sql, args), done + 1):
            cells = [
                repairs.text(v, f"row {number}, {name}") if isinstance(v, bytes) else v
                for name, v in zip(columns, values, strict=True)
            ]
            yield from_row(dict(zip(columns, cells, strict=True)))
    finally:
        conn.text_factory = factory
    repairs.finish()


# -- writers -----------------------------------------------------------------------------------
def neutralise(cell: str) -> str:
    """Prefix a would-be formula with a single quote (OWASP); other text is left alone."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in LIST_FIELDS and isinstance(value, list | tuple):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    return neutralise(str(value)) if isinstance(value, str) else str(value)


def write_csv(
    rows: Iterable[dict[str, Any]], out: IO[bytes], columns: Sequence[str], *, bom: bool = True
) -> int:
    """CSV for Excel from typed rows (the row-by-row form, for callers without a store)."""
    return write_csv_batches(_row_batches(rows, columns), out, columns, bom=bom)


def _row_batches(
    rows: Iterable[dict[str, Any]], columns: Sequence[str]
) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for values, name in zip(batch, columns, strict=True):
            value = row.get(name)
            if name in LIST_FIELDS and isinstance(value, list | tuple):
                value = LIST_SEPARATOR.join(str(v) for v in value)
            values.append(None if value is None else str(value))
        if len(batch[0]) >= CSV_BATCH_ROWS:
            yield batch
            batch = [[] for _ in columns]
    if batch[0]:
        yield batch


def _csv_sql(name: str) -> str:
    """The cell of one column as SQLite gives it to the CSV writer: lists joined, text."""
    if name in LIST_FIELDS:
        joined = f"SELECT group_concat(value, '{LIST_SEPARATOR}') FROM json_each(articles.{name})"
        return f"COALESCE(({joined}), '')"  # an empty list is an empty text, as in write_csv
    return f"CAST(articles.{name} AS TEXT)"


def _sql_char(char: str) -> str:
    return f"char({ord(char)})"


def _csv_cell_sql(name: str) -> str:
    """One finished CSV cell of ``name`` (a column of the inner query), as the Arrow writer
    makes it: NULL an empty bare cell, text quoted with its quotes doubled, a would-be formula
    (``FORMULA_PREFIXES``, the rule ``neutralise`` applies) after a single quote."""
    risky = ", ".join(_sql_char(p) for p in FORMULA_PREFIXES)
    mark = f"CASE WHEN substr({name}, 1, 1) IN ({risky}) THEN char(39) ELSE '' END"
    quoted = f"printf('\"%s%s\"', {mark}, replace({name}, char(34), char(34, 34)))"
    return f"CASE WHEN {name} IS NULL THEN '' ELSE {quoted} END"


def csv_lines_sql(filters: Filters, columns: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL giving each row as one finished CSV line (CRLF), oldest first.

    SQLite joins the lists, neutralises, quotes and joins the cells in C; Python only writes
    the lines. ``OFFSET 0`` keeps the inner query from being flattened into the outer one,
    which would compute each list cell three times.
    """
    where, args = filters.where()
    inner = ", ".join(f"{_csv_sql(c)} AS c{i}" for i, c in enumerate(columns))
    cells = ", ".join(_csv_cell_sql(f"c{i}") for i in range(len(columns)))
    # One printf per line: chained || would copy the line so far once per cell.
    line = f"printf('{','.join(['%s'] * len(columns))}' || char(13, 10), {cells})"
    sql = (
        f"SELECT {line} FROM (SELECT {inner} FROM articles{where}"
        " ORDER BY articles.published_at, articles.id LIMIT -1 OFFSET 0)"
    )
    return sql, args


def write_csv_lines(
    conn: sqlite3.Connection,
    filters: Filters,
    out: IO[bytes],
    columns: Sequence[str],
    *,
    bom: bool = True,
    progress: Any = None,
) -> int:
    """CSV for Excel straight from SQLite: UTF-8 (with BOM unless told not), CRLF, a bare
    header, formulas neutralised; the bytes ``write_csv_batches`` would write for these rows.

    Each chunk is checked as UTF-8 (about a tenth of the CPU), so a stored text another tool
    wrote in another encoding goes out repaired and said (``TextRepairs``), never unseen.
    """
    sql, args = csv_lines_sql(filters, columns)
    repairs = TextRepairs()
    factory = conn.text_factory
    conn.text_factory = bytes  # the lines go out as SQLite made them, never decoded
    try:
        cursor = conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(sql, args)
        if bom:
            out.write("\ufeff".encode())
        out.write((",".join(columns) + "\r\n").encode())
        n = 0
        while batch := rows.fetchmany(CSV_BATCH_ROWS):
            data = b"".join(line for (line,) in batch)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                data = b"".join(
                    repairs.repaired(line, f"row {n + i}") for i, (line,) in enumerate(batch, 1)
                )
            out.write(data)
            n += len(batch)
            if progress is not None:
                progress.update(len(batch))
    finally:
        conn.text_factory = factory
    repairs.finish()
    return n


def write_csv_batches(
    batches: Iterable[list[list[Any]]], out: IO[bytes], columns: Sequence[str], *, bom: bool = True
) -> int:
    """CSV for Excel: UTF-8 (with BOM unless told not), CRLF, header, formulas neutralised.

    Arrow's C++ writer does the quoting and the formula rule runs vectorised over each column
    (``FORMULA_PREFIXES``, as ``neutralise`` applies it to one cell): about 3x Python's csv
    module on article rows (benchmarks/bench_export.py).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    if bom:
        out.write("\ufeff".encode())
    schema = pa.schema([(c, pa.string()) for c in columns])
    pool = pa.default_memory_pool()
    prefixes = pa.array(list(FORMULA_PREFIXES))
    # Arrow quotes every text cell (valid CSV; Excel and every reader take it), names bare.
    options = pa_csv.WriteOptions(eol="\r\n", quoting_style="needed", quoting_header="none")
    n = 0
    with pa_csv.CSVWriter(out, schema, write_options=options) as writer:
        for batch in batches:
            arrays = []
            for values in batch:
                array = pa.array(values, type=pa.string())
                risky = pc.is_in(pc.utf8_slice_codeunits(array, 0, 1), value_set=prefixes)
                arrays.append(pc.if_else(risky, pc.binary_join_element_wise("'", array, ""), array))
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            n += len(batch[0]) if batch else 0
            pool.release_unused()  # Arrow's allocator keeps freed pages: memory stays flat
    return n


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[bytes], columns: Sequence[str]) -> int:
    """One JSON object per line, UTF-8 as is, lists as arrays, missing dates as null."""
    n = 0
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False))
        n += 1
        if len(lines) >= CHUNK_ROWS:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
            lines.clear()
    if lines:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    return n


def parquet_schema(columns: Sequence[str]) -> Any:
    """Typed columns: lists as list<string>, word_count int32, dates as timestamps."""
    pa = _pyarrow()

    def column_type(name: str) -> Any:
        if name in LIST_FIELDS:
            return pa.list_(pa.string())
        if name == "word_count":
            return pa.int32()
        if name in _MOSCOW_DATES:
            return pa.timestamp("s", tz="Europe/Moscow")
        if name in _UTC_DATES:
            return pa.timestamp("s", tz="UTC")
        return pa.string()

    return pa.schema([(c, column_type(c)) for c in columns])


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        logger.warning("not an ISO date, exported as null: %r", value)
        return None


def write_parquet(
    rows: Iterable[dict[str, Any]],
    out: IO[bytes],
    columns: Sequence[str],
    batch_rows: int = PARQUET_BATCH_ROWS,
) -> int:
    """Parquet from typed rows (the row-by-row form, for callers without a store)."""
    pa = _pyarrow()

    schema = parquet_schema(columns)
    dates = [c for c in columns if c in _MOSCOW_DATES or c in _UTC_DATES]

    def batches() -> Iterator[Any]:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch

    def converted(batch: list[dict[str, Any]]) -> Any:
        for row in batch:
            for name in dates:
                row[name] = _timestamp(row.get(name))
        return pa.RecordBatch.from_pylist(batch, schema=schema)

    return write_parquet_batches((converted(b) for b in batches()), out, columns)


def parquet_batches(
    conn: sqlite3.Connection,
    filters: Filters,
    columns: Sequence[str],
    batch_rows: int = PARQUET_BATCH_ROWS,
    progress: Any = None,
) -> Iterator[Any]:
    """Arrow record batches built column by column from cursor chunks, oldest first.

    The values are what ``codec.from_row`` gives (lists decoded, unknown dates and links
    null, other NULLs empty), without a dict per row. A date in the store's own form
    (``_CANONICAL_DATE``) comes from SQLite as epoch seconds; any other goes through
    ``_timestamp`` (null and a warning if it is no date). No Arrow compute function runs:
    its kernel registry alone costs about 10 MiB of resident memory.
    """
    pa = _pyarrow()

    schema = parquet_schema(columns)
    where, args = filters.where()
    dates = _MOSCOW_DATES + _UTC_DATES
    names = ", ".join(_parquet_sql(c) for c in columns)
    factory = conn.text_factory
    conn.text_factory = bytes  # UTF-8 straight from SQLite to Arrow, never decoded
    repairs = TextRepairs()
    done = 0
    try:
        cursor = conn.cursor()
        cursor.row_factory = None
        cursor.execute(
            f"SELECT {names} FROM articles{where} ORDER BY articles.published_at, articles.id",
            args,
        )
        while rows := cursor.fetchmany(batch_rows):
            cells = iter(zip(*rows, strict=True))
            del rows
            arrays = []
            for name in columns:
                values = next(cells)
                kind = schema.field(name).type
                if name in dates:
                    arrays.append(pa.array(_epochs(values, next(cells)), type=kind))
                else:
                    arrays.append(_arrow_column(name, values, kind, repairs, done + 1))
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
            done += len(arrays[0])
            if progress is not None:
                progress.update(len(arrays[0]))
    finally:
        conn.text_factory = factory
    repairs.finish()


#: The form the store writes dates in (``isoformat(timespec="seconds")`` with an offset).
_D2 = "[0-9][0-9]"
_CANONICAL_DATE = f"{_D2}{_D2}-{_D2}-{_D2}T{_D2}:{_D2}:{_D2}[+-]{_D2}:{_D2}"
#: (first character, lowest, highest) of each two-digit part SQLite is trusted with: a day up
#: to 28 only, since SQLite would roll 02-30 into March; the rest goes to ``_timestamp``.
_DATE_PARTS: tuple[tuple[int, str, str], ...] = (
    *((6, "01", "12"), (9, "01", "28"), (12, "00", "23"), (15, "00", "59")),
    *((18, "00", "59"), (21, "00", "23"), (24, "00", "59")),
)


def _epoch_sql(column: str) -> str:
    """Epoch seconds of a stored date in the canonical form with every part in range, else
    NULL. Plain text comparisons: a date function for the check would double the cost."""
    parts = " AND ".join(
        f"substr({column}, {at}, 2) BETWEEN '{low}' AND '{high}'" for at, low, high in _DATE_PARTS
    )
    return f"CASE WHEN {column} GLOB '{_CANONICAL_DATE}' AND {parts} THEN unixepoch({column}) END"


def _parquet_sql(name: str) -> str:
    """The column as the Parquet batches read it: NULL text as '', an empty link as NULL, a
    date as its text then its epoch seconds where SQLite can be trusted to convert it."""
    column = f"articles.{name}"
    if name in _MOSCOW_DATES or name in _UTC_DATES:
        return f"{column}, {_epoch_sql(column)}"
    if name in LIST_FIELDS or name == "word_count":
        return column
    if name in NULLABLE:
        return f"NULLIF({column}, '')"
    return f"COALESCE({column}, '')"


def _epochs(texts: Sequence[Any], epochs: Sequence[int | None]) -> Sequence[int | None]:
    """Epoch seconds of each stored date: SQLite's where it converted it, else ``_timestamp``
    (a naive time taken as UTC, as Arrow takes a naive ``datetime``)."""
    if None not in epochs or not any(texts):
        return epochs
    out: list[int | None] = list(epochs)
    for i, (text, epoch) in enumerate(zip(texts, epochs, strict=True)):
        if epoch is None and text:
            moment = _timestamp(text.decode("utf-8", "replace"))
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                out[i] = int(moment.timestamp())
    return out


def _pyarrow() -> Any:
    """pyarrow, imported for a Parquet export without NumPy and with a frugal allocator.

    The export needs neither NumPy (about 10 MiB resident) nor mimalloc's eagerly committed
    arenas (about 15 MiB more at 1M rows, benchmarks/bench_export.py). NumPy stays importable
    afterwards; only pyarrow's NumPy conversions are off in a process that imported it here.
    """
    if "pyarrow" in sys.modules:
        return sys.modules["pyarrow"]
    for option, value in _MIMALLOC_OPTIONS.items():
        os.environ.setdefault(option, value)
    blocked = "numpy" not in sys.modules
    if blocked:
        sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import pyarrow
    except ImportError:  # a pyarrow older than 16 needs NumPy to import at all
        if not blocked:
            raise
        del sys.modules["numpy"]
        blocked = False
        for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
            del sys.modules[name]
        import pyarrow
    finally:
        if blocked:
            del sys.modules["numpy"]
    return pyarrow


#: Read by the mimalloc bundled in pyarrow when it starts: commit arena memory as it is used,
#: return freed pages at once (``release_unused`` then gives them back to the system).
_MIMALLOC_OPTIONS = {"MIMALLOC_ARENA_EAGER_COMMIT": "0", "MIMALLOC_PURGE_DELAY": "0"}


def _arrow_column(
    name: str, values: Sequence[Any], kind: Any, repairs: TextRepairs, first: int
) -> Any:
    """One stored column (text as UTF-8 bytes) as an Arrow array of the Parquet schema's type.

    Bytes go to Arrow as they are: no ``str`` per cell, whose cached UTF-8 copy is what made
    the row path's memory grow with the text's size. A column with a cell that is not UTF-8
    is built again from repaired cells (``TextRepairs``).
    """
    pa = _pyarrow()

    where = f"{name}, rows {first}-{first + len(values) - 1}"
    if name in LIST_FIELDS:
        return pa.array(
            [json.loads(repairs.text(v, where)) if v else [] for v in values], type=kind
        )
    if name == "word_count":
        return pa.array([int(v or 0) for v in values], type=kind)
    # NULL/'' already as the schema wants (_parquet_sql). Bytes then a view as text, checked as
    # UTF-8 in one pass (ArrowInvalid if not, as pa.array would raise): 1.5x faster than
    # pa.array of bytes as strings, which checks cell by cell.
    text = pa.array(values, type=pa.binary()).view(kind)
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        fixed = [v if v is None else repairs.repaired(v, where) for v in values]
        text = pa.array(fixed, type=pa.binary()).view(kind)
    return text


#: Columns whose min/max statistics go into the Parquet footer (filters and dates); the long
#: texts would put up to 2 x 4 KiB per column per row group into a footer held until the end.
_PARQUET_STATISTICS = ("site", "published_at", "modified_at", "word_count", "scraped_at")


def write_parquet_batches(batches: Iterable[Any], out: IO[bytes], columns: Sequence[str]) -> int:
    """Parquet (zstd), one row group per batch, written as they come."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    schema = parquet_schema(columns)
    pool = pa.default_memory_pool()
    statistics = [c for c in columns if c in _PARQUET_STATISTICS]
    n = 0
    with pq.ParquetWriter(
        out, schema, compression="zstd", write_statistics=statistics or False
    ) as writer:
        for batch in batches:
            writer.write_batch(batch)
            n += batch.num_rows
            del batch
            pool.release_unused()  # Arrow's allocator keeps freed pages: memory stays flat
        if n == 0:
            writer.write_table(schema.empty_table())
    return n


# -- the command -------------------------------------------------------------------------------
def format_for(output: str | None, fmt: str | None = None) -> str:
    """The format asked for, else the one the output's extension names, else CSV."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
        return fmt
    if output and output != "-":
        return _EXTENSIONS.get(Path(output).suffix.lower(), "csv")
    return "csv"


def open_store(db: str | Path) -> sqlite3.Connection:
    """A read-only connection to a current store; an older schema is migrated first."""
    from newsbot.store import ArticleStore
    from newsbot.store.schema import SCHEMA_VERSION

    path = Path(db)
    if not path.is_file():
        raise ExportError(f"no database at {path}")
    try:
        store = ArticleStore(path, readonly=True)
        version = store.version
        if 0 < version < SCHEMA_VERSION:
            store.close()
            ArticleStore(path).close()  # brings the file up to date, then read only
            store = ArticleStore(path, readonly=True)
            version = store.version
    except sqlite3.DatabaseError as exc:
        raise ExportError(f"cannot read {path} as SQLite: {exc}") from exc
    if version == 0 or "articles" not in {
        r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }:
        store.close()
        raise ExportError(f"{path} is not a newsbot store (no articles table)")
    if version > SCHEMA_VERSION:
        store.close()
        raise ExportError(f"{path} has schema v{version}, newer than this newsbot")
    return store.conn


def export(
    conn: sqlite3.Connection,
    output: str | Path,
    fmt: str = "csv",
    filters: Filters | None = None,
    *,
    columns: Sequence[str] = EXPORT_COLUMNS,
    bom: bool = True,
    progress: bool = False,
) -> int:
    """Write the filtered rows to ``output`` (a path, or ``-`` for stdout); returns the count.

    A file is written beside its target and renamed when complete, so a failed export never
    leaves a truncated file under the requested name.
    """
    filters = filters or Filters()
    unknown = [c for c in columns if c not in EXPORT_COLUMNS]
    if unknown:
        raise ExportError(f"unknown column(s): {', '.join(unknown)}")
    if filters.search:
        check_search(conn, filters.search)
    filters.where()  # validates dates and districts before anything is written
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=count_rows(conn, filters), unit="rows", file=sys.stderr, leave=False)

    def write(out: IO[bytes]) -> int:
        if fmt == "csv":
            n = write_csv_lines(conn, filters, out, columns, bom=bom, progress=bar)
            out.flush()
            return n
        if fmt == "parquet":
            n = write_parquet_batches(
                parquet_batches(conn, filters, columns, progress=bar), out, columns
            )
            out.flush()
            return n
        rows: Iterable[dict[str, Any]] = iter_rows(conn, filters, columns)
        if bar is not None:
            rows = _counting(rows, bar)
        return _write(rows, out, fmt, columns, bom)

    try:
        if str(output) == "-":
            return write(sys.stdout.buffer)
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as fh:
                n = write(fh)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return n
    finally:
        if bar is not None:
            bar.close()


def _counting(rows: Iterable[dict[str, Any]], bar: Any) -> Iterator[dict[str, Any]]:
    for i, row in enumerate(rows, 1):
        yield row
        if i % 500 == 0:
            bar.update(500)
    bar.update(bar.total - bar.n if bar.total else 0)


def _write(
    rows: Iterable[dict[str, Any]], out: IO[bytes], fmt: str, columns: Sequence[str], bom: bool
) -> int:
    if fmt == "csv":
        n = write_csv(rows, out, columns, bom=bom)
    elif fmt == "jsonl":
        n = write_jsonl(rows, out, columns)
    else:
        n = write_parquet(rows, out, columns)
    out.flush()
    return n


# -- stats -------------------------------------------------------------------------------------
def _filled_sql(name: str) -> str:
    if name in LIST_FIELDS:
        return f"SUM({name} NOT IN ('', '[]'))"
    if name == "word_count":
        return "SUM(word_count > 0)"
    return f"SUM(COALESCE({name}, '') != '')"


def collect_stats(conn: sqlite3.Connection, filters: Filters | None = None) -> dict[str, Any]:
    """Counts an analyst checks first: total, by month, by district, by tag, fill rates."""
    filters = filters or Filters()
    if filters.search:
        check_search(conn, filters.search)
    where, args = filters.where()
    base = f"SELECT * FROM articles{where}"
    fills = ", ".join(_filled_sql(c) for c in FIELDS)
    head = conn.execute(
        f"SELECT COUNT(*), SUM(duplicate_of IS NOT NULL), MIN(published_at), MAX(published_at),"
        f" {fills} FROM ({base}) AS articles",
        args,
    ).fetchone()
    total = int(head[0])

    def grouped(sql: str) -> list[tuple[str, int]]:
        return [(r[0], int(r[1])) for r in conn.execute(sql, args)]

    return {
        "articles": total,
        "near_duplicates": int(head[1] or 0),
        "published_from": head[2],
        "published_to": head[3],
        "by_month": grouped(
            f"SELECT COALESCE(substr(published_at, 1, 7), '(no date)') AS m, COUNT(*)"
            f" FROM ({base}) GROUP BY m ORDER BY m"
        ),
        "by_district": grouped(
            f"SELECT d.value, COUNT(*) AS n FROM ({base}) AS a, json_each(a.districts) AS d"
            " GROUP BY d.value ORDER BY n DESC, d.value"
        ),
        "by_tag": grouped(
            f"SELECT t.value, COUNT(*) AS n FROM ({base}) AS a, json_each(a.tags) AS t"
            " GROUP BY t.value ORDER BY n DESC, t.value"
        ),
        "fill_rate": {name: (int(head[4 + i] or 0), total) for i, name in enumerate(FIELDS)},
    }


def format_stats(stats: dict[str, Any], top: int = 20) -> str:
    """Plain-text report; ``top`` limits the tag list (0: all)."""
    total = stats["articles"]
    lines = [
        f"articles: {total}",
        f"near-duplicates (duplicate_of set): {stats['near_duplicates']}",
        f"published: {stats['published_from'] or '-'} .. {stats['published_to'] or '-'}",
    ]

    def table(title: str, pairs: list[tuple[str, int]], limit: int = 0) -> None:
        lines.append("")
        lines.append(f"{title}:")
        if not pairs:
            lines.append("  (none)")
        shown = pairs[:limit] if limit else pairs
        width = max((len(k) for k, _ in shown), default=0)
        for key, n in shown:
            lines.append(f"  {key:<{width}}  {n:>7}")
        if len(shown) < len(pairs):
            lines.append(f"  … {len(pairs) - len(shown)} more (--top 0 shows all)")

    table("by month", stats["by_month"])
    table("by district", stats["by_district"])
    table("by tag", stats["by_tag"], top)
    lines.append("")
    lines.append("fill rate:")
    for name, (filled, n) in stats["fill_rate"].items():
        rate = 100.0 * filled / n if n else 0.0
        lines.append(f"  {name:<13}  {rate:6.1f}%  ({filled}/{n})")
    return "\n".join(lines) + "\n"
