#include "timer.h"

#include <stdarg.h>
#include <stdio.h>

#include "proc_stats.h"

Lap LapStart(const Timer *t) { return (Lap){NowNs(), ServerCpuSeconds(t->cfg->server_pid)}; }

void LapEnd(Timer *t, Lap lap, long docs) {
  t->seconds += (double)(NowNs() - lap.t0) / 1e9;
  t->cpu += ServerCpuSeconds(t->cfg->server_pid) - lap.cpu0;
  t->docs += docs;
}

void Check(Timer *t, bool held, const char *fmt, ...) {
  if (held || t->cfg->no_assert) return;
  t->asserts_held = false;
  fprintf(stderr, "loadgen: %s: ASSERTION FAILED: ", t->cfg->workload);
  va_list args;
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fputc('\n', stderr);
}

void AddTimerMetrics(const Timer *t, Metrics *out) {
  AddMetric(out, "docs_per_sec", (double)t->docs / t->seconds, kMedian);
  if (t->cfg->server_pid > 0 && t->docs > 0) {
    AddMetric(out, "cpu_us_per_doc", t->cpu * 1e6 / (double)t->docs, kMedian);
    AddMetric(out, "peak_rss_kb", (double)ServerStatusKb(t->cfg->server_pid, "VmHWM"), kMax);
  }
  if (!t->cfg->no_assert) AddMetric(out, "assert_ok", t->asserts_held ? 1 : 0, kMin);
}
