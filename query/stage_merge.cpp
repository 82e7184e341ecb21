// $merge: writes each result document into a collection, matched to the
// target's documents by the `on` fields (a unique key; `_id` by default),
// as mongod's document_source_merge.cpp and merge_processor.cpp:
//   whenMatched    replace | keepExisting | merge (top-level $set) | fail |
//                  [pipeline] (run on the matched document, $$new = result)
//   whenNotMatched insert | discard | fail (13113)
// A duplicate key fails the whole aggregate with 11000, keyPattern and
// keyValue, under mongod's context ("$merge failed due to a DuplicateKey
// error" or, for whenMatched: fail, the 'on' fields message). Documents
// written before the failure stay, as with mongod.
//
// Merging into the collection being read does not loop: the read is one
// snapshot, so documents $merge writes are never read back.

#include "query/stage_merge.h"

#include <algorithm>

namespace basalt::query {
namespace {

constexpr int kMaxWriteConflictRetries = 100;

// mongod's Status::addContext: "<context> :: caused by :: <reason>", extra
// fields (keyPattern, keyValue) kept.
Status WithContext(const Status& s, const std::string& context) {
  std::string reason = context + " :: caused by :: " + s.reason();
  if (const bson_t* extra = s.extraInfo()) return Status(s.code(), reason, Bson::Copy(extra));
  return Status(s.code(), reason);
}

// The key fields of the duplicate (its keyPattern's field names).
std::vector<std::string> DuplicateKeyFields(const Status& s) {
  std::vector<std::string> fields;
  bson_iter_t it, pattern;
  if (s.extraInfo() != nullptr && bson_iter_init_find(&it, s.extraInfo(), "keyPattern") &&
      BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &pattern)) {
    while (bson_iter_next(&pattern)) fields.emplace_back(KeyOf(&pattern));
  }
  return fields;
}

const Status kImmutableId(ErrorCodes::ImmutableField,
                          "$merge failed to update the matching document, did you attempt to "
                          "modify the _id or the shard key? :: caused by :: Performing an update "
                          "on the path '_id' would modify the immutable field '_id'");

// `doc` with `id` as its first field, replacing any `_id` it has.
Bson WithIdFirst(const Value& id, const bson_t* doc) {
  Bson out;
  id.AppendTo(out.get(), "_id");
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) != "_id") bson_append_iter(out.get(), nullptr, 0, &it);
  }
  return out;
}

Value IdOf(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "_id")) return Value();
  return Value::FromIter(&it);
}

class MergeStream : public DocumentStream {
 public:
  MergeStream(std::unique_ptr<DocumentStream> source, const MergeSpec& spec, PipelineContext& ctx)
      : source_(std::move(source)), spec_(spec), ctx_(ctx), writer_(*ctx.writer) {}

