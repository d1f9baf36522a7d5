-- cnitrail export, queried with Athena (engine v3, Trino SQL): the questions the CLI answers.
-- The tables are those of athena.sql. The same questions for DuckDB, checked against a real
-- export by the test suite, are in duckdb.sql; these are the same queries in Trino's dialect
-- (not run here: no AWS access in CI).
--
-- Always restrict event_date (a string 'YYYY-MM-DD'): with partition projection Athena then
-- reads only those days' folders. Replace the literals (address, moment, days) as needed.

-- who_had_ip: `cnitrail who 10.0.0.17 --at 2026-11-22T14:02:00Z`, directly or through a
-- delegated prefix. Holdings are half-open: released at T means not held at T. A holding is
-- filed under the day it began, so look back as far as a holding can last (here 30 days);
-- holdings that began before the input (assigned_at null) are on the first day exported.
SELECT '10.0.0.17' AS ip, eni_id, instance_id, subnet_id,
       CASE WHEN prefix THEN address END AS prefix,
       assigned_at, released_at, start_known, release_reason,
       assign_event_id, release_event_id, actor
FROM cnitrail_intervals
WHERE event_date BETWEEN '2026-10-23' AND '2026-11-22'
  AND (address = '10.0.0.17'
       OR (prefix AND family = 'ipv4' AND contains(address, CAST('10.0.0.17' AS IPADDRESS))))
  AND (assigned_at IS NULL OR assigned_at <= TIMESTAMP '2026-11-22 14:02:00')
  AND (released_at IS NULL OR released_at > TIMESTAMP '2026-11-22 14:02:00')
ORDER BY assigned_at NULLS FIRST, eni_id;

-- churn_per_node_per_hour: `cnitrail churn --by node --every 1h`, the address columns:
-- holdings that began or ended in each hour, per node, primaries and prefixes left out.
SELECT date_trunc('hour', t) AS bucket, node,
       sum(assigned) AS addresses_assigned, sum(released) AS addresses_released
FROM (
  SELECT instance_id AS node, assigned_at AS t, 1 AS assigned, 0 AS released
  FROM cnitrail_intervals
  WHERE event_date BETWEEN '2026-11-21' AND '2026-11-22'
    AND assigned_at IS NOT NULL AND NOT "primary" AND NOT prefix
  UNION ALL
  SELECT instance_id, released_at, 0, 1
  FROM cnitrail_intervals
  WHERE event_date BETWEEN '2026-11-14' AND '2026-11-22'
    AND released_at >= TIMESTAMP '2026-11-21 00:00:00' AND NOT "primary" AND NOT prefix
)
GROUP BY 1, 2
ORDER BY bucket, node NULLS FIRST;

-- throttled_calls_per_minute_and_api: `cnitrail throttle --table minutes`: every minute and
-- API with a throttled call, with everyone's calls of that API in the minute.
SELECT minute, account, region, api,
       sum(calls) AS calls, sum(throttled) AS throttled,
       coalesce(sum(calls) FILTER (WHERE actor = 'cni'), 0) AS cni_calls,
       coalesce(sum(calls) FILTER (WHERE actor <> 'cni'), 0) AS other_calls,
       count(DISTINCT caller) AS callers
FROM cnitrail_ec2_calls
WHERE event_date BETWEEN '2026-11-21' AND '2026-11-22'
GROUP BY 1, 2, 3, 4
HAVING sum(throttled) > 0
ORDER BY minute, account, region, api;

-- The same minutes from the small throttled_calls table, with the nodes involved.
SELECT minute, api, sum(throttled) AS throttled,
       array_agg(DISTINCT node) FILTER (WHERE node IS NOT NULL) AS nodes
FROM cnitrail_throttled_calls
WHERE event_date BETWEEN '2026-11-21' AND '2026-11-22'
GROUP BY 1, 2
ORDER BY 1, 2;

-- usage_at_first_exhaustion: `cnitrail exhaustion --table moments`, from the usage table:
-- each subnet's first "no free addresses" error and what was held at the start of that minute.
WITH failures AS (
  SELECT coalesce(e.subnet_id, n.subnet_id) AS subnet_id, e.event_time
  FROM cnitrail_events e
  LEFT JOIN (SELECT DISTINCT eni_id, subnet_id FROM cnitrail_enis WHERE subnet_id IS NOT NULL) n
    ON n.eni_id = e.eni_id
  WHERE e.event_date BETWEEN '2026-11-21' AND '2026-11-22'
    AND (e.error_code IN ('InsufficientFreeAddressesInSubnet', 'InsufficientCidrBlocks')
         OR (e.error_code = 'InvalidParameterValue'
             AND e.error_message LIKE '%There aren''t sufficient free Ipv4 addresses or prefixes%'))
), first_failure AS (
  SELECT subnet_id, min(event_time) AS first_failure_at, count(*) AS failures
  FROM failures WHERE subnet_id IS NOT NULL GROUP BY subnet_id
)
SELECT f.subnet_id, f.first_failure_at, f.failures,
       u.time, u.node, u.cni, u.cni_prefix, u.other, u.held, u.capacity, u.free
FROM first_failure f
LEFT JOIN cnitrail_subnet_usage u
  ON u.subnet_id = f.subnet_id
 AND u.event_date = date_format(f.first_failure_at, '%Y-%m-%d')
 AND u.time = date_trunc('minute', f.first_failure_at)
ORDER BY f.subnet_id;
