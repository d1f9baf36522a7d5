-- cnitrail export, read with DuckDB: the questions the CLI answers, in SQL.
--
--   duckdb -c ".read docs/sql/duckdb.sql"     (after setting the variables below)
--
-- Set `cnitrail` to the --out folder of `cnitrail export` (a local path, or s3://… with the
-- httpfs extension and credentials), and `ip` / `at_time` to the address and moment to ask about.
-- tests/interop/read_back.py runs every query of this file against a real export (it sets
-- the variables itself) and checks their answers against the CLI's.

SET VARIABLE cnitrail = 'cnitrail-export';
SET VARIABLE ip = '10.0.0.17';
SET VARIABLE at_time = TIMESTAMPTZ '2026-11-22 14:02:00+00';

-- One view per table; `event_date` (from the folder name) comes as a column of its own.
CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet(getvariable('cnitrail') || '/events/*/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW intervals AS SELECT * FROM read_parquet(getvariable('cnitrail') || '/intervals/*/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW enis AS SELECT * FROM read_parquet(getvariable('cnitrail') || '/enis/*/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW throttled_calls AS SELECT * FROM read_parquet(getvariable('cnitrail') || '/throttled_calls/*/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW ec2_calls AS SELECT * FROM read_parquet(getvariable('cnitrail') || '/ec2_calls/*/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW subnet_usage AS SELECT * FROM read_parquet(getvariable('cnitrail') || '/subnet_usage/*/*.parquet', hive_partitioning = true);

-- IPv4 text → integer, for addresses inside delegated prefixes.
CREATE OR REPLACE MACRO ipv4_int(a) AS
  (split_part(a, '.', 1)::BIGINT << 24) + (split_part(a, '.', 2)::BIGINT << 16)
  + (split_part(a, '.', 3)::BIGINT << 8) + split_part(a, '.', 4)::BIGINT;

-- query: who_had_ip
-- `cnitrail who IP --at T`: every holder of the address at that moment, directly or through a
-- delegated prefix. Holdings are half-open: released at T means not held at T.
SELECT getvariable('ip') AS ip, eni_id, instance_id, subnet_id,
       CASE WHEN prefix THEN address END AS prefix,
       assigned_at, released_at, start_known, release_reason,
       assign_event_id, release_event_id, actor
FROM intervals
WHERE (address = getvariable('ip')
       OR (prefix AND family = 'ipv4' AND getvariable('ip') NOT LIKE '%:%'
           AND ipv4_int(getvariable('ip')) >> (32 - split_part(address, '/', 2)::INT)
             = ipv4_int(split_part(address, '/', 1)) >> (32 - split_part(address, '/', 2)::INT)))
  AND (assigned_at IS NULL OR assigned_at <= getvariable('at_time'))
  AND (released_at IS NULL OR released_at > getvariable('at_time'))
ORDER BY assigned_at NULLS FIRST, eni_id;

-- query: churn_per_node_per_hour
-- `cnitrail churn --by node --every 1h`, the address columns: holdings that began or ended in
-- each hour, per node (the instance the ENI was attached to when the holding began),
-- primaries and prefixes left out.
SELECT date_trunc('hour', t) AS bucket, node,
       sum(assigned) AS addresses_assigned, sum(released) AS addresses_released
FROM (
  SELECT instance_id AS node, assigned_at AS t, 1 AS assigned, 0 AS released
  FROM intervals WHERE assigned_at IS NOT NULL AND NOT "primary" AND NOT prefix
  UNION ALL
  SELECT instance_id, released_at, 0, 1
  FROM intervals WHERE released_at IS NOT NULL AND NOT "primary" AND NOT prefix
)
GROUP BY ALL
ORDER BY bucket, node NULLS FIRST;

-- query: throttled_calls_per_minute_and_api
-- `cnitrail throttle --table minutes`: every minute and API with a throttled call, with
-- everyone's calls of that API in the minute (EC2 throttles per account and API).
SELECT minute, account, region, api,
       sum(calls) AS calls, sum(throttled) AS throttled,
       coalesce(sum(calls) FILTER (WHERE actor = 'cni'), 0) AS cni_calls,
       coalesce(sum(calls) FILTER (WHERE actor <> 'cni'), 0) AS other_calls,
       count(DISTINCT caller) AS callers
FROM ec2_calls
GROUP BY ALL
HAVING sum(throttled) > 0
ORDER BY minute, account, region, api;

-- query: usage_at_first_exhaustion
-- `cnitrail exhaustion --table moments`, from the usage table: each subnet's first
-- "no free addresses" error, and what was held there at the start of that minute.
WITH failures AS (
  SELECT coalesce(e.subnet_id, n.subnet_id) AS subnet_id, e.event_time
  FROM events e
  LEFT JOIN (SELECT DISTINCT eni_id, subnet_id FROM enis WHERE subnet_id IS NOT NULL) n
    ON n.eni_id = e.eni_id
  WHERE e.error_code IN ('InsufficientFreeAddressesInSubnet', 'InsufficientCidrBlocks')
     OR (e.error_code = 'InvalidParameterValue'
         AND e.error_message LIKE '%There aren''t sufficient free Ipv4 addresses or prefixes%')
), first_failure AS (
  SELECT subnet_id, min(event_time) AS first_failure_at, count(*) AS failures
  FROM failures WHERE subnet_id IS NOT NULL GROUP BY subnet_id
)
SELECT f.subnet_id, f.first_failure_at, f.failures,
       u.time, u.node, u.cni, u.cni_prefix, u.other, u.held, u.capacity, u.free
FROM first_failure f
LEFT JOIN subnet_usage u
  ON u.subnet_id = f.subnet_id AND u.time = date_trunc('minute', f.first_failure_at)
ORDER BY f.subnet_id;
