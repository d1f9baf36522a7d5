#!/usr/bin/env python3
"""Reads a `cnitrail export` folder with pyarrow, pandas, DuckDB and pyspark (local mode) and
prints one JSON object: per table, the row count each engine sees (they must agree), min/max
of its time column, and a few values; the answers of docs/sql/duckdb.sql's queries.

Fails (exit 1, with the reason) when an engine disagrees or a Parquet file has a nanosecond or
INT96 timestamp, a timestamp not in UTC microseconds, or `string_view` in its Arrow schema.
Exit 3 when a package is missing, saying how to install them.

    python3 tests/interop/read_back.py EXPORT_DIR [--ip A --at 2026-11-22T14:02:00Z]
"""

import argparse
import glob
import json
import os
import re
import sys

INSTALL = "python3 -m pip install pyarrow pandas duckdb pyspark  (and Java 17 for pyspark)"

try:
    import duckdb
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    import pyspark  # noqa: F401
except ImportError as e:  # the Rust test turns this into a failure with the hint
    print(f"missing Python package: {e.name}; install with: {INSTALL}", file=sys.stderr)
    sys.exit(3)

TABLES = {
    "events": "event_time",
    "intervals": "assigned_at",
    "enis": "created_at",
    "throttled_calls": "minute",
    "ec2_calls": "minute",
    "subnet_usage": "time",
}

problems = []


def iso(v):
    if v is None:
        return None
    return v.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_file(path):
    """The Parquet schema itself: no INT96, no NANOS, UTC micros; no views in ARROW:schema."""
    f = pq.ParquetFile(path)
    schema = f.schema
    for i in range(len(schema)):
        col = schema.column(i)
        logical = str(col.logical_type)
        if col.physical_type == "INT96":
            problems.append(f"{path}: {col.path} is INT96")
        if "Timestamp" in logical:
            if "timeUnit=microseconds" not in logical or "isAdjustedToUTC=true" not in logical:
                problems.append(f"{path}: {col.path} is {logical}")
        if "nanoseconds" in logical:
            problems.append(f"{path}: {col.path} is {logical}")
    for field in f.schema_arrow:
        text = str(field.type)
        if "view" in text:
            problems.append(f"{path}: ARROW:schema gives {field.name} as {text}")
        if pa.types.is_timestamp(field.type) and (field.type.unit != "us" or field.type.tz != "UTC"):
            problems.append(f"{path}: {field.name} reads as {text}")
    if "event_date" in f.schema_arrow.names:
        problems.append(f"{path}: the partition key is also a column")
    return f.metadata.num_row_groups


def spark_session():
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("cnitrail-interop")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )


