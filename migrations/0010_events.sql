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
