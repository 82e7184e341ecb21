// loadgen: runs one benchmark workload against a MongoDB-protocol server through libmongoc
// (a mongoc_client_pool, one thread per simulated client) and appends the median of its runs
// to a CSV as server,workload,clients,durability,metric,value. bench/run.sh drives it.
//
// Exit status: 0 success, 1 bad usage, 2 an operation failed, 3 a data assertion failed.
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_workloads.h"
#include "config.h"
#include "metrics.h"
#include "single_ops.h"

static bool RunOnce(const Config *cfg, mongoc_client_pool_t *pool, double seconds, int run_no,
                    Metrics *out) {
  const SingleOpWorkload *single = FindSingleOpWorkload(cfg->workload);
  if (single) return RunSingleOp(cfg, pool, single, seconds, run_no, out);
  return FindBulkWorkload(cfg->workload)(cfg, pool, seconds, out);
}

static bool AssertionsHeld(const Metrics *m) {
  for (int i = 0; i < m->count; i++) {
    if (strcmp(m->items[i].name, "assert_ok") == 0 && m->items[i].value != 1) return false;
  }
  return true;
}

static void PrintRun(const Config *cfg, int run_no, const Metrics *m) {
  fprintf(stderr, "  %s %s c=%d %s run %d:", cfg->server_name, cfg->workload, cfg->clients,
          cfg->durability, run_no);
  for (int i = 0; i < m->count; i++)
    fprintf(stderr, " %s=%.1f", m->items[i].name, m->items[i].value);
  fputc('\n', stderr);
}

int main(int argc, char **argv) {
  Config cfg;
  if (!ParseConfig(argc, argv, &cfg)) return 1;
  if (!FindSingleOpWorkload(cfg.workload) && !FindBulkWorkload(cfg.workload)) {
    fprintf(stderr, "loadgen: unknown workload '%s'\n", cfg.workload);
    return 1;
  }
  mongoc_init();
  mongoc_client_pool_t *pool = OpenPool(&cfg, cfg.clients < 4 ? 4 : cfg.clients);
  if (!pool) return 1;
  int status = 0;
  Metrics *runs = calloc((size_t)cfg.runs, sizeof *runs);
  if (!runs) abort();
  if (cfg.warmup_seconds > 0) {
    Metrics discard = {0};
    if (!RunOnce(&cfg, pool, cfg.warmup_seconds, 0, &discard)) status = 2;
  }
  for (int r = 0; r < cfg.runs && status == 0; r++) {
    if (!RunOnce(&cfg, pool, cfg.seconds, r + 1, &runs[r])) status = 2;
    PrintRun(&cfg, r + 1, &runs[r]);
    if (!AssertionsHeld(&runs[r])) status = 3;
  }
  if (status != 2 && EmitCombined(&cfg, runs, cfg.runs) != 0) status = 2;
  free(runs);
  mongoc_client_pool_destroy(pool);
  mongoc_cleanup();
  return status;
}