def run_duckdb_file(con, sql_path, root, ip, at):
    """Runs docs/sql/duckdb.sql with our variables; returns {query name: rows as lists}."""
    text = open(sql_path).read()
    values = {"cnitrail": f"'{root}'", "ip": f"'{ip}'", "at_time": f"TIMESTAMPTZ '{at}'"}
    for name, value in values.items():
        text, n = re.subn(rf"SET VARIABLE {name} = [^;]*;", f"SET VARIABLE {name} = {value};", text)
        if n != 1:
            problems.append(f"{sql_path}: no SET VARIABLE {name}")
    answers = {}
    for statement in text.split(";\n"):
        body = "\n".join(l for l in statement.splitlines() if not l.strip().startswith("--")).strip()
        if not body:
            continue
        m = re.search(r"^-- query: (\w+)", statement, re.M)
        rel = con.sql(body)
        if m:
            # Through Arrow, times as text: fetching a TIMESTAMPTZ into Python needs pytz.
            t = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
            cols = [
                c.cast(pa.string()) if pa.types.is_timestamp(c.type) else c for c in t.columns
            ]
            rows = list(zip(*[c.to_pylist() for c in cols])) if cols else []
            answers[m.group(1)] = [[None if v is None else str(v) for v in r] for r in rows]
    return answers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--ip", default="10.0.0.17")
    ap.add_argument("--at", default="2026-11-22 14:02:00+00")
    ap.add_argument("--sql", default=os.path.join(os.path.dirname(__file__), "..", "..", "docs", "sql", "duckdb.sql"))
    ap.add_argument("--no-spark", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)

    out = {"tables": {}}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    spark = None if args.no_spark else spark_session()
    for table, tcol in TABLES.items():
        folder = os.path.join(root, table)
        files = sorted(glob.glob(os.path.join(folder, "event_date=*", "*.parquet")))
        info = {"files": len(files), "row_groups": sum(check_file(f) for f in files)}
        if not files:
            out["tables"][table] = info | {"rows": 0}
            continue
        # pyarrow: the dataset with hive partitioning, and a filter with a plain string.
        dset = ds.dataset(folder, format="parquet", partitioning="hive")
        t = dset.to_table()
        info["pyarrow_rows"] = t.num_rows
        info["days"] = sorted(set(t.column("event_date").to_pylist()))
        info["time_min"] = iso(pc.min(t.column(tcol)).as_py())
        info["time_max"] = iso(pc.max(t.column(tcol)).as_py())
        # pandas through pyarrow.
        df = pd.read_parquet(folder)
        info["pandas_rows"] = len(df)
        info["pandas_time_dtype"] = str(df[tcol].dtype)
        # DuckDB.
        glob_expr = os.path.join(folder, "*", "*.parquet")
        # (Times formatted in SQL: fetching a TIMESTAMPTZ into Python needs pytz.)
        fmt = "'%Y-%m-%dT%H:%M:%SZ'"
        q = (
            f"SELECT count(*), strftime(min({tcol}), {fmt}), strftime(max({tcol}), {fmt}) "
            f"FROM read_parquet('{glob_expr}', hive_partitioning = true)"
        )
        n, lo, hi = con.execute(q).fetchall()[0]
        info["duckdb_rows"] = n
        info["duckdb_time_min"] = lo
        info["duckdb_time_max"] = hi
        # Spark, vectorized reader, partition discovery.
        if spark is not None:
            sdf = spark.read.parquet(folder)
            info["spark_rows"] = sdf.count()
            info["spark_time_type"] = dict(sdf.dtypes)[tcol]
            row = sdf.selectExpr(f"min({tcol}) AS lo", f"max({tcol}) AS hi").collect()[0]
            info["spark_time_min"] = iso(row.lo)
            info["spark_time_max"] = iso(row.hi)
            if info["spark_time_type"] != "timestamp":
                problems.append(f"{table}.{tcol}: Spark reads it as {info['spark_time_type']}")
        counts = {k: v for k, v in info.items() if k.endswith("_rows")}
        if len(set(counts.values())) != 1:
            problems.append(f"{table}: engines disagree on the row count: {counts}")
        for engine in ("duckdb", "spark"):
            for end in ("min", "max"):
                key = f"{engine}_time_{end}"
                if key in info and info[key] != info[f"time_{end}"]:
                    problems.append(f"{table}: {key} {info[key]} != pyarrow's {info[f'time_{end}']}")
        info["rows"] = info["pyarrow_rows"]
        if table == "events":
            info["distinct_eni_id"] = len(set(v for v in t.column("eni_id").to_pylist() if v))
            info["private_ips_total"] = int(pc.sum(pc.list_value_length(t.column("private_ips"))).as_py() or 0)
            info["assign_calls"] = t.filter(pc.equal(t.column("event_name"), "AssignPrivateIpAddresses")).num_rows
            n, ips = con.execute(
                f"SELECT count(DISTINCT eni_id), coalesce(sum(len(private_ips)), 0) FROM read_parquet('{glob_expr}', hive_partitioning = true)"
            ).fetchall()[0]
            if (n, ips) != (info["distinct_eni_id"], info["private_ips_total"]):
                problems.append(f"events: DuckDB sees {n} ENIs / {ips} IPs")
            if spark is not None:
                r = spark.read.parquet(folder).selectExpr(
                    "count(DISTINCT eni_id) AS n", "coalesce(sum(size(private_ips)), 0) AS ips"
                ).collect()[0]
                if (r.n, r.ips) != (info["distinct_eni_id"], info["private_ips_total"]):
                    problems.append(f"events: Spark sees {r.n} ENIs / {r.ips} IPs")
            pd_ips = int(df["private_ips"].map(len).sum())
            if pd_ips != info["private_ips_total"]:
                problems.append(f"events: pandas sees {pd_ips} IPs")
        out["tables"][table] = info
    out["queries"] = run_duckdb_file(con, args.sql, root, args.ip, args.at)
    if spark is not None:
        spark.stop()
    out["problems"] = problems
    print(json.dumps(out, indent=1, sort_keys=True))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
