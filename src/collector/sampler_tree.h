/* sampler_tree.h - the collector's measurement of a plugin's whole process
 * tree (part of the sampler; single-threaded like it).
 *
 * Two sources, chosen per plugin by what the plugin manager reports:
 * - cgroup mode (plugin_ref.cgroup set): the group's cpu.stat usage (every
 *   process that ever ran in it, exited ones included, exact) and its member
 *   list; RSS and threads from each member.
 * - walk mode: the children lists from the plugin down, plus the orphans the
 *   server adopted as a subreaper that belong to the plugin; CPU from each
 *   member's stat (its own time plus the time of the descendants it reaped,
 *   cutime + cstime), so a short-lived helper's CPU reaches the tree through
 *   its parent even if no tick ever saw it. An orphan reaped by the server
 *   between two ticks loses the CPU it used after the last tick. */
#ifndef HIRO_SAMPLER_TREE_H
#define HIRO_SAMPLER_TREE_H
#include <stdbool.h>
#include <stddef.h>

#include "collector/collector.h"

typedef struct sampler_tree sampler_tree;

/* The server's adopted orphans of one tick, attributed to plugins. */
typedef struct tree_orphans tree_orphans;

sampler_tree *sampler_tree_new(void);
void sampler_tree_free(sampler_tree *t);

tree_orphans *tree_orphans_new(platform *plat);
void tree_orphans_free(tree_orphans *o);
/* Read the server's direct children that are not plugins (refs[0..n)) and
 * attribute each to a plugin: a member of that plugin's tree at the last
 * tick, else the plugin named by its HIRO_PLUGIN_NAME environment variable (read
 * once per process). trees[i] belongs to refs[i]. Walk mode only; cheap: one
 * children list per tick. */
void tree_orphans_scan(tree_orphans *o, const plugin_ref *refs, sampler_tree *const *trees,
                       size_t n);

/* Measure the tree of running plugin ref (index i of the last scan) at
 * clock_mono() now into out. self is the plugin process's own figures of
 * this tick (its RSS and threads are not read twice). Returns false when
 * nothing could be read (the plugin vanished): out is then unspecified. */
bool sampler_tree_take(sampler_tree *t, platform *plat, const plugin_ref *ref,
                       const tree_orphans *o, size_t i, double now, const proc_sample *self,
                       process_tree *out);
/* The plugin exited since the last take: account the rest of that life
 * (exact in the cgroup mode; from wait4's rusage in the walk mode) into
 * out->cpu_seconds and out->cpu_percent over [last take, exit]. Returns
 * false when there is no earlier take to measure from. */
bool sampler_tree_final(sampler_tree *t, platform *plat, const plugin_ref *ref, process_tree *out);
/* Forget the members but keep the CPU counter (a new life, or priming). */
void sampler_tree_unprime(sampler_tree *t);

#endif
