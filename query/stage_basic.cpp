// Simple stages: $limit, $skip, $count, $replaceRoot/$replaceWith,
// $sample and the source stages ($documents, $currentOp, $listLocalSessions).

#include <algorithm>
#include <random>

#include "query/numbers.h"
#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

// --- $limit and $skip ---------------------------------------------------------

class LimitStream : public DocumentStream {
 public:
  LimitStream(std::unique_ptr<DocumentStream> source, int64_t limit)
      : source_(std::move(source)), remaining_(limit) {}
  StatusWith<bool> Next(Bson* out) override {
    if (remaining_ <= 0) return false;
    --remaining_;
    return source_->Next(out);
  }

 private:
  std::unique_ptr<DocumentStream> source_;
  int64_t remaining_;
};

class SkipStream : public DocumentStream {
 public:
  SkipStream(std::unique_ptr<DocumentStream> source, int64_t skip)
      : source_(std::move(source)), to_skip_(skip) {}
  StatusWith<bool> Next(Bson* out) override {
    while (to_skip_ > 0) {
      auto more = source_->Next(out);
      if (!more.ok() || !more.value()) return more;
      --to_skip_;
    }
    return source_->Next(out);
  }

 private:
  std::unique_ptr<DocumentStream> source_;
  int64_t to_skip_;
};

// mongod's parseIntegerElementToNonNegativeLong, as $skip and $limit word it.
StatusWith<int64_t> NonNegative(const bson_iter_t* arg, std::string_view stage, int code) {
  auto v = ParseIntegerElementToLong(arg);
  std::string reason;
  if (!v.ok()) {
    reason = v.status().reason();
  } else if (v.value() < 0) {
    reason = "Expected a non-negative number in: " + ElementString(arg);
  } else {
    return v.value();
  }
  return Status(code, "invalid argument to " + std::string(stage) + " stage: " + reason);
}

StatusWith<StagePtr> ParseLimit(const bson_iter_t* arg, PipelineContext&) {
  auto limit = NonNegative(arg, "$limit", 5107201);
  if (!limit.ok()) return limit.status();
  if (limit.value() == 0) return Status(15958, "the limit must be positive");
  return StagePtr(std::make_shared<LimitStageSpec>(limit.value()));
}

StatusWith<StagePtr> ParseSkip(const bson_iter_t* arg, PipelineContext&) {
  auto skip = NonNegative(arg, "$skip", 5107200);
  if (!skip.ok()) return skip.status();
  return StagePtr(std::make_shared<SkipStageSpec>(skip.value()));
}

// --- $count ---------------------------------------------------------------------

// {$count: "n"}: mongod's [{$group: {_id: null, n: {$sum: 1}}}, {$project: {_id: 0}}].
class CountSpec : public StageSpec {
 public:
  explicit CountSpec(std::string field) : field_(std::move(field)) {}
  std::string_view name() const override { return "$count"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext&) const override {
    class Stream : public DocumentStream {
     public:
      Stream(std::unique_ptr<DocumentStream> source, const std::string& field)
          : source_(std::move(source)), field_(field) {}
      StatusWith<bool> Next(Bson* out) override {
        if (done_) return false;
        done_ = true;
        int64_t n = 0;
        Bson doc;
        while (true) {
          auto more = source_->Next(&doc);
          if (!more.ok()) return more;
          if (!more.value()) break;
          ++n;
        }
        if (n == 0) return false;
        Bson result;
        AppendNumber(result.get(), field_, n);
        *out = std::move(result);
        return true;
      }

     private:
      std::unique_ptr<DocumentStream> source_;
      const std::string& field_;
      bool done_ = false;
    };
    return std::unique_ptr<DocumentStream>(std::make_unique<Stream>(std::move(source), field_));
  }

 private:
  std::string field_;
};

StatusWith<StagePtr> ParseCount(const bson_iter_t* arg, PipelineContext&) {
  if (!BSON_ITER_HOLDS_UTF8(arg)) {
    return Status(40156, "the count field must be a non-empty string");
  }
  std::string_view name = Utf8Of(arg);
  if (name.empty()) return Status(40157, "the count field must be a non-empty string");
  if (name[0] == '$') return Status(40158, "the count field cannot be a $-prefixed path");
  if (name.find('\0') != std::string_view::npos) {
    return Status(40159, "the count field cannot contain a null byte");
  }
  if (name.find('.') != std::string_view::npos) {
    return Status(40160, "the count field cannot contain '.'");
  }
  return StagePtr(std::make_shared<CountSpec>(std::string(name)));
}

