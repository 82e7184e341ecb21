// Aggregation pipelines: a list of stages parsed once (StageSpec) and run as
// a chain of pull-based DocumentStreams, each stage pulling from the one
// before it. mongod's src/mongo/db/pipeline/pipeline.cpp and
// document_source_*.cpp are the specification; docs/aggregation.md lists the
// stages.
//
// Contract:
// - Parse returns the pipeline or mongod's error for the first bad stage
//   (14 for a non-object stage, 40323 for a stage with other than one field,
//   40324 "Unrecognized pipeline stage name: '$foo'", each stage's own
//   codes); Optimize then folds constant expressions and coalesces stages
//   ($sort + $limit), failing as mongod's optimize() would.
// - Execute builds the stream. A leading $match is handed to the collection
//   reader, so that indexes serve it.
// - Errors while documents flow come from the stream's Next().
//
// Thread-safety: a parsed Pipeline is immutable and may be executed several
// times ($lookup runs its sub-pipeline per document), but the streams of one
// execution share the context's Variables: one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "query/document_stream.h"
#include "query/expression.h"

namespace basalt::query {

// How stages read collections, supplied by the command layer.
class CollectionReader {
 public:
  virtual ~CollectionReader() = default;
  // The documents of `collection` (of the pipeline's database) matching
  // `filter` (null: all), planned with `hint` (null or empty: the planner's
  // choice); a missing collection yields nothing.
  virtual StatusWith<std::unique_ptr<DocumentStream>> Open(const std::string& collection,
                                                           const bson_t* filter,
                                                           const bson_t* hint) = 0;
  // The plan Open would use, as explain's queryPlanner.winningPlan.
  virtual StatusWith<Bson> ExplainPlan(const std::string& collection, const bson_t* filter,
                                       const bson_t* hint) = 0;
};

// How $out and $merge write, supplied by the command layer over storage
// (null in a context that may not write: explain never instantiates stages).
// Namespaces are explicit because both stages may target another database.
// Errors are the ones the write commands give (DuplicateKey with
// keyPattern/keyValue, ...).
class CollectionWriter {
 public:
  virtual ~CollectionWriter() = default;
  // Whether db.coll has a unique, non-partial index whose key fields are
  // exactly `fields` (in any order); an absent collection has only `_id`.
  virtual bool HasUniqueIndexOn(const std::string& db, const std::string& coll,
                                const std::vector<std::string>& fields) = 0;
  // The first document of db.coll matching `filter`; nullopt if none.
  virtual StatusWith<std::optional<Bson>> FindOne(const std::string& db, const std::string& coll,
                                                  const bson_t* filter) = 0;
  // Inserts as the insert command does (creating the collection; `_id`
  // moved first, generated when absent).
  virtual Status Insert(const std::string& db, const std::string& coll, const bson_t* doc) = 0;
  // Replaces `old_doc`, as read by FindOne, by `new_doc` (same `_id`, first);
  // WriteConflict (112) if the stored document changed meanwhile.
  virtual Status Replace(const std::string& db, const std::string& coll, const bson_t* old_doc,
                         const bson_t* new_doc) = 0;
  // $out: a new, empty collection of `db` under a temporary name, with the
  // options and indexes of db.like when it exists. Returns its name.
  virtual StatusWith<std::string> CreateTempCollection(const std::string& db,
                                                       const std::string& like) = 0;
  // Renames db.from to db.to in one step, dropping what db.to held.
  virtual Status RenameOver(const std::string& db, const std::string& from,
                            const std::string& to) = 0;
  // Drops db.coll if it exists.
  virtual void Drop(const std::string& db, const std::string& coll) = 0;
};

// What every stage of one aggregate (and its sub-pipelines) shares.
struct PipelineContext {
  std::string db;
  std::string collection;  // empty for {aggregate: 1}
  std::shared_ptr<CollectionReader> reader;
  std::shared_ptr<CollectionWriter> writer;  // for $out and $merge
  bool allow_disk_use = false;
  std::string temp_dir;  // spill files of $sort
  // mongod's internalDocumentSourceGroupMaxMemoryBytes / sort limit.
  uint64_t max_memory_bytes = 100 * 1024 * 1024;
  // maxTimeMS; the command clears it once the first batch is built.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Variable values while running ($$NOW, let, $lookup's let...).
  std::shared_ptr<Variables> variables = std::make_shared<Variables>();
  // The variables in scope when parsing (the command's let).
  VariablesParseState vps;
  // The hint of the command, for the collection read (null: none).
  std::shared_ptr<const Bson> hint;
  // Nesting: $facet and $lookup sub-pipelines may not hold some stages.
  bool in_facet = false;
  bool in_lookup = false;
  // The rows of $currentOp (the commands in progress), supplied by the command layer.
  std::function<std::vector<Bson>()> current_operations;
};

// One parsed stage.
class StageSpec {
 public:
  virtual ~StageSpec() = default;
  virtual std::string_view name() const = 0;
  // Builds the running stage, reading from `source`.
  virtual StatusWith<std::unique_ptr<DocumentStream>> Instantiate(
      std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const = 0;
  // Folds constant expressions (mongod's optimize()).
  virtual Status Optimize() { return Status::OK(); }
  // The stage as explain shows it ({$match: {...}}).
  virtual Bson Serialize() const { return Bson::Copy(spec_.get()); }
  // Stages that produce documents rather than transform them ($documents):
  // they must come first and need no collection.
  virtual bool IsSource() const { return false; }
  // $out and $merge: they must come last and return no documents.
  virtual bool IsWriter() const { return false; }

  void set_spec(const bson_t* spec) { spec_ = Bson::Copy(spec); }

 private:
  Bson spec_;  // {"$stage": <argument>} as given
};

using StagePtr = std::shared_ptr<StageSpec>;

class Pipeline {
 public:
  // Parses the elements of a BSON array of stages.
  static StatusWith<std::unique_ptr<Pipeline>> Parse(const bson_t* stages,
                                                     std::shared_ptr<PipelineContext> ctx);
  // Folds constants and coalesces stages.
  Status Optimize();
  // Runs the pipeline over `source`, or when null over the context's
  // collection (with a leading $match pushed to the reader).
  StatusWith<std::unique_ptr<DocumentStream>> Execute(std::unique_ptr<DocumentStream> source);

