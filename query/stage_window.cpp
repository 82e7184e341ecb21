// $setWindowFields (mongod's document_source_set_window_fields.cpp):
// documents are sorted by (partition key, sortBy) with the Sorter, as
// mongod's desugaring into $sort does, then each partition is held in
// memory while its window functions run (window_function.h), and its
// documents are returned with the output fields set.
//
// Memory: the sort has $sort's limit (292 without allowDiskUse, spilling
// with it); a partition past PipelineContext::max_memory_bytes fails with
// mongod's 5414201 unless allowDiskUse, with which Basalt keeps it in
// memory (it does not spill partitions, where mongod would). The values the
// functions compute count against the limit in any case, as mongod's
// function states (which it cannot spill) do.

#include "query/pipeline_stages.h"
#include "query/spec_rules.h"
#include "query/window_function.h"

namespace basalt::query {
namespace {

constexpr std::string_view kStage = "$setWindowFields";

struct Output {
  std::vector<std::string> path;
  std::unique_ptr<WindowFunction> fn;
};

class SetWindowFieldsSpec : public StageSpec {
 public:
  std::string_view name() const override { return kStage; }
  Status Optimize() override;
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;

  ExpressionPtr partition_by_;  // null: one partition
  std::optional<SortPattern> sort_by_;
  Bson sort_spec_;
  std::vector<std::string> sort_path_;  // sortBy's first field, split
  std::vector<Output> outputs_;
};

Status PartitionArrayError() {
  return Status(ErrorCodes::TypeMismatch,
                "An expression used to partition cannot evaluate to value of type array");
}

Status SetWindowFieldsSpec::Optimize() {
  if (partition_by_) {
    if (Status s = query::Optimize(&partition_by_); !s.ok()) return s;
    if (const Value* c = partition_by_->constant()) {
      if (c->IsArray()) return PartitionArrayError();
      partition_by_.reset();  // a constant partitions nothing
    }
  }
  for (Output& out : outputs_) {
    if (Status s = out.fn->Optimize(); !s.ok()) return s;
  }
  return Status::OK();
}

class WindowStream : public DocumentStream {
 public:
  WindowStream(std::unique_ptr<DocumentStream> source, const SetWindowFieldsSpec& spec,
               PipelineContext& ctx)
      : source_(std::move(source)), spec_(spec), ctx_(ctx) {}

  StatusWith<bool> Next(Bson* out) override {
    while (next_ >= ready_.size()) {
      if (done_) return false;
      if (Status s = FillPartition(); !s.ok()) return s;
    }
    *out = std::move(ready_[next_++]);
    return true;
  }

 private:
  // The input, sorted when there is a partition key or sortBy: documents
  // wrapped as {p: <key>, d: <doc>} and sorted on p then d.<sortBy>.
  Status Start() {
    started_ = true;
    if (!spec_.partition_by_ && !spec_.sort_by_) return Status::OK();
    Bson key;
    if (spec_.partition_by_) BSON_APPEND_INT32(key.get(), "p", 1);
    if (spec_.sort_by_) {
      for (size_t i = 0; i < spec_.sort_by_->size(); ++i) {
        const std::string field = "d." + spec_.sort_by_->fields()[i];
        bson_append_int32(key.get(), field.data(), static_cast<int>(field.size()),
                          spec_.sort_by_->descending()[i] ? -1 : 1);
      }
    }
    auto pattern = SortPattern::Parse(key.get());
    if (!pattern.ok()) return pattern.status();
    SorterOptions options;
    options.max_memory_bytes = ctx_.max_memory_bytes;
    options.allow_disk_use = ctx_.allow_disk_use;
    options.temp_dir = ctx_.temp_dir;
    sorter_ = std::make_unique<Sorter>(std::move(pattern.value()), options);
    Bson doc;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      auto key_value = PartitionKey(doc.get());
      if (!key_value.ok()) return key_value.status();
      Bson wrapped;
      key_value.value().AppendTo(wrapped.get(), "p");
      BSON_APPEND_DOCUMENT(wrapped.get(), "d", doc.get());
      if (Status s = sorter_->Add(wrapped.get()); !s.ok()) return s;
    }
    return Status::OK();
  }