// --- $replaceRoot / $replaceWith -------------------------------------------------

class ReplaceRootSpec : public StageSpec {
 public:
  ReplaceRootSpec(ExpressionPtr expr, std::string context)
      : expr_(std::move(expr)), context_(std::move(context)) {}
  std::string_view name() const override { return "$replaceRoot"; }
  Status Optimize() override { return query::Optimize(&expr_); }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override {
    class Stream : public DocumentStream {
     public:
      Stream(std::unique_ptr<DocumentStream> source, const ReplaceRootSpec& spec,
             PipelineContext& ctx)
          : source_(std::move(source)), spec_(spec), ctx_(ctx) {}
      StatusWith<bool> Next(Bson* out) override {
        Bson in;
        auto more = source_->Next(&in);
        if (!more.ok() || !more.value()) return more;
        EvalContext ectx{in.get(), ctx_.variables.get()};
        BASALT_EVAL(root, spec_.expr_->Evaluate(ectx));
        if (!root.IsDocument()) {
          return Status(
              40228, spec_.context_ +
                         "must evaluate to an object, but resulting value was: " + root.ToString() +
                         ". Type of resulting value: '" + std::string(ValueTypeName(root)) +
                         "'. Input document: " + Value::Document(std::move(in)).ToString());
        }
        *out = Bson::Copy(root.doc());
        return true;
      }

     private:
      std::unique_ptr<DocumentStream> source_;
      const ReplaceRootSpec& spec_;
      PipelineContext& ctx_;
    };
    return std::unique_ptr<DocumentStream>(std::make_unique<Stream>(std::move(source), *this, ctx));
  }

 private:
  ExpressionPtr expr_;
  std::string context_;
};

StatusWith<StagePtr> ParseReplaceRoot(const bson_iter_t* arg, PipelineContext& ctx) {
  if (KeyOf(arg) == "$replaceWith") {
    auto e = ParseOperand(arg, ctx.vps);
    if (!e.ok()) return e.status();
    return StagePtr(
        std::make_shared<ReplaceRootSpec>(std::move(e.value()), "'replacement document' "));
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(40229, "expected an object as specification for $replaceRoot stage, got " +
                             TypeNameOf(arg));
  }
  std::optional<bson_iter_t> new_root;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) != "newRoot") {
      return Status(
          40415, "BSON field '$replaceRoot." + std::string(KeyOf(&it)) + "' is an unknown field.");
    }
    new_root = it;
  }
  if (!new_root) {
    return Status(40414, "BSON field '$replaceRoot.newRoot' is missing but a required field");
  }
  auto e = ParseOperand(&*new_root, ctx.vps);
  if (!e.ok()) return e.status();
  return StagePtr(std::make_shared<ReplaceRootSpec>(std::move(e.value()), "'newRoot' expression "));
}

// --- $sample ------------------------------------------------------------------------

class SampleSpec : public StageSpec {
 public:
  explicit SampleSpec(int64_t size) : size_(size) {}
  std::string_view name() const override { return "$sample"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext&) const override {
    // Reservoir sampling, then a shuffle: mongod returns the sample in random order.
    std::vector<Bson> reservoir;
    std::mt19937_64 rng(std::random_device{}());
    int64_t seen = 0;
    Bson doc;
    while (size_ > 0) {
      auto more = source->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      ++seen;
      if (static_cast<int64_t>(reservoir.size()) < size_) {
        reservoir.push_back(std::move(doc));
      } else {
        int64_t j = std::uniform_int_distribution<int64_t>(0, seen - 1)(rng);
        if (j < size_) reservoir[j] = std::move(doc);
      }
    }
    std::shuffle(reservoir.begin(), reservoir.end(), rng);
    return std::unique_ptr<DocumentStream>(std::make_unique<VectorStream>(std::move(reservoir)));
  }

 private:
  int64_t size_;
};

StatusWith<StagePtr> ParseSample(const bson_iter_t* arg, PipelineContext&) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(28745, "the $sample stage specification must be an object");
  }
  std::optional<int64_t> size;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) != "size") {
      return Status(28748, "unrecognized option to $sample: " + std::string(KeyOf(&it)));
    }
    if (!IsNumber(bson_iter_type(&it))) {
      return Status(28746, "size argument to $sample must be a number");
    }
    int64_t n = NumberAsInt64(&it);
    if (n < 0) return Status(28747, "size argument to $sample must not be negative");
    size = n;
  }
  if (!size) return Status(28749, "$sample stage must specify a size");
  return StagePtr(std::make_shared<SampleSpec>(*size));
}

