/* fold.c - bucket aggregation of history points (see fold.h). */
#include "history/fold.h"

#include <stdlib.h>
#include <string.h>

#include "model/columns.h"

typedef struct {
  int kind;
  char name[HIRO_NAME_MAX];
  int pid;                      /* the last seen */
  int64_t n[MODEL_PROC_GROUPS]; /* samples per presence group */
  double v[MODEL_PROC_COLUMNS];
} fold_proc;

typedef struct {
  int64_t n[MODEL_SYS_GROUPS];
  double v[MODEL_SYS_COLUMNS]; /* sums (avg) or the extreme (min, max) */
  fold_proc *procs;
  size_t n_procs, cap_procs;
} fold_bucket;

struct fold {
  int64_t first, width; /* first bucket start and width, ms */
  size_t n;
  fold_bucket *b;
  store_agg agg;
  const char *const *keep;
  size_t n_keep;
  store_proc_point *scratch; /* processes of a converted ring snapshot */
  size_t cap_scratch;
};

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

fold *fold_new(int64_t first_ms, int64_t last_ms, int64_t width_ms, store_agg agg,
               const char *const *processes, size_t n_processes) {
  fold *f = xcalloc(1, sizeof *f);
  f->width = width_ms;
  f->first = floordiv(first_ms, width_ms) * width_ms;
  int64_t last = floordiv(last_ms, width_ms) * width_ms;
  f->n = last >= f->first ? (size_t)((last - f->first) / width_ms) + 1 : 0;
  f->b = f->n ? xcalloc(f->n, sizeof *f->b) : NULL;
  f->agg = agg;
  f->keep = processes;
  f->n_keep = processes ? n_processes : 0;
  return f;
}

void fold_free(fold *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) free(f->b[i].procs);
  free(f->b);
  free(f->scratch);
  free(f);
}

/* Fold value v of n samples into acc, which already holds had samples. */
static void combine(double *acc, int64_t had, double v, int64_t n, store_agg agg) {
  switch (agg) {
  case STORE_AGG_AVG: *acc += v * (double)n; break;
  case STORE_AGG_MIN: *acc = had == 0 || v < *acc ? v : *acc; break;
  case STORE_AGG_MAX: *acc = had == 0 || v > *acc ? v : *acc; break;
  }
}

static bool kept(const fold *f, const store_proc_point *pp) {
  if (pp->kind == 0 || !f->keep) return true;
  for (size_t i = 0; i < f->n_keep; i++)
    if (strcmp(f->keep[i], pp->name) == 0) return true;
  return false;
}

static fold_proc *bucket_proc(fold_bucket *b, const store_proc_point *pp) {
  for (size_t i = 0; i < b->n_procs; i++)
    if (b->procs[i].kind == pp->kind && strcmp(b->procs[i].name, pp->name) == 0)
      return &b->procs[i];
  if (b->n_procs == b->cap_procs) {
    b->cap_procs = b->cap_procs ? 2 * b->cap_procs : 4;
    b->procs = xrealloc(b->procs, b->cap_procs * sizeof *b->procs);
  }
  fold_proc *p = &b->procs[b->n_procs++];
  memset(p, 0, sizeof *p);
  p->kind = pp->kind;
  hiro_strlcpy(p->name, pp->name, sizeof p->name);
  return p;
}

void fold_add(fold *f, const store_point *p) {
  if (f->n == 0 || p->ts_ms < f->first) return;
  int64_t idx = (p->ts_ms - f->first) / f->width;
  if (idx >= (int64_t)f->n) return;
  fold_bucket *b = &f->b[idx];
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++) {
    int g = model_sys_columns[i].group;
    if (p->n[g] > 0) combine(&b->v[i], b->n[g], p->v[i], p->n[g], f->agg);
  }
  /* Counts last: combine looks at them to spot the first sample. */
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) b->n[g] += p->n[g];
  for (size_t k = 0; k < p->n_procs; k++) {
    const store_proc_point *pp = &p->procs[k];
    if (pp->n[MODEL_GROUP_P_ALWAYS] <= 0 || !kept(f, pp)) continue;
    fold_proc *fp = bucket_proc(b, pp);
    /* Per presence group, like the system figures: a plugin's dead periods
     * (figures not measured) never pull its aggregates down. */
    for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
      int g = model_proc_columns[i].group;
      if (pp->n[g] > 0) combine(&fp->v[i], fp->n[g], pp->v[i], pp->n[g], f->agg);
    }
    for (int g = 0; g < MODEL_PROC_GROUPS; g++) fp->n[g] += pp->n[g];
    fp->pid = pp->pid;
  }
}