  StatusWith<bool> Next(Bson*) override {
    Bson doc;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) return false;
      if (Status s = MergeOne(std::move(doc)); !s.ok()) return s;
    }
  }

 private:
  const std::string& db() const { return spec_.target.db; }
  const std::string& coll() const { return spec_.target.coll; }

  Status MergeOne(Bson doc) {
    // mongod gives a document without _id one when _id is an `on` field.
    if (std::find(spec_.on.begin(), spec_.on.end(), "_id") != spec_.on.end() &&
        IdOf(doc.get()).missing()) {
      bson_oid_t oid;
      bson_oid_init(&oid, nullptr);
      doc = WithIdFirst(Value::Oid(oid), doc.get());
    }
    auto filter = OnFilter(doc.get());
    if (!filter.ok()) return filter.status();
    if (spec_.when_matched == WhenMatched::kFail) return Insert(doc.get());
    for (int attempt = 0; attempt < kMaxWriteConflictRetries; ++attempt) {
      auto existing = writer_.FindOne(db(), coll(), filter.value().get());
      if (!existing.ok()) return existing.status();
      if (!existing.value()) return NotMatched(doc.get());
      Status s = Matched(doc.get(), existing.value()->get());
      if (s.code() != ErrorCodes::WriteConflict) return s;
    }
    return Status(ErrorCodes::WriteConflict, "$merge gave up after repeated write conflicts");
  }

  // {f1: {$eq: v1}, ...} for the `on` fields, which must hold a scalar.
  StatusWith<Bson> OnFilter(const bson_t* doc) const {
    Bson filter;
    for (const std::string& field : spec_.on) {
      // A path through an array finds nothing, as mongod's getNestedField.
      bson_iter_t it, found;
      Value v;
      if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, field.c_str(), &found)) {
        v = Value::FromIter(&found);
      }
      if (v.IsArray()) {
        return Status(51185, "$merge write error: 'on' field '" + field + "' is an array");
      }
      if (v.nullish()) {
        return Status(51132, "$merge write error: 'on' field '" + field +
                                 "' cannot be missing, null, undefined or an array");
      }
      bson_t eq;
      bson_append_document_begin(filter.get(), field.c_str(), static_cast<int>(field.size()), &eq);
      v.AppendTo(&eq, "$eq");
      bson_append_document_end(filter.get(), &eq);
    }
    return filter;
  }

  Status Insert(const bson_t* doc) {
    Status s = writer_.Insert(db(), coll(), doc);
    if (s.code() != ErrorCodes::DuplicateKey) return s;
    std::vector<std::string> key = DuplicateKeyFields(s);
    std::vector<std::string> on = spec_.on;
    std::sort(key.begin(), key.end());
    std::sort(on.begin(), on.end());
    if (spec_.when_matched == WhenMatched::kFail && key == on) {
      return WithContext(s,
                         "$merge with whenMatched: fail found an existing document with the same "
                         "values for the 'on' fields");
    }
    return WithContext(s, "$merge failed due to a DuplicateKey error");
  }

  Status NotMatched(const bson_t* doc) {
    switch (spec_.when_not_matched) {
      case WhenNotMatched::kInsert:
        return Insert(doc);
      case WhenNotMatched::kDiscard:
        return Status::OK();
      case WhenNotMatched::kFail:
        return Status(ErrorCodes::MergeStageNoMatchingDocument,
                      "$merge could not find a matching document in the target collection for at "
                      "least one document in the source collection");
    }
    return Status::OK();
  }

  Status Matched(const bson_t* doc, const bson_t* existing) {
    const Value existing_id = IdOf(existing);
    Bson updated;
    switch (spec_.when_matched) {
      case WhenMatched::kKeepExisting:
      case WhenMatched::kFail:
        return Status::OK();
      case WhenMatched::kReplace:
        updated = Bson::Copy(doc);
        break;
      case WhenMatched::kMerge: {
        DocumentBuilder merged(existing);
        bson_iter_t it;
        bson_iter_init(&it, doc);
        while (bson_iter_next(&it)) merged.Set(KeyOf(&it), Value::FromIter(&it));
        updated = merged.Build();
        break;
      }
      case WhenMatched::kPipeline: {
        auto result = RunPipeline(doc, existing);
        if (!result.ok()) return result.status();
        updated = std::move(result.value());
        break;
      }
    }
    const Value new_id = IdOf(updated.get());
    if (!new_id.missing() && !ValuesEqual(new_id, existing_id)) return kImmutableId;
    updated = WithIdFirst(existing_id, updated.get());
    Status s = writer_.Replace(db(), coll(), existing, updated.get());
    if (s.code() == ErrorCodes::DuplicateKey) {
      return WithContext(s, "$merge failed due to a DuplicateKey error");
    }
    return s;
  }

  StatusWith<Bson> RunPipeline(const bson_t* doc, const bson_t* existing) {
    EvalContext ectx{doc, ctx_.variables.get()};
    for (const auto& [id, expr] : spec_.let) {
      auto v = expr->Evaluate(ectx);
      if (!v.ok()) return v.status();
      ctx_.variables->Set(id, std::move(v.value()));
    }
    std::vector<Bson> input;
    input.push_back(Bson::Copy(existing));
    auto stream =
        ExecuteStages(spec_.pipeline, std::make_unique<VectorStream>(std::move(input)), *spec_.sub);
    if (!stream.ok()) return stream.status();
    Bson out;
    auto more = stream.value()->Next(&out);
    if (!more.ok()) return more.status();
    if (!more.value()) return Bson::Copy(existing);
    return out;
  }

  std::unique_ptr<DocumentStream> source_;
  const MergeSpec& spec_;
  PipelineContext& ctx_;
  CollectionWriter& writer_;
};

