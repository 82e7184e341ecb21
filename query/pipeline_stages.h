// Internal to the pipeline: the stage specs the optimizer and the command
// layer look into ($match for index pushdown, $sort/$limit/$skip for
// coalescing). Not for other callers.
#pragma once

#include <memory>

#include "query/expression_match.h"
#include "query/matcher.h"
#include "query/pipeline.h"
#include "query/sort.h"

namespace basalt::query {

class MatchStageSpec : public StageSpec {
 public:
  static StatusWith<std::shared_ptr<MatchStageSpec>> Make(const bson_t* filter,
                                                          PipelineContext& ctx);
  std::string_view name() const override { return "$match"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;
  const bson_t* filter() const { return filter_.get(); }
  // The part of the filter a collection read can apply (no $expr), and
  // whether it is the whole filter.
  const bson_t* pushdown_filter() const { return pushdown_.get(); }
  bool fully_pushable() const { return fully_pushable_; }

 private:
  Bson filter_;
  Bson pushdown_;
  bool fully_pushable_ = true;
  std::shared_ptr<const Matcher> matcher_;
  std::shared_ptr<ExprMatcherExtensions> extensions_;
};

class SortStageSpec : public StageSpec {
 public:
  SortStageSpec(SortPattern pattern, Bson key)
      : pattern_(std::move(pattern)), key_(std::move(key)) {}
  std::string_view name() const override { return "$sort"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;
  Bson Serialize() const override;
  // Top-k: keep only the first `limit` documents (0: all).
  void set_limit(uint64_t limit) { limit_ = limit; }
  uint64_t limit() const { return limit_; }

 private:
  SortPattern pattern_;
  Bson key_;  // the sort specification as given
  uint64_t limit_ = 0;
};

class LimitStageSpec : public StageSpec {
 public:
  explicit LimitStageSpec(int64_t limit) : limit_(limit) {}
  std::string_view name() const override { return "$limit"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;
  Bson Serialize() const override;
  int64_t limit() const { return limit_; }
  void set_limit(int64_t limit) { limit_ = limit; }

 private:
  int64_t limit_;
};

class SkipStageSpec : public StageSpec {
 public:
  explicit SkipStageSpec(int64_t skip) : skip_(skip) {}
  std::string_view name() const override { return "$skip"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;
  Bson Serialize() const override;
  int64_t skip() const { return skip_; }

 private:
  int64_t skip_;
};

// A stage mongod desugars into a fixed chain of others ($sortByCount is
// $group then $sort, $bucket is $group then $sort), run as one stage so that
// explain shows the stage as given.
class ChainStageSpec : public StageSpec {
 public:
  ChainStageSpec(std::string_view name, std::vector<StagePtr> stages)
      : name_(name), stages_(std::move(stages)) {}
  std::string_view name() const override { return name_; }
  Status Optimize() override {
    for (auto& stage : stages_) {
      if (Status s = stage->Optimize(); !s.ok()) return s;
    }
    return Status::OK();
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override {
    for (const auto& stage : stages_) {
      auto next = stage->Instantiate(std::move(source), ctx);
      if (!next.ok()) return next;
      source = std::move(next.value());
    }
    return source;
  }

 private:
  std::string_view name_;  // a literal
  std::vector<StagePtr> stages_;
};

// Runs `stages` (already parsed, in `ctx`) over `source`.
StatusWith<std::unique_ptr<DocumentStream>> ExecuteStages(const std::vector<StagePtr>& stages,
                                                          std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx);

// Parses a sub-pipeline ($facet, $lookup, $unionWith) given as a BSON array
// element, with the same rules as the top level; 14 when not an array.
StatusWith<std::vector<StagePtr>> ParseSubPipeline(const bson_iter_t* array, PipelineContext& ctx,
                                                   std::string_view what);

// A copy of `doc` with the field at parts[from..] set to `v` (removed when
// missing), as mongod's setNestedField (stage_unwind.cpp).
Bson SetPath(const bson_t* doc, const std::vector<std::string>& parts, size_t from, const Value& v);

// Optimizes a list of stages in place (constant folding, $sort + $limit).
Status OptimizeStages(std::vector<StagePtr>* stages);

}  // namespace basalt::query
