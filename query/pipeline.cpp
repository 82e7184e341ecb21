#include "query/pipeline.h"

#include <unordered_map>

#include "base/interrupt.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

// Stages mongod has that Basalt does not (yet): refused with NotImplemented
// rather than as unknown, so users see that the name is right.
constexpr std::string_view kKnownUnsupported[] = {"$graphLookup",
                                                  "$geoNear",
                                                  "$redact",
                                                  "$search",
                                                  "$searchMeta",
                                                  "$changeStream",
                                                  "$collStats",
                                                  "$indexStats",
                                                  "$planCacheStats",
                                                  "$listSessions",
                                                  "$listSearchIndexes",
                                                  "$changeStreamSplitLargeEvent",
                                                  "$queryStats",
                                                  "$shardedDataDistribution",
                                                  "$vectorSearch"};

const std::unordered_map<std::string_view, StageParser>& StageMap() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string_view, StageParser>();
    for (auto table :
         {MatchStages, BasicStages, ProjectStages, GroupStages, SortStages, UnwindStages,
          FacetStages, LookupStages, WindowStages, DensifyStages, FillStages, BucketStages,
          BucketAutoStages, OutStages, MergeStages}) {
      for (const StageEntry& e : table()) m->emplace(e.name, e.parse);
    }
    return m;
  }();
  return *map;
}

// Checks maxTimeMS while documents are read from the collection; blocking
// stages ($group, $sort) pull through it, so they are covered too.
class DeadlineStream : public DocumentStream {
 public:
  DeadlineStream(std::unique_ptr<DocumentStream> source, PipelineContext& ctx)
      : source_(std::move(source)), ctx_(ctx) {}
  StatusWith<bool> Next(Bson* out) override {
    if ((++count_ & 15) == 0) {
      // killOp is polled here too, for the same reason.
      if (Status s = CheckForInterrupt(); !s.ok()) return s;
      if (ctx_.deadline && std::chrono::steady_clock::now() > *ctx_.deadline) {
        return Status(ErrorCodes::MaxTimeMSExpired, "operation exceeded time limit");
      }
    }
    return source_->Next(out);
  }

 private:
  std::unique_ptr<DocumentStream> source_;
  PipelineContext& ctx_;
  uint64_t count_ = 0;
};

Status CheckPositions(const std::vector<StagePtr>& stages) {
  for (size_t i = 0; i + 1 < stages.size(); ++i) {
    if (stages[i]->IsWriter()) {
      return Status(
          40601, std::string(stages[i]->name()) + " can only be the final stage in the pipeline");
    }
  }
  for (size_t i = 1; i < stages.size(); ++i) {
    if (stages[i]->IsSource()) {
      return Status(40602, std::string(stages[i]->name()) +
                               " is only valid as the first stage in a pipeline");
    }
  }
  return Status::OK();
}

}  // namespace

std::string TypeNameOf(const bson_iter_t* it) { return std::string(TypeName(bson_iter_type(it))); }

Bson DocumentOf(const bson_iter_t* it) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_ARRAY(it)) {
    bson_iter_array(it, &len, &data);
  } else if (BSON_ITER_HOLDS_DOCUMENT(it)) {
    bson_iter_document(it, &len, &data);
  }
  if (data == nullptr) return Bson();
  return Bson::CopyBytes(data, len);
}

StatusWith<StagePtr> ParseStage(const bson_t* stage, PipelineContext& ctx) {
  if (bson_count_keys(stage) != 1) {
    return Status(40323, "A pipeline stage specification object must contain exactly one field.");
  }
  bson_iter_t it;
  bson_iter_init(&it, stage);
  bson_iter_next(&it);
  const std::string_view name = KeyOf(&it);
  auto found = StageMap().find(name);
  if (found == StageMap().end()) {
    for (std::string_view known : kKnownUnsupported) {
      if (known == name) {
        return Status(ErrorCodes::NotImplemented,
                      "The " + std::string(name) + " stage is not supported by Basalt yet");
      }
    }
    return Status(40324, "Unrecognized pipeline stage name: '" + std::string(name) + "'");
  }
  auto spec = found->second(&it, ctx);
  if (!spec.ok()) return spec.status();
  spec.value()->set_spec(stage);
  return spec;
}

StatusWith<std::vector<StagePtr>> ParseSubPipeline(const bson_iter_t* array, PipelineContext& ctx,
                                                   std::string_view what) {
  std::vector<StagePtr> out;
  if (!BSON_ITER_HOLDS_ARRAY(array)) {
    return Status(ErrorCodes::TypeMismatch,
                  std::string(what) + " must be an array, but found " + TypeNameOf(array));
  }
  bson_iter_t it;
  bson_iter_recurse(array, &it);
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return Status(ErrorCodes::TypeMismatch,
                    "Each element of the 'pipeline' array must be an object");
    }
    Bson stage = DocumentOf(&it);
    auto spec = ParseStage(stage.get(), ctx);
    if (!spec.ok()) return spec.status();
    out.push_back(std::move(spec.value()));
  }
  if (Status s = CheckPositions(out); !s.ok()) return s;
  return out;
}

