// Command-line settings of one load generator invocation: one workload, one client count,
// one durability, against one server, measured `runs` times.
#ifndef BENCH_LOADGEN_CONFIG_H
#define BENCH_LOADGEN_CONFIG_H

#include <stdbool.h>

typedef struct {
  const char *uri;          // mongodb://127.0.0.1:PORT
  const char *server_name;  // CSV "server" column: basalt, null
  const char *workload;     // W1, W2, ..., load
  const char *durability;   // "default" (server's default write concern) or "j:true"
  const char *csv_path;     // medians are appended here; NULL = stdout
  int server_pid;           // for CPU and memory figures; 0 = not measured
  int clients;
  int runs;
  double seconds;         // length of one measured run
  double warmup_seconds;  // discarded run before the measured ones; 0 = none
  double rate;            // open loop: total ops/s over all clients; 0 = closed loop
  long rows;              // documents in bench.users
  int find_batch;         // batchSize of the streaming find
  bool no_assert;         // the null server stores nothing: skip data assertions
} Config;

// Parses argv into *cfg; prints usage and returns false on bad input.
bool ParseConfig(int argc, char **argv, Config *cfg);

bool IsJournaled(const Config *cfg);

#endif
