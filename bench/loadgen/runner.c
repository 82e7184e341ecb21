// Drives a SingleOpWorkload with one thread per client. Closed loop: each thread issues its
// next operation as soon as the last one returns, for `seconds`. Open loop: each thread
// follows its own Poisson schedule at rate/clients, and latency is measured from the
// scheduled start, so a slow reply delays (and is charged to) the operations queued behind
// it instead of silently lowering the offered load (no coordinated omission).
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "explain_check.h"
#include "proc_stats.h"
#include "single_ops.h"

typedef struct {
  const Config *cfg;
  const SingleOpWorkload *wl;
  mongoc_client_pool_t *pool;
  pthread_barrier_t ready;
  atomic_bool stop;
  uint64_t start_ns, end_ns;  // written by the main thread before the barrier
  Worker *workers;
} Shared;

typedef struct {
  Shared *shared;
  Worker *worker;
} ThreadArg;

static void SleepUntil(uint64_t ns) {
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
}

static void ClosedLoop(Shared *s, Worker *w) {
  while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
    uint64_t t0 = NowNs();
    s->wl->op(w);
    LatencyRecord(&w->latency, NowNs() - t0);
    w->seq++;
    w->ops++;
  }
}

static void OpenLoop(Shared *s, Worker *w) {
  double mean_gap_ns = 1e9 * s->cfg->clients / s->cfg->rate;
  // Threads start at random phases so the first operations are not a burst.
  double next = (double)s->start_ns + mean_gap_ns * RngUnit(&w->rng);
  // A server slower than the offered rate falls behind its schedule; the backlog is served
  // for at most one more run length, so an overloaded run ends (its achieved rate shows it).
  uint64_t give_up = s->end_ns + (s->end_ns - s->start_ns);
  while (next < (double)s->end_ns && NowNs() < give_up) {
    uint64_t intended = (uint64_t)next;
    SleepUntil(intended);
    s->wl->op(w);
    LatencyRecord(&w->latency, NowNs() - intended);
    w->seq++;
    w->ops++;
    next += -log(RngUnit(&w->rng)) * mean_gap_ns;
  }
}

static void *ClientThread(void *p) {
  ThreadArg *arg = p;
  Shared *s = arg->shared;
  Worker *w = arg->worker;
  mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
  w->coll = GetCollection(client, s->cfg, s->wl->collection);
  // One round trip before the clock starts, so connection set-up is not measured.
  bson_error_t error;
  bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
  if (!mongoc_client_command_simple(client, "admin", ping, NULL, NULL, &error)) {
    NoteError(&w->errors, "ping", &error);
  }
  bson_destroy(ping);
  pthread_barrier_wait(&s->ready);
  if (w->errors.count == 0) {
    if (s->cfg->rate > 0) {
      OpenLoop(s, w);
    } else {
      ClosedLoop(s, w);
    }
  }
  mongoc_collection_destroy(w->coll);
  mongoc_client_pool_push(s->pool, client);
  return NULL;
}

static bool PrepareRun(const Config *cfg, mongoc_client_pool_t *pool, const SingleOpWorkload *wl) {
  if (!wl->fresh_collection) return true;
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  bson_error_t error;
  bool ok = ResetWithUniqueEmail(client, wl->collection, &error);
  if (!ok) fprintf(stderr, "loadgen: resetting %s: %s\n", wl->collection, error.message);
  mongoc_client_pool_push(pool, client);
  (void)cfg;
  return ok;
}

bool RunSingleOp(const Config *cfg, mongoc_client_pool_t *pool, const SingleOpWorkload *wl,
                 double seconds, int run_no, Metrics *out) {
  if (!PrepareRun(cfg, pool, wl)) return false;
  mongoc_client_t *checker = mongoc_client_pool_pop(pool);
  bool plan_ok = CheckPointReadPlan(checker, cfg, out);
  mongoc_client_pool_push(pool, checker);
  if (!plan_ok) return false;
  static Zipf zipf;  // built once: O(rows)
  static bool zipf_ready;
  if (wl->uses_zipf && !zipf_ready) {
    ZipfInit(&zipf, cfg->rows);
    zipf_ready = true;
  }
  int n = cfg->clients;
  Shared s = {.cfg = cfg, .wl = wl, .pool = pool};
  atomic_store(&s.stop, false);
  s.workers = calloc((size_t)n, sizeof *s.workers);
  ThreadArg *args = calloc((size_t)n, sizeof *args);
  pthread_t *threads = calloc((size_t)n, sizeof *threads);
  if (!s.workers || !args || !threads) abort();
  pthread_barrier_init(&s.ready, NULL, (unsigned)n + 1);
  // Unique per process, run and thread: 10^12 + ((pid mod 10^4) * 10^3 + run) * 10^10.
  int64_t base = 1000000000000LL + ((int64_t)(getpid() % 10000) * 1000 + run_no) * 10000000000LL;
  for (int i = 0; i < n; i++) {
    Worker *w = &s.workers[i];
    *w = (Worker){
        .cfg = cfg, .index = i, .zipf = &zipf, .fresh_base = base + (int64_t)i * 100000000LL};
    RngSeed(&w->rng, (uint64_t)base + (uint64_t)i);
    args[i] = (ThreadArg){&s, w};
    pthread_create(&threads[i], NULL, ClientThread, &args[i]);
  }
  ResetPeakRss(cfg->server_pid);
  s.start_ns = NowNs();
  s.end_ns = s.start_ns + (uint64_t)(seconds * 1e9);
  // Every client has connected and pinged once it reaches the barrier, so the server CPU
  // counted from here on is the workload's, not the connection handshakes'.
  pthread_barrier_wait(&s.ready);
  double cpu0 = ServerCpuSeconds(cfg->server_pid);
  uint64_t t0 = NowNs();
  if (cfg->rate <= 0) {
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&s.stop, true);
  }
  for (int i = 0; i < n; i++) pthread_join(threads[i], NULL);
  double elapsed = (double)(NowNs() - t0) / 1e9;
  double cpu1 = ServerCpuSeconds(cfg->server_pid);

  LatencyLog all = {0};
  uint64_t ops = 0, errors = 0;
  for (int i = 0; i < n; i++) {
    ops += s.workers[i].ops;
    LatencyAppend(&all, &s.workers[i].latency);
    LatencyFree(&s.workers[i].latency);
    if (s.workers[i].errors.count && errors == 0) {
      fprintf(stderr, "loadgen: %s: %s\n", wl->name, s.workers[i].errors.first);
    }
    errors += s.workers[i].errors.count;
  }
  bool open_loop = cfg->rate > 0;
  AddMetric(out, open_loop ? "open_ops_per_sec" : "ops_per_sec", (double)ops / elapsed, kMedian);
  if (open_loop) AddMetric(out, "open_target_ops_per_sec", cfg->rate, kMedian);
  AddPercentiles(out, open_loop, &all);
  if (!open_loop && cpu0 >= 0 && cpu1 >= 0 && ops > 0) {
    AddMetric(out, "cpu_us_per_op", (cpu1 - cpu0) * 1e6 / (double)ops, kMedian);
  }
  long hwm = ServerStatusKb(cfg->server_pid, "VmHWM");
  if (!open_loop && hwm > 0) AddMetric(out, "peak_rss_kb", (double)hwm, kMax);
  LatencyFree(&all);
  pthread_barrier_destroy(&s.ready);
  free(threads);
  free(args);
  free(s.workers);
  if (errors)
    fprintf(stderr, "loadgen: %s: %llu of %llu operations failed\n", wl->name,
            (unsigned long long)errors, (unsigned long long)(ops));
  return errors == 0;
}