StatusWith<std::unique_ptr<Pipeline>> Pipeline::Parse(const bson_t* stages,
                                                      std::shared_ptr<PipelineContext> ctx) {
  auto pipeline = std::unique_ptr<Pipeline>(new Pipeline());
  pipeline->ctx_ = std::move(ctx);
  bson_iter_t it;
  bson_iter_init(&it, stages);
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return Status(ErrorCodes::TypeMismatch,
                    "Each element of the 'pipeline' array must be an object");
    }
    Bson stage = DocumentOf(&it);
    auto spec = ParseStage(stage.get(), *pipeline->ctx_);
    if (!spec.ok()) return spec.status();
    pipeline->stages_.push_back(std::move(spec.value()));
  }
  if (Status s = CheckPositions(pipeline->stages_); !s.ok()) return s;
  if (pipeline->ctx_->collection.empty()) {
    if (pipeline->stages_.empty()) {
      return Status(ErrorCodes::InvalidNamespace,
                    "{aggregate: 1} is not valid for an empty pipeline.");
    }
    if (!pipeline->stages_[0]->IsSource()) {
      return Status(ErrorCodes::InvalidNamespace, "{aggregate: 1} is not valid for '" +
                                                      std::string(pipeline->stages_[0]->name()) +
                                                      "'; a collection is required.");
    }
  }
  return pipeline;
}

Status OptimizeStages(std::vector<StagePtr>* stages) {
  for (const StagePtr& stage : *stages) {
    if (Status s = stage->Optimize(); !s.ok()) return s;
  }
  auto& v = *stages;
  for (size_t i = 0; i + 1 < v.size();) {
    auto* sort = dynamic_cast<SortStageSpec*>(v[i].get());
    auto* limit = dynamic_cast<LimitStageSpec*>(v[i + 1].get());
    auto* skip = dynamic_cast<SkipStageSpec*>(v[i + 1].get());
    if (sort != nullptr && limit != nullptr) {
      // mongod absorbs the $limit into the $sort (a top-k sort).
      uint64_t l = static_cast<uint64_t>(limit->limit());
      sort->set_limit(sort->limit() == 0 ? l : std::min(sort->limit(), l));
      v.erase(v.begin() + i + 1);
      continue;
    }
    if (sort != nullptr && skip != nullptr && i + 2 < v.size()) {
      if (auto* later = dynamic_cast<LimitStageSpec*>(v[i + 2].get())) {
        uint64_t l = static_cast<uint64_t>(skip->skip() + later->limit());
        sort->set_limit(sort->limit() == 0 ? l : std::min(sort->limit(), l));
      }
    }
    auto* first_limit = dynamic_cast<LimitStageSpec*>(v[i].get());
    if (first_limit != nullptr && limit != nullptr) {
      first_limit->set_limit(std::min(first_limit->limit(), limit->limit()));
      v.erase(v.begin() + i + 1);
      continue;
    }
    ++i;
  }
  return Status::OK();
}

Status Pipeline::Optimize() {
  if (Status s = OptimizeStages(&stages_); !s.ok()) return s;
  if (!stages_.empty()) {
    if (auto* match = dynamic_cast<MatchStageSpec*>(stages_[0].get())) {
      pushed_filter_ = Bson::Copy(match->pushdown_filter());
      match_absorbed_ = match->fully_pushable();
    }
  }
  return Status::OK();
}

StatusWith<std::unique_ptr<DocumentStream>> ExecuteStages(const std::vector<StagePtr>& stages,
                                                          std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) {
  for (const StagePtr& stage : stages) {
    auto next = stage->Instantiate(std::move(source), ctx);
    if (!next.ok()) return next.status();
    source = std::move(next.value());
  }
  return source;
}

StatusWith<std::unique_ptr<DocumentStream>> Pipeline::Execute(
    std::unique_ptr<DocumentStream> source) {
  size_t first = 0;
  if (source == nullptr) {
    if (!stages_.empty() && stages_[0]->IsSource()) {
      source = std::make_unique<EmptyStream>();
    } else {
      const bson_t* filter = bson_empty(pushed_filter_.get()) ? nullptr : pushed_filter_.get();
      const bson_t* hint =
          ctx_->hint && !bson_empty(ctx_->hint->get()) ? ctx_->hint->get() : nullptr;
      auto read = ctx_->reader->Open(ctx_->collection, filter, hint);
      if (!read.ok()) return read.status();
      source = std::move(read.value());
      if (match_absorbed_) first = 1;
    }
    source = std::make_unique<DeadlineStream>(std::move(source), *ctx_);
  }
  std::vector<StagePtr> rest(stages_.begin() + first, stages_.end());
  return ExecuteStages(rest, std::move(source), *ctx_);
}

}  // namespace basalt::query