  StatusWith<Value> PartitionKey(const bson_t* doc) {
    if (!spec_.partition_by_) return Value::Null();
    EvalContext ectx{doc, ctx_.variables.get()};
    auto v = spec_.partition_by_->Evaluate(ectx);
    if (!v.ok()) return v.status();
    if (v.value().IsArray()) return PartitionArrayError();
    return v.value().missing() ? Value::Null() : std::move(v.value());
  }

  // The next input document and its partition key; false at the end.
  StatusWith<bool> Pull(Bson* doc, Value* key) {
    if (!sorter_) {
      auto more = source_->Next(doc);
      if (!more.ok() || !more.value()) return more;
      *key = Value::Null();
      return true;
    }
    Bson wrapped;
    auto more = sorter_->Next(&wrapped);
    if (!more.ok() || !more.value()) return more;
    bson_iter_t it;
    bson_iter_init(&it, wrapped.get());
    *key = Value::Null();
    while (bson_iter_next(&it)) {
      if (KeyOf(&it) == "p") *key = Value::FromIter(&it);
      if (KeyOf(&it) == "d") *doc = DocumentOf(&it);
    }
    return true;
  }

  // Reads the next partition and computes its output documents.
  Status FillPartition() {
    if (!started_) {
      if (Status s = Start(); !s.ok()) return s;
    }
    ready_.clear();
    next_ = 0;
    std::vector<Bson> docs;
    size_t memory = 0;
    Value key;
    if (pending_) {
      key = pending_key_;
      memory += pending_->size() + kPerDocument;
      docs.push_back(std::move(*pending_));
      pending_.reset();
    }
    while (true) {
      Bson doc;
      Value doc_key;
      auto more = Pull(&doc, &doc_key);
      if (!more.ok()) return more.status();
      if (!more.value()) {
        done_ = true;
        break;
      }
      if (!docs.empty() && !ValuesEqual(doc_key, key)) {
        pending_ = std::move(doc);
        pending_key_ = std::move(doc_key);
        break;
      }
      key = std::move(doc_key);
      memory += doc.size() + kPerDocument;
      docs.push_back(std::move(doc));
      if (Status s = CheckMemory(memory); !s.ok()) return s;
    }
    if (docs.empty()) return Status::OK();
    return Compute(std::move(docs), memory);
  }

  Status CheckMemory(size_t memory) const {
    if (memory <= ctx_.max_memory_bytes || ctx_.allow_disk_use) return Status::OK();
    return WindowMemoryError(memory, ctx_.max_memory_bytes);
  }

  Status Compute(std::vector<Bson> docs, size_t memory) {
    WindowPartition partition{&docs, ctx_.variables.get(),
                              spec_.sort_by_ ? &*spec_.sort_by_ : nullptr, &spec_.sort_path_,
                              ctx_.max_memory_bytes};
    std::vector<std::vector<Value>> results(spec_.outputs_.size());
    uint64_t computed = 0;
    for (size_t i = 0; i < spec_.outputs_.size(); ++i) {
      if (Status s = spec_.outputs_[i].fn->Compute(partition, &results[i]); !s.ok()) return s;
      for (const Value& v : results[i]) computed += v.ApproximateSize();
      if (Status s = CheckMemory(memory + computed); !s.ok()) return s;
      if (computed > ctx_.max_memory_bytes) {
        return WindowMemoryError(computed, ctx_.max_memory_bytes);
      }
    }
    ready_.reserve(docs.size());
    for (size_t d = 0; d < docs.size(); ++d) {
      Bson doc = std::move(docs[d]);
      for (size_t i = 0; i < spec_.outputs_.size(); ++i) {
        doc = SetPath(doc.get(), spec_.outputs_[i].path, 0, results[i][d]);
      }
      ready_.push_back(std::move(doc));
    }
    return Status::OK();
  }