static void encode_process(const process_metrics *pm, int kind, store_proc_point *pp) {
  pp->kind = kind;
  pp->name = kind == 0 ? "server" : pm->name;
  pp->pid = pm->pid;
  for (int g = 0; g < MODEL_PROC_GROUPS; g++) pp->n[g] = model_proc_group_present(pm, g);
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++)
    pp->v[i] = (double)model_stored(pm, &model_proc_columns[i]);
}

void fold_add_snapshot(fold *f, const metrics_snapshot *s) {
  store_point p;
  memset(&p, 0, sizeof p);
  double ms = s->timestamp * 1000.0;
  p.ts_ms = ms >= 0 ? (int64_t)(ms + 0.5) : -(int64_t)(0.5 - ms);
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) p.n[g] = model_group_present(s, g);
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++)
    p.v[i] = (double)model_stored(s, &model_sys_columns[i]);
  size_t need = s->n_children + 1;
  if (need > f->cap_scratch) {
    f->cap_scratch = need;
    f->scratch = xrealloc(f->scratch, need * sizeof *f->scratch);
  }
  if (s->has_process) {
    process_metrics server = s->process;
    server.alive = true; /* as the store keeps it */
    encode_process(&server, 0, &f->scratch[p.n_procs++]);
  }
  for (size_t i = 0; i < s->n_children; i++)
    encode_process(&s->children[i], 1, &f->scratch[p.n_procs++]);
  p.procs = f->scratch;
  fold_add(f, &p);
}

/* The aggregate of n samples whose fold is acc, in stored units. */
static double result(double acc, int64_t n, store_agg agg) {
  return agg == STORE_AGG_AVG ? acc / (double)n : acc;
}

static void decode_process(const fold_proc *fp, store_agg agg, process_metrics *pm) {
  pm->pid = fp->pid;
  for (int g = 0; g < MODEL_PROC_GROUPS; g++) model_proc_group_set_present(pm, g, fp->n[g] > 0);
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
    const model_column *c = &model_proc_columns[i];
    if (fp->n[c->group] > 0) model_set_stored(pm, c, result(fp->v[i], fp->n[c->group], agg));
  }
}

size_t fold_finish(fold *f, metrics_snapshot **out) {
  size_t used = 0, k = 0;
  for (size_t i = 0; i < f->n; i++) used += f->b[i].n[MODEL_GROUP_ALWAYS] > 0;
  *out = used ? xcalloc(used, sizeof **out) : NULL;
  for (size_t i = 0; i < f->n; i++) {
    const fold_bucket *b = &f->b[i];
    if (b->n[MODEL_GROUP_ALWAYS] == 0) continue;
    metrics_snapshot *s = &(*out)[k++];
    s->timestamp = (double)(f->first + (int64_t)i * f->width) / 1000.0;
    for (int g = 0; g < MODEL_SYS_GROUPS; g++) model_group_set_present(s, g, b->n[g] > 0);
    for (int c = 0; c < MODEL_SYS_COLUMNS; c++) {
      const model_column *col = &model_sys_columns[c];
      if (b->n[col->group] > 0) model_set_stored(s, col, result(b->v[c], b->n[col->group], f->agg));
    }
    s->point.samples =
        (uint32_t)(b->n[MODEL_GROUP_ALWAYS] > UINT32_MAX ? UINT32_MAX : b->n[MODEL_GROUP_ALWAYS]);
    size_t kids = 0;
    for (size_t p = 0; p < b->n_procs; p++) kids += b->procs[p].kind != 0;
    if (kids) s->children = xcalloc(kids, sizeof *s->children);
    for (size_t p = 0; p < b->n_procs; p++) {
      const fold_proc *fp = &b->procs[p];
      if (fp->kind == 0) {
        s->has_process = true;
        decode_process(fp, f->agg, &s->process);
      } else {
        process_metrics *c = &s->children[s->n_children++];
        hiro_strlcpy(c->name, fp->name, sizeof c->name);
        decode_process(fp, f->agg, c);
      }
    }
  }
  return k;
}
