/* queue.c - the bounded record queue between producers (store_enqueue,
 * store_enqueue_event) and the writer thread. Memory only: every function is
 * called with store.lock held and never blocks. The ring grows on demand up
 * to its bound, so an idle queue holding a few records costs a few slots,
 * not the bound's worth of memory. */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

enum { RING_INITIAL = 16 };

void queue_init(record_queue *q, size_t cap, size_t batch_cap) {
  memset(q, 0, sizeof *q);
  q->cap = cap;
  q->batch_cap = batch_cap < cap ? batch_cap : cap;
}

void record_free(store_record *rec) {
  if (rec->kind == REC_SNAPSHOT)
    snapshot_free(&rec->u.snap);
  else if (rec->kind == REC_EVENT)
    free(rec->u.event);
  memset(rec, 0, sizeof *rec);
}

static store_record *ring_at(record_queue *q, size_t i) {
  return &q->ring[(q->head + i) % q->ring_alloc];
}

void queue_free(record_queue *q) {
  for (size_t i = 0; i < q->count; i++) record_free(ring_at(q, i));
  for (size_t i = 0; i < q->batch_count; i++) record_free(&q->batch[i]);
  free(q->ring);
  free(q->batch);
  memset(q, 0, sizeof *q);
}

size_t queue_depth(const record_queue *q) { return q->count + q->batch_count - q->batch_doomed; }

const store_record *queue_oldest(const record_queue *q) {
  return q->count ? &q->ring[q->head] : NULL;
}

uint64_t queue_oldest_seq(const record_queue *q) {
  if (q->batch_count > q->batch_doomed) return q->batch[q->batch_doomed].seq;
  return q->count ? q->ring[q->head].seq : UINT64_MAX;
}

/* Make room for `need` records in the ring: double the allocation (up to
 * cap), unrolling the wrapped part so that index 0 is the head. */
static void ring_reserve(record_queue *q, size_t need) {
  size_t alloc = q->ring_alloc;
  if (need <= alloc) return;
  size_t grown = alloc ? alloc : RING_INITIAL;
  while (grown < need) grown *= 2;
  if (grown > q->cap) grown = q->cap;
  store_record *ring = xcalloc(grown, sizeof *ring);
  for (size_t i = 0; i < q->count; i++) ring[i] = *ring_at(q, i); /* ownership moves */
  free(q->ring);
  q->ring = ring;
  q->ring_alloc = grown;
  q->head = 0;
}

/* Drop the oldest record not already doomed. A record in the writer's batch
 * is in flight (the writer reads it without the lock): it is only marked. */
static void drop_oldest(record_queue *q) {
  if (q->batch_count > q->batch_doomed) {
    q->dropped[q->batch[q->batch_doomed].kind]++;
    q->batch_doomed++;
    return;
  }
  store_record *oldest = &q->ring[q->head];
  q->dropped[oldest->kind]++;
  q->queued_bytes -= oldest->bytes;
  record_free(oldest);
  q->head = (q->head + 1) % q->ring_alloc;
  q->count--;
}

uint64_t queue_push(record_queue *q, store_record *rec) {
  if (queue_depth(q) >= q->cap) drop_oldest(q);
  ring_reserve(q, q->count + 1);
  rec->seq = ++q->next_seq;
  *ring_at(q, q->count) = *rec; /* ownership moves */
  memset(rec, 0, sizeof *rec);
  q->count++;
  q->queued_bytes += ring_at(q, q->count - 1)->bytes;
  return q->next_seq;
}

size_t queue_take(record_queue *q) {
  size_t k = q->count < q->batch_cap ? q->count : q->batch_cap;
  if (!q->batch && k) q->batch = xcalloc(q->batch_cap, sizeof *q->batch);
  for (size_t i = 0; i < k; i++) {
    store_record *r = ring_at(q, i);
    q->queued_bytes -= r->bytes;
    q->batch[i] = *r; /* ownership moves */
    memset(r, 0, sizeof *r);
  }
  if (k) q->head = (q->head + k) % q->ring_alloc;
  q->count -= k;
  q->batch_count = k;
  q->batch_doomed = 0;
  return k;
}

void queue_finish(record_queue *q, bool ok) {
  size_t doomed = q->batch_doomed;
  for (size_t i = 0; i < q->batch_count; i++) {
    store_record *r = &q->batch[i];
    if (ok) {
      /* A doomed record was counted as dropped, but it is in the file. */
      if (i < doomed) q->dropped[r->kind]--;
      q->written[r->kind]++;
      record_free(r);
    } else if (i < doomed) {
      record_free(r);
    }
  }
  if (!ok) {
    /* The rest goes back in front, oldest first: room is there, because
     * depth (which counted them) never exceeds cap. */
    size_t back = q->batch_count - doomed;
    ring_reserve(q, q->count + back);
    size_t alloc = q->ring_alloc;
    q->head = (q->head + alloc - back % alloc) % alloc;
    for (size_t i = 0; i < back; i++) {
      store_record *r = &q->batch[doomed + i];
      q->queued_bytes += r->bytes;
      *ring_at(q, i) = *r;
      memset(r, 0, sizeof *r);
    }
    q->count += back;
  }
  q->batch_count = q->batch_doomed = 0;
}