StatusWith<StagePtr> ParseMergeStage(const bson_iter_t* arg, PipelineContext& ctx) {
  return ParseMerge(arg, ctx);
}

}  // namespace

std::string_view WhenMatchedName(WhenMatched m) {
  switch (m) {
    case WhenMatched::kReplace:
      return "replace";
    case WhenMatched::kKeepExisting:
      return "keepExisting";
    case WhenMatched::kMerge:
      return "merge";
    case WhenMatched::kFail:
      return "fail";
    case WhenMatched::kPipeline:
      return "pipeline";
  }
  return "";
}

std::string_view WhenNotMatchedName(WhenNotMatched m) {
  switch (m) {
    case WhenNotMatched::kInsert:
      return "insert";
    case WhenNotMatched::kDiscard:
      return "discard";
    case WhenNotMatched::kFail:
      return "fail";
  }
  return "";
}

Status MergeSpec::Optimize() {
  for (auto& [id, expr] : let) {
    if (Status s = query::Optimize(&expr); !s.ok()) return s;
  }
  return OptimizeStages(&pipeline);
}

// mongod's serialization: {into: {db, coll}, on, let?, whenMatched, whenNotMatched}.
Bson MergeSpec::Serialize() const {
  Bson out;
  bson_t spec, into;
  BSON_APPEND_DOCUMENT_BEGIN(out.get(), "$merge", &spec);
  BSON_APPEND_DOCUMENT_BEGIN(&spec, "into", &into);
  AppendUtf8(&into, "db", target.db);
  AppendUtf8(&into, "coll", target.coll);
  bson_append_document_end(&spec, &into);
  if (on.size() == 1) {
    AppendUtf8(&spec, "on", on[0]);
  } else {
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(&spec, "on", &array);
    for (size_t i = 0; i < on.size(); ++i) AppendUtf8(&array, std::to_string(i), on[i]);
    bson_append_array_end(&spec, &array);
  }
  if (when_matched == WhenMatched::kPipeline) {
    if (!bson_empty(let_spec.get())) BSON_APPEND_DOCUMENT(&spec, "let", let_spec.get());
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(&spec, "whenMatched", &array);
    for (size_t i = 0; i < pipeline.size(); ++i) {
      Bson stage = pipeline[i]->Serialize();
      std::string key = std::to_string(i);
      BSON_APPEND_DOCUMENT(&array, key.c_str(), stage.get());
    }
    bson_append_array_end(&spec, &array);
  } else {
    AppendUtf8(&spec, "whenMatched", WhenMatchedName(when_matched));
  }
  AppendUtf8(&spec, "whenNotMatched", WhenNotMatchedName(when_not_matched));
  bson_append_document_end(out.get(), &spec);
  return out;
}

StatusWith<std::unique_ptr<DocumentStream>> MergeSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  if (!ctx.writer) {
    return Status(ErrorCodes::IllegalOperation, "$merge cannot write in this context");
  }
  return std::unique_ptr<DocumentStream>(
      std::make_unique<MergeStream>(std::move(source), *this, ctx));
}

std::vector<StageEntry> MergeStages() {
  return {
      {"$merge", ParseMergeStage},
  };
}

}  // namespace basalt::query
