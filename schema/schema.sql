-- schema.sql - the full schema the migrations produce (PRAGMA user_version = 11).
-- Kept in step with migrations/ by tests/unit/test_store_migrations.c. Open
-- with: sqlite3 metrics.db, then query the v_* views. Regenerate with
-- scripts/gen_schema.sh.

-- 0001_initial.sql - tables of the metrics recorder.
--
-- Scaled integers keep the raw tier small (see schema/schema.sql and the v_*
-- views for unscaled values): *_x100 = value x 100, *_kib = bytes / 1024,
-- *_bps = bytes per second rounded to an integer. Timestamps: ts_ms is
-- wall-clock Unix milliseconds, bucket is the bucket start in Unix seconds.

CREATE TABLE meta (
  key TEXT PRIMARY KEY,   -- 'rollup_1m_ms', 'rollup_1h_ms': max raw ts_ms rolled up
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE process_name (
  id INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,  -- 0 the server process, 1 a channel plugin
  name TEXT NOT NULL,     -- 'server' for the server process, else the plugin name
  UNIQUE (kind, name)
);

CREATE TABLE process (    -- one row per process instance (name, pid)
  id INTEGER PRIMARY KEY,
  name_id INTEGER NOT NULL REFERENCES process_name(id),
  pid INTEGER NOT NULL,
  UNIQUE (name_id, pid)
);

CREATE TABLE raw_system (  -- one row per snapshot
  ts_ms INTEGER PRIMARY KEY,  -- Unix milliseconds
  cpu_pct_x100 INTEGER,  -- system-wide busy percent x 100
  cpu_count INTEGER,  -- logical CPUs
  mem_total INTEGER,  -- bytes
  mem_available INTEGER,  -- bytes
  mem_pct_x100 INTEGER,  -- used percent x 100
  disk_total INTEGER,  -- bytes (NULL: no disk data)
  disk_used INTEGER,  -- bytes
  disk_free INTEGER,  -- bytes
  disk_pct_x100 INTEGER,  -- used percent x 100
  disk_read_bps INTEGER,  -- bytes/s, rounded
  disk_write_bps INTEGER,  -- bytes/s, rounded
  net_sent_bps INTEGER,  -- bytes/s, rounded (NULL: no network data)
  net_recv_bps INTEGER,  -- bytes/s, rounded
  net_sent_pps_x100 INTEGER,  -- packets/s x 100
  net_recv_pps_x100 INTEGER  -- packets/s x 100
);

CREATE TABLE raw_process (  -- one row per process per snapshot
  ts_ms INTEGER NOT NULL,  -- = raw_system.ts_ms
  process_id INTEGER NOT NULL,  -- process.id
  alive INTEGER NOT NULL,  -- 1 alive, 0 exited
  cpu_pct_x100 INTEGER NOT NULL,  -- percent of one core x 100
  rss_kib INTEGER NOT NULL,  -- KiB (RSS is a page multiple)
  vms_kib INTEGER NOT NULL,  -- KiB
  threads INTEGER NOT NULL,  -- threads
  PRIMARY KEY (ts_ms, process_id)
) WITHOUT ROWID;

CREATE TABLE system_1m (
  bucket INTEGER PRIMARY KEY,  -- bucket start, Unix seconds (multiple of 60)
  n INTEGER NOT NULL,  -- samples
  n_disk INTEGER NOT NULL,  -- samples with disk data
  n_net INTEGER NOT NULL,  -- samples with network data
  cpu_pct_x100_avg REAL,  -- same units as raw_system.cpu_pct_x100
  cpu_pct_x100_min INTEGER,
  cpu_pct_x100_max INTEGER,
  cpu_count_avg REAL,  -- same units as raw_system.cpu_count
  cpu_count_min INTEGER,
  cpu_count_max INTEGER,
  mem_total_avg REAL,  -- same units as raw_system.mem_total
  mem_total_min INTEGER,
  mem_total_max INTEGER,
  mem_available_avg REAL,  -- same units as raw_system.mem_available
  mem_available_min INTEGER,
  mem_available_max INTEGER,
  mem_pct_x100_avg REAL,  -- same units as raw_system.mem_pct_x100
  mem_pct_x100_min INTEGER,
  mem_pct_x100_max INTEGER,
  disk_total_avg REAL,  -- same units as raw_system.disk_total
  disk_total_min INTEGER,
  disk_total_max INTEGER,
  disk_used_avg REAL,  -- same units as raw_system.disk_used
  disk_used_min INTEGER,
  disk_used_max INTEGER,
  disk_free_avg REAL,  -- same units as raw_system.disk_free
  disk_free_min INTEGER,
  disk_free_max INTEGER,
  disk_pct_x100_avg REAL,  -- same units as raw_system.disk_pct_x100
  disk_pct_x100_min INTEGER,
  disk_pct_x100_max INTEGER,
  disk_read_bps_avg REAL,  -- same units as raw_system.disk_read_bps
  disk_read_bps_min INTEGER,
  disk_read_bps_max INTEGER,
  disk_write_bps_avg REAL,  -- same units as raw_system.disk_write_bps
  disk_write_bps_min INTEGER,
  disk_write_bps_max INTEGER,
  net_sent_bps_avg REAL,  -- same units as raw_system.net_sent_bps
  net_sent_bps_min INTEGER,
  net_sent_bps_max INTEGER,
  net_recv_bps_avg REAL,  -- same units as raw_system.net_recv_bps
  net_recv_bps_min INTEGER,
  net_recv_bps_max INTEGER,
  net_sent_pps_x100_avg REAL,  -- same units as raw_system.net_sent_pps_x100
  net_sent_pps_x100_min INTEGER,
  net_sent_pps_x100_max INTEGER,
  net_recv_pps_x100_avg REAL,  -- same units as raw_system.net_recv_pps_x100
  net_recv_pps_x100_min INTEGER,
  net_recv_pps_x100_max INTEGER
);

CREATE TABLE system_1h (
  bucket INTEGER PRIMARY KEY,  -- bucket start, Unix seconds (multiple of 3600)
  n INTEGER NOT NULL,  -- samples
  n_disk INTEGER NOT NULL,  -- samples with disk data
  n_net INTEGER NOT NULL,  -- samples with network data
  cpu_pct_x100_avg REAL,  -- same units as raw_system.cpu_pct_x100
  cpu_pct_x100_min INTEGER,
  cpu_pct_x100_max INTEGER,
  cpu_count_avg REAL,  -- same units as raw_system.cpu_count
  cpu_count_min INTEGER,
  cpu_count_max INTEGER,
  mem_total_avg REAL,  -- same units as raw_system.mem_total
  mem_total_min INTEGER,
  mem_total_max INTEGER,
  mem_available_avg REAL,  -- same units as raw_system.mem_available
  mem_available_min INTEGER,
  mem_available_max INTEGER,
  mem_pct_x100_avg REAL,  -- same units as raw_system.mem_pct_x100
  mem_pct_x100_min INTEGER,
  mem_pct_x100_max INTEGER,
  disk_total_avg REAL,  -- same units as raw_system.disk_total
  disk_total_min INTEGER,
  disk_total_max INTEGER,
  disk_used_avg REAL,  -- same units as raw_system.disk_used
  disk_used_min INTEGER,
  disk_used_max INTEGER,
  disk_free_avg REAL,  -- same units as raw_system.disk_free
  disk_free_min INTEGER,
  disk_free_max INTEGER,
  disk_pct_x100_avg REAL,  -- same units as raw_system.disk_pct_x100
  disk_pct_x100_min INTEGER,
  disk_pct_x100_max INTEGER,
  disk_read_bps_avg REAL,  -- same units as raw_system.disk_read_bps
  disk_read_bps_min INTEGER,
  disk_read_bps_max INTEGER,
  disk_write_bps_avg REAL,  -- same units as raw_system.disk_write_bps
  disk_write_bps_min INTEGER,
  disk_write_bps_max INTEGER,
  net_sent_bps_avg REAL,  -- same units as raw_system.net_sent_bps
  net_sent_bps_min INTEGER,
  net_sent_bps_max INTEGER,
  net_recv_bps_avg REAL,  -- same units as raw_system.net_recv_bps
  net_recv_bps_min INTEGER,
  net_recv_bps_max INTEGER,
  net_sent_pps_x100_avg REAL,  -- same units as raw_system.net_sent_pps_x100
  net_sent_pps_x100_min INTEGER,
  net_sent_pps_x100_max INTEGER,
  net_recv_pps_x100_avg REAL,  -- same units as raw_system.net_recv_pps_x100
  net_recv_pps_x100_min INTEGER,
  net_recv_pps_x100_max INTEGER
);

CREATE TABLE process_1m (  -- per plugin name, all its pids
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds (multiple of 60)
  name_id INTEGER NOT NULL,  -- process_name.id
  pid INTEGER NOT NULL,  -- last pid seen
  n INTEGER NOT NULL,  -- samples
  alive_avg REAL NOT NULL,  -- same units as raw_process.alive
  alive_min INTEGER NOT NULL,
  alive_max INTEGER NOT NULL,
  cpu_pct_x100_avg REAL NOT NULL,  -- same units as raw_process.cpu_pct_x100
  cpu_pct_x100_min INTEGER NOT NULL,
  cpu_pct_x100_max INTEGER NOT NULL,
  rss_kib_avg REAL NOT NULL,  -- same units as raw_process.rss_kib
  rss_kib_min INTEGER NOT NULL,
  rss_kib_max INTEGER NOT NULL,
  vms_kib_avg REAL NOT NULL,  -- same units as raw_process.vms_kib
  vms_kib_min INTEGER NOT NULL,
  vms_kib_max INTEGER NOT NULL,
  threads_avg REAL NOT NULL,  -- same units as raw_process.threads
  threads_min INTEGER NOT NULL,
  threads_max INTEGER NOT NULL,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE TABLE process_1h (  -- per plugin name, all its pids
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds (multiple of 3600)
  name_id INTEGER NOT NULL,  -- process_name.id
  pid INTEGER NOT NULL,  -- last pid seen
  n INTEGER NOT NULL,  -- samples
  alive_avg REAL NOT NULL,  -- same units as raw_process.alive
  alive_min INTEGER NOT NULL,
  alive_max INTEGER NOT NULL,
  cpu_pct_x100_avg REAL NOT NULL,  -- same units as raw_process.cpu_pct_x100
  cpu_pct_x100_min INTEGER NOT NULL,
  cpu_pct_x100_max INTEGER NOT NULL,
  rss_kib_avg REAL NOT NULL,  -- same units as raw_process.rss_kib
  rss_kib_min INTEGER NOT NULL,
  rss_kib_max INTEGER NOT NULL,
  vms_kib_avg REAL NOT NULL,  -- same units as raw_process.vms_kib
  vms_kib_min INTEGER NOT NULL,
  vms_kib_max INTEGER NOT NULL,
  threads_avg REAL NOT NULL,  -- same units as raw_process.threads
  threads_min INTEGER NOT NULL,
  threads_max INTEGER NOT NULL,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

-- 0002_views.sql - views for people: ISO-8601 UTC times, process names and
-- unscaled units (bytes, percent, per second). Example:
--   SELECT time, name, cpu_percent, rss_bytes FROM v_process_raw
--   WHERE time >= '2024-05-01T10:00:00Z' ORDER BY time;

CREATE VIEW v_system_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', ts_ms / 1000, 'unixepoch') AS time,
  ts_ms / 1000.0 AS ts,
  cpu_pct_x100 / 100.0 AS cpu_percent,
  cpu_count AS cpu_count,
  mem_total AS memory_total_bytes,
  mem_available AS memory_available_bytes,
  mem_pct_x100 / 100.0 AS memory_percent,
  disk_total AS disk_total_bytes,
  disk_used AS disk_used_bytes,
  disk_free AS disk_free_bytes,
  disk_pct_x100 / 100.0 AS disk_percent,
  disk_read_bps AS disk_read_bytes_per_sec,
  disk_write_bps AS disk_write_bytes_per_sec,
  net_sent_bps AS net_bytes_sent_per_sec,
  net_recv_bps AS net_bytes_recv_per_sec,
  net_sent_pps_x100 / 100.0 AS net_packets_sent_per_sec,
  net_recv_pps_x100 / 100.0 AS net_packets_recv_per_sec
FROM raw_system;

CREATE VIEW v_process_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  p.pid AS pid,
  r.alive AS alive,
  r.cpu_pct_x100 / 100.0 AS cpu_percent,
  r.rss_kib * 1024 AS rss_bytes,
  r.vms_kib * 1024 AS vms_bytes,
  r.threads AS num_threads
FROM raw_process r JOIN process p ON p.id = r.process_id JOIN process_name n ON n.id = p.name_id;

CREATE VIEW v_system_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max
FROM system_1m;

CREATE VIEW v_process_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  r.pid AS pid,
  r.n AS samples,
  r.alive_avg AS alive_avg,
  r.alive_min AS alive_min,
  r.alive_max AS alive_max,
  r.cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  r.cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  r.cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  r.rss_kib_avg * 1024 AS rss_bytes_avg,
  r.rss_kib_min * 1024 AS rss_bytes_min,
  r.rss_kib_max * 1024 AS rss_bytes_max,
  r.vms_kib_avg * 1024 AS vms_bytes_avg,
  r.vms_kib_min * 1024 AS vms_bytes_min,
  r.vms_kib_max * 1024 AS vms_bytes_max,
  r.threads_avg AS num_threads_avg,
  r.threads_min AS num_threads_min,
  r.threads_max AS num_threads_max
FROM process_1m r JOIN process_name n ON n.id = r.name_id;

CREATE VIEW v_system_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max
FROM system_1h;

CREATE VIEW v_process_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  r.pid AS pid,
  r.n AS samples,
  r.alive_avg AS alive_avg,
  r.alive_min AS alive_min,
  r.alive_max AS alive_max,
  r.cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  r.cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  r.cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  r.rss_kib_avg * 1024 AS rss_bytes_avg,
  r.rss_kib_min * 1024 AS rss_bytes_min,
  r.rss_kib_max * 1024 AS rss_bytes_max,
  r.vms_kib_avg * 1024 AS vms_bytes_avg,
  r.vms_kib_min * 1024 AS vms_bytes_min,
  r.vms_kib_max * 1024 AS vms_bytes_max,
  r.threads_avg AS num_threads_avg,
  r.threads_min AS num_threads_min,
  r.threads_max AS num_threads_max
FROM process_1h r JOIN process_name n ON n.id = r.name_id;

-- 0003_system_context.sql - the machine beside the plugins: load averages and
-- task counts, swap space and swap I/O, pressure stall information (PSI).
-- Each group is NULL in a raw row when it could not be read (a kernel without
-- PSI has no pressure figures); rollups count each group's samples
-- (n_load, n_swap, n_psi) and average over them. Units as in 0001: *_x100 =
-- value x 100, *_bps = bytes per second. The v_system_* views are recreated
-- with the new columns under their flat names.

ALTER TABLE raw_system ADD COLUMN load1_x100 INTEGER;  -- 1-minute load average.
ALTER TABLE raw_system ADD COLUMN load5_x100 INTEGER;  -- 5-minute load average.
ALTER TABLE raw_system ADD COLUMN load15_x100 INTEGER;  -- 15-minute load average.
ALTER TABLE raw_system ADD COLUMN tasks_runnable INTEGER;  -- Tasks runnable now.
ALTER TABLE raw_system ADD COLUMN tasks_total INTEGER;  -- Tasks (threads) in the system.
ALTER TABLE raw_system ADD COLUMN swap_total INTEGER;  -- Swap space.
ALTER TABLE raw_system ADD COLUMN swap_used INTEGER;  -- Swap space in use.
ALTER TABLE raw_system ADD COLUMN swap_pct_x100 INTEGER;  -- Swap in use, percent of the swap space.
ALTER TABLE raw_system ADD COLUMN swap_in_bps INTEGER;  -- Bytes swapped in per second.
ALTER TABLE raw_system ADD COLUMN swap_out_bps INTEGER;  -- Bytes swapped out per second.
ALTER TABLE raw_system ADD COLUMN psi_cpu_some_x100 INTEGER;  -- cpu pressure, some: kernel's 10 s average, percent of time stalled.
ALTER TABLE raw_system ADD COLUMN psi_cpu_full_x100 INTEGER;  -- cpu pressure, full: kernel's 10 s average, percent of time stalled.
ALTER TABLE raw_system ADD COLUMN psi_mem_some_x100 INTEGER;  -- memory pressure, some: kernel's 10 s average, percent of time stalled.
ALTER TABLE raw_system ADD COLUMN psi_mem_full_x100 INTEGER;  -- memory pressure, full: kernel's 10 s average, percent of time stalled.
ALTER TABLE raw_system ADD COLUMN psi_io_some_x100 INTEGER;  -- io pressure, some: kernel's 10 s average, percent of time stalled.
ALTER TABLE raw_system ADD COLUMN psi_io_full_x100 INTEGER;  -- io pressure, full: kernel's 10 s average, percent of time stalled.
ALTER TABLE raw_system ADD COLUMN psi_cpu_some_stall_x100 INTEGER;  -- cpu pressure, some: percent of the interval stalled.
ALTER TABLE raw_system ADD COLUMN psi_cpu_full_stall_x100 INTEGER;  -- cpu pressure, full: percent of the interval stalled.
ALTER TABLE raw_system ADD COLUMN psi_mem_some_stall_x100 INTEGER;  -- memory pressure, some: percent of the interval stalled.
ALTER TABLE raw_system ADD COLUMN psi_mem_full_stall_x100 INTEGER;  -- memory pressure, full: percent of the interval stalled.
ALTER TABLE raw_system ADD COLUMN psi_io_some_stall_x100 INTEGER;  -- io pressure, some: percent of the interval stalled.
ALTER TABLE raw_system ADD COLUMN psi_io_full_stall_x100 INTEGER;  -- io pressure, full: percent of the interval stalled.

ALTER TABLE system_1m ADD COLUMN n_load INTEGER NOT NULL DEFAULT 0;
ALTER TABLE system_1m ADD COLUMN n_swap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE system_1m ADD COLUMN n_psi INTEGER NOT NULL DEFAULT 0;
ALTER TABLE system_1m ADD COLUMN load1_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN load1_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN load1_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN load5_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN load5_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN load5_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN load15_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN load15_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN load15_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN tasks_runnable_avg REAL;
ALTER TABLE system_1m ADD COLUMN tasks_runnable_min INTEGER;
ALTER TABLE system_1m ADD COLUMN tasks_runnable_max INTEGER;
ALTER TABLE system_1m ADD COLUMN tasks_total_avg REAL;
ALTER TABLE system_1m ADD COLUMN tasks_total_min INTEGER;
ALTER TABLE system_1m ADD COLUMN tasks_total_max INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_total_avg REAL;
ALTER TABLE system_1m ADD COLUMN swap_total_min INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_total_max INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_used_avg REAL;
ALTER TABLE system_1m ADD COLUMN swap_used_min INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_used_max INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_pct_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN swap_pct_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_pct_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_in_bps_avg REAL;
ALTER TABLE system_1m ADD COLUMN swap_in_bps_min INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_in_bps_max INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_out_bps_avg REAL;
ALTER TABLE system_1m ADD COLUMN swap_out_bps_min INTEGER;
ALTER TABLE system_1m ADD COLUMN swap_out_bps_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_some_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_cpu_some_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_some_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_full_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_cpu_full_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_full_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_some_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_mem_some_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_some_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_full_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_mem_full_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_full_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_some_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_io_some_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_some_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_full_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_io_full_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_full_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_some_stall_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_cpu_some_stall_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_some_stall_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_full_stall_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_cpu_full_stall_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_cpu_full_stall_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_some_stall_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_mem_some_stall_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_some_stall_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_full_stall_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_mem_full_stall_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_mem_full_stall_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_some_stall_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_io_some_stall_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_some_stall_x100_max INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_full_stall_x100_avg REAL;
ALTER TABLE system_1m ADD COLUMN psi_io_full_stall_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN psi_io_full_stall_x100_max INTEGER;

ALTER TABLE system_1h ADD COLUMN n_load INTEGER NOT NULL DEFAULT 0;
ALTER TABLE system_1h ADD COLUMN n_swap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE system_1h ADD COLUMN n_psi INTEGER NOT NULL DEFAULT 0;
ALTER TABLE system_1h ADD COLUMN load1_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN load1_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN load1_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN load5_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN load5_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN load5_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN load15_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN load15_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN load15_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN tasks_runnable_avg REAL;
ALTER TABLE system_1h ADD COLUMN tasks_runnable_min INTEGER;
ALTER TABLE system_1h ADD COLUMN tasks_runnable_max INTEGER;
ALTER TABLE system_1h ADD COLUMN tasks_total_avg REAL;
ALTER TABLE system_1h ADD COLUMN tasks_total_min INTEGER;
ALTER TABLE system_1h ADD COLUMN tasks_total_max INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_total_avg REAL;
ALTER TABLE system_1h ADD COLUMN swap_total_min INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_total_max INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_used_avg REAL;
ALTER TABLE system_1h ADD COLUMN swap_used_min INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_used_max INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_pct_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN swap_pct_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_pct_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_in_bps_avg REAL;
ALTER TABLE system_1h ADD COLUMN swap_in_bps_min INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_in_bps_max INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_out_bps_avg REAL;
ALTER TABLE system_1h ADD COLUMN swap_out_bps_min INTEGER;
ALTER TABLE system_1h ADD COLUMN swap_out_bps_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_some_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_cpu_some_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_some_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_full_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_cpu_full_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_full_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_some_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_mem_some_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_some_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_full_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_mem_full_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_full_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_some_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_io_some_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_some_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_full_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_io_full_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_full_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_some_stall_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_cpu_some_stall_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_some_stall_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_full_stall_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_cpu_full_stall_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_cpu_full_stall_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_some_stall_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_mem_some_stall_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_some_stall_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_full_stall_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_mem_full_stall_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_mem_full_stall_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_some_stall_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_io_some_stall_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_some_stall_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_full_stall_x100_avg REAL;
ALTER TABLE system_1h ADD COLUMN psi_io_full_stall_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN psi_io_full_stall_x100_max INTEGER;

DROP VIEW v_system_raw;
CREATE VIEW v_system_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', ts_ms / 1000, 'unixepoch') AS time,
  ts_ms / 1000.0 AS ts,
  cpu_pct_x100 / 100.0 AS cpu_percent,
  cpu_count AS cpu_count,
  mem_total AS memory_total_bytes,
  mem_available AS memory_available_bytes,
  mem_pct_x100 / 100.0 AS memory_percent,
  disk_total AS disk_total_bytes,
  disk_used AS disk_used_bytes,
  disk_free AS disk_free_bytes,
  disk_pct_x100 / 100.0 AS disk_percent,
  disk_read_bps AS disk_read_bytes_per_sec,
  disk_write_bps AS disk_write_bytes_per_sec,
  net_sent_bps AS net_bytes_sent_per_sec,
  net_recv_bps AS net_bytes_recv_per_sec,
  net_sent_pps_x100 / 100.0 AS net_packets_sent_per_sec,
  net_recv_pps_x100 / 100.0 AS net_packets_recv_per_sec,
  load1_x100 / 100.0 AS load1,
  load5_x100 / 100.0 AS load5,
  load15_x100 / 100.0 AS load15,
  tasks_runnable AS tasks_runnable,
  tasks_total AS tasks_total,
  swap_total AS swap_total_bytes,
  swap_used AS swap_used_bytes,
  swap_pct_x100 / 100.0 AS swap_percent,
  swap_in_bps AS swap_in_bytes_per_sec,
  swap_out_bps AS swap_out_bytes_per_sec,
  psi_cpu_some_x100 / 100.0 AS pressure_cpu_some_avg10,
  psi_cpu_full_x100 / 100.0 AS pressure_cpu_full_avg10,
  psi_mem_some_x100 / 100.0 AS pressure_memory_some_avg10,
  psi_mem_full_x100 / 100.0 AS pressure_memory_full_avg10,
  psi_io_some_x100 / 100.0 AS pressure_io_some_avg10,
  psi_io_full_x100 / 100.0 AS pressure_io_full_avg10,
  psi_cpu_some_stall_x100 / 100.0 AS pressure_cpu_some_stall_percent,
  psi_cpu_full_stall_x100 / 100.0 AS pressure_cpu_full_stall_percent,
  psi_mem_some_stall_x100 / 100.0 AS pressure_memory_some_stall_percent,
  psi_mem_full_stall_x100 / 100.0 AS pressure_memory_full_stall_percent,
  psi_io_some_stall_x100 / 100.0 AS pressure_io_some_stall_percent,
  psi_io_full_stall_x100 / 100.0 AS pressure_io_full_stall_percent
FROM raw_system;

DROP VIEW v_system_1m;
CREATE VIEW v_system_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max,
  n_load AS samples_load,
  n_swap AS samples_swap,
  n_psi AS samples_psi,
  load1_x100_avg / 100.0 AS load1_avg,
  load1_x100_min / 100.0 AS load1_min,
  load1_x100_max / 100.0 AS load1_max,
  load5_x100_avg / 100.0 AS load5_avg,
  load5_x100_min / 100.0 AS load5_min,
  load5_x100_max / 100.0 AS load5_max,
  load15_x100_avg / 100.0 AS load15_avg,
  load15_x100_min / 100.0 AS load15_min,
  load15_x100_max / 100.0 AS load15_max,
  tasks_runnable_avg AS tasks_runnable_avg,
  tasks_runnable_min AS tasks_runnable_min,
  tasks_runnable_max AS tasks_runnable_max,
  tasks_total_avg AS tasks_total_avg,
  tasks_total_min AS tasks_total_min,
  tasks_total_max AS tasks_total_max,
  swap_total_avg AS swap_total_bytes_avg,
  swap_total_min AS swap_total_bytes_min,
  swap_total_max AS swap_total_bytes_max,
  swap_used_avg AS swap_used_bytes_avg,
  swap_used_min AS swap_used_bytes_min,
  swap_used_max AS swap_used_bytes_max,
  swap_pct_x100_avg / 100.0 AS swap_percent_avg,
  swap_pct_x100_min / 100.0 AS swap_percent_min,
  swap_pct_x100_max / 100.0 AS swap_percent_max,
  swap_in_bps_avg AS swap_in_bytes_per_sec_avg,
  swap_in_bps_min AS swap_in_bytes_per_sec_min,
  swap_in_bps_max AS swap_in_bytes_per_sec_max,
  swap_out_bps_avg AS swap_out_bytes_per_sec_avg,
  swap_out_bps_min AS swap_out_bytes_per_sec_min,
  swap_out_bps_max AS swap_out_bytes_per_sec_max,
  psi_cpu_some_x100_avg / 100.0 AS pressure_cpu_some_avg10_avg,
  psi_cpu_some_x100_min / 100.0 AS pressure_cpu_some_avg10_min,
  psi_cpu_some_x100_max / 100.0 AS pressure_cpu_some_avg10_max,
  psi_cpu_full_x100_avg / 100.0 AS pressure_cpu_full_avg10_avg,
  psi_cpu_full_x100_min / 100.0 AS pressure_cpu_full_avg10_min,
  psi_cpu_full_x100_max / 100.0 AS pressure_cpu_full_avg10_max,
  psi_mem_some_x100_avg / 100.0 AS pressure_memory_some_avg10_avg,
  psi_mem_some_x100_min / 100.0 AS pressure_memory_some_avg10_min,
  psi_mem_some_x100_max / 100.0 AS pressure_memory_some_avg10_max,
  psi_mem_full_x100_avg / 100.0 AS pressure_memory_full_avg10_avg,
  psi_mem_full_x100_min / 100.0 AS pressure_memory_full_avg10_min,
  psi_mem_full_x100_max / 100.0 AS pressure_memory_full_avg10_max,
  psi_io_some_x100_avg / 100.0 AS pressure_io_some_avg10_avg,
  psi_io_some_x100_min / 100.0 AS pressure_io_some_avg10_min,
  psi_io_some_x100_max / 100.0 AS pressure_io_some_avg10_max,
  psi_io_full_x100_avg / 100.0 AS pressure_io_full_avg10_avg,
  psi_io_full_x100_min / 100.0 AS pressure_io_full_avg10_min,
  psi_io_full_x100_max / 100.0 AS pressure_io_full_avg10_max,
  psi_cpu_some_stall_x100_avg / 100.0 AS pressure_cpu_some_stall_percent_avg,
  psi_cpu_some_stall_x100_min / 100.0 AS pressure_cpu_some_stall_percent_min,
  psi_cpu_some_stall_x100_max / 100.0 AS pressure_cpu_some_stall_percent_max,
  psi_cpu_full_stall_x100_avg / 100.0 AS pressure_cpu_full_stall_percent_avg,
  psi_cpu_full_stall_x100_min / 100.0 AS pressure_cpu_full_stall_percent_min,
  psi_cpu_full_stall_x100_max / 100.0 AS pressure_cpu_full_stall_percent_max,
  psi_mem_some_stall_x100_avg / 100.0 AS pressure_memory_some_stall_percent_avg,
  psi_mem_some_stall_x100_min / 100.0 AS pressure_memory_some_stall_percent_min,
  psi_mem_some_stall_x100_max / 100.0 AS pressure_memory_some_stall_percent_max,
  psi_mem_full_stall_x100_avg / 100.0 AS pressure_memory_full_stall_percent_avg,
  psi_mem_full_stall_x100_min / 100.0 AS pressure_memory_full_stall_percent_min,
  psi_mem_full_stall_x100_max / 100.0 AS pressure_memory_full_stall_percent_max,
  psi_io_some_stall_x100_avg / 100.0 AS pressure_io_some_stall_percent_avg,
  psi_io_some_stall_x100_min / 100.0 AS pressure_io_some_stall_percent_min,
  psi_io_some_stall_x100_max / 100.0 AS pressure_io_some_stall_percent_max,
  psi_io_full_stall_x100_avg / 100.0 AS pressure_io_full_stall_percent_avg,
  psi_io_full_stall_x100_min / 100.0 AS pressure_io_full_stall_percent_min,
  psi_io_full_stall_x100_max / 100.0 AS pressure_io_full_stall_percent_max
FROM system_1m;

DROP VIEW v_system_1h;
CREATE VIEW v_system_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max,
  n_load AS samples_load,
  n_swap AS samples_swap,
  n_psi AS samples_psi,
  load1_x100_avg / 100.0 AS load1_avg,
  load1_x100_min / 100.0 AS load1_min,
  load1_x100_max / 100.0 AS load1_max,
  load5_x100_avg / 100.0 AS load5_avg,
  load5_x100_min / 100.0 AS load5_min,
  load5_x100_max / 100.0 AS load5_max,
  load15_x100_avg / 100.0 AS load15_avg,
  load15_x100_min / 100.0 AS load15_min,
  load15_x100_max / 100.0 AS load15_max,
  tasks_runnable_avg AS tasks_runnable_avg,
  tasks_runnable_min AS tasks_runnable_min,
  tasks_runnable_max AS tasks_runnable_max,
  tasks_total_avg AS tasks_total_avg,
  tasks_total_min AS tasks_total_min,
  tasks_total_max AS tasks_total_max,
  swap_total_avg AS swap_total_bytes_avg,
  swap_total_min AS swap_total_bytes_min,
  swap_total_max AS swap_total_bytes_max,
  swap_used_avg AS swap_used_bytes_avg,
  swap_used_min AS swap_used_bytes_min,
  swap_used_max AS swap_used_bytes_max,
  swap_pct_x100_avg / 100.0 AS swap_percent_avg,
  swap_pct_x100_min / 100.0 AS swap_percent_min,
  swap_pct_x100_max / 100.0 AS swap_percent_max,
  swap_in_bps_avg AS swap_in_bytes_per_sec_avg,
  swap_in_bps_min AS swap_in_bytes_per_sec_min,
  swap_in_bps_max AS swap_in_bytes_per_sec_max,
  swap_out_bps_avg AS swap_out_bytes_per_sec_avg,
  swap_out_bps_min AS swap_out_bytes_per_sec_min,
  swap_out_bps_max AS swap_out_bytes_per_sec_max,
  psi_cpu_some_x100_avg / 100.0 AS pressure_cpu_some_avg10_avg,
  psi_cpu_some_x100_min / 100.0 AS pressure_cpu_some_avg10_min,
  psi_cpu_some_x100_max / 100.0 AS pressure_cpu_some_avg10_max,
  psi_cpu_full_x100_avg / 100.0 AS pressure_cpu_full_avg10_avg,
  psi_cpu_full_x100_min / 100.0 AS pressure_cpu_full_avg10_min,
  psi_cpu_full_x100_max / 100.0 AS pressure_cpu_full_avg10_max,
  psi_mem_some_x100_avg / 100.0 AS pressure_memory_some_avg10_avg,
  psi_mem_some_x100_min / 100.0 AS pressure_memory_some_avg10_min,
  psi_mem_some_x100_max / 100.0 AS pressure_memory_some_avg10_max,
  psi_mem_full_x100_avg / 100.0 AS pressure_memory_full_avg10_avg,
  psi_mem_full_x100_min / 100.0 AS pressure_memory_full_avg10_min,
  psi_mem_full_x100_max / 100.0 AS pressure_memory_full_avg10_max,
  psi_io_some_x100_avg / 100.0 AS pressure_io_some_avg10_avg,
  psi_io_some_x100_min / 100.0 AS pressure_io_some_avg10_min,
  psi_io_some_x100_max / 100.0 AS pressure_io_some_avg10_max,
  psi_io_full_x100_avg / 100.0 AS pressure_io_full_avg10_avg,
  psi_io_full_x100_min / 100.0 AS pressure_io_full_avg10_min,
  psi_io_full_x100_max / 100.0 AS pressure_io_full_avg10_max,
  psi_cpu_some_stall_x100_avg / 100.0 AS pressure_cpu_some_stall_percent_avg,
  psi_cpu_some_stall_x100_min / 100.0 AS pressure_cpu_some_stall_percent_min,
  psi_cpu_some_stall_x100_max / 100.0 AS pressure_cpu_some_stall_percent_max,
  psi_cpu_full_stall_x100_avg / 100.0 AS pressure_cpu_full_stall_percent_avg,
  psi_cpu_full_stall_x100_min / 100.0 AS pressure_cpu_full_stall_percent_min,
  psi_cpu_full_stall_x100_max / 100.0 AS pressure_cpu_full_stall_percent_max,
  psi_mem_some_stall_x100_avg / 100.0 AS pressure_memory_some_stall_percent_avg,
  psi_mem_some_stall_x100_min / 100.0 AS pressure_memory_some_stall_percent_min,
  psi_mem_some_stall_x100_max / 100.0 AS pressure_memory_some_stall_percent_max,
  psi_mem_full_stall_x100_avg / 100.0 AS pressure_memory_full_stall_percent_avg,
  psi_mem_full_stall_x100_min / 100.0 AS pressure_memory_full_stall_percent_min,
  psi_mem_full_stall_x100_max / 100.0 AS pressure_memory_full_stall_percent_max,
  psi_io_some_stall_x100_avg / 100.0 AS pressure_io_some_stall_percent_avg,
  psi_io_some_stall_x100_min / 100.0 AS pressure_io_some_stall_percent_min,
  psi_io_some_stall_x100_max / 100.0 AS pressure_io_some_stall_percent_max,
  psi_io_full_stall_x100_avg / 100.0 AS pressure_io_full_stall_percent_avg,
  psi_io_full_stall_x100_min / 100.0 AS pressure_io_full_stall_percent_min,
  psi_io_full_stall_x100_max / 100.0 AS pressure_io_full_stall_percent_max
FROM system_1h;

-- 0004_interval.sql - the seconds each snapshot's rates were measured over
-- (the time since the previous tick of the same run), so that rate x
-- interval gives back exact bytes and packets whatever the interval was, and
-- a rollup row tells the seconds it covers (interval average x samples).
-- Rows written before this migration have NULL: their interval is unknown.

ALTER TABLE raw_system ADD COLUMN interval_x100 INTEGER;  -- seconds x 100
ALTER TABLE system_1m ADD COLUMN interval_x100_avg REAL;  -- same units as raw_system.interval_x100
ALTER TABLE system_1m ADD COLUMN interval_x100_min INTEGER;
ALTER TABLE system_1m ADD COLUMN interval_x100_max INTEGER;
ALTER TABLE system_1h ADD COLUMN interval_x100_avg REAL;  -- same units as raw_system.interval_x100
ALTER TABLE system_1h ADD COLUMN interval_x100_min INTEGER;
ALTER TABLE system_1h ADD COLUMN interval_x100_max INTEGER;

-- The system views again, with interval_seconds (raw) and, for rollups,
-- interval_seconds_avg/_min/_max and seconds: the seconds the row covers.
DROP VIEW v_system_raw;
CREATE VIEW v_system_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', ts_ms / 1000, 'unixepoch') AS time,
  ts_ms / 1000.0 AS ts,
  cpu_pct_x100 / 100.0 AS cpu_percent,
  cpu_count AS cpu_count,
  mem_total AS memory_total_bytes,
  mem_available AS memory_available_bytes,
  mem_pct_x100 / 100.0 AS memory_percent,
  disk_total AS disk_total_bytes,
  disk_used AS disk_used_bytes,
  disk_free AS disk_free_bytes,
  disk_pct_x100 / 100.0 AS disk_percent,
  disk_read_bps AS disk_read_bytes_per_sec,
  disk_write_bps AS disk_write_bytes_per_sec,
  net_sent_bps AS net_bytes_sent_per_sec,
  net_recv_bps AS net_bytes_recv_per_sec,
  net_sent_pps_x100 / 100.0 AS net_packets_sent_per_sec,
  net_recv_pps_x100 / 100.0 AS net_packets_recv_per_sec,
  load1_x100 / 100.0 AS load1,
  load5_x100 / 100.0 AS load5,
  load15_x100 / 100.0 AS load15,
  tasks_runnable AS tasks_runnable,
  tasks_total AS tasks_total,
  swap_total AS swap_total_bytes,
  swap_used AS swap_used_bytes,
  swap_pct_x100 / 100.0 AS swap_percent,
  swap_in_bps AS swap_in_bytes_per_sec,
  swap_out_bps AS swap_out_bytes_per_sec,
  psi_cpu_some_x100 / 100.0 AS pressure_cpu_some_avg10,
  psi_cpu_full_x100 / 100.0 AS pressure_cpu_full_avg10,
  psi_mem_some_x100 / 100.0 AS pressure_memory_some_avg10,
  psi_mem_full_x100 / 100.0 AS pressure_memory_full_avg10,
  psi_io_some_x100 / 100.0 AS pressure_io_some_avg10,
  psi_io_full_x100 / 100.0 AS pressure_io_full_avg10,
  psi_cpu_some_stall_x100 / 100.0 AS pressure_cpu_some_stall_percent,
  psi_cpu_full_stall_x100 / 100.0 AS pressure_cpu_full_stall_percent,
  psi_mem_some_stall_x100 / 100.0 AS pressure_memory_some_stall_percent,
  psi_mem_full_stall_x100 / 100.0 AS pressure_memory_full_stall_percent,
  psi_io_some_stall_x100 / 100.0 AS pressure_io_some_stall_percent,
  psi_io_full_stall_x100 / 100.0 AS pressure_io_full_stall_percent,
  interval_x100 / 100.0 AS interval_seconds
FROM raw_system;

DROP VIEW v_system_1m;
CREATE VIEW v_system_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  interval_x100_avg * n / 100.0 AS seconds,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max,
  n_load AS samples_load,
  n_swap AS samples_swap,
  n_psi AS samples_psi,
  load1_x100_avg / 100.0 AS load1_avg,
  load1_x100_min / 100.0 AS load1_min,
  load1_x100_max / 100.0 AS load1_max,
  load5_x100_avg / 100.0 AS load5_avg,
  load5_x100_min / 100.0 AS load5_min,
  load5_x100_max / 100.0 AS load5_max,
  load15_x100_avg / 100.0 AS load15_avg,
  load15_x100_min / 100.0 AS load15_min,
  load15_x100_max / 100.0 AS load15_max,
  tasks_runnable_avg AS tasks_runnable_avg,
  tasks_runnable_min AS tasks_runnable_min,
  tasks_runnable_max AS tasks_runnable_max,
  tasks_total_avg AS tasks_total_avg,
  tasks_total_min AS tasks_total_min,
  tasks_total_max AS tasks_total_max,
  swap_total_avg AS swap_total_bytes_avg,
  swap_total_min AS swap_total_bytes_min,
  swap_total_max AS swap_total_bytes_max,
  swap_used_avg AS swap_used_bytes_avg,
  swap_used_min AS swap_used_bytes_min,
  swap_used_max AS swap_used_bytes_max,
  swap_pct_x100_avg / 100.0 AS swap_percent_avg,
  swap_pct_x100_min / 100.0 AS swap_percent_min,
  swap_pct_x100_max / 100.0 AS swap_percent_max,
  swap_in_bps_avg AS swap_in_bytes_per_sec_avg,
  swap_in_bps_min AS swap_in_bytes_per_sec_min,
  swap_in_bps_max AS swap_in_bytes_per_sec_max,
  swap_out_bps_avg AS swap_out_bytes_per_sec_avg,
  swap_out_bps_min AS swap_out_bytes_per_sec_min,
  swap_out_bps_max AS swap_out_bytes_per_sec_max,
  psi_cpu_some_x100_avg / 100.0 AS pressure_cpu_some_avg10_avg,
  psi_cpu_some_x100_min / 100.0 AS pressure_cpu_some_avg10_min,
  psi_cpu_some_x100_max / 100.0 AS pressure_cpu_some_avg10_max,
  psi_cpu_full_x100_avg / 100.0 AS pressure_cpu_full_avg10_avg,
  psi_cpu_full_x100_min / 100.0 AS pressure_cpu_full_avg10_min,
  psi_cpu_full_x100_max / 100.0 AS pressure_cpu_full_avg10_max,
  psi_mem_some_x100_avg / 100.0 AS pressure_memory_some_avg10_avg,
  psi_mem_some_x100_min / 100.0 AS pressure_memory_some_avg10_min,
  psi_mem_some_x100_max / 100.0 AS pressure_memory_some_avg10_max,
  psi_mem_full_x100_avg / 100.0 AS pressure_memory_full_avg10_avg,
  psi_mem_full_x100_min / 100.0 AS pressure_memory_full_avg10_min,
  psi_mem_full_x100_max / 100.0 AS pressure_memory_full_avg10_max,
  psi_io_some_x100_avg / 100.0 AS pressure_io_some_avg10_avg,
  psi_io_some_x100_min / 100.0 AS pressure_io_some_avg10_min,
  psi_io_some_x100_max / 100.0 AS pressure_io_some_avg10_max,
  psi_io_full_x100_avg / 100.0 AS pressure_io_full_avg10_avg,
  psi_io_full_x100_min / 100.0 AS pressure_io_full_avg10_min,
  psi_io_full_x100_max / 100.0 AS pressure_io_full_avg10_max,
  psi_cpu_some_stall_x100_avg / 100.0 AS pressure_cpu_some_stall_percent_avg,
  psi_cpu_some_stall_x100_min / 100.0 AS pressure_cpu_some_stall_percent_min,
  psi_cpu_some_stall_x100_max / 100.0 AS pressure_cpu_some_stall_percent_max,
  psi_cpu_full_stall_x100_avg / 100.0 AS pressure_cpu_full_stall_percent_avg,
  psi_cpu_full_stall_x100_min / 100.0 AS pressure_cpu_full_stall_percent_min,
  psi_cpu_full_stall_x100_max / 100.0 AS pressure_cpu_full_stall_percent_max,
  psi_mem_some_stall_x100_avg / 100.0 AS pressure_memory_some_stall_percent_avg,
  psi_mem_some_stall_x100_min / 100.0 AS pressure_memory_some_stall_percent_min,
  psi_mem_some_stall_x100_max / 100.0 AS pressure_memory_some_stall_percent_max,
  psi_mem_full_stall_x100_avg / 100.0 AS pressure_memory_full_stall_percent_avg,
  psi_mem_full_stall_x100_min / 100.0 AS pressure_memory_full_stall_percent_min,
  psi_mem_full_stall_x100_max / 100.0 AS pressure_memory_full_stall_percent_max,
  psi_io_some_stall_x100_avg / 100.0 AS pressure_io_some_stall_percent_avg,
  psi_io_some_stall_x100_min / 100.0 AS pressure_io_some_stall_percent_min,
  psi_io_some_stall_x100_max / 100.0 AS pressure_io_some_stall_percent_max,
  psi_io_full_stall_x100_avg / 100.0 AS pressure_io_full_stall_percent_avg,
  psi_io_full_stall_x100_min / 100.0 AS pressure_io_full_stall_percent_min,
  psi_io_full_stall_x100_max / 100.0 AS pressure_io_full_stall_percent_max,
  interval_x100_avg / 100.0 AS interval_seconds_avg,
  interval_x100_min / 100.0 AS interval_seconds_min,
  interval_x100_max / 100.0 AS interval_seconds_max
FROM system_1m;

DROP VIEW v_system_1h;
CREATE VIEW v_system_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  interval_x100_avg * n / 100.0 AS seconds,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max,
  n_load AS samples_load,
  n_swap AS samples_swap,
  n_psi AS samples_psi,
  load1_x100_avg / 100.0 AS load1_avg,
  load1_x100_min / 100.0 AS load1_min,
  load1_x100_max / 100.0 AS load1_max,
  load5_x100_avg / 100.0 AS load5_avg,
  load5_x100_min / 100.0 AS load5_min,
  load5_x100_max / 100.0 AS load5_max,
  load15_x100_avg / 100.0 AS load15_avg,
  load15_x100_min / 100.0 AS load15_min,
  load15_x100_max / 100.0 AS load15_max,
  tasks_runnable_avg AS tasks_runnable_avg,
  tasks_runnable_min AS tasks_runnable_min,
  tasks_runnable_max AS tasks_runnable_max,
  tasks_total_avg AS tasks_total_avg,
  tasks_total_min AS tasks_total_min,
  tasks_total_max AS tasks_total_max,
  swap_total_avg AS swap_total_bytes_avg,
  swap_total_min AS swap_total_bytes_min,
  swap_total_max AS swap_total_bytes_max,
  swap_used_avg AS swap_used_bytes_avg,
  swap_used_min AS swap_used_bytes_min,
  swap_used_max AS swap_used_bytes_max,
  swap_pct_x100_avg / 100.0 AS swap_percent_avg,
  swap_pct_x100_min / 100.0 AS swap_percent_min,
  swap_pct_x100_max / 100.0 AS swap_percent_max,
  swap_in_bps_avg AS swap_in_bytes_per_sec_avg,
  swap_in_bps_min AS swap_in_bytes_per_sec_min,
  swap_in_bps_max AS swap_in_bytes_per_sec_max,
  swap_out_bps_avg AS swap_out_bytes_per_sec_avg,
  swap_out_bps_min AS swap_out_bytes_per_sec_min,
  swap_out_bps_max AS swap_out_bytes_per_sec_max,
  psi_cpu_some_x100_avg / 100.0 AS pressure_cpu_some_avg10_avg,
  psi_cpu_some_x100_min / 100.0 AS pressure_cpu_some_avg10_min,
  psi_cpu_some_x100_max / 100.0 AS pressure_cpu_some_avg10_max,
  psi_cpu_full_x100_avg / 100.0 AS pressure_cpu_full_avg10_avg,
  psi_cpu_full_x100_min / 100.0 AS pressure_cpu_full_avg10_min,
  psi_cpu_full_x100_max / 100.0 AS pressure_cpu_full_avg10_max,
  psi_mem_some_x100_avg / 100.0 AS pressure_memory_some_avg10_avg,
  psi_mem_some_x100_min / 100.0 AS pressure_memory_some_avg10_min,
  psi_mem_some_x100_max / 100.0 AS pressure_memory_some_avg10_max,
  psi_mem_full_x100_avg / 100.0 AS pressure_memory_full_avg10_avg,
  psi_mem_full_x100_min / 100.0 AS pressure_memory_full_avg10_min,
  psi_mem_full_x100_max / 100.0 AS pressure_memory_full_avg10_max,
  psi_io_some_x100_avg / 100.0 AS pressure_io_some_avg10_avg,
  psi_io_some_x100_min / 100.0 AS pressure_io_some_avg10_min,
  psi_io_some_x100_max / 100.0 AS pressure_io_some_avg10_max,
  psi_io_full_x100_avg / 100.0 AS pressure_io_full_avg10_avg,
  psi_io_full_x100_min / 100.0 AS pressure_io_full_avg10_min,
  psi_io_full_x100_max / 100.0 AS pressure_io_full_avg10_max,
  psi_cpu_some_stall_x100_avg / 100.0 AS pressure_cpu_some_stall_percent_avg,
  psi_cpu_some_stall_x100_min / 100.0 AS pressure_cpu_some_stall_percent_min,
  psi_cpu_some_stall_x100_max / 100.0 AS pressure_cpu_some_stall_percent_max,
  psi_cpu_full_stall_x100_avg / 100.0 AS pressure_cpu_full_stall_percent_avg,
  psi_cpu_full_stall_x100_min / 100.0 AS pressure_cpu_full_stall_percent_min,
  psi_cpu_full_stall_x100_max / 100.0 AS pressure_cpu_full_stall_percent_max,
  psi_mem_some_stall_x100_avg / 100.0 AS pressure_memory_some_stall_percent_avg,
  psi_mem_some_stall_x100_min / 100.0 AS pressure_memory_some_stall_percent_min,
  psi_mem_some_stall_x100_max / 100.0 AS pressure_memory_some_stall_percent_max,
  psi_mem_full_stall_x100_avg / 100.0 AS pressure_memory_full_stall_percent_avg,
  psi_mem_full_stall_x100_min / 100.0 AS pressure_memory_full_stall_percent_min,
  psi_mem_full_stall_x100_max / 100.0 AS pressure_memory_full_stall_percent_max,
  psi_io_some_stall_x100_avg / 100.0 AS pressure_io_some_stall_percent_avg,
  psi_io_some_stall_x100_min / 100.0 AS pressure_io_some_stall_percent_min,
  psi_io_some_stall_x100_max / 100.0 AS pressure_io_some_stall_percent_max,
  psi_io_full_stall_x100_avg / 100.0 AS pressure_io_full_stall_percent_avg,
  psi_io_full_stall_x100_min / 100.0 AS pressure_io_full_stall_percent_min,
  psi_io_full_stall_x100_max / 100.0 AS pressure_io_full_stall_percent_max,
  interval_x100_avg / 100.0 AS interval_seconds_avg,
  interval_x100_min / 100.0 AS interval_seconds_min,
  interval_x100_max / 100.0 AS interval_seconds_max
FROM system_1h;


-- 0005_rate_totals.sql - exact amounts behind every rate. A rollup row keeps,
-- for each rate column, <column>_total: the sum over its samples of rate x
-- interval, i.e. the bytes (or packets x 100 for *_pps_x100) that moved
-- while the row's samples were measured. Totals add up when a bucket is
-- written in parts, so they stay exact after an interval change, where the
-- sample average x seconds would weigh a 1 s sample like a 3 s one. NULL for
-- rows recorded before the interval was (0004).

ALTER TABLE system_1m ADD COLUMN disk_read_bps_total REAL;  -- bytes
ALTER TABLE system_1m ADD COLUMN disk_write_bps_total REAL;  -- bytes
ALTER TABLE system_1m ADD COLUMN net_sent_bps_total REAL;  -- bytes
ALTER TABLE system_1m ADD COLUMN net_recv_bps_total REAL;  -- bytes
ALTER TABLE system_1m ADD COLUMN net_sent_pps_x100_total REAL;  -- packets x 100
ALTER TABLE system_1m ADD COLUMN net_recv_pps_x100_total REAL;  -- packets x 100
ALTER TABLE system_1m ADD COLUMN swap_in_bps_total REAL;  -- bytes
ALTER TABLE system_1m ADD COLUMN swap_out_bps_total REAL;  -- bytes
ALTER TABLE system_1h ADD COLUMN disk_read_bps_total REAL;  -- bytes
ALTER TABLE system_1h ADD COLUMN disk_write_bps_total REAL;  -- bytes
ALTER TABLE system_1h ADD COLUMN net_sent_bps_total REAL;  -- bytes
ALTER TABLE system_1h ADD COLUMN net_recv_bps_total REAL;  -- bytes
ALTER TABLE system_1h ADD COLUMN net_sent_pps_x100_total REAL;  -- packets x 100
ALTER TABLE system_1h ADD COLUMN net_recv_pps_x100_total REAL;  -- packets x 100
ALTER TABLE system_1h ADD COLUMN swap_in_bps_total REAL;  -- bytes
ALTER TABLE system_1h ADD COLUMN swap_out_bps_total REAL;  -- bytes

-- The system views again, with the amounts under the rate's name without
-- _per_sec (disk_write_bytes, net_packets_sent, ...): rate x interval for a
-- raw row, the total for a rollup row.
DROP VIEW v_system_raw;
CREATE VIEW v_system_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', ts_ms / 1000, 'unixepoch') AS time,
  ts_ms / 1000.0 AS ts,
  cpu_pct_x100 / 100.0 AS cpu_percent,
  cpu_count AS cpu_count,
  mem_total AS memory_total_bytes,
  mem_available AS memory_available_bytes,
  mem_pct_x100 / 100.0 AS memory_percent,
  disk_total AS disk_total_bytes,
  disk_used AS disk_used_bytes,
  disk_free AS disk_free_bytes,
  disk_pct_x100 / 100.0 AS disk_percent,
  disk_read_bps AS disk_read_bytes_per_sec,
  disk_write_bps AS disk_write_bytes_per_sec,
  net_sent_bps AS net_bytes_sent_per_sec,
  net_recv_bps AS net_bytes_recv_per_sec,
  net_sent_pps_x100 / 100.0 AS net_packets_sent_per_sec,
  net_recv_pps_x100 / 100.0 AS net_packets_recv_per_sec,
  load1_x100 / 100.0 AS load1,
  load5_x100 / 100.0 AS load5,
  load15_x100 / 100.0 AS load15,
  tasks_runnable AS tasks_runnable,
  tasks_total AS tasks_total,
  swap_total AS swap_total_bytes,
  swap_used AS swap_used_bytes,
  swap_pct_x100 / 100.0 AS swap_percent,
  swap_in_bps AS swap_in_bytes_per_sec,
  swap_out_bps AS swap_out_bytes_per_sec,
  psi_cpu_some_x100 / 100.0 AS pressure_cpu_some_avg10,
  psi_cpu_full_x100 / 100.0 AS pressure_cpu_full_avg10,
  psi_mem_some_x100 / 100.0 AS pressure_memory_some_avg10,
  psi_mem_full_x100 / 100.0 AS pressure_memory_full_avg10,
  psi_io_some_x100 / 100.0 AS pressure_io_some_avg10,
  psi_io_full_x100 / 100.0 AS pressure_io_full_avg10,
  psi_cpu_some_stall_x100 / 100.0 AS pressure_cpu_some_stall_percent,
  psi_cpu_full_stall_x100 / 100.0 AS pressure_cpu_full_stall_percent,
  psi_mem_some_stall_x100 / 100.0 AS pressure_memory_some_stall_percent,
  psi_mem_full_stall_x100 / 100.0 AS pressure_memory_full_stall_percent,
  psi_io_some_stall_x100 / 100.0 AS pressure_io_some_stall_percent,
  psi_io_full_stall_x100 / 100.0 AS pressure_io_full_stall_percent,
  interval_x100 / 100.0 AS interval_seconds,
  disk_read_bps * interval_x100 / 100.0 AS disk_read_bytes,
  disk_write_bps * interval_x100 / 100.0 AS disk_write_bytes,
  net_sent_bps * interval_x100 / 100.0 AS net_bytes_sent,
  net_recv_bps * interval_x100 / 100.0 AS net_bytes_recv,
  net_sent_pps_x100 * interval_x100 / 10000.0 AS net_packets_sent,
  net_recv_pps_x100 * interval_x100 / 10000.0 AS net_packets_recv,
  swap_in_bps * interval_x100 / 100.0 AS swap_in_bytes,
  swap_out_bps * interval_x100 / 100.0 AS swap_out_bytes
FROM raw_system;

DROP VIEW v_system_1m;
CREATE VIEW v_system_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  interval_x100_avg * n / 100.0 AS seconds,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max,
  n_load AS samples_load,
  n_swap AS samples_swap,
  n_psi AS samples_psi,
  load1_x100_avg / 100.0 AS load1_avg,
  load1_x100_min / 100.0 AS load1_min,
  load1_x100_max / 100.0 AS load1_max,
  load5_x100_avg / 100.0 AS load5_avg,
  load5_x100_min / 100.0 AS load5_min,
  load5_x100_max / 100.0 AS load5_max,
  load15_x100_avg / 100.0 AS load15_avg,
  load15_x100_min / 100.0 AS load15_min,
  load15_x100_max / 100.0 AS load15_max,
  tasks_runnable_avg AS tasks_runnable_avg,
  tasks_runnable_min AS tasks_runnable_min,
  tasks_runnable_max AS tasks_runnable_max,
  tasks_total_avg AS tasks_total_avg,
  tasks_total_min AS tasks_total_min,
  tasks_total_max AS tasks_total_max,
  swap_total_avg AS swap_total_bytes_avg,
  swap_total_min AS swap_total_bytes_min,
  swap_total_max AS swap_total_bytes_max,
  swap_used_avg AS swap_used_bytes_avg,
  swap_used_min AS swap_used_bytes_min,
  swap_used_max AS swap_used_bytes_max,
  swap_pct_x100_avg / 100.0 AS swap_percent_avg,
  swap_pct_x100_min / 100.0 AS swap_percent_min,
  swap_pct_x100_max / 100.0 AS swap_percent_max,
  swap_in_bps_avg AS swap_in_bytes_per_sec_avg,
  swap_in_bps_min AS swap_in_bytes_per_sec_min,
  swap_in_bps_max AS swap_in_bytes_per_sec_max,
  swap_out_bps_avg AS swap_out_bytes_per_sec_avg,
  swap_out_bps_min AS swap_out_bytes_per_sec_min,
  swap_out_bps_max AS swap_out_bytes_per_sec_max,
  psi_cpu_some_x100_avg / 100.0 AS pressure_cpu_some_avg10_avg,
  psi_cpu_some_x100_min / 100.0 AS pressure_cpu_some_avg10_min,
  psi_cpu_some_x100_max / 100.0 AS pressure_cpu_some_avg10_max,
  psi_cpu_full_x100_avg / 100.0 AS pressure_cpu_full_avg10_avg,
  psi_cpu_full_x100_min / 100.0 AS pressure_cpu_full_avg10_min,
  psi_cpu_full_x100_max / 100.0 AS pressure_cpu_full_avg10_max,
  psi_mem_some_x100_avg / 100.0 AS pressure_memory_some_avg10_avg,
  psi_mem_some_x100_min / 100.0 AS pressure_memory_some_avg10_min,
  psi_mem_some_x100_max / 100.0 AS pressure_memory_some_avg10_max,
  psi_mem_full_x100_avg / 100.0 AS pressure_memory_full_avg10_avg,
  psi_mem_full_x100_min / 100.0 AS pressure_memory_full_avg10_min,
  psi_mem_full_x100_max / 100.0 AS pressure_memory_full_avg10_max,
  psi_io_some_x100_avg / 100.0 AS pressure_io_some_avg10_avg,
  psi_io_some_x100_min / 100.0 AS pressure_io_some_avg10_min,
  psi_io_some_x100_max / 100.0 AS pressure_io_some_avg10_max,
  psi_io_full_x100_avg / 100.0 AS pressure_io_full_avg10_avg,
  psi_io_full_x100_min / 100.0 AS pressure_io_full_avg10_min,
  psi_io_full_x100_max / 100.0 AS pressure_io_full_avg10_max,
  psi_cpu_some_stall_x100_avg / 100.0 AS pressure_cpu_some_stall_percent_avg,
  psi_cpu_some_stall_x100_min / 100.0 AS pressure_cpu_some_stall_percent_min,
  psi_cpu_some_stall_x100_max / 100.0 AS pressure_cpu_some_stall_percent_max,
  psi_cpu_full_stall_x100_avg / 100.0 AS pressure_cpu_full_stall_percent_avg,
  psi_cpu_full_stall_x100_min / 100.0 AS pressure_cpu_full_stall_percent_min,
  psi_cpu_full_stall_x100_max / 100.0 AS pressure_cpu_full_stall_percent_max,
  psi_mem_some_stall_x100_avg / 100.0 AS pressure_memory_some_stall_percent_avg,
  psi_mem_some_stall_x100_min / 100.0 AS pressure_memory_some_stall_percent_min,
  psi_mem_some_stall_x100_max / 100.0 AS pressure_memory_some_stall_percent_max,
  psi_mem_full_stall_x100_avg / 100.0 AS pressure_memory_full_stall_percent_avg,
  psi_mem_full_stall_x100_min / 100.0 AS pressure_memory_full_stall_percent_min,
  psi_mem_full_stall_x100_max / 100.0 AS pressure_memory_full_stall_percent_max,
  psi_io_some_stall_x100_avg / 100.0 AS pressure_io_some_stall_percent_avg,
  psi_io_some_stall_x100_min / 100.0 AS pressure_io_some_stall_percent_min,
  psi_io_some_stall_x100_max / 100.0 AS pressure_io_some_stall_percent_max,
  psi_io_full_stall_x100_avg / 100.0 AS pressure_io_full_stall_percent_avg,
  psi_io_full_stall_x100_min / 100.0 AS pressure_io_full_stall_percent_min,
  psi_io_full_stall_x100_max / 100.0 AS pressure_io_full_stall_percent_max,
  interval_x100_avg / 100.0 AS interval_seconds_avg,
  interval_x100_min / 100.0 AS interval_seconds_min,
  interval_x100_max / 100.0 AS interval_seconds_max,
  disk_read_bps_total AS disk_read_bytes,
  disk_write_bps_total AS disk_write_bytes,
  net_sent_bps_total AS net_bytes_sent,
  net_recv_bps_total AS net_bytes_recv,
  net_sent_pps_x100_total / 100.0 AS net_packets_sent,
  net_recv_pps_x100_total / 100.0 AS net_packets_recv,
  swap_in_bps_total AS swap_in_bytes,
  swap_out_bps_total AS swap_out_bytes
FROM system_1m;

DROP VIEW v_system_1h;
CREATE VIEW v_system_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', bucket, 'unixepoch') AS time,
  bucket AS ts,
  n AS samples,
  interval_x100_avg * n / 100.0 AS seconds,
  cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  cpu_count_avg AS cpu_count_avg,
  cpu_count_min AS cpu_count_min,
  cpu_count_max AS cpu_count_max,
  mem_total_avg AS memory_total_bytes_avg,
  mem_total_min AS memory_total_bytes_min,
  mem_total_max AS memory_total_bytes_max,
  mem_available_avg AS memory_available_bytes_avg,
  mem_available_min AS memory_available_bytes_min,
  mem_available_max AS memory_available_bytes_max,
  mem_pct_x100_avg / 100.0 AS memory_percent_avg,
  mem_pct_x100_min / 100.0 AS memory_percent_min,
  mem_pct_x100_max / 100.0 AS memory_percent_max,
  disk_total_avg AS disk_total_bytes_avg,
  disk_total_min AS disk_total_bytes_min,
  disk_total_max AS disk_total_bytes_max,
  disk_used_avg AS disk_used_bytes_avg,
  disk_used_min AS disk_used_bytes_min,
  disk_used_max AS disk_used_bytes_max,
  disk_free_avg AS disk_free_bytes_avg,
  disk_free_min AS disk_free_bytes_min,
  disk_free_max AS disk_free_bytes_max,
  disk_pct_x100_avg / 100.0 AS disk_percent_avg,
  disk_pct_x100_min / 100.0 AS disk_percent_min,
  disk_pct_x100_max / 100.0 AS disk_percent_max,
  disk_read_bps_avg AS disk_read_bytes_per_sec_avg,
  disk_read_bps_min AS disk_read_bytes_per_sec_min,
  disk_read_bps_max AS disk_read_bytes_per_sec_max,
  disk_write_bps_avg AS disk_write_bytes_per_sec_avg,
  disk_write_bps_min AS disk_write_bytes_per_sec_min,
  disk_write_bps_max AS disk_write_bytes_per_sec_max,
  net_sent_bps_avg AS net_bytes_sent_per_sec_avg,
  net_sent_bps_min AS net_bytes_sent_per_sec_min,
  net_sent_bps_max AS net_bytes_sent_per_sec_max,
  net_recv_bps_avg AS net_bytes_recv_per_sec_avg,
  net_recv_bps_min AS net_bytes_recv_per_sec_min,
  net_recv_bps_max AS net_bytes_recv_per_sec_max,
  net_sent_pps_x100_avg / 100.0 AS net_packets_sent_per_sec_avg,
  net_sent_pps_x100_min / 100.0 AS net_packets_sent_per_sec_min,
  net_sent_pps_x100_max / 100.0 AS net_packets_sent_per_sec_max,
  net_recv_pps_x100_avg / 100.0 AS net_packets_recv_per_sec_avg,
  net_recv_pps_x100_min / 100.0 AS net_packets_recv_per_sec_min,
  net_recv_pps_x100_max / 100.0 AS net_packets_recv_per_sec_max,
  n_load AS samples_load,
  n_swap AS samples_swap,
  n_psi AS samples_psi,
  load1_x100_avg / 100.0 AS load1_avg,
  load1_x100_min / 100.0 AS load1_min,
  load1_x100_max / 100.0 AS load1_max,
  load5_x100_avg / 100.0 AS load5_avg,
  load5_x100_min / 100.0 AS load5_min,
  load5_x100_max / 100.0 AS load5_max,
  load15_x100_avg / 100.0 AS load15_avg,
  load15_x100_min / 100.0 AS load15_min,
  load15_x100_max / 100.0 AS load15_max,
  tasks_runnable_avg AS tasks_runnable_avg,
  tasks_runnable_min AS tasks_runnable_min,
  tasks_runnable_max AS tasks_runnable_max,
  tasks_total_avg AS tasks_total_avg,
  tasks_total_min AS tasks_total_min,
  tasks_total_max AS tasks_total_max,
  swap_total_avg AS swap_total_bytes_avg,
  swap_total_min AS swap_total_bytes_min,
  swap_total_max AS swap_total_bytes_max,
  swap_used_avg AS swap_used_bytes_avg,
  swap_used_min AS swap_used_bytes_min,
  swap_used_max AS swap_used_bytes_max,
  swap_pct_x100_avg / 100.0 AS swap_percent_avg,
  swap_pct_x100_min / 100.0 AS swap_percent_min,
  swap_pct_x100_max / 100.0 AS swap_percent_max,
  swap_in_bps_avg AS swap_in_bytes_per_sec_avg,
  swap_in_bps_min AS swap_in_bytes_per_sec_min,
  swap_in_bps_max AS swap_in_bytes_per_sec_max,
  swap_out_bps_avg AS swap_out_bytes_per_sec_avg,
  swap_out_bps_min AS swap_out_bytes_per_sec_min,
  swap_out_bps_max AS swap_out_bytes_per_sec_max,
  psi_cpu_some_x100_avg / 100.0 AS pressure_cpu_some_avg10_avg,
  psi_cpu_some_x100_min / 100.0 AS pressure_cpu_some_avg10_min,
  psi_cpu_some_x100_max / 100.0 AS pressure_cpu_some_avg10_max,
  psi_cpu_full_x100_avg / 100.0 AS pressure_cpu_full_avg10_avg,
  psi_cpu_full_x100_min / 100.0 AS pressure_cpu_full_avg10_min,
  psi_cpu_full_x100_max / 100.0 AS pressure_cpu_full_avg10_max,
  psi_mem_some_x100_avg / 100.0 AS pressure_memory_some_avg10_avg,
  psi_mem_some_x100_min / 100.0 AS pressure_memory_some_avg10_min,
  psi_mem_some_x100_max / 100.0 AS pressure_memory_some_avg10_max,
  psi_mem_full_x100_avg / 100.0 AS pressure_memory_full_avg10_avg,
  psi_mem_full_x100_min / 100.0 AS pressure_memory_full_avg10_min,
  psi_mem_full_x100_max / 100.0 AS pressure_memory_full_avg10_max,
  psi_io_some_x100_avg / 100.0 AS pressure_io_some_avg10_avg,
  psi_io_some_x100_min / 100.0 AS pressure_io_some_avg10_min,
  psi_io_some_x100_max / 100.0 AS pressure_io_some_avg10_max,
  psi_io_full_x100_avg / 100.0 AS pressure_io_full_avg10_avg,
  psi_io_full_x100_min / 100.0 AS pressure_io_full_avg10_min,
  psi_io_full_x100_max / 100.0 AS pressure_io_full_avg10_max,
  psi_cpu_some_stall_x100_avg / 100.0 AS pressure_cpu_some_stall_percent_avg,
  psi_cpu_some_stall_x100_min / 100.0 AS pressure_cpu_some_stall_percent_min,
  psi_cpu_some_stall_x100_max / 100.0 AS pressure_cpu_some_stall_percent_max,
  psi_cpu_full_stall_x100_avg / 100.0 AS pressure_cpu_full_stall_percent_avg,
  psi_cpu_full_stall_x100_min / 100.0 AS pressure_cpu_full_stall_percent_min,
  psi_cpu_full_stall_x100_max / 100.0 AS pressure_cpu_full_stall_percent_max,
  psi_mem_some_stall_x100_avg / 100.0 AS pressure_memory_some_stall_percent_avg,
  psi_mem_some_stall_x100_min / 100.0 AS pressure_memory_some_stall_percent_min,
  psi_mem_some_stall_x100_max / 100.0 AS pressure_memory_some_stall_percent_max,
  psi_mem_full_stall_x100_avg / 100.0 AS pressure_memory_full_stall_percent_avg,
  psi_mem_full_stall_x100_min / 100.0 AS pressure_memory_full_stall_percent_min,
  psi_mem_full_stall_x100_max / 100.0 AS pressure_memory_full_stall_percent_max,
  psi_io_some_stall_x100_avg / 100.0 AS pressure_io_some_stall_percent_avg,
  psi_io_some_stall_x100_min / 100.0 AS pressure_io_some_stall_percent_min,
  psi_io_some_stall_x100_max / 100.0 AS pressure_io_some_stall_percent_max,
  psi_io_full_stall_x100_avg / 100.0 AS pressure_io_full_stall_percent_avg,
  psi_io_full_stall_x100_min / 100.0 AS pressure_io_full_stall_percent_min,
  psi_io_full_stall_x100_max / 100.0 AS pressure_io_full_stall_percent_max,
  interval_x100_avg / 100.0 AS interval_seconds_avg,
  interval_x100_min / 100.0 AS interval_seconds_min,
  interval_x100_max / 100.0 AS interval_seconds_max,
  disk_read_bps_total AS disk_read_bytes,
  disk_write_bps_total AS disk_write_bytes,
  net_sent_bps_total AS net_bytes_sent,
  net_recv_bps_total AS net_bytes_recv,
  net_sent_pps_x100_total / 100.0 AS net_packets_sent,
  net_recv_pps_x100_total / 100.0 AS net_packets_recv,
  swap_in_bps_total AS swap_in_bytes,
  swap_out_bps_total AS swap_out_bytes
FROM system_1h;


-- 0006_process_trees.sql - plugins as whole process trees, and no false
-- zeros. Adding figures to the per-process tables is one row in
-- src/model/columns.h plus a migration like this one.
--
-- * raw_process: a figure that was not measured is NULL (a plugin that is
--   down has only alive = 0 and down_ms); it was NOT NULL with zeros before,
--   so the table is rebuilt. Old rows of dead plugins lose their zeros.
-- * New columns: down_ms (time not running in the interval a row closes) and
--   the plugin's whole tree: tree_cpu_pct_x100, tree_rss_kib, tree_threads,
--   tree_processes (NULL for the server process).
-- * process_1m / process_1h: every column nullable, and a sample count per
--   presence group (n_cpu, n_measured, n_tree_cpu, n_tree besides n), so an
--   average covers measured rows only. Old rollup rows keep their values and
--   count every sample as measured (n_cpu = n_measured = n).
-- * Views: pid NULL for a plugin that never started; samples = measured rows;
--   alive_samples and down_seconds in the rollup views.

DROP VIEW v_process_raw;
DROP VIEW v_process_1m;
DROP VIEW v_process_1h;

CREATE TABLE raw_process_new (  -- one row per process per snapshot
  ts_ms INTEGER NOT NULL,  -- = raw_system.ts_ms
  process_id INTEGER NOT NULL,  -- process.id (pid 0: a plugin that never started)
  alive INTEGER NOT NULL,  -- 1 alive, 0 not running
  down_ms INTEGER NOT NULL,  -- ms not running in the interval this row closes
  cpu_pct_x100 INTEGER,  -- percent of one core x 100 (NULL: not measured)
  rss_kib INTEGER,  -- KiB (NULL: not running)
  vms_kib INTEGER,  -- KiB (NULL: not running)
  threads INTEGER,  -- threads (NULL: not running)
  tree_cpu_pct_x100 INTEGER,  -- whole tree, percent of one core x 100 (NULL: server, or not measured)
  tree_rss_kib INTEGER,  -- whole tree, KiB
  tree_threads INTEGER,  -- whole tree, threads
  tree_processes INTEGER,  -- processes in the tree
  PRIMARY KEY (ts_ms, process_id)
) WITHOUT ROWID;
INSERT INTO raw_process_new(ts_ms, process_id, alive, down_ms, cpu_pct_x100, rss_kib, vms_kib,
                            threads)
  SELECT ts_ms, process_id, alive, 0,
         CASE WHEN alive THEN cpu_pct_x100 END, CASE WHEN alive THEN rss_kib END,
         CASE WHEN alive THEN vms_kib END, CASE WHEN alive THEN threads END
  FROM raw_process;
DROP TABLE raw_process;
ALTER TABLE raw_process_new RENAME TO raw_process;

CREATE TABLE process_1m_new (  -- per plugin name, all its pids
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds (multiple of 60)
  name_id INTEGER NOT NULL,  -- process_name.id
  pid INTEGER NOT NULL,  -- last pid seen
  n INTEGER NOT NULL,  -- rows
  n_cpu INTEGER NOT NULL,  -- rows with CPU measured
  n_measured INTEGER NOT NULL,  -- rows with the process measured (running)
  n_tree_cpu INTEGER NOT NULL,  -- rows with tree CPU measured
  n_tree INTEGER NOT NULL,  -- rows with the tree measured
  alive_avg REAL,  -- same units as raw_process.alive, over the n rows
  alive_min INTEGER,
  alive_max INTEGER,
  down_ms_avg REAL,  -- same units as raw_process.down_ms, over the n rows
  down_ms_min INTEGER,
  down_ms_max INTEGER,
  cpu_pct_x100_avg REAL,  -- same units as raw_process.cpu_pct_x100, over the n_cpu rows
  cpu_pct_x100_min INTEGER,
  cpu_pct_x100_max INTEGER,
  rss_kib_avg REAL,  -- same units as raw_process.rss_kib, over the n_measured rows
  rss_kib_min INTEGER,
  rss_kib_max INTEGER,
  vms_kib_avg REAL,  -- same units as raw_process.vms_kib, over the n_measured rows
  vms_kib_min INTEGER,
  vms_kib_max INTEGER,
  threads_avg REAL,  -- same units as raw_process.threads, over the n_measured rows
  threads_min INTEGER,
  threads_max INTEGER,
  tree_cpu_pct_x100_avg REAL,  -- same units as raw_process.tree_cpu_pct_x100, over the n_tree_cpu rows
  tree_cpu_pct_x100_min INTEGER,
  tree_cpu_pct_x100_max INTEGER,
  tree_rss_kib_avg REAL,  -- same units as raw_process.tree_rss_kib, over the n_tree rows
  tree_rss_kib_min INTEGER,
  tree_rss_kib_max INTEGER,
  tree_threads_avg REAL,  -- same units as raw_process.tree_threads, over the n_tree rows
  tree_threads_min INTEGER,
  tree_threads_max INTEGER,
  tree_processes_avg REAL,  -- same units as raw_process.tree_processes, over the n_tree rows
  tree_processes_min INTEGER,
  tree_processes_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;
INSERT INTO process_1m_new(bucket, name_id, pid, n, n_cpu, n_measured, n_tree_cpu, n_tree,
  down_ms_avg, down_ms_min, down_ms_max, alive_avg, alive_min, alive_max, cpu_pct_x100_avg, cpu_pct_x100_min, cpu_pct_x100_max, rss_kib_avg, rss_kib_min, rss_kib_max, vms_kib_avg, vms_kib_min, vms_kib_max, threads_avg, threads_min, threads_max)
  SELECT bucket, name_id, pid, n, n, n, 0, 0, 0, 0, 0, alive_avg, alive_min, alive_max, cpu_pct_x100_avg, cpu_pct_x100_min, cpu_pct_x100_max, rss_kib_avg, rss_kib_min, rss_kib_max, vms_kib_avg, vms_kib_min, vms_kib_max, threads_avg, threads_min, threads_max
  FROM process_1m;
DROP TABLE process_1m;
ALTER TABLE process_1m_new RENAME TO process_1m;

CREATE TABLE process_1h_new (  -- per plugin name, all its pids
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds (multiple of 3600)
  name_id INTEGER NOT NULL,  -- process_name.id
  pid INTEGER NOT NULL,  -- last pid seen
  n INTEGER NOT NULL,  -- rows
  n_cpu INTEGER NOT NULL,  -- rows with CPU measured
  n_measured INTEGER NOT NULL,  -- rows with the process measured (running)
  n_tree_cpu INTEGER NOT NULL,  -- rows with tree CPU measured
  n_tree INTEGER NOT NULL,  -- rows with the tree measured
  alive_avg REAL,  -- same units as raw_process.alive, over the n rows
  alive_min INTEGER,
  alive_max INTEGER,
  down_ms_avg REAL,  -- same units as raw_process.down_ms, over the n rows
  down_ms_min INTEGER,
  down_ms_max INTEGER,
  cpu_pct_x100_avg REAL,  -- same units as raw_process.cpu_pct_x100, over the n_cpu rows
  cpu_pct_x100_min INTEGER,
  cpu_pct_x100_max INTEGER,
  rss_kib_avg REAL,  -- same units as raw_process.rss_kib, over the n_measured rows
  rss_kib_min INTEGER,
  rss_kib_max INTEGER,
  vms_kib_avg REAL,  -- same units as raw_process.vms_kib, over the n_measured rows
  vms_kib_min INTEGER,
  vms_kib_max INTEGER,
  threads_avg REAL,  -- same units as raw_process.threads, over the n_measured rows
  threads_min INTEGER,
  threads_max INTEGER,
  tree_cpu_pct_x100_avg REAL,  -- same units as raw_process.tree_cpu_pct_x100, over the n_tree_cpu rows
  tree_cpu_pct_x100_min INTEGER,
  tree_cpu_pct_x100_max INTEGER,
  tree_rss_kib_avg REAL,  -- same units as raw_process.tree_rss_kib, over the n_tree rows
  tree_rss_kib_min INTEGER,
  tree_rss_kib_max INTEGER,
  tree_threads_avg REAL,  -- same units as raw_process.tree_threads, over the n_tree rows
  tree_threads_min INTEGER,
  tree_threads_max INTEGER,
  tree_processes_avg REAL,  -- same units as raw_process.tree_processes, over the n_tree rows
  tree_processes_min INTEGER,
  tree_processes_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;
INSERT INTO process_1h_new(bucket, name_id, pid, n, n_cpu, n_measured, n_tree_cpu, n_tree,
  down_ms_avg, down_ms_min, down_ms_max, alive_avg, alive_min, alive_max, cpu_pct_x100_avg, cpu_pct_x100_min, cpu_pct_x100_max, rss_kib_avg, rss_kib_min, rss_kib_max, vms_kib_avg, vms_kib_min, vms_kib_max, threads_avg, threads_min, threads_max)
  SELECT bucket, name_id, pid, n, n, n, 0, 0, 0, 0, 0, alive_avg, alive_min, alive_max, cpu_pct_x100_avg, cpu_pct_x100_min, cpu_pct_x100_max, rss_kib_avg, rss_kib_min, rss_kib_max, vms_kib_avg, vms_kib_min, vms_kib_max, threads_avg, threads_min, threads_max
  FROM process_1h;
DROP TABLE process_1h;
ALTER TABLE process_1h_new RENAME TO process_1h;

CREATE VIEW v_process_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  NULLIF(p.pid, 0) AS pid,
  r.alive AS alive,
  r.down_ms / 1000.0 AS down_seconds,
  r.cpu_pct_x100 / 100.0 AS cpu_percent,
  r.rss_kib * 1024 AS rss_bytes,
  r.vms_kib * 1024 AS vms_bytes,
  r.threads AS num_threads,
  r.tree_cpu_pct_x100 / 100.0 AS tree_cpu_percent,
  r.tree_rss_kib * 1024 AS tree_rss_bytes,
  r.tree_threads AS tree_num_threads,
  r.tree_processes AS tree_processes
FROM raw_process r JOIN process p ON p.id = r.process_id JOIN process_name n ON n.id = p.name_id;

CREATE VIEW v_process_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  NULLIF(r.pid, 0) AS pid,
  r.n_measured AS samples,
  CAST(round(r.alive_avg * r.n) AS INTEGER) AS alive_samples,
  r.down_ms_avg * r.n / 1000.0 AS down_seconds,
  r.alive_avg AS alive_avg,
  r.alive_min AS alive_min,
  r.alive_max AS alive_max,
  r.down_ms_avg / 1000.0 AS down_seconds_avg,
  r.down_ms_min / 1000.0 AS down_seconds_min,
  r.down_ms_max / 1000.0 AS down_seconds_max,
  r.cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  r.cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  r.cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  r.rss_kib_avg * 1024 AS rss_bytes_avg,
  r.rss_kib_min * 1024 AS rss_bytes_min,
  r.rss_kib_max * 1024 AS rss_bytes_max,
  r.vms_kib_avg * 1024 AS vms_bytes_avg,
  r.vms_kib_min * 1024 AS vms_bytes_min,
  r.vms_kib_max * 1024 AS vms_bytes_max,
  r.threads_avg AS num_threads_avg,
  r.threads_min AS num_threads_min,
  r.threads_max AS num_threads_max,
  r.tree_cpu_pct_x100_avg / 100.0 AS tree_cpu_percent_avg,
  r.tree_cpu_pct_x100_min / 100.0 AS tree_cpu_percent_min,
  r.tree_cpu_pct_x100_max / 100.0 AS tree_cpu_percent_max,
  r.tree_rss_kib_avg * 1024 AS tree_rss_bytes_avg,
  r.tree_rss_kib_min * 1024 AS tree_rss_bytes_min,
  r.tree_rss_kib_max * 1024 AS tree_rss_bytes_max,
  r.tree_threads_avg AS tree_num_threads_avg,
  r.tree_threads_min AS tree_num_threads_min,
  r.tree_threads_max AS tree_num_threads_max,
  r.tree_processes_avg AS tree_processes_avg,
  r.tree_processes_min AS tree_processes_min,
  r.tree_processes_max AS tree_processes_max
FROM process_1m r JOIN process_name n ON n.id = r.name_id;

CREATE VIEW v_process_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  NULLIF(r.pid, 0) AS pid,
  r.n_measured AS samples,
  CAST(round(r.alive_avg * r.n) AS INTEGER) AS alive_samples,
  r.down_ms_avg * r.n / 1000.0 AS down_seconds,
  r.alive_avg AS alive_avg,
  r.alive_min AS alive_min,
  r.alive_max AS alive_max,
  r.down_ms_avg / 1000.0 AS down_seconds_avg,
  r.down_ms_min / 1000.0 AS down_seconds_min,
  r.down_ms_max / 1000.0 AS down_seconds_max,
  r.cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  r.cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  r.cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  r.rss_kib_avg * 1024 AS rss_bytes_avg,
  r.rss_kib_min * 1024 AS rss_bytes_min,
  r.rss_kib_max * 1024 AS rss_bytes_max,
  r.vms_kib_avg * 1024 AS vms_bytes_avg,
  r.vms_kib_min * 1024 AS vms_bytes_min,
  r.vms_kib_max * 1024 AS vms_bytes_max,
  r.threads_avg AS num_threads_avg,
  r.threads_min AS num_threads_min,
  r.threads_max AS num_threads_max,
  r.tree_cpu_pct_x100_avg / 100.0 AS tree_cpu_percent_avg,
  r.tree_cpu_pct_x100_min / 100.0 AS tree_cpu_percent_min,
  r.tree_cpu_pct_x100_max / 100.0 AS tree_cpu_percent_max,
  r.tree_rss_kib_avg * 1024 AS tree_rss_bytes_avg,
  r.tree_rss_kib_min * 1024 AS tree_rss_bytes_min,
  r.tree_rss_kib_max * 1024 AS tree_rss_bytes_max,
  r.tree_threads_avg AS tree_num_threads_avg,
  r.tree_threads_min AS tree_num_threads_min,
  r.tree_threads_max AS tree_num_threads_max,
  r.tree_processes_avg AS tree_processes_avg,
  r.tree_processes_min AS tree_processes_min,
  r.tree_processes_max AS tree_processes_max
FROM process_1h r JOIN process_name n ON n.id = r.name_id;

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

-- 0008_process_facts.sql - more per-process facts, each one row of
-- MODEL_PROCESS_COLUMNS (src/model/columns.h) plus this migration: storage
-- I/O the process caused (/proc/PID/io read_bytes and write_bytes, as bytes
-- per second rounded) and open file descriptors (the size of /proc/PID/fd,
-- Linux 6.2+). Each has a presence group (n_io, n_fds in the rollups): NULL
-- where it could not be read, never 0. The process views gain the columns.

ALTER TABLE raw_process ADD COLUMN io_read_bps INTEGER;  -- bytes/s read from storage, rounded
ALTER TABLE raw_process ADD COLUMN io_write_bps INTEGER;  -- bytes/s written to storage, rounded
ALTER TABLE raw_process ADD COLUMN open_fds INTEGER;  -- open file descriptors

ALTER TABLE process_1m ADD COLUMN n_io INTEGER NOT NULL DEFAULT 0;  -- rows with I/O measured
ALTER TABLE process_1m ADD COLUMN n_fds INTEGER NOT NULL DEFAULT 0;  -- rows with descriptors measured
ALTER TABLE process_1m ADD COLUMN io_read_bps_avg REAL;
ALTER TABLE process_1m ADD COLUMN io_read_bps_min INTEGER;
ALTER TABLE process_1m ADD COLUMN io_read_bps_max INTEGER;
ALTER TABLE process_1m ADD COLUMN io_write_bps_avg REAL;
ALTER TABLE process_1m ADD COLUMN io_write_bps_min INTEGER;
ALTER TABLE process_1m ADD COLUMN io_write_bps_max INTEGER;
ALTER TABLE process_1m ADD COLUMN open_fds_avg REAL;
ALTER TABLE process_1m ADD COLUMN open_fds_min INTEGER;
ALTER TABLE process_1m ADD COLUMN open_fds_max INTEGER;

ALTER TABLE process_1h ADD COLUMN n_io INTEGER NOT NULL DEFAULT 0;  -- rows with I/O measured
ALTER TABLE process_1h ADD COLUMN n_fds INTEGER NOT NULL DEFAULT 0;  -- rows with descriptors measured
ALTER TABLE process_1h ADD COLUMN io_read_bps_avg REAL;
ALTER TABLE process_1h ADD COLUMN io_read_bps_min INTEGER;
ALTER TABLE process_1h ADD COLUMN io_read_bps_max INTEGER;
ALTER TABLE process_1h ADD COLUMN io_write_bps_avg REAL;
ALTER TABLE process_1h ADD COLUMN io_write_bps_min INTEGER;
ALTER TABLE process_1h ADD COLUMN io_write_bps_max INTEGER;
ALTER TABLE process_1h ADD COLUMN open_fds_avg REAL;
ALTER TABLE process_1h ADD COLUMN open_fds_min INTEGER;
ALTER TABLE process_1h ADD COLUMN open_fds_max INTEGER;

DROP VIEW v_process_raw;
DROP VIEW v_process_1m;
DROP VIEW v_process_1h;

CREATE VIEW v_process_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  NULLIF(p.pid, 0) AS pid,
  r.alive AS alive,
  r.down_ms / 1000.0 AS down_seconds,
  r.cpu_pct_x100 / 100.0 AS cpu_percent,
  r.rss_kib * 1024 AS rss_bytes,
  r.vms_kib * 1024 AS vms_bytes,
  r.threads AS num_threads,
  r.tree_cpu_pct_x100 / 100.0 AS tree_cpu_percent,
  r.tree_rss_kib * 1024 AS tree_rss_bytes,
  r.tree_threads AS tree_num_threads,
  r.tree_processes AS tree_processes,
  r.io_read_bps AS io_read_bytes_per_sec,
  r.io_write_bps AS io_write_bytes_per_sec,
  r.open_fds AS open_fds
FROM raw_process r JOIN process p ON p.id = r.process_id JOIN process_name n ON n.id = p.name_id;

CREATE VIEW v_process_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  NULLIF(r.pid, 0) AS pid,
  r.n_measured AS samples,
  CAST(round(r.alive_avg * r.n) AS INTEGER) AS alive_samples,
  r.down_ms_avg * r.n / 1000.0 AS down_seconds,
  r.alive_avg AS alive_avg,
  r.alive_min AS alive_min,
  r.alive_max AS alive_max,
  r.down_ms_avg / 1000.0 AS down_seconds_avg,
  r.down_ms_min / 1000.0 AS down_seconds_min,
  r.down_ms_max / 1000.0 AS down_seconds_max,
  r.cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  r.cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  r.cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  r.rss_kib_avg * 1024 AS rss_bytes_avg,
  r.rss_kib_min * 1024 AS rss_bytes_min,
  r.rss_kib_max * 1024 AS rss_bytes_max,
  r.vms_kib_avg * 1024 AS vms_bytes_avg,
  r.vms_kib_min * 1024 AS vms_bytes_min,
  r.vms_kib_max * 1024 AS vms_bytes_max,
  r.threads_avg AS num_threads_avg,
  r.threads_min AS num_threads_min,
  r.threads_max AS num_threads_max,
  r.tree_cpu_pct_x100_avg / 100.0 AS tree_cpu_percent_avg,
  r.tree_cpu_pct_x100_min / 100.0 AS tree_cpu_percent_min,
  r.tree_cpu_pct_x100_max / 100.0 AS tree_cpu_percent_max,
  r.tree_rss_kib_avg * 1024 AS tree_rss_bytes_avg,
  r.tree_rss_kib_min * 1024 AS tree_rss_bytes_min,
  r.tree_rss_kib_max * 1024 AS tree_rss_bytes_max,
  r.tree_threads_avg AS tree_num_threads_avg,
  r.tree_threads_min AS tree_num_threads_min,
  r.tree_threads_max AS tree_num_threads_max,
  r.tree_processes_avg AS tree_processes_avg,
  r.tree_processes_min AS tree_processes_min,
  r.tree_processes_max AS tree_processes_max,
  r.io_read_bps_avg AS io_read_bytes_per_sec_avg,
  r.io_read_bps_min AS io_read_bytes_per_sec_min,
  r.io_read_bps_max AS io_read_bytes_per_sec_max,
  r.io_write_bps_avg AS io_write_bytes_per_sec_avg,
  r.io_write_bps_min AS io_write_bytes_per_sec_min,
  r.io_write_bps_max AS io_write_bytes_per_sec_max,
  r.open_fds_avg AS open_fds_avg,
  r.open_fds_min AS open_fds_min,
  r.open_fds_max AS open_fds_max
FROM process_1m r JOIN process_name n ON n.id = r.name_id;

CREATE VIEW v_process_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  CASE n.kind WHEN 0 THEN 'server' ELSE 'channel' END AS kind,
  n.name AS name,
  NULLIF(r.pid, 0) AS pid,
  r.n_measured AS samples,
  CAST(round(r.alive_avg * r.n) AS INTEGER) AS alive_samples,
  r.down_ms_avg * r.n / 1000.0 AS down_seconds,
  r.alive_avg AS alive_avg,
  r.alive_min AS alive_min,
  r.alive_max AS alive_max,
  r.down_ms_avg / 1000.0 AS down_seconds_avg,
  r.down_ms_min / 1000.0 AS down_seconds_min,
  r.down_ms_max / 1000.0 AS down_seconds_max,
  r.cpu_pct_x100_avg / 100.0 AS cpu_percent_avg,
  r.cpu_pct_x100_min / 100.0 AS cpu_percent_min,
  r.cpu_pct_x100_max / 100.0 AS cpu_percent_max,
  r.rss_kib_avg * 1024 AS rss_bytes_avg,
  r.rss_kib_min * 1024 AS rss_bytes_min,
  r.rss_kib_max * 1024 AS rss_bytes_max,
  r.vms_kib_avg * 1024 AS vms_bytes_avg,
  r.vms_kib_min * 1024 AS vms_bytes_min,
  r.vms_kib_max * 1024 AS vms_bytes_max,
  r.threads_avg AS num_threads_avg,
  r.threads_min AS num_threads_min,
  r.threads_max AS num_threads_max,
  r.tree_cpu_pct_x100_avg / 100.0 AS tree_cpu_percent_avg,
  r.tree_cpu_pct_x100_min / 100.0 AS tree_cpu_percent_min,
  r.tree_cpu_pct_x100_max / 100.0 AS tree_cpu_percent_max,
  r.tree_rss_kib_avg * 1024 AS tree_rss_bytes_avg,
  r.tree_rss_kib_min * 1024 AS tree_rss_bytes_min,
  r.tree_rss_kib_max * 1024 AS tree_rss_bytes_max,
  r.tree_threads_avg AS tree_num_threads_avg,
  r.tree_threads_min AS tree_num_threads_min,
  r.tree_threads_max AS tree_num_threads_max,
  r.tree_processes_avg AS tree_processes_avg,
  r.tree_processes_min AS tree_processes_min,
  r.tree_processes_max AS tree_processes_max,
  r.io_read_bps_avg AS io_read_bytes_per_sec_avg,
  r.io_read_bps_min AS io_read_bytes_per_sec_min,
  r.io_read_bps_max AS io_read_bytes_per_sec_max,
  r.io_write_bps_avg AS io_write_bytes_per_sec_avg,
  r.io_write_bps_min AS io_write_bytes_per_sec_min,
  r.io_write_bps_max AS io_write_bytes_per_sec_max,
  r.open_fds_avg AS open_fds_avg,
  r.open_fds_min AS open_fds_min,
  r.open_fds_max AS open_fds_max
FROM process_1h r JOIN process_name n ON n.id = r.name_id;

-- 0009_application_id.sql - mark the file as a hirocli metrics database.
-- 1214870127 = 0x4869726F, "Hiro" in ASCII (STORE_APPLICATION_ID). The store
-- refuses to write to a non-empty file that carries neither this mark nor the
-- tables of an older hirocli database (user_version 1 to 8), so it never
-- changes someone else's SQLite file.
PRAGMA application_id = 1214870127;

-- 0010_events.sql - lifecycle events (a plugin started, exited, was
-- restarted; the server started or stopped; the collector was reconfigured;
-- storage failed or recovered: model/event.h) recorded beside the snapshots
-- and kept as long as the 1-minute tier.

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,   -- Unix milliseconds
  kind TEXT NOT NULL,       -- 'plugin_started', 'plugin_exited', ... (model/event.h)
  process TEXT,             -- plugin name or 'server'; NULL = none
  pid INTEGER,              -- NULL = none
  detail TEXT,              -- a readable sentence; NULL = none
  exit_code INTEGER,        -- exit status of a plugin that exited normally
  signal INTEGER,           -- the signal that ended it
  errno INTEGER,            -- errno of a failed start
  cpu_seconds REAL,         -- CPU time of the life that ended
  lifetime_seconds REAL,    -- how long that life lasted
  delay_seconds REAL        -- restart delay
);
CREATE INDEX events_ts ON events(ts_ms);

CREATE VIEW v_events AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', ts_ms / 1000, 'unixepoch') AS time,
  ts_ms / 1000.0 AS ts,
  kind, process, pid, detail, exit_code, signal, errno, cpu_seconds, lifetime_seconds,
  delay_seconds
FROM events;

-- 0011_system_lists.sql - the system context's lists: every real filesystem,
-- every whole physical disk and every network interface (loopback excluded),
-- one raw row per entry per snapshot and 1-minute / 1-hour rollups per entry
-- (avg, min, max, samples), computed from the rows they cover when a bucket
-- closes. Names (mount point, device, interface) live once in list_name
-- (list: 0 filesystems, 1 disks, 2 interfaces). Units as in 0001.

CREATE TABLE list_name (
  id INTEGER PRIMARY KEY,
  list INTEGER NOT NULL,  -- 0 filesystem, 1 disk, 2 network interface
  name TEXT NOT NULL,     -- mount point, device or interface name
  UNIQUE (list, name)
);

CREATE TABLE raw_fs (  -- one row per filesystem per snapshot
  ts_ms INTEGER NOT NULL,  -- = raw_system.ts_ms
  name_id INTEGER NOT NULL,  -- list_name.id
  total INTEGER,
  used INTEGER,
  free INTEGER,
  pct_x100 INTEGER,
  inodes_total INTEGER,
  inodes_used INTEGER,
  workspace INTEGER,
  PRIMARY KEY (ts_ms, name_id)
) WITHOUT ROWID;

CREATE TABLE fs_1m (
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds
  name_id INTEGER NOT NULL,  -- list_name.id
  n INTEGER NOT NULL,  -- samples
  total_avg REAL,
  total_min INTEGER,
  total_max INTEGER,
  used_avg REAL,
  used_min INTEGER,
  used_max INTEGER,
  free_avg REAL,
  free_min INTEGER,
  free_max INTEGER,
  pct_x100_avg REAL,
  pct_x100_min INTEGER,
  pct_x100_max INTEGER,
  inodes_total_avg REAL,
  inodes_total_min INTEGER,
  inodes_total_max INTEGER,
  inodes_used_avg REAL,
  inodes_used_min INTEGER,
  inodes_used_max INTEGER,
  workspace_avg REAL,
  workspace_min INTEGER,
  workspace_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE TABLE fs_1h (
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds
  name_id INTEGER NOT NULL,  -- list_name.id
  n INTEGER NOT NULL,  -- samples
  total_avg REAL,
  total_min INTEGER,
  total_max INTEGER,
  used_avg REAL,
  used_min INTEGER,
  used_max INTEGER,
  free_avg REAL,
  free_min INTEGER,
  free_max INTEGER,
  pct_x100_avg REAL,
  pct_x100_min INTEGER,
  pct_x100_max INTEGER,
  inodes_total_avg REAL,
  inodes_total_min INTEGER,
  inodes_total_max INTEGER,
  inodes_used_avg REAL,
  inodes_used_min INTEGER,
  inodes_used_max INTEGER,
  workspace_avg REAL,
  workspace_min INTEGER,
  workspace_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE VIEW v_fs_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  n.name AS mount,
  r.total AS total_bytes,
  r.used AS used_bytes,
  r.free AS free_bytes,
  r.pct_x100 / 100.0 AS percent,
  r.inodes_total AS inodes_total,
  r.inodes_used AS inodes_used,
  r.workspace AS workspace
FROM raw_fs r JOIN list_name n ON n.id = r.name_id;

CREATE VIEW v_fs_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  n.name AS mount,
  r.n AS samples,
  r.total_avg AS total_bytes_avg,
  r.total_min AS total_bytes_min,
  r.total_max AS total_bytes_max,
  r.used_avg AS used_bytes_avg,
  r.used_min AS used_bytes_min,
  r.used_max AS used_bytes_max,
  r.free_avg AS free_bytes_avg,
  r.free_min AS free_bytes_min,
  r.free_max AS free_bytes_max,
  r.pct_x100_avg / 100.0 AS percent_avg,
  r.pct_x100_min / 100.0 AS percent_min,
  r.pct_x100_max / 100.0 AS percent_max,
  r.inodes_total_avg AS inodes_total_avg,
  r.inodes_total_min AS inodes_total_min,
  r.inodes_total_max AS inodes_total_max,
  r.inodes_used_avg AS inodes_used_avg,
  r.inodes_used_min AS inodes_used_min,
  r.inodes_used_max AS inodes_used_max,
  r.workspace_avg AS workspace_avg,
  r.workspace_min AS workspace_min,
  r.workspace_max AS workspace_max
FROM fs_1m r JOIN list_name n ON n.id = r.name_id;

CREATE VIEW v_fs_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  n.name AS mount,
  r.n AS samples,
  r.total_avg AS total_bytes_avg,
  r.total_min AS total_bytes_min,
  r.total_max AS total_bytes_max,
  r.used_avg AS used_bytes_avg,
  r.used_min AS used_bytes_min,
  r.used_max AS used_bytes_max,
  r.free_avg AS free_bytes_avg,
  r.free_min AS free_bytes_min,
  r.free_max AS free_bytes_max,
  r.pct_x100_avg / 100.0 AS percent_avg,
  r.pct_x100_min / 100.0 AS percent_min,
  r.pct_x100_max / 100.0 AS percent_max,
  r.inodes_total_avg AS inodes_total_avg,
  r.inodes_total_min AS inodes_total_min,
  r.inodes_total_max AS inodes_total_max,
  r.inodes_used_avg AS inodes_used_avg,
  r.inodes_used_min AS inodes_used_min,
  r.inodes_used_max AS inodes_used_max,
  r.workspace_avg AS workspace_avg,
  r.workspace_min AS workspace_min,
  r.workspace_max AS workspace_max
FROM fs_1h r JOIN list_name n ON n.id = r.name_id;

CREATE TABLE raw_disk (  -- one row per whole physical disk per snapshot
  ts_ms INTEGER NOT NULL,  -- = raw_system.ts_ms
  name_id INTEGER NOT NULL,  -- list_name.id
  read_bps INTEGER,
  write_bps INTEGER,
  reads_x100 INTEGER,
  writes_x100 INTEGER,
  util_x100 INTEGER,
  PRIMARY KEY (ts_ms, name_id)
) WITHOUT ROWID;

CREATE TABLE disk_1m (
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds
  name_id INTEGER NOT NULL,  -- list_name.id
  n INTEGER NOT NULL,  -- samples
  read_bps_avg REAL,
  read_bps_min INTEGER,
  read_bps_max INTEGER,
  write_bps_avg REAL,
  write_bps_min INTEGER,
  write_bps_max INTEGER,
  reads_x100_avg REAL,
  reads_x100_min INTEGER,
  reads_x100_max INTEGER,
  writes_x100_avg REAL,
  writes_x100_min INTEGER,
  writes_x100_max INTEGER,
  util_x100_avg REAL,
  util_x100_min INTEGER,
  util_x100_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE TABLE disk_1h (
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds
  name_id INTEGER NOT NULL,  -- list_name.id
  n INTEGER NOT NULL,  -- samples
  read_bps_avg REAL,
  read_bps_min INTEGER,
  read_bps_max INTEGER,
  write_bps_avg REAL,
  write_bps_min INTEGER,
  write_bps_max INTEGER,
  reads_x100_avg REAL,
  reads_x100_min INTEGER,
  reads_x100_max INTEGER,
  writes_x100_avg REAL,
  writes_x100_min INTEGER,
  writes_x100_max INTEGER,
  util_x100_avg REAL,
  util_x100_min INTEGER,
  util_x100_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE VIEW v_disk_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  n.name AS device,
  r.read_bps AS read_bytes_per_sec,
  r.write_bps AS write_bytes_per_sec,
  r.reads_x100 / 100.0 AS reads_per_sec,
  r.writes_x100 / 100.0 AS writes_per_sec,
  r.util_x100 / 100.0 AS util_percent
FROM raw_disk r JOIN list_name n ON n.id = r.name_id;

CREATE VIEW v_disk_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  n.name AS device,
  r.n AS samples,
  r.read_bps_avg AS read_bytes_per_sec_avg,
  r.read_bps_min AS read_bytes_per_sec_min,
  r.read_bps_max AS read_bytes_per_sec_max,
  r.write_bps_avg AS write_bytes_per_sec_avg,
  r.write_bps_min AS write_bytes_per_sec_min,
  r.write_bps_max AS write_bytes_per_sec_max,
  r.reads_x100_avg / 100.0 AS reads_per_sec_avg,
  r.reads_x100_min / 100.0 AS reads_per_sec_min,
  r.reads_x100_max / 100.0 AS reads_per_sec_max,
  r.writes_x100_avg / 100.0 AS writes_per_sec_avg,
  r.writes_x100_min / 100.0 AS writes_per_sec_min,
  r.writes_x100_max / 100.0 AS writes_per_sec_max,
  r.util_x100_avg / 100.0 AS util_percent_avg,
  r.util_x100_min / 100.0 AS util_percent_min,
  r.util_x100_max / 100.0 AS util_percent_max
FROM disk_1m r JOIN list_name n ON n.id = r.name_id;

CREATE VIEW v_disk_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  n.name AS device,
  r.n AS samples,
  r.read_bps_avg AS read_bytes_per_sec_avg,
  r.read_bps_min AS read_bytes_per_sec_min,
  r.read_bps_max AS read_bytes_per_sec_max,
  r.write_bps_avg AS write_bytes_per_sec_avg,
  r.write_bps_min AS write_bytes_per_sec_min,
  r.write_bps_max AS write_bytes_per_sec_max,
  r.reads_x100_avg / 100.0 AS reads_per_sec_avg,
  r.reads_x100_min / 100.0 AS reads_per_sec_min,
  r.reads_x100_max / 100.0 AS reads_per_sec_max,
  r.writes_x100_avg / 100.0 AS writes_per_sec_avg,
  r.writes_x100_min / 100.0 AS writes_per_sec_min,
  r.writes_x100_max / 100.0 AS writes_per_sec_max,
  r.util_x100_avg / 100.0 AS util_percent_avg,
  r.util_x100_min / 100.0 AS util_percent_min,
  r.util_x100_max / 100.0 AS util_percent_max
FROM disk_1h r JOIN list_name n ON n.id = r.name_id;

CREATE TABLE raw_netif (  -- one row per network interface (loopback excluded) per snapshot
  ts_ms INTEGER NOT NULL,  -- = raw_system.ts_ms
  name_id INTEGER NOT NULL,  -- list_name.id
  sent_bps INTEGER,
  recv_bps INTEGER,
  sent_pps_x100 INTEGER,
  recv_pps_x100 INTEGER,
  errs_x100 INTEGER,
  drops_x100 INTEGER,
  PRIMARY KEY (ts_ms, name_id)
) WITHOUT ROWID;

CREATE TABLE netif_1m (
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds
  name_id INTEGER NOT NULL,  -- list_name.id
  n INTEGER NOT NULL,  -- samples
  sent_bps_avg REAL,
  sent_bps_min INTEGER,
  sent_bps_max INTEGER,
  recv_bps_avg REAL,
  recv_bps_min INTEGER,
  recv_bps_max INTEGER,
  sent_pps_x100_avg REAL,
  sent_pps_x100_min INTEGER,
  sent_pps_x100_max INTEGER,
  recv_pps_x100_avg REAL,
  recv_pps_x100_min INTEGER,
  recv_pps_x100_max INTEGER,
  errs_x100_avg REAL,
  errs_x100_min INTEGER,
  errs_x100_max INTEGER,
  drops_x100_avg REAL,
  drops_x100_min INTEGER,
  drops_x100_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE TABLE netif_1h (
  bucket INTEGER NOT NULL,  -- bucket start, Unix seconds
  name_id INTEGER NOT NULL,  -- list_name.id
  n INTEGER NOT NULL,  -- samples
  sent_bps_avg REAL,
  sent_bps_min INTEGER,
  sent_bps_max INTEGER,
  recv_bps_avg REAL,
  recv_bps_min INTEGER,
  recv_bps_max INTEGER,
  sent_pps_x100_avg REAL,
  sent_pps_x100_min INTEGER,
  sent_pps_x100_max INTEGER,
  recv_pps_x100_avg REAL,
  recv_pps_x100_min INTEGER,
  recv_pps_x100_max INTEGER,
  errs_x100_avg REAL,
  errs_x100_min INTEGER,
  errs_x100_max INTEGER,
  drops_x100_avg REAL,
  drops_x100_min INTEGER,
  drops_x100_max INTEGER,
  PRIMARY KEY (bucket, name_id)
) WITHOUT ROWID;

CREATE VIEW v_netif_raw AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.ts_ms / 1000, 'unixepoch') AS time,
  r.ts_ms / 1000.0 AS ts,
  n.name AS interface,
  r.sent_bps AS bytes_sent_per_sec,
  r.recv_bps AS bytes_recv_per_sec,
  r.sent_pps_x100 / 100.0 AS packets_sent_per_sec,
  r.recv_pps_x100 / 100.0 AS packets_recv_per_sec,
  r.errs_x100 / 100.0 AS errors_per_sec,
  r.drops_x100 / 100.0 AS drops_per_sec
FROM raw_netif r JOIN list_name n ON n.id = r.name_id;

CREATE VIEW v_netif_1m AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  n.name AS interface,
  r.n AS samples,
  r.sent_bps_avg AS bytes_sent_per_sec_avg,
  r.sent_bps_min AS bytes_sent_per_sec_min,
  r.sent_bps_max AS bytes_sent_per_sec_max,
  r.recv_bps_avg AS bytes_recv_per_sec_avg,
  r.recv_bps_min AS bytes_recv_per_sec_min,
  r.recv_bps_max AS bytes_recv_per_sec_max,
  r.sent_pps_x100_avg / 100.0 AS packets_sent_per_sec_avg,
  r.sent_pps_x100_min / 100.0 AS packets_sent_per_sec_min,
  r.sent_pps_x100_max / 100.0 AS packets_sent_per_sec_max,
  r.recv_pps_x100_avg / 100.0 AS packets_recv_per_sec_avg,
  r.recv_pps_x100_min / 100.0 AS packets_recv_per_sec_min,
  r.recv_pps_x100_max / 100.0 AS packets_recv_per_sec_max,
  r.errs_x100_avg / 100.0 AS errors_per_sec_avg,
  r.errs_x100_min / 100.0 AS errors_per_sec_min,
  r.errs_x100_max / 100.0 AS errors_per_sec_max,
  r.drops_x100_avg / 100.0 AS drops_per_sec_avg,
  r.drops_x100_min / 100.0 AS drops_per_sec_min,
  r.drops_x100_max / 100.0 AS drops_per_sec_max
FROM netif_1m r JOIN list_name n ON n.id = r.name_id;

CREATE VIEW v_netif_1h AS SELECT
  strftime('%Y-%m-%dT%H:%M:%SZ', r.bucket, 'unixepoch') AS time,
  r.bucket AS ts,
  n.name AS interface,
  r.n AS samples,
  r.sent_bps_avg AS bytes_sent_per_sec_avg,
  r.sent_bps_min AS bytes_sent_per_sec_min,
  r.sent_bps_max AS bytes_sent_per_sec_max,
  r.recv_bps_avg AS bytes_recv_per_sec_avg,
  r.recv_bps_min AS bytes_recv_per_sec_min,
  r.recv_bps_max AS bytes_recv_per_sec_max,
  r.sent_pps_x100_avg / 100.0 AS packets_sent_per_sec_avg,
  r.sent_pps_x100_min / 100.0 AS packets_sent_per_sec_min,
  r.sent_pps_x100_max / 100.0 AS packets_sent_per_sec_max,
  r.recv_pps_x100_avg / 100.0 AS packets_recv_per_sec_avg,
  r.recv_pps_x100_min / 100.0 AS packets_recv_per_sec_min,
  r.recv_pps_x100_max / 100.0 AS packets_recv_per_sec_max,
  r.errs_x100_avg / 100.0 AS errors_per_sec_avg,
  r.errs_x100_min / 100.0 AS errors_per_sec_min,
  r.errs_x100_max / 100.0 AS errors_per_sec_max,
  r.drops_x100_avg / 100.0 AS drops_per_sec_avg,
  r.drops_x100_min / 100.0 AS drops_per_sec_min,
  r.drops_x100_max / 100.0 AS drops_per_sec_max
FROM netif_1h r JOIN list_name n ON n.id = r.name_id;
