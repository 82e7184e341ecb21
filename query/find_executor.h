// Runs a find: reads candidates as the plan says, keeps those the filter
// matches, sorts them if asked (a blocking step, top-k under a limit), then
// applies skip, limit and the projection, streaming one document at a time so
// that a cursor over an unsorted result holds only its current position.
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
#include "query/expression_match.h"
#include "query/find_plan.h"
#include "query/matcher.h"
#include "query/projection.h"
#include "query/sort.h"

namespace basalt::query {

struct FindOptions {
  int64_t skip = 0;
  std::optional<int64_t> limit;  // unset or 0: no limit
  // Beyond this, Next() fails with MaxTimeMSExpired.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Sorted before skip and limit; projected after them.
  std::optional<SortPattern> sort;
  std::optional<Projection> projection;
  // A sort over the memory limit spills to files in temp_dir instead of failing.
  bool allow_disk_use = false;
  std::string temp_dir;
  // find's returnKey: each result is the index key it was found through
  // ({} without an index), in place of the document and its projection.
  bool return_key = false;
  // find's showRecordId: adds $recordId (Basalt's record id is the _id).
  bool show_record_id = false;
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

  // Where the filter's $expr records its evaluation errors (the matcher
  // itself cannot fail): checked after each match, so that the find fails
  // with the expression's error as mongod's does.
  void set_filter_errors(std::shared_ptr<const ExprMatcherExtensions> errors) {
    filter_errors_ = std::move(errors);
  }

  const FindPlan& plan() const { return plan_; }
  const ExecutionStats& stats() const { return stats_; }

 private:
  // The next candidate document from the plan's source, before filtering.
  StatusWith<bool> NextCandidate(Bson* out);
  // The next candidate the filter matches.
  StatusWith<bool> NextMatch(Bson* out);
  // Feeds every match to the sorter (on the first Next of a sorted find).
  Status Sort();
  Status Project(Bson* doc) const;
  // The {field: value} key of the entry the last candidate came through.
  void CurrentKey(Bson* out) const;
  // returnKey and showRecordId, on a document about to be returned.
  Status Decorate(Bson* doc) const;
  bool SortsInMemory() const;
  Status CheckDeadline();

  std::shared_ptr<storage::Collection> collection_;
  FindPlan plan_;
  std::unique_ptr<Matcher> matcher_;
  std::shared_ptr<const ExprMatcherExtensions> filter_errors_;
  FindOptions options_;
  ExecutionStats stats_;

  bool id_lookup_done_ = false;
  std::unique_ptr<storage::RecordCursor> records_;
  std::unique_ptr<storage::IndexCursor> index_;
  size_t interval_ = 0;                       // intervals opened so far
  std::string entry_key_;                     // the last index entry's key, for returnKey
  std::unordered_set<std::string> seen_ids_;  // KeyStrings of _ids met, when deduping
  std::unique_ptr<Sorter> sorter_;
  int64_t skipped_ = 0;
  int64_t since_deadline_check_ = 0;
};

}  // namespace basalt::query
