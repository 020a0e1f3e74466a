-- 0007_app_metrics.sql - application metrics (StatsD series published by the
-- plugins and the server), beside the process rows: one row per series per
-- snapshot in the raw tier, and 1-minute / 1-hour rollups computed from the
-- raw rows they cover, with the merged sketches (so rolled-up quantiles are
-- quantiles of all the samples, not averages of quantiles).
--
-- Figures per type (the v_app_* views name them):
--   counter  count = increment in the interval, value = running total
--   gauge    value = value at the end of the interval
--   set      value = distinct members in the interval, sketch = the members
--   timer, histogram, distribution
--            count, sum, min, max, p50, p90, p99 of the interval's samples,
--            sketch = the interval's quantile sketch (src/appmetrics/sketch.c)

CREATE TABLE app_series (  -- one row per publisher and series
  id INTEGER PRIMARY KEY,
  name_id INTEGER NOT NULL REFERENCES process_name(id),  -- the publisher (kind 0: the server)
  key TEXT NOT NULL,   -- name, or name#k:v,... with the tags sorted by key
  name TEXT NOT NULL,  -- the metric name as published
  tags TEXT NOT NULL,  -- 'k:v,k2:v2' ('' without tags)
  type INTEGER NOT NULL,  -- 0 counter, 1 gauge, 2 timer, 3 histogram, 4 distribution, 5 set
  UNIQUE (name_id, key, type)
);

CREATE TABLE raw_app (  -- one row per series per snapshot
  ts_ms INTEGER NOT NULL,  -- = raw_system.ts_ms of the snapshot that closed the interval
  series_id INTEGER NOT NULL,  -- app_series.id
  interval_ms INTEGER NOT NULL,  -- the interval the row aggregates
  count REAL,  -- counter: increment; summary: samples (sample rates applied)
  value REAL,  -- counter: running total; gauge: value; set: distinct members
  sum REAL,
  min REAL,
  max REAL,
  p50 REAL,
  p90 REAL,
  p99 REAL,
  sketch BLOB,  -- summary: quantile sketch; set: members; NULL when empty
  PRIMARY KEY (ts_ms, series_id)
) WITHOUT ROWID;

CREATE TABLE app_1m (  -- per series per minute, from the raw rows of that minute
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds (multiple of 60)
  series_id INTEGER NOT NULL,
  n INTEGER NOT NULL,  -- raw rows (intervals) merged
  seconds REAL NOT NULL,  -- sum of their intervals
  count REAL,  -- counter: sum of increments; summary: sum of samples
  value_avg REAL,  -- gauge / set / counter total: avg, min, max and last of value
  value_min REAL,
  value_max REAL,
  value_last REAL,
  distinct_members REAL,  -- set: distinct members in the whole bucket (merged)
  sum REAL,
  min REAL,
  max REAL,
  p50 REAL,  -- summary: quantiles of the merged sketch
  p90 REAL,
  p99 REAL,
  sketch BLOB,  -- summary / set: the merged sketch or members
  PRIMARY KEY (bucket, series_id)
) WITHOUT ROWID;

CREATE TABLE app_1h (  -- per series per hour, from the minute rows of that hour
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds (multiple of 3600)
  series_id INTEGER NOT NULL,
  n INTEGER NOT NULL,
  seconds REAL NOT NULL,
  count REAL,
  value_avg REAL,
  value_min REAL,
  value_max REAL,
  value_last REAL,
  distinct_members REAL,
  sum REAL,
  min REAL,
  max REAL,
  p50 REAL,
  p90 REAL,
  p99 REAL,
  sketch BLOB,
  PRIMARY KEY (bucket, series_id)
) WITHOUT ROWID;

CREATE VIEW v_app_series AS SELECT
  a.id AS id,
  CASE n.kind WHEN 0 THEN 'server' ELSE n.name END AS process,
  a.key AS key, a.name AS name, a.tags AS tags,
  CASE a.type WHEN 0 THEN 'counter' WHEN 1 THEN 'gauge' WHEN 2 THEN 'timer'
              WHEN 3 THEN 'histogram' WHEN 4 THEN 'distribution' ELSE 'set' END AS type
FROM app_series a JOIN process_name n ON n.id = a.name_id;

CREATE VIEW v_app_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  s.process AS process, s.key AS series, s.name AS name, s.tags AS tags, s.type AS type,
  r.interval_ms / 1000.0 AS interval_seconds,
  CASE s.type WHEN 'counter' THEN r.count * 1000.0 / r.interval_ms END AS rate,
  CASE WHEN s.type IN ('counter', 'timer', 'histogram', 'distribution') THEN r.count END AS count,
  CASE s.type WHEN 'counter' THEN r.value END AS total,
  CASE s.type WHEN 'gauge' THEN r.value END AS value,
  CASE s.type WHEN 'set' THEN r.value END AS distinct_members,
  r.sum AS sum, r.min AS min, r.max AS max, r.p50 AS p50, r.p90 AS p90, r.p99 AS p99
FROM raw_app r JOIN v_app_series s ON s.id = r.series_id;

CREATE VIEW v_app_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  s.process AS process, s.key AS series, s.name AS name, s.tags AS tags, s.type AS type,
  r.n AS samples, r.seconds AS seconds,
  CASE s.type WHEN 'counter' THEN r.count / r.seconds END AS rate,
  CASE WHEN s.type IN ('counter', 'timer', 'histogram', 'distribution') THEN r.count END AS count,
  CASE s.type WHEN 'counter' THEN r.value_last END AS total,
  CASE s.type WHEN 'gauge' THEN r.value_avg END AS value_avg,
  CASE s.type WHEN 'gauge' THEN r.value_min END AS value_min,
  CASE s.type WHEN 'gauge' THEN r.value_max END AS value_max,
  CASE s.type WHEN 'gauge' THEN r.value_last END AS value_last,
  CASE s.type WHEN 'set' THEN r.distinct_members END AS distinct_members,
  r.sum AS sum, r.min AS min, r.max AS max, r.p50 AS p50, r.p90 AS p90, r.p99 AS p99
FROM app_1m r JOIN v_app_series s ON s.id = r.series_id;

CREATE VIEW v_app_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  s.process AS process, s.key AS series, s.name AS name, s.tags AS tags, s.type AS type,
  r.n AS samples, r.seconds AS seconds,
  CASE s.type WHEN 'counter' THEN r.count / r.seconds END AS rate,
  CASE WHEN s.type IN ('counter', 'timer', 'histogram', 'distribution') THEN r.count END AS count,
  CASE s.type WHEN 'counter' THEN r.value_last END AS total,
  CASE s.type WHEN 'gauge' THEN r.value_avg END AS value_avg,
  CASE s.type WHEN 'gauge' THEN r.value_min END AS value_min,
  CASE s.type WHEN 'gauge' THEN r.value_max END AS value_max,
  CASE s.type WHEN 'gauge' THEN r.value_last END AS value_last,
  CASE s.type WHEN 'set' THEN r.distinct_members END AS distinct_members,
  r.sum AS sum, r.min AS min, r.max AS max, r.p50 AS p50, r.p90 AS p90, r.p99 AS p99
FROM app_1h r JOIN v_app_series s ON s.id = r.series_id;