  static constexpr size_t kPerDocument = 64;

  std::unique_ptr<DocumentStream> source_;
  const SetWindowFieldsSpec& spec_;
  PipelineContext& ctx_;
  std::unique_ptr<Sorter> sorter_;
  bool started_ = false;
  bool done_ = false;
  std::optional<Bson> pending_;  // the first document of the next partition
  Value pending_key_;
  std::vector<Bson> ready_;
  size_t next_ = 0;
};

StatusWith<std::unique_ptr<DocumentStream>> SetWindowFieldsSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  return std::unique_ptr<DocumentStream>(
      std::make_unique<WindowStream>(std::move(source), *this, ctx));
}

// The IDL parser's messages for $setWindowFields' fields.
Status WrongType(std::string_view field, const bson_iter_t* it, std::string_view expected) {
  return Status(ErrorCodes::TypeMismatch, "BSON field '$setWindowFields." + std::string(field) +
                                              "' is the wrong type '" + TypeNameOf(it) +
                                              "', expected type '" + std::string(expected) + "'");
}

// Two output paths conflict when one is a prefix of the other (or equal).
bool Conflicts(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

StatusWith<StagePtr> ParseSetWindowFields(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(
        ErrorCodes::FailedToParse,
        "the $setWindowFields stage specification must be an object, found " + TypeNameOf(arg));
  }
  auto spec = std::make_shared<SetWindowFieldsSpec>();
  bson_iter_t it, partition_it, output_it;
  bool has_partition = false, has_output = false;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view key = KeyOf(&it);
    if (key == "partitionBy") {
      partition_it = it;
      has_partition = true;
    } else if (key == "sortBy") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType(key, &it, "object");
      spec->sort_spec_ = DocumentOf(&it);
    } else if (key == "output") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType(key, &it, "object");
      output_it = it;
      has_output = true;
    } else {
      return Status(40415,
                    "BSON field '$setWindowFields." + std::string(key) + "' is an unknown field.");
    }
  }
  if (!has_output) {
    return Status(40414, "BSON field '$setWindowFields.output' is missing but a required field");
  }
  if (has_partition) {
    auto parsed = ParseOperand(&partition_it, ctx.vps);
    if (!parsed.ok()) return parsed.status();
    spec->partition_by_ = std::move(parsed.value());
  }
  if (!spec->sort_spec_.empty()) {
    auto pattern = SortPattern::Parse(spec->sort_spec_.get());
    if (!pattern.ok()) return pattern.status();
    spec->sort_by_ = std::move(pattern.value());
    if (Status s = ValidateFieldPath(spec->sort_by_->fields()[0], &spec->sort_path_); !s.ok()) {
      return s;
    }
  }
  const SortPattern* sort_by = spec->sort_by_ ? &*spec->sort_by_ : nullptr;
  bson_iter_recurse(&output_it, &it);
  while (bson_iter_next(&it)) {
    Output out;
    if (Status s = ValidateFieldPath(KeyOf(&it), &out.path); !s.ok()) return s;
    for (const Output& other : spec->outputs_) {
      if (Conflicts(other.path, out.path)) {
        return Status(6307900,
                      "$setWindowFields 'output' specification contains two conflicting paths");
      }
    }
    auto fn = ParseWindowFunction(&it, sort_by, ctx.vps);
    if (!fn.ok()) return fn.status();
    out.fn = std::move(fn.value());
    spec->outputs_.push_back(std::move(out));
  }
  return StagePtr(std::move(spec));
}

}  // namespace

std::vector<StageEntry> WindowStages() { return {{kStage, ParseSetWindowFields}}; }

}  // namespace basalt::query
