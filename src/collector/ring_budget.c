/* ring_budget.c - memory cost of the ring and the history_size warning. */
#include "collector/ring_budget.h"

#include <stdio.h>
#include <unistd.h>

#include "model/model.h"

/* glibc malloc: 8 bytes of header, chunks in 16-byte steps, 32 at least. */
static size_t malloc_chunk(size_t n) {
  size_t chunk = (n + 8 + 15) & ~(size_t)15;
  return chunk < 32 ? 32 : chunk;
}

size_t ring_entry_bytes(size_t n_plugins) {
  size_t bytes = sizeof(metrics_snapshot);
  if (n_plugins) bytes += malloc_chunk(n_plugins * sizeof(process_metrics));
  return bytes;
}

static uint64_t physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

bool ring_budget_warning(size_t history_size, size_t n_plugins, uint64_t ram_bytes, char *msg,
                         size_t len) {
  if (!ram_bytes) ram_bytes = physical_memory();
  double need = (double)history_size * (double)ring_entry_bytes(n_plugins);
  if (!ram_bytes || need <= RING_BUDGET_RAM_SHARE * (double)ram_bytes) return false;
  snprintf(msg, len,
           "history_size %zu would hold about %.1f GiB (%zu bytes per snapshot with %zu "
           "plugin%s), more than %.0f %% of this machine's %.1f GiB of memory",
           history_size, need / 1073741824.0, ring_entry_bytes(n_plugins), n_plugins,
           n_plugins == 1 ? "" : "s", RING_BUDGET_RAM_SHARE * 100,
           (double)ram_bytes / 1073741824.0);
  return true;
}
