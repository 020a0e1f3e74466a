/* ring_budget.h - what a ring of N snapshots costs in memory, and the warning
 * when a history_size would take too much of the machine. */
#ifndef HIRO_RING_BUDGET_H
#define HIRO_RING_BUDGET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A history_size whose ring would take more than this share of the
 * machine's physical memory is warned about (not refused). */
#define RING_BUDGET_RAM_SHARE 0.25

/* Bytes one full ring entry holds with n_plugins plugins: the slot
 * (sizeof(metrics_snapshot)) plus its children array as glibc's malloc
 * rounds it. Measured: 1,000,000 entries with 1 plugin = 1.03 GB of RSS, with
 * 8 plugins 2.78 GB (1,040 and 2,832 bytes by this formula). */
size_t ring_entry_bytes(size_t n_plugins);

/* When history_size entries with n_plugins plugins would take more than
 * RING_BUDGET_RAM_SHARE of ram_bytes, writes a one-line warning into msg and
 * returns true; otherwise returns false. ram_bytes 0 = this machine's
 * physical memory (sysconf). Never fails. */
bool ring_budget_warning(size_t history_size, size_t n_plugins, uint64_t ram_bytes, char *msg,
                         size_t len);

#endif
