// The commands in progress, for currentOp and killOp. Every command the
// dispatcher runs is registered under an increasing opid for its duration;
// killOp sets the operation's kill flag, which the query layer polls
// (base/interrupt.h) where it polls the maxTimeMS deadline. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/bson.h"

namespace basalt::commands {

// One running command, as currentOp reports it. Fields are fixed at
// registration; only `killed` changes.
struct ActiveOperation {
  int64_t opid = 0;
  int64_t connection_id = 0;
  std::string client;  // the peer's "ip:port"
  std::string op;      // mongod's op type: command, query, getmore, insert, update, remove
  std::string ns;
  Bson command;
  std::shared_ptr<const Bson> client_metadata;  // null when the client sent none
  std::chrono::steady_clock::time_point started;
  std::atomic<bool> killed{false};
};

// mongod's op type and namespace for a command: find is a "query" on db.coll,
// getMore a "getmore" on db.<collection>, write commands their own types, the
// rest "command" on db.coll when the command names a collection, else db.$cmd
// ({aggregate: 1}: db.$cmd.aggregate).
struct OpTypeAndNs {
  std::string op;
  std::string ns;
};
OpTypeAndNs ClassifyCommand(std::string_view name, const std::string& db, const bson_t* body);

class OperationRegistry {
 public:
  // Registers `op` (its opid is assigned here) and returns it.
  std::shared_ptr<ActiveOperation> Add(std::shared_ptr<ActiveOperation> op);
  void Remove(int64_t opid);
  // The running operations in opid order.
  std::vector<std::shared_ptr<const ActiveOperation>> Snapshot() const;
  // Marks the operation killed; false when no operation has that opid.
  bool Kill(int64_t opid);

 private:
  mutable std::mutex mutex_;
  int64_t next_opid_ = 1;                                    // guarded by mutex_
  std::map<int64_t, std::shared_ptr<ActiveOperation>> ops_;  // guarded by mutex_
};

// Appends the currentOp document of `op` (mongod's field names and order).
void AppendCurrentOpDocument(const ActiveOperation& op, const std::string& host, bson_t* out);

}  // namespace basalt::commands
