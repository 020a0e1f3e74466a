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
