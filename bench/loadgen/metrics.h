// Figures of one run (a small name -> value list), latency logs and their percentiles, and
// the median across runs that goes to the CSV.
#ifndef BENCH_LOADGEN_METRICS_H
#define BENCH_LOADGEN_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum { kMaxMetrics = 24 };

// How a figure combines across runs: the median, except for peaks (the worst run's) and
// assertion results (any failed run fails).
typedef enum { kMedian, kMax, kMin } Combine;

typedef struct {
  const char *name;
  double value;
  Combine combine;
} Metric;

typedef struct {
  Metric items[kMaxMetrics];
  int count;
} Metrics;

void AddMetric(Metrics *m, const char *name, double value, Combine combine);

// A growable log of per-operation latencies in nanoseconds, one per thread.
typedef struct {
  uint64_t *ns;
  size_t len, cap;
} LatencyLog;

void LatencyRecord(LatencyLog *log, uint64_t ns);
void LatencyAppend(LatencyLog *into, const LatencyLog *from);
void LatencyFree(LatencyLog *log);

// Sorts the log and adds p50_us, p99_us, p999_us (nearest rank; open_ prefixed for an
// open-loop run) to m.
void AddPercentiles(Metrics *m, bool open_loop, LatencyLog *log);

// Combines per-run figures by name and appends server,workload,clients,durability,metric,value
// lines to cfg->csv_path (or stdout).
int EmitCombined(const Config *cfg, const Metrics *runs, int nruns);

uint64_t NowNs(void);

#endif
