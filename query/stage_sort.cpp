// $sort: the query layer's Sorter (mongod's sort key rules, the 100 MB limit
// and allowDiskUse spilling), top-k when a $limit was coalesced into it.

#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

StatusWith<StagePtr> ParseSort(const bson_iter_t* arg, PipelineContext&) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(15973, "the $sort key specification must be an object");
  }
  Bson key = DocumentOf(arg);
  auto pattern = SortPattern::Parse(key.get());
  if (!pattern.ok()) return pattern.status();
  if (pattern.value().empty()) {
    return Status(15976, "$sort stage must have at least one sort key");
  }
  return StagePtr(std::make_shared<SortStageSpec>(std::move(pattern.value()), std::move(key)));
}

}  // namespace

StatusWith<std::unique_ptr<DocumentStream>> SortStageSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  SorterOptions options;
  options.max_memory_bytes = ctx.max_memory_bytes;
  options.allow_disk_use = ctx.allow_disk_use;
  options.limit = limit_;
  options.temp_dir = ctx.temp_dir;
  return std::unique_ptr<DocumentStream>(
      std::make_unique<SortedStream>(std::move(source), pattern_, options));
}

Bson SortStageSpec::Serialize() const {
  Bson out;
  if (limit_ == 0) {
    BSON_APPEND_DOCUMENT(out.get(), "$sort", key_.get());
    return out;
  }
  bson_t sort;
  BSON_APPEND_DOCUMENT_BEGIN(out.get(), "$sort", &sort);
  BSON_APPEND_DOCUMENT(&sort, "sortKey", key_.get());
  BSON_APPEND_INT64(&sort, "limit", static_cast<int64_t>(limit_));
  bson_append_document_end(out.get(), &sort);
  return out;
}

std::vector<StageEntry> SortStages() { return {{"$sort", ParseSort}}; }

}  // namespace basalt::query
