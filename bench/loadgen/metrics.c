#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t NowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void AddMetric(Metrics *m, const char *name, double value, Combine combine) {
  if (m->count == kMaxMetrics) abort();  // a programming error: raise kMaxMetrics
  m->items[m->count++] = (Metric){name, value, combine};
}

void LatencyRecord(LatencyLog *log, uint64_t ns) {
  if (log->len == log->cap) {
    log->cap = log->cap ? log->cap * 2 : 4096;
    log->ns = realloc(log->ns, log->cap * sizeof *log->ns);
    if (!log->ns) abort();
  }
  log->ns[log->len++] = ns;
}

void LatencyAppend(LatencyLog *into, const LatencyLog *from) {
  for (size_t i = 0; i < from->len; i++) LatencyRecord(into, from->ns[i]);
}

void LatencyFree(LatencyLog *log) {
  free(log->ns);
  *log = (LatencyLog){0};
}

static int CompareU64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static int CompareDouble(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// Nearest-rank percentile of a sorted log, in microseconds.
static double PercentileUs(const LatencyLog *log, double p) {
  size_t rank = (size_t)(p / 100.0 * (double)log->len + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > log->len) rank = log->len;
  return (double)log->ns[rank - 1] / 1000.0;
}

void AddPercentiles(Metrics *m, bool open_loop, LatencyLog *log) {
  if (log->len == 0) return;
  qsort(log->ns, log->len, sizeof *log->ns, CompareU64);
  // Same names as bench/pg/run_pg.sh writes, so the report can pair them.
  static const char *kClosed[] = {"p50_us", "p99_us", "p999_us"};
  static const char *kOpen[] = {"open_p50_us", "open_p99_us", "open_p999_us"};
  static const double kPoints[] = {50, 99, 99.9};
  for (int i = 0; i < 3; i++) {
    AddMetric(m, open_loop ? kOpen[i] : kClosed[i], PercentileUs(log, kPoints[i]), kMedian);
  }
}

static double Combined(const Metrics *runs, int nruns, const char *name, Combine how) {
  double values[nruns];
  int n = 0;
  for (int r = 0; r < nruns; r++) {
    for (int i = 0; i < runs[r].count; i++) {
      if (strcmp(runs[r].items[i].name, name) == 0) values[n++] = runs[r].items[i].value;
    }
  }
  qsort(values, (size_t)n, sizeof *values, CompareDouble);
  if (how == kMax) return values[n - 1];
  if (how == kMin) return values[0];
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int EmitCombined(const Config *cfg, const Metrics *runs, int nruns) {
  FILE *out = cfg->csv_path ? fopen(cfg->csv_path, "a") : stdout;
  if (!out) {
    perror(cfg->csv_path);
    return -1;
  }
  int clients = cfg->clients;
  for (int i = 0; i < runs[0].count; i++) {
    const Metric *m = &runs[0].items[i];
    fprintf(out, "%s,%s,%d,%s,%s,%.2f\n", cfg->server_name, cfg->workload, clients, cfg->durability,
            m->name, Combined(runs, nruns, m->name, m->combine));
  }
  if (out != stdout) fclose(out);
  return 0;
}
