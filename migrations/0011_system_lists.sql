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
