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
