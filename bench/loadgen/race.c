// W5: 32 clients race on one email, released together by a barrier: first each inserts it
// (exactly one insert may succeed, the others get 11000), then each upserts another email
// with $inc (mongod retries the losers of an upsert race as updates, SERVER-37124, so every
// upsert should succeed). After each race exactly one document may hold the email, and for
// the upserts its counter must equal the number of upserts that succeeded.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "bulk_workloads.h"
#include "mongo_util.h"
#include "timer.h"

typedef struct {
  const Config *cfg;
  mongoc_client_pool_t *pool;
  pthread_barrier_t go, done;
  atomic_bool stop;
  int round;
  atomic_long succeeded, duplicates, others;
} Race;

static void Tally(Race *r, bool ok, const bson_error_t *error) {
  if (ok) {
    atomic_fetch_add(&r->succeeded, 1);
  } else if (error->code == kDuplicateKey) {
    atomic_fetch_add(&r->duplicates, 1);
  } else {
    if (atomic_fetch_add(&r->others, 1) == 0) fprintf(stderr, "loadgen: W5: %s\n", error->message);
  }
}

static void *Racer(void *p) {
  Race *r = p;
  mongoc_client_t *client = mongoc_client_pool_pop(r->pool);
  mongoc_collection_t *coll = GetCollection(client, r->cfg, "race");
  for (;;) {
    pthread_barrier_wait(&r->go);  // insert race
    if (atomic_load(&r->stop)) break;
    char email[64];
    FormatEmail(email, sizeof email, "race-insert-", r->round);
    bson_t *doc = BCON_NEW("email", BCON_UTF8(email), "n", BCON_INT32(1));
    bson_error_t error;
    Tally(r, mongoc_collection_insert_one(coll, doc, NULL, NULL, &error), &error);
    bson_destroy(doc);
    pthread_barrier_wait(&r->done);

    pthread_barrier_wait(&r->go);  // upsert race
    FormatEmail(email, sizeof email, "race-upsert-", r->round);
    bson_t *filter = BCON_NEW("email", BCON_UTF8(email));
    bson_t *update = BCON_NEW("$inc", "{", "n", BCON_INT32(1), "}");
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    Tally(r, mongoc_collection_update_one(coll, filter, update, opts, NULL, &error), &error);
    bson_destroy(opts);
    bson_destroy(update);
    bson_destroy(filter);
    pthread_barrier_wait(&r->done);
  }
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(r->pool, client);
  return NULL;
}

// Releases one race and waits for every racer to finish it.
static void RunOneRace(Race *r, Timer *t) {
  atomic_store(&r->succeeded, 0);
  atomic_store(&r->duplicates, 0);
  atomic_store(&r->others, 0);
  Lap lap = LapStart(t);
  pthread_barrier_wait(&r->go);
  pthread_barrier_wait(&r->done);
  LapEnd(t, lap, r->cfg->clients);
}

// The document holding `email` in bench.race, and how many there are.
static long CountAndCounter(mongoc_client_t *client, const char *email, long *counter) {
  bson_t *filter = BCON_NEW("email", BCON_UTF8(email));
  long n = (long)CountDocuments(client, "race", filter);
  mongoc_collection_t *coll = mongoc_client_get_collection(client, BENCH_DB, "race");
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
  const bson_t *doc;
  bson_iter_t it;
  *counter = -1;
  if (mongoc_cursor_next(cursor, &doc) && bson_iter_init_find(&it, doc, "n")) {
    *counter = (long)bson_iter_as_int64(&it);
  }
  mongoc_cursor_destroy(cursor);
  mongoc_collection_destroy(coll);
  bson_destroy(filter);
  return n;
}

bool RunRace(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out) {
  Race r = {.cfg = cfg, .pool = pool};
  int n = cfg->clients;
  pthread_barrier_init(&r.go, NULL, (unsigned)n + 1);
  pthread_barrier_init(&r.done, NULL, (unsigned)n + 1);
  pthread_t *threads = calloc((size_t)n, sizeof *threads);
  if (!threads) abort();
  for (int i = 0; i < n; i++) pthread_create(&threads[i], NULL, Racer, &r);
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  Timer t = {.cfg = cfg, .asserts_held = true};
  bson_error_t error;
  bool ok = ResetWithUniqueEmail(client, "race", &error);
  if (!ok) fprintf(stderr, "loadgen: resetting race: %s\n", error.message);
  long rounds = 0;
  for (; ok && (rounds == 0 || t.seconds < seconds); rounds++) {
    r.round = (int)rounds;
    char email[64];
    long counter;
    RunOneRace(&r, &t);
    FormatEmail(email, sizeof email, "race-insert-", r.round);
    Check(&t, r.succeeded == 1 && r.duplicates == n - 1,
          "insert race: %ld succeeded and %ld got 11000, expected 1 and n-1", (long)r.succeeded,
          (long)r.duplicates);
    long docs = CountAndCounter(client, email, &counter);
    Check(&t, docs == 1, "insert race left %ld documents", docs);
    RunOneRace(&r, &t);
    FormatEmail(email, sizeof email, "race-upsert-", r.round);
    docs = CountAndCounter(client, email, &counter);
    Check(&t, docs == 1, "upsert race left %ld documents", docs);
    Check(&t, r.succeeded + r.duplicates == n, "upsert race: %ld succeeded + %ld 11000 != %d",
          (long)r.succeeded, (long)r.duplicates, n);
    Check(&t, counter == r.succeeded, "upsert race: counter %ld but %ld upserts succeeded", counter,
          (long)r.succeeded);
    ok = r.others == 0;
  }
  atomic_store(&r.stop, true);
  pthread_barrier_wait(&r.go);
  for (int i = 0; i < n; i++) pthread_join(threads[i], NULL);
  mongoc_client_pool_push(pool, client);
  AddMetric(out, "rounds_per_sec", (double)rounds / t.seconds, kMedian);
  // t.docs counted operations here: one per client per race, two races per round.
  AddMetric(out, "ops_per_sec", (double)t.docs / t.seconds, kMedian);
  if (!cfg->no_assert) AddMetric(out, "assert_ok", t.asserts_held ? 1 : 0, kMin);
  pthread_barrier_destroy(&r.go);
  pthread_barrier_destroy(&r.done);
  free(threads);
  return ok;
}
