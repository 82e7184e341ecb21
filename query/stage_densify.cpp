// $densify (mongod's document_source_densify.cpp): documents are sorted by
// (partitionByFields, field) — by field alone for bounds "full" — and
// streamed; missing values of `field` on the grid lower + k * step are
// generated between them, per partition. Generated documents hold the
// partition fields and `field` only. Documents whose field is missing or
// null pass through untouched.
//
// Bounds: [lower, upper) explicit (upper excluded), "partition" (each
// partition's own first to last value) or "full" (the smallest to the
// largest value over all documents, both included, in every partition).
// mongod's cap on generated documents (internalQueryMaxAllowedDensifyDocs,
// 500000) stops runaway ranges with its error 5897900.

#include <deque>
#include <unordered_map>

#include "query/densify_spec.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

constexpr uint64_t kMaxGeneratedDocs = 500000;

// Document::getNestedField: through documents only.
Value NestedField(const bson_t* doc, const std::vector<std::string>& parts) {
  Value v = Value::Document(Bson::Copy(doc));
  for (const std::string& part : parts) {
    if (!v.IsDocument()) return Value();
    bson_iter_t it;
    if (!bson_iter_init_find_w_len(&it, v.doc(), part.data(), static_cast<int>(part.size()))) {
      return Value();
    }
    v = Value::FromIter(&it);
  }
  return v;
}

class DensifyStream : public DocumentStream {
 public:
  DensifyStream(std::unique_ptr<DocumentStream> source, const DensifySpec& spec,
                PipelineContext& ctx)
      : source_(std::move(source)), spec_(spec), ctx_(ctx) {}

  StatusWith<bool> Next(Bson* out) override {
    while (ready_.empty()) {
      if (finished_) return false;
      if (Status s = Step(); !s.ok()) return s;
    }
    *out = std::move(ready_.front());
    ready_.pop_front();
    return true;
  }

 private:
  struct Partition {
    std::vector<Value> key;  // the partition fields' values
    Value next;              // the next grid value not yet covered
    bool started = false;
  };