// --- Source stages -----------------------------------------------------------------

// $documents: the documents an expression evaluates to.
class DocumentsSpec : public StageSpec {
 public:
  explicit DocumentsSpec(ExpressionPtr expr) : expr_(std::move(expr)) {}
  std::string_view name() const override { return "$documents"; }
  bool IsSource() const override { return true; }
  Status Optimize() override { return query::Optimize(&expr_); }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream>,
                                                          PipelineContext& ctx) const override {
    Bson empty;
    EvalContext ectx{empty.get(), ctx.variables.get()};
    BASALT_EVAL(v, expr_->Evaluate(ectx));
    if (!v.IsArray()) {
      return Status(5858203, "error during $documents evaluation: Expected an array but found " +
                                 std::string(ValueTypeName(v)));
    }
    std::vector<Bson> docs;
    for (const Value& e : v.array()) {
      if (!e.IsDocument()) {
        return Status(
            ErrorCodes::TypeMismatch,
            "$documents expects an array of objects, but found " + std::string(ValueTypeName(e)));
      }
      docs.push_back(Bson::Copy(e.doc()));
    }
    return std::unique_ptr<DocumentStream>(std::make_unique<VectorStream>(std::move(docs)));
  }

 private:
  ExpressionPtr expr_;
};

StatusWith<StagePtr> ParseDocuments(const bson_iter_t* arg, PipelineContext& ctx) {
  auto e = ParseOperand(arg, ctx.vps);
  if (!e.ok()) return e.status();
  return StagePtr(std::make_shared<DocumentsSpec>(std::move(e.value())));
}

// $listLocalSessions: a source with nothing to report yet.
class EmptySourceSpec : public StageSpec {
 public:
  explicit EmptySourceSpec(std::string_view name) : name_(name) {}
  std::string_view name() const override { return name_; }
  bool IsSource() const override { return true; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream>,
                                                          PipelineContext&) const override {
    return std::unique_ptr<DocumentStream>(std::make_unique<EmptyStream>());
  }

 private:
  std::string_view name_;
};

// $currentOp: the command layer's operations in progress, when it supplies them.
class CurrentOpSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$currentOp"; }
  bool IsSource() const override { return true; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream>,
                                                          PipelineContext& ctx) const override {
    std::vector<Bson> rows;
    if (ctx.current_operations) rows = ctx.current_operations();
    return std::unique_ptr<DocumentStream>(std::make_unique<VectorStream>(std::move(rows)));
  }
};

StatusWith<StagePtr> ParseCurrentOp(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(
        ErrorCodes::FailedToParse,
        "$currentOp options must be specified in an object, but found: " + TypeNameOf(arg));
  }
  if (ctx.db != "admin" || !ctx.collection.empty()) {
    return Status(ErrorCodes::InvalidNamespace,
                  "$currentOp must be run against the 'admin' database with {aggregate: 1}");
  }
  return StagePtr(std::make_shared<CurrentOpSpec>());
}

StatusWith<StagePtr> ParseListLocalSessions(const bson_iter_t* arg, PipelineContext&) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(
        ErrorCodes::TypeMismatch,
        "$listLocalSessions must be specified in an object, but found: " + TypeNameOf(arg));
  }
  return StagePtr(std::make_shared<EmptySourceSpec>("$listLocalSessions"));
}

}  // namespace

StatusWith<std::unique_ptr<DocumentStream>> LimitStageSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext&) const {
  return std::unique_ptr<DocumentStream>(std::make_unique<LimitStream>(std::move(source), limit_));
}

Bson LimitStageSpec::Serialize() const {
  Bson out;
  BSON_APPEND_INT64(out.get(), "$limit", limit_);
  return out;
}

StatusWith<std::unique_ptr<DocumentStream>> SkipStageSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext&) const {
  return std::unique_ptr<DocumentStream>(std::make_unique<SkipStream>(std::move(source), skip_));
}

Bson SkipStageSpec::Serialize() const {
  Bson out;
  BSON_APPEND_INT64(out.get(), "$skip", skip_);
  return out;
}

std::vector<StageEntry> BasicStages() {
  return {
      {"$limit", ParseLimit},
      {"$skip", ParseSkip},
      {"$count", ParseCount},
      {"$replaceRoot", ParseReplaceRoot},
      {"$replaceWith", ParseReplaceRoot},
      {"$sample", ParseSample},
      {"$documents", ParseDocuments},
      {"$currentOp", ParseCurrentOp},
      {"$listLocalSessions", ParseListLocalSessions},
  };
}

}  // namespace basalt::query
