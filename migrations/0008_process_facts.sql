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
