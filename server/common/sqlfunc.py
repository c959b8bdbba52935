"""Portable SQL expressions that SQLite and PostgreSQL spell differently."""
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from server.common.types import UTCDateTime


class add_days(FunctionElement):
    """``add_days(timestamp, n)``: the timestamp plus ``n`` whole days (n may be a column)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_default(element, compiler, **kw):  # PostgreSQL and others
    ts, days = list(element.clauses)
    return f"({compiler.process(ts, **kw)} + make_interval(days => CAST({compiler.process(days, **kw)} AS INTEGER)))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    ts, days = list(element.clauses)
    # Same text layout SQLAlchemy stores, so comparisons stay lexicographic-correct.
    return (f"strftime('%Y-%m-%d %H:%M:%S', {compiler.process(ts, **kw)}, "
            f"'+' || {compiler.process(days, **kw)} || ' days')")


class string_agg(FunctionElement):
    """``string_agg(column)``: the values of a group joined with commas (SQLite: group_concat)."""

    inherit_cache = True
    name = "string_agg"


@compiles(string_agg)
def _string_agg_default(element, compiler, **kw):
    (col,) = list(element.clauses)
    return f"string_agg({compiler.process(col, **kw)}, ',')"


@compiles(string_agg, "sqlite")
def _string_agg_sqlite(element, compiler, **kw):
    (col,) = list(element.clauses)
    return f"group_concat({compiler.process(col, **kw)}, ',')"


class seconds_between(FunctionElement):
    """``seconds_between(start, end)``: the seconds from one timestamp to another, as a number."""

    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_between_default(element, compiler, **kw):
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(b, **kw)} - {compiler.process(a, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    a, b = list(element.clauses)
    return f"((julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)})) * 86400.0)"


class week_start(FunctionElement):
    """``week_start(ts)``: the Monday (a date string, YYYY-MM-DD) of the China-time week holding ``ts``
    (UTC+8 all year: China keeps no summer time)."""

    inherit_cache = True
    name = "week_start"


@compiles(week_start)
def _week_start_default(element, compiler, **kw):
    (ts,) = list(element.clauses)
    return f"to_char(date_trunc('week', {compiler.process(ts, **kw)} + interval '8 hours'), 'YYYY-MM-DD')"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    (ts,) = list(element.clauses)
    return f"date({compiler.process(ts, **kw)}, '+8 hours', '-6 days', 'weekday 1')"


class local_day(FunctionElement):
    """``local_day(ts)``: the China-time date (a string, YYYY-MM-DD) of a UTC timestamp."""

    inherit_cache = True
    name = "local_day"


@compiles(local_day)
def _local_day_default(element, compiler, **kw):
    (ts,) = list(element.clauses)
    return f"to_char({compiler.process(ts, **kw)} + interval '8 hours', 'YYYY-MM-DD')"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    (ts,) = list(element.clauses)
    return f"date({compiler.process(ts, **kw)}, '+8 hours')"