  // Sorts the input, noting the overall smallest and largest values for "full".
  Status Start() {
    started_ = true;
    SorterOptions options;
    options.max_memory_bytes = ctx_.max_memory_bytes;
    options.allow_disk_use = ctx_.allow_disk_use;
    options.temp_dir = ctx_.temp_dir;
    sorter_ = std::make_unique<Sorter>(spec_.sort_pattern, options);
    Bson doc;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      if (spec_.bounds == DensifySpec::Bounds::kFull) {
        Value v = NestedField(doc.get(), spec_.field_path);
        if (!v.nullish()) {
          if (Status s = CheckValue(v); !s.ok()) return s;
          if (min_.missing() || CompareValues(v, min_) < 0) min_ = v;
          if (max_.missing() || CompareValues(v, max_) > 0) max_ = v;
        }
      }
      if (Status s = sorter_->Add(doc.get()); !s.ok()) return s;
    }
    return Status::OK();
  }

  Status CheckValue(const Value& v) const {
    if (!v.numeric() && v.type() != BSON_TYPE_DATE_TIME) {
      return Status(5733201, "Densify field type must be numeric or a date");
    }
    const bool has_unit = !spec_.unit.empty();
    if (has_unit != (v.type() == BSON_TYPE_DATE_TIME)) {
      return Status(6053600,
                    v.numeric()
                        ? "Encountered numeric densify value in collection when step has a date "
                          "unit."
                        : "Encountered date densify value in collection when step does not have "
                          "a date unit.");
    }
    return Status::OK();
  }

  // Processes the next sorted document, or finishes at the end.
  Status Step() {
    if (!started_) {
      if (Status s = Start(); !s.ok()) return s;
    }
    Bson doc;
    auto more = sorter_->Next(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) return Finish();
    Value v = NestedField(doc.get(), spec_.field_path);
    if (v.nullish()) {
      ready_.push_back(std::move(doc));
      return Status::OK();
    }
    if (Status s = CheckValue(v); !s.ok()) return s;
    std::vector<Value> key_values;
    std::string key;
    for (const auto& path : spec_.partition_paths) {
      key_values.push_back(NestedField(doc.get(), path));
      AppendValueKey(key_values.back(), &key);
      key += '\0';
    }
    auto [it, inserted] = partitions_.try_emplace(key);
    Partition& p = it->second;
    if (inserted) {
      p.key = std::move(key_values);
      order_.push_back(key);
      // Sorted by partition first: the previous partition is complete.
      if (spec_.bounds == DensifySpec::Bounds::kExplicit && current_ != nullptr) {
        if (Status s = FillTo(*current_, spec_.upper, false); !s.ok()) return s;
      }
    }
    current_ = &p;
    if (!p.started) {
      switch (spec_.bounds) {
        case DensifySpec::Bounds::kExplicit:
          p.next = spec_.lower;
          break;
        case DensifySpec::Bounds::kFull:
          p.next = min_;
          break;
        case DensifySpec::Bounds::kPartition:
          p.next = v;
          break;
      }
      p.started = true;
    }
    const bool below =
        spec_.bounds == DensifySpec::Bounds::kExplicit && CompareValues(v, spec_.lower) < 0;
    if (!below) {
      const Value limit =
          spec_.bounds == DensifySpec::Bounds::kExplicit && CompareValues(spec_.upper, v) < 0
              ? spec_.upper
              : v;
      if (Status s = FillTo(p, limit, false); !s.ok()) return s;
      if (ValuesEqual(p.next, v)) {
        auto next = spec_.Increment(p.next);
        if (!next.ok()) return next.status();
        p.next = std::move(next.value());
      }
    }
    ready_.push_back(std::move(doc));
    return Status::OK();
  }

  // Generates p's grid values below `limit` (or up to it when inclusive).
  Status FillTo(Partition& p, const Value& limit, bool inclusive) {
    while (true) {
      const int c = CompareValues(p.next, limit);
      if (c > 0 || (c == 0 && !inclusive)) return Status::OK();
      if (++generated_ > kMaxGeneratedDocs) {
        return Status(5897900, "Generated " + std::to_string(generated_) +
                                   " documents in $densify, which is over the limit of " +
                                   std::to_string(kMaxGeneratedDocs) +
                                   ". Increase the 'internalQueryMaxAllowedDensifyDocs' "
                                   "parameter to allow more generated documents");
      }
      Bson doc;
      for (size_t i = 0; i < p.key.size(); ++i) {
        doc = SetPath(doc.get(), spec_.partition_paths[i], 0, p.key[i]);
      }
      doc = SetPath(doc.get(), spec_.field_path, 0, p.next);
      ready_.push_back(std::move(doc));
      auto next = spec_.Increment(p.next);
      if (!next.ok()) return next.status();
      p.next = std::move(next.value());
    }
  }

  Status Finish() {
    finished_ = true;
    switch (spec_.bounds) {
      case DensifySpec::Bounds::kPartition:
        return Status::OK();
      case DensifySpec::Bounds::kFull:
        for (const std::string& key : order_) {
          if (Status s = FillTo(partitions_[key], max_, true); !s.ok()) return s;
        }
        return Status::OK();
      case DensifySpec::Bounds::kExplicit:
        if (partitions_.empty() && spec_.partition_paths.empty()) {
          Partition& p = partitions_[""];
          p.next = spec_.lower;
          current_ = &p;
        }
        if (current_ == nullptr) return Status::OK();
        return FillTo(*current_, spec_.upper, false);
    }
    return Status::OK();
  }

  std::unique_ptr<DocumentStream> source_;
  const DensifySpec& spec_;
  PipelineContext& ctx_;
  std::unique_ptr<Sorter> sorter_;
  bool started_ = false;
  bool finished_ = false;
  Value min_, max_;  // over all documents, for "full"
  std::unordered_map<std::string, Partition> partitions_;
  std::vector<std::string> order_;  // partitions in the order first seen
  Partition* current_ = nullptr;
  std::deque<Bson> ready_;
  uint64_t generated_ = 0;
};

}  // namespace

StatusWith<std::unique_ptr<DocumentStream>> DensifySpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  return std::unique_ptr<DocumentStream>(
      std::make_unique<DensifyStream>(std::move(source), *this, ctx));
}

std::vector<StageEntry> DensifyStages() { return {{"$densify", ParseDensify}}; }

}  // namespace basalt::query
