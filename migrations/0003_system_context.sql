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
