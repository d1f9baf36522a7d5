-- cnitrail export: one Athena table per exported table, with partition projection on the
-- `event_date` folder, so no MSCK REPAIR / crawler is needed and new days are visible at once.
--
-- Replace s3://BUCKET/PREFIX with the --out of `cnitrail export` (the folder that holds
-- events/, intervals/, …) and the projection range's start with the first day you export.
-- Query with a filter on event_date (a string 'YYYY-MM-DD') so Athena reads only those days:
--   SELECT count(*) FROM cnitrail_events WHERE event_date BETWEEN '2026-11-21' AND '2026-11-22';
--
-- Column types follow docs/schema.md (a test checks that every column is declared here).
-- Athena keeps timestamps of Hive tables to the millisecond; CloudTrail's are to the second.

CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_events (
  `event_id` string,
  `event_time` timestamp,
  `event_name` string,
  `region` string,
  `account` string,
  `eni_id` string,
  `instance_id` string,
  `instance_type` string,
  `attachment_id` string,
  `subnet_id` string,
  `vpc_id` string,
  `cidr_block` string,
  `device_index` bigint,
  `delete_on_termination` boolean,
  `private_ips` array<string>,
  `primary_ip` string,
  `ipv4_prefixes` array<string>,
  `ipv6_addresses` array<string>,
  `ipv6_prefixes` array<string>,
  `requested_ipv4_count` bigint,
  `requested_ipv4_prefix_count` bigint,
  `requested_ipv6_count` bigint,
  `requested_ipv6_prefix_count` bigint,
  `description` string,
  `error_code` string,
  `error_code_raw` string,
  `error_message` string,
  `caller_arn` string,
  `session_name` string,
  `user_agent` string,
  `actor` string,
  `cni_version` string,
  `source_file` string,
  `record_index` bigint
)
PARTITIONED BY (`event_date` string)
STORED AS PARQUET
LOCATION 's3://BUCKET/PREFIX/events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2020-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/PREFIX/events/event_date=${event_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_intervals (
  `address` string,
  `family` string,
  `prefix` boolean,
  `primary` boolean,
  `eni_id` string,
  `instance_id` string,
  `subnet_id` string,
  `assigned_at` timestamp,
  `released_at` timestamp,
  `start_known` boolean,
  `release_reason` string,
  `assign_event_id` string,
  `release_event_id` string,
  `actor` string,
  `assign_call` string
)
PARTITIONED BY (`event_date` string)
STORED AS PARQUET
LOCATION 's3://BUCKET/PREFIX/intervals/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2020-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/PREFIX/intervals/event_date=${event_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_enis (
  `eni_id` string,
  `subnet_id` string,
  `owner_instance` string,
  `created_at` timestamp,
  `created_event_id` string,
  `created_by` string,
  `attachment_id` string,
  `instance_id` string,
  `device_index` bigint,
  `attached_at` timestamp,
  `detached_at` timestamp,
  `ended_at` timestamp,
  `end` string,
  `end_event_id` string
)
PARTITIONED BY (`event_date` string)
STORED AS PARQUET
LOCATION 's3://BUCKET/PREFIX/enis/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2020-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/PREFIX/enis/event_date=${event_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_throttled_calls (
  `minute` timestamp,
  `account` string,
  `region` string,
  `api` string,
  `caller` string,
  `node` string,
  `actor` string,
  `calls` bigint,
  `throttled` bigint,
  `failed` bigint
)
PARTITIONED BY (`event_date` string)
STORED AS PARQUET
LOCATION 's3://BUCKET/PREFIX/throttled_calls/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2020-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/PREFIX/throttled_calls/event_date=${event_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_ec2_calls (
  `minute` timestamp,
  `account` string,
  `region` string,
  `api` string,
  `caller` string,
  `actor` string,
  `calls` bigint,
  `throttled` bigint,
  `failed` bigint
)
PARTITIONED BY (`event_date` string)
STORED AS PARQUET
LOCATION 's3://BUCKET/PREFIX/ec2_calls/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2020-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/PREFIX/ec2_calls/event_date=${event_date}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS cnitrail_subnet_usage (
  `subnet_id` string,
  `time` timestamp,
  `node` bigint,
  `cni` bigint,
  `cni_prefix` bigint,
  `other` bigint,
  `held` bigint,
  `capacity` bigint,
  `free` bigint
)
PARTITIONED BY (`event_date` string)
STORED AS PARQUET
LOCATION 's3://BUCKET/PREFIX/subnet_usage/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.event_date.type' = 'date',
  'projection.event_date.format' = 'yyyy-MM-dd',
  'projection.event_date.range' = '2020-01-01,NOW',
  'projection.event_date.interval' = '1',
  'projection.event_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/PREFIX/subnet_usage/event_date=${event_date}/'
);
