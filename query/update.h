// The update engine: parses the `u` of an update (or the `update` of a
// findAndModify) once, then applies it to documents with mongod's semantics
// (src/mongo/db/update/): every field and array operator, positional `$`,
// `$[]` and `$[<identifier>]` with arrayFilters, replacement documents, the
// upsert document built from the query, and mongod's no-op detection, field
// order, immutable `_id`, storage validation and error codes and messages.
// docs/update.md lists what is supported and what is not.
//
// Contract:
// - Parse returns a driver or the Status mongod gives for the same update
//   (code and message). Apply returns the new document or the Status mongod
//   gives when applying the update to that document; it never changes its
//   input. `modified` is false exactly when mongod counts the document as
//   matched but not modified.
// - The driver keeps its own copy of the update and the arrayFilters.
//
// Thread-safety: an UpdateDriver is immutable after Parse; Apply and
// MakeUpsertDocument may run on any number of threads at once.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/match_expression.h"

namespace basalt::query {

class CommandVariables;

namespace update_internal {
class UpdateObjectNode;
class UpdatePipeline;
struct ArrayFilter;
struct ApplyState;
}  // namespace update_internal

struct UpdateOptions {
  // The `arrayFilters` documents, in the order given (not owned; copied by Parse).
  std::vector<const bson_t*> array_filters;
  // `multi: true`: mongod refuses it with a replacement document.
  bool multi = false;
  // Pipeline updates: the command's variables ($$NOW, let; null: $$NOW
  // only) and the statement's constants `c` (null: none), which mongod
  // refuses (51198) for other updates.
  std::shared_ptr<const CommandVariables> variables;
  const bson_t* constants = nullptr;
};

// Time sources and the mode of one application. $currentDate and zero
// timestamps at the top level of a replacement read the clock through it, so
// that tests can fix the time.
struct ApplyContext {
  // True when the document is being inserted by an upsert: $setOnInsert applies.
  bool is_insert = false;
  // Milliseconds since the epoch for $currentDate {$type: "date"}; 0 = now.
  int64_t now_millis = 0;
  // The next timestamp for $currentDate {$type: "timestamp"} and for a zero
  // timestamp in a replacement; unset = wall-clock seconds and a
  // process-wide increasing counter.
  std::function<void(uint32_t* seconds, uint32_t* increment)> next_timestamp;
};

struct UpdateResult {
  Bson doc;
  // False for a no-op: mongod's nMatched counts the document, nModified does not.
  bool modified = false;
};

class UpdateDriver {
 public:
  enum class Type { kOperator, kReplacement, kPipeline };

  // Parses an update document: an operator update when its first field starts
  // with '$', else a replacement document (so `{}` replaces). Errors as
  // mongod: FailedToParse "Unknown modifier: ...", ConflictingUpdateOperators,
  // the operators' argument errors, arrayFilters errors.
  static StatusWith<std::unique_ptr<UpdateDriver>> Parse(const bson_t* update,
                                                         const UpdateOptions& options = {});

  // Parses the `u` element of an update statement (or findAndModify's
  // `update`): a document as above; an array is an aggregation pipeline
  // (see UpdatePipeline in update_internal.h); any other type is
  // FailedToParse "Update argument must be either an object or an array",
  // as mongod. A pipeline driver runs its stages with one set of variables:
  // unlike the others, it must be applied from one thread at a time.
  static StatusWith<std::unique_ptr<UpdateDriver>> ParseElement(const bson_iter_t* u,
                                                                const UpdateOptions& options = {});

  ~UpdateDriver();
  UpdateDriver(const UpdateDriver&) = delete;
  UpdateDriver& operator=(const UpdateDriver&) = delete;

  Type type() const { return type_; }
  bool is_replacement() const { return type_ == Type::kReplacement; }
  bool is_pipeline() const { return type_ == Type::kPipeline; }
  // True when the update uses the positional `$`: call the matcher with
  // MatchDetails::RequestElemMatchKey() and pass the details to Apply.
  bool needs_match_details() const { return positional_; }
  // The update as given.
  const bson_t* update() const { return spec_->get(); }

  // Applies the update to `doc` (which must hold `_id` unless this is an
  // upsert's insert). `match` carries the array position the query matched,
  // for `$`; it may be null when the update is not positional.
  StatusWith<UpdateResult> Apply(const bson_t* doc, const MatchDetails* match,
                                 const ApplyContext& ctx = {}) const;

 private:
  friend StatusWith<Bson> MakeUpsertDocument(const bson_t* query, const UpdateDriver& driver,
                                             const ApplyContext& ctx);
  UpdateDriver();
  // Applies the update to the document state->root; `*noop` stays true when
  // nothing changed.
  Status Run(update_internal::ApplyState* state, bool* noop) const;

  Type type_ = Type::kOperator;
  bool positional_ = false;
  // Shared so that values copied from the update into documents being built
  // can keep the bytes alive without copying them.
  std::shared_ptr<const Bson> spec_;
  std::vector<std::unique_ptr<update_internal::ArrayFilter>> array_filters_;
  std::unique_ptr<update_internal::UpdateObjectNode> root_;
  std::unique_ptr<update_internal::UpdatePipeline> pipeline_;
};

// The document an upsert inserts when `query` matched nothing (mongod's
// produceDocumentForUpsert): the query's equality conditions (top-level and
// dotted, from {a: v}, $eq, $and, one-element $in/$all/$or; for a replacement
// only `_id`) seed the document, the update is applied with $setOnInsert
// active, and `_id` comes first (a new ObjectId when neither query nor update
// gives one). Errors as mongod, e.g. NotSingleValueField "cannot infer query
// fields to set, path 'a' is matched twice", ImmutableField when the update
// changes a queried `_id`, InvalidIdField for an array `_id`.
StatusWith<Bson> MakeUpsertDocument(const bson_t* query, const UpdateDriver& driver,
                                    const ApplyContext& ctx = {});

}  // namespace basalt::query
