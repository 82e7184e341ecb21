// Runs a find: reads candidates as the plan says, keeps those the filter
// matches, and applies skip and limit, streaming one document at a time so
// that a cursor over a large result holds only its current position.
//
// Used by one thread at a time (a cursor is pinned while a batch is built).
// Holds a reference to the collection; a dropped collection ends the stream
// with its NamespaceNotFound error on the next read.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <unordered_set>

#include "base/bson.h"
#include "query/document_stream.h"
#include "query/find_plan.h"
#include "query/matcher.h"

namespace basalt::query {

struct FindOptions {
  int64_t skip = 0;
  std::optional<int64_t> limit;  // unset or 0: no limit
  // Beyond this, Next() fails with MaxTimeMSExpired.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// What explain's executionStats reports.
struct ExecutionStats {
  int64_t returned = 0;
  int64_t keys_examined = 0;
  int64_t docs_examined = 0;
};

class FindExecutor : public DocumentStream {
 public:
  // `collection` may be null (the collection does not exist: no results).
  FindExecutor(std::shared_ptr<storage::Collection> collection, FindPlan plan,
               std::unique_ptr<Matcher> matcher, FindOptions options);

  StatusWith<bool> Next(Bson* out) override;

  const FindPlan& plan() const { return plan_; }
  const ExecutionStats& stats() const { return stats_; }

 private:
  // The next candidate document from the plan's source, before filtering.
  StatusWith<bool> NextCandidate(Bson* out);
  Status CheckDeadline();

  std::shared_ptr<storage::Collection> collection_;
  FindPlan plan_;
  std::unique_ptr<Matcher> matcher_;
  FindOptions options_;
  ExecutionStats stats_;

  bool opened_ = false;
  bool id_lookup_done_ = false;
  std::unique_ptr<storage::RecordCursor> records_;
  std::unique_ptr<storage::IndexCursor> index_;
  std::unordered_set<std::string> seen_ids_;  // KeyStrings of _ids met, when deduping
  int64_t skipped_ = 0;
  int64_t since_deadline_check_ = 0;
};

}  // namespace basalt::query
