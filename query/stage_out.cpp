// $out: writes the pipeline's results to a collection, replacing it as one
// step from clients' view, as mongod's document_source_out.cpp: the results
// go to a temporary collection created with the target's options and
// indexes, which is then renamed over the target. A failure (a duplicate
// _id, an index violation...) drops the temporary collection and leaves the
// target as it was. The stage returns no documents.
//
// Reading the collection it replaces is safe: the read is one snapshot, and
// the writes go to another collection until the rename.

#include "query/out_target.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

class OutSpec : public StageSpec {
 public:
  explicit OutSpec(OutTarget target) : target_(std::move(target)) {}
  std::string_view name() const override { return "$out"; }
  bool IsWriter() const override { return true; }
  Bson Serialize() const override {
    Bson out;
    bson_t spec;
    BSON_APPEND_DOCUMENT_BEGIN(out.get(), "$out", &spec);
    AppendUtf8(&spec, "db", target_.db);
    AppendUtf8(&spec, "coll", target_.coll);
    bson_append_document_end(out.get(), &spec);
    return out;
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;

 private:
  OutTarget target_;
};

class OutStream : public DocumentStream {
 public:
  OutStream(std::unique_ptr<DocumentStream> source, const OutTarget& target, PipelineContext& ctx)
      : source_(std::move(source)), target_(target), ctx_(ctx) {}

  StatusWith<bool> Next(Bson*) override {
    if (done_) return false;
    done_ = true;
    CollectionWriter& writer = *ctx_.writer;
    auto temp = writer.CreateTempCollection(target_.db, target_.coll);
    if (!temp.ok()) return temp.status();
    Status s = Fill(temp.value());
    if (s.ok()) s = writer.RenameOver(target_.db, temp.value(), target_.coll);
    if (!s.ok()) {
      writer.Drop(target_.db, temp.value());
      return s;
    }
    return false;
  }

 private:
  Status Fill(const std::string& temp) {
    Bson doc;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) return Status::OK();
      if (Status s = ctx_.writer->Insert(target_.db, temp, doc.get()); !s.ok()) return s;
    }
  }

  std::unique_ptr<DocumentStream> source_;
  const OutTarget& target_;
  PipelineContext& ctx_;
  bool done_ = false;
};

StatusWith<std::unique_ptr<DocumentStream>> OutSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  if (!ctx.writer) {
    return Status(ErrorCodes::IllegalOperation, "$out cannot write in this context");
  }
  return std::unique_ptr<DocumentStream>(
      std::make_unique<OutStream>(std::move(source), target_, ctx));
}

// mongod's DocumentSourceOutSpec: {db, coll, timeseries}.
StatusWith<OutTarget> ParseOutObject(const bson_iter_t* arg) {
  OutTarget target;
  bool has_db = false, has_coll = false;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string field(KeyOf(&it));
    if (field == "db" || field == "coll") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Status(ErrorCodes::TypeMismatch, "BSON field '$out." + field +
                                                    "' is the wrong type '" + TypeNameOf(&it) +
                                                    "', expected type 'string'");
      }
      (field == "db" ? target.db : target.coll) = std::string(Utf8Of(&it));
      (field == "db" ? has_db : has_coll) = true;
    } else if (field == "timeseries") {
      return Status(ErrorCodes::NotImplemented,
                    "$out to a time-series collection is not supported by Basalt");
    } else {
      return Status(40415, "BSON field '$out." + field + "' is an unknown field.");
    }
  }
  if (!has_db) return Status(40414, "BSON field '$out.db' is missing but a required field");
  if (!has_coll) return Status(40414, "BSON field '$out.coll' is missing but a required field");
  return target;
}

StatusWith<StagePtr> ParseOut(const bson_iter_t* arg, PipelineContext& ctx) {
  OutTarget target;
  if (BSON_ITER_HOLDS_UTF8(arg)) {
    target = {ctx.db, std::string(Utf8Of(arg))};
  } else if (BSON_ITER_HOLDS_DOCUMENT(arg)) {
    auto parsed = ParseOutObject(arg);
    if (!parsed.ok()) return parsed.status();
    target = std::move(parsed.value());
  } else {
    return Status(16990,
                  "$out only supports a string or object argument, but found " + TypeNameOf(arg));
  }
  if (!IsValidTarget(target)) {
    return Status(ErrorCodes::InvalidNamespace,
                  "Invalid $out target namespace, " + target.db + "." + target.coll);
  }
  if (target.coll.rfind("system.", 0) == 0) {
    return Status(17385, "Can't $out to special collection: " + target.coll);
  }
  if (IsInternalDb(target.db)) {
    return Status(31321, "Can't $out to internal database: " + target.db);
  }
  return StagePtr(std::make_shared<OutSpec>(std::move(target)));
}

}  // namespace

std::vector<StageEntry> OutStages() {
  return {
      {"$out", ParseOut},
  };
}

}  // namespace basalt::query
