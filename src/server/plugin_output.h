/* plugin_output.h - the plugins' stdout/stderr: read from a pipe per plugin
 * run on a thread of its own ("plugin-output"), written to the server log one
 * line at a time as "[NAME] text", each plugin held to a byte rate (a token
 * bucket) so that one plugin cannot fill the disk. */
#ifndef HIRO_PLUGIN_OUTPUT_H
#define HIRO_PLUGIN_OUTPUT_H
#include <stddef.h>

#include "common/hiro.h"

#define PLUGIN_OUTPUT_RATE (64 * 1024)   /* default bytes of log per second and plugin */
#define PLUGIN_OUTPUT_BURST (256 * 1024) /* default bucket size */

typedef struct plugin_output plugin_output;

typedef struct {
  size_t rate_bytes;  /* log bytes per second per plugin (line and prefix) */
  size_t burst_bytes; /* what a quiet plugin may write at once */
} plugin_output_limits;

/* Start the reader thread for the n plugins named (copied), in the channel
 * manager's order. limits NULL = the defaults. Returns NULL (logged) when the
 * thread cannot start. */
plugin_output *plugin_output_new(const char *const *names, size_t n,
                                 const plugin_output_limits *limits);

/* A new pipe for the next run of plugin `index`: returns its write end
 * (O_CLOEXEC; the child puts it on its stdout and stderr, the caller closes
 * it after fork) and reads the other end until end of file. -1 (logged) when
 * no pipe can be made. Thread-safe. */
int plugin_output_pipe(plugin_output *po, size_t index);

/* Read what the pipes hold now (bounded), log the last partial lines and the
 * drop counts, close everything, join the thread and free. Call after the
 * plugins are stopped. Safe on NULL. */
void plugin_output_free(plugin_output *po);

#endif
