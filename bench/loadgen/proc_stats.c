#include "proc_stats.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

double ServerCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  // The command name (field 2) may hold spaces; fields are counted after its ')'.
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long utime, stime;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

long ServerStatusKb(int pid, const char *field) {
  if (pid <= 0) return -1;
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kb = -1;
  size_t flen = strlen(field);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
      sscanf(line + flen + 1, "%ld", &kb);
      break;
    }
  }
  fclose(f);
  return kb;
}

bool ResetPeakRss(int pid) {
  if (pid <= 0) return false;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/clear_refs", pid);
  FILE *f = fopen(path, "w");
  if (!f) return false;
  bool ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

static void *SampleLoop(void *arg) {
  RssSampler *s = arg;
  while (!atomic_load(&s->stop)) {
    long kb = ServerStatusKb(s->pid, "VmRSS");
    if (kb > atomic_load(&s->max_kb)) atomic_store(&s->max_kb, kb);
    usleep(2000);
  }
  return NULL;
}

void RssSamplerStart(RssSampler *s, int pid) {
  s->pid = pid;
  atomic_store(&s->stop, false);
  atomic_store(&s->max_kb, ServerStatusKb(pid, "VmRSS"));
  pthread_create(&s->thread, NULL, SampleLoop, s);
}

long RssSamplerStop(RssSampler *s) {
  atomic_store(&s->stop, true);
  pthread_join(s->thread, NULL);
  return atomic_load(&s->max_kb);
}