  const std::vector<StagePtr>& stages() const { return stages_; }
  // Whether the last stage is $out or $merge (the reply is then empty).
  bool writes() const { return !stages_.empty() && stages_.back()->IsWriter(); }
  PipelineContext& context() { return *ctx_; }
  const std::shared_ptr<PipelineContext>& shared_context() const { return ctx_; }
  // The filter the collection read gets (empty when none) and whether the
  // leading $match is wholly served by it.
  const Bson& pushed_filter() const { return pushed_filter_; }

 private:
  std::shared_ptr<PipelineContext> ctx_;
  std::vector<StagePtr> stages_;
  Bson pushed_filter_;
  bool match_absorbed_ = false;
};

// Parses one stage document ({$match: {...}}) in `ctx`.
StatusWith<StagePtr> ParseStage(const bson_t* stage, PipelineContext& ctx);

// A stream with no documents.
class EmptyStream : public DocumentStream {
 public:
  StatusWith<bool> Next(Bson*) override { return false; }
};

// Stage parsers, one table per stage_*.cpp file.
using StageParser = StatusWith<StagePtr> (*)(const bson_iter_t* arg, PipelineContext& ctx);
struct StageEntry {
  std::string_view name;
  StageParser parse;
};
std::vector<StageEntry> MatchStages();    // stage_match.cpp
std::vector<StageEntry> BasicStages();    // stage_basic.cpp
std::vector<StageEntry> ProjectStages();  // stage_project.cpp
std::vector<StageEntry> GroupStages();    // stage_group.cpp
std::vector<StageEntry> SortStages();     // stage_sort.cpp
std::vector<StageEntry> UnwindStages();   // stage_unwind.cpp
std::vector<StageEntry> FacetStages();    // stage_facet.cpp
std::vector<StageEntry> LookupStages();   // stage_lookup.cpp
std::vector<StageEntry> WindowStages();   // stage_window.cpp
std::vector<StageEntry> DensifyStages();  // stage_densify.cpp
std::vector<StageEntry> FillStages();     // stage_fill.cpp

std::vector<StageEntry> BucketStages();      // stage_bucket.cpp
std::vector<StageEntry> BucketAutoStages();  // stage_bucket_auto.cpp
std::vector<StageEntry> OutStages();         // stage_out.cpp
std::vector<StageEntry> MergeStages();       // stage_merge.cpp

// Building blocks the stage files share.
// mongod's error for a stage whose argument has the wrong shape.
std::string TypeNameOf(const bson_iter_t* it);
// A copy of the document (or array, as a document) `it` holds; empty otherwise.
Bson DocumentOf(const bson_iter_t* it);

// Stages the optimizer looks at, exposed for coalescing.
class SortStageSpec;
class LimitStageSpec;
class SkipStageSpec;
class MatchStageSpec;

}  // namespace basalt::query
