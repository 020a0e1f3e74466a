/* json.c - MetricsSnapshot to JSON with the design document's field names.
 *
 * Written with a direct string builder rather than a cJSON tree: the history
 * endpoint encodes up to 1800 snapshots (~100 values each) per request within a
 * 15 ms budget, and building then printing a cJSON tree costs several times
 * more. snapshot_to_json() still offers a cJSON tree for callers that want one. */
#include "collector/json.h"

#include <stdlib.h>

#include "common/strbuf.h"

/* "name": with the quotes and colon joined at compile time, so writing a key
 * is one memcpy (name must be a string literal). */
#define KEY_LIT(name) "\"" name "\":"
#define key(b, name) sb_append((b), KEY_LIT(name), sizeof KEY_LIT(name) - 1)
#define put_u64(b, name, v) put_u64_((b), KEY_LIT(name), sizeof KEY_LIT(name) - 1, (v))
#define put_int(b, name, v) put_int_((b), KEY_LIT(name), sizeof KEY_LIT(name) - 1, (v))
#define put_double(b, name, v, decimals) \
  put_double_((b), KEY_LIT(name), sizeof KEY_LIT(name) - 1, (v), (decimals))

static void put_u64_(strbuf *b, const char *k, size_t klen, uint64_t v) {
  sb_append(b, k, klen);
  sb_u64(b, v);
  sb_putc(b, ',');
}

static void put_int_(strbuf *b, const char *k, size_t klen, int64_t v) {
  sb_append(b, k, klen);
  sb_i64(b, v);
  sb_putc(b, ',');
}

static void put_double_(strbuf *b, const char *k, size_t klen, double v, int decimals) {
  sb_append(b, k, klen);
  sb_double(b, v, decimals);
  sb_putc(b, ',');
}

/* Replace the trailing comma of an object body with the closing brace. */
static void close_object(strbuf *b) {
  if (b->len && b->data[b->len - 1] == ',') b->len--;
  sb_putc(b, '}');
}

static void encode_process_fields(strbuf *b, int pid, double cpu, uint64_t rss, uint64_t vms,
                                  int threads) {
  put_int(b, "pid", pid);
  put_double(b, "cpu_percent", cpu, 2);
  put_u64(b, "rss_bytes", rss);
  put_u64(b, "vms_bytes", vms);
  put_int(b, "num_threads", threads);
}

static void encode_snapshot(strbuf *b, const metrics_snapshot *s) {
  sb_putc(b, '{');
  put_double(b, "timestamp", s->timestamp, 3);

  key(b, "cpu");
  sb_putc(b, '{');
  put_double(b, "percent", s->cpu.percent, 2);
  put_int(b, "count", s->cpu.count);
  close_object(b);
  sb_putc(b, ',');

  key(b, "memory");
  sb_putc(b, '{');
  put_u64(b, "total_bytes", s->memory.total_bytes);
  put_u64(b, "available_bytes", s->memory.available_bytes);
  put_double(b, "percent", s->memory.percent, 2);
  close_object(b);
  sb_putc(b, ',');

  key(b, "process");
  if (s->has_process) {
    const process_metrics *p = &s->process;
    sb_putc(b, '{');
    encode_process_fields(b, p->pid, p->cpu_percent, p->rss_bytes, p->vms_bytes, p->num_threads);
    close_object(b);
  } else {
    sb_puts(b, "null");
  }
  sb_putc(b, ',');

  key(b, "children");
  sb_putc(b, '[');
  for (size_t i = 0; i < s->n_children; i++) {
    const child_process_metrics *c = &s->children[i];
    if (i) sb_putc(b, ',');
    sb_putc(b, '{');
    key(b, "name");
    sb_json_string(b, c->name);
    sb_putc(b, ',');
    encode_process_fields(b, c->pid, c->cpu_percent, c->rss_bytes, c->vms_bytes, c->num_threads);
    key(b, "alive");
    sb_puts(b, c->alive ? "true" : "false");
    sb_putc(b, '}');
  }
  sb_append(b, "],", 2);

  key(b, "disk");
  if (s->has_disk) {
    const disk_metrics *d = &s->disk;
    sb_putc(b, '{');
    put_u64(b, "total_bytes", d->total_bytes);
    put_u64(b, "used_bytes", d->used_bytes);
    put_u64(b, "free_bytes", d->free_bytes);
    put_double(b, "percent", d->percent, 2);
    put_double(b, "read_bytes_per_sec", d->read_bytes_per_sec, 1);
    put_double(b, "write_bytes_per_sec", d->write_bytes_per_sec, 1);
    close_object(b);
  } else {
    sb_puts(b, "null");
  }
  sb_putc(b, ',');

  key(b, "network");
  if (s->has_network) {
    const network_metrics *n = &s->network;
    sb_putc(b, '{');
    put_double(b, "bytes_sent_per_sec", n->bytes_sent_per_sec, 1);
    put_double(b, "bytes_recv_per_sec", n->bytes_recv_per_sec, 1);
    put_double(b, "packets_sent_per_sec", n->packets_sent_per_sec, 2);
    put_double(b, "packets_recv_per_sec", n->packets_recv_per_sec, 2);
    close_object(b);
  } else {
    sb_puts(b, "null");
  }
  sb_putc(b, '}');
}

char *snapshot_to_json_string(const metrics_snapshot *s) {
  strbuf b;
  sb_init(&b, 1024 + s->n_children * 160);
  encode_snapshot(&b, s);
  return sb_steal(&b);
}

char *snapshots_to_json_string(const metrics_snapshot *snaps, size_t n) {
  strbuf b;
  size_t kids = n ? snaps[0].n_children : 0;
  sb_init(&b, 64 + n * (700 + kids * 160));
  sb_putc(&b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) sb_putc(&b, ',');
    encode_snapshot(&b, &snaps[i]);
  }
  sb_putc(&b, ']');
  return sb_steal(&b);
}

cJSON *snapshot_to_json(const metrics_snapshot *s) {
  char *text = snapshot_to_json_string(s);
  cJSON *obj = cJSON_Parse(text);
  free(text);
  return obj;
}
