// The server's CPU time and memory as Linux reports them in /proc/PID: user+system ticks from
// stat (all threads), peak RSS (VmHWM) and current RSS (VmRSS) from status.
#ifndef BENCH_LOADGEN_PROC_STATS_H
#define BENCH_LOADGEN_PROC_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

// utime + stime in seconds; -1 when pid is 0 or unreadable.
double ServerCpuSeconds(int pid);

// A /proc/PID/status field in kB (e.g. "VmHWM"); -1 when unavailable.
long ServerStatusKb(int pid, const char *field);

// Starts VmHWM afresh (writes 5 to /proc/PID/clear_refs) so a run's peak is its own; returns
// false when the kernel or permissions refuse, in which case VmHWM is the lifetime peak.
bool ResetPeakRss(int pid);

// Samples VmRSS every few milliseconds on its own thread, keeping the maximum.
typedef struct {
  int pid;
  atomic_bool stop;
  atomic_long max_kb;
  pthread_t thread;
} RssSampler;

void RssSamplerStart(RssSampler *s, int pid);
long RssSamplerStop(RssSampler *s);  // returns the maximum VmRSS seen, kB

#endif
