// Process-wide state that commands read: identity, start time, options,
// counters and the recent log. One instance lives for the server's lifetime;
// every field is either immutable after start-up or atomic/locked as noted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/bson.h"
#include "commands/command_metrics.h"
#include "commands/cursor_manager.h"
#include "commands/operation_registry.h"
#include "protocol/compression.h"
#include "storage/engine.h"

namespace basalt::commands {

// Operation counters as serverStatus reports them (opcounters).
struct OpCounters {
  std::atomic<int64_t> insert{0};
  std::atomic<int64_t> query{0};
  std::atomic<int64_t> update{0};
  std::atomic<int64_t> remove{0};
  std::atomic<int64_t> getmore{0};
  std::atomic<int64_t> command{0};
};

struct ConnectionCounters {
  std::atomic<int64_t> current{0};
  std::atomic<int64_t> total_created{0};
  std::atomic<int64_t> active{0};  // connections running a command right now
};

struct NetworkCounters {
  std::atomic<int64_t> bytes_in{0};
  std::atomic<int64_t> bytes_out{0};
  std::atomic<int64_t> num_requests{0};
};

// Bounded in-memory copy of recent log lines and start-up warnings, for getLog.
class RecentLog {
 public:
  static constexpr size_t kMaxLines = 1024;  // mongod's RamLog keeps 1024 lines
  void Add(std::string line);
  std::vector<std::string> Lines() const;
  int64_t TotalLinesWritten() const;

 private:
  mutable std::mutex mutex_;
  std::deque<std::string> lines_;  // guarded by mutex_
  int64_t total_ = 0;              // guarded by mutex_
};

struct ServiceContext {
  ServiceContext();

  // Identity, fixed at start-up.
  std::chrono::system_clock::time_point start_time;
  std::chrono::steady_clock::time_point start_steady;
  bson_oid_t process_id;  // topologyVersion.processId in hello
  int64_t pid = 0;
  std::string host;  // "hostname:port"
  int32_t max_incoming_connections = 1000000;
  std::vector<protocol::CompressorId> compressors = protocol::DefaultCompressors();
  std::string storage_engine_name = "rocksdb";
  // --auth / security.authorization: enabled: commands check privileges.
  bool auth_enabled = false;
  // Bumped by every change to a user, so connections re-read their roles.
  std::atomic<uint64_t> users_generation{0};
  // Commands slower than this are logged ("Slow query"), as mongod's slowms.
  int64_t slow_op_threshold_ms = 100;
  // Starts a graceful shutdown (the shutdown command); set by the server.
  std::function<void()> request_shutdown;

  // getCmdLineOpts: the argv and the parsed options (nested as the YAML layout).
  std::vector<std::string> argv;
  Bson parsed_options;

  // The storage engine; opened before the listener starts, closed after it stops.
  storage::Engine* engine = nullptr;

  CursorManager cursors;
  // Commands in progress (currentOp, killOp).
  OperationRegistry operations;
  // Command latencies for the metrics endpoint.
  CommandLatencies latencies;

  OpCounters opcounters;
  ConnectionCounters connections;
  NetworkCounters network;
  RecentLog global_log;
  RecentLog startup_warnings;
};

}  // namespace basalt::commands
