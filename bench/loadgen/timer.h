// Timing for workloads measured a command at a time: wall time and server CPU accumulate
// only while a measured command runs, so untimed set-up between iterations (dropping a
// collection, building documents) is not counted; plus the assertion bookkeeping.
#ifndef BENCH_LOADGEN_TIMER_H
#define BENCH_LOADGEN_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"

typedef struct {
  const Config *cfg;
  double seconds, cpu;
  long docs;
  bool asserts_held;
} Timer;

typedef struct {
  uint64_t t0;
  double cpu0;
} Lap;

Lap LapStart(const Timer *t);
void LapEnd(Timer *t, Lap lap, long docs);

// Records a failed assertion, printing the printf-style message, unless cfg->no_assert.
void Check(Timer *t, bool held, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// docs_per_sec, cpu_us_per_doc, peak_rss_kb (VmHWM) and assert_ok.
void AddTimerMetrics(const Timer *t, Metrics *out);

#endif
