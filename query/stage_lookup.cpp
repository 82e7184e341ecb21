// $lookup (localField/foreignField equality joins, and let/pipeline
// sub-queries run once per input document) and $unionWith. Both read the
// other collection through the pipeline's CollectionReader, so indexes on
// the foreign field serve the join.

#include "query/numbers.h"
#include "query/pipeline_stages.h"
#include "query/spec_rules.h"

namespace basalt::query {
namespace {

// Runs `stages` over `collection`, giving the reader `filter` (nullable)
// and a leading $match of the stages when it can apply it.
StatusWith<std::unique_ptr<DocumentStream>> RunOnCollection(const std::vector<StagePtr>& stages,
                                                            const std::string& collection,
                                                            const bson_t* filter,
                                                            PipelineContext& ctx) {
  size_t first = 0;
  Bson combined;
  const bson_t* read_filter = filter;
  if (!stages.empty()) {
    if (auto* match = dynamic_cast<MatchStageSpec*>(stages[0].get())) {
      const bson_t* pushed = match->pushdown_filter();
      if (!bson_empty(pushed)) {
        if (filter == nullptr) {
          read_filter = pushed;
        } else {
          bson_t array;
          BSON_APPEND_ARRAY_BEGIN(combined.get(), "$and", &array);
          BSON_APPEND_DOCUMENT(&array, "0", filter);
          BSON_APPEND_DOCUMENT(&array, "1", pushed);
          bson_append_array_end(combined.get(), &array);
          read_filter = combined.get();
        }
      }
      if (match->fully_pushable()) first = 1;
    }
  }
  std::unique_ptr<DocumentStream> source;
  if (!stages.empty() && stages[0]->IsSource()) {
    source = std::make_unique<EmptyStream>();
    first = 0;
  } else {
    auto read = ctx.reader->Open(collection, read_filter, nullptr);
    if (!read.ok()) return read.status();
    source = std::move(read.value());
  }
  std::vector<StagePtr> rest(stages.begin() + first, stages.end());
  return ExecuteStages(rest, std::move(source), ctx);
}

// Every value at `path`, arrays expanded: mongod's visitAllValuesAtPath.
void CollectValues(const Value& v, const std::vector<std::string>& path, size_t i,
                   std::vector<Value>* out) {
  if (i == path.size()) {
    if (v.IsArray()) {
      for (const Value& e : v.array()) out->push_back(e);
    } else if (!v.missing()) {
      out->push_back(v);
    }
    return;
  }
  if (v.IsArray()) {
    for (const Value& e : v.array()) CollectValues(e, path, i, out);
    return;
  }
  if (!v.IsDocument()) return;
  bson_iter_t it;
  if (!bson_iter_init_find_w_len(&it, v.doc(), path[i].data(), static_cast<int>(path[i].size()))) {
    return;
  }
  CollectValues(Value::FromIter(&it), path, i + 1, out);
}

class LookupSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$lookup"; }
  Status Optimize() override {
    for (auto& [id, expr] : let_) {
      if (Status s = query::Optimize(&expr); !s.ok()) return s;
    }
    return OptimizeStages(&pipeline_);
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;

  StatusWith<Bson> Join(const bson_t* doc, PipelineContext& ctx) const {
    Bson filter;
    const bson_t* filter_ptr = nullptr;
    if (!local_.empty()) {
      std::vector<Value> values;
      CollectValues(Value::Document(Bson::Copy(doc)), local_, 0, &values);
      if (values.empty()) values.push_back(Value::Null());
      bson_t cond, in;
      bson_append_document_begin(filter.get(), foreign_dotted_.c_str(),
                                 static_cast<int>(foreign_dotted_.size()), &cond);
      BSON_APPEND_ARRAY_BEGIN(&cond, "$in", &in);
      for (size_t i = 0; i < values.size(); ++i) values[i].AppendTo(&in, std::to_string(i));
      bson_append_array_end(&cond, &in);
      bson_append_document_end(filter.get(), &cond);
      filter_ptr = filter.get();
    }
    EvalContext ectx{doc, ctx.variables.get()};
    for (const auto& [id, expr] : let_) {
      auto v = expr->Evaluate(ectx);
      if (!v.ok()) return v.status();
      ctx.variables->Set(id, std::move(v.value()));
    }
    auto stream = RunOnCollection(pipeline_, from_, filter_ptr, *sub_);
    if (!stream.ok()) return stream.status();
    std::vector<Value> matches;
    Bson match;
    while (true) {
      auto more = stream.value()->Next(&match);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      matches.push_back(Value::Document(std::move(match)));
    }
    return SetPath(doc, as_, 0, Value::Array(std::move(matches)));
  }

  std::string from_;
  std::vector<std::string> as_, local_;
  std::string foreign_dotted_;
  std::vector<std::pair<VariableId, ExpressionPtr>> let_;
  std::vector<StagePtr> pipeline_;
  std::shared_ptr<PipelineContext> sub_;
};

StatusWith<std::unique_ptr<DocumentStream>> LookupSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext& ctx) const {
  class Stream : public DocumentStream {
   public:
    Stream(std::unique_ptr<DocumentStream> source, const LookupSpec& spec, PipelineContext& ctx)
        : source_(std::move(source)), spec_(spec), ctx_(ctx) {}
    StatusWith<bool> Next(Bson* out) override {
      Bson in;
      auto more = source_->Next(&in);
      if (!more.ok() || !more.value()) return more;
      auto joined = spec_.Join(in.get(), ctx_);
      if (!joined.ok()) return joined.status();
      *out = std::move(joined.value());
      return true;
    }

   private:
    std::unique_ptr<DocumentStream> source_;
    const LookupSpec& spec_;
    PipelineContext& ctx_;
  };
  return std::unique_ptr<DocumentStream>(std::make_unique<Stream>(std::move(source), *this, ctx));
}

Status Failed(const std::string& message) { return Status(ErrorCodes::FailedToParse, message); }

StatusWith<StagePtr> ParseLookup(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Failed("the $lookup stage specification must be an object, but found " +
                  TypeNameOf(arg));
  }
  auto spec = std::make_shared<LookupSpec>();
  std::optional<bson_iter_t> pipeline, let;
  std::string as, local, foreign;
  bool has_from = false;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view field = KeyOf(&it);
    if (field == "pipeline") {
      pipeline = it;
      continue;
    }
    if (field == "let") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return Failed("$lookup argument 'let' must be an object, is type " + TypeNameOf(&it));
      }
      let = it;
      continue;
    }
    if (field == "from") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Failed("$lookup 'from' field must be a string or an object, but found " +
                      TypeNameOf(&it));
      }
      spec->from_ = std::string(Utf8Of(&it));
      has_from = true;
      continue;
    }
    if (!BSON_ITER_HOLDS_UTF8(&it)) {
      return Failed("$lookup argument '" + std::string(field) + "' must be a string, found " +
                    ElementString(&it) + ": " + TypeNameOf(&it));
    }
    if (field == "as") {
      as = std::string(Utf8Of(&it));
    } else if (field == "localField") {
      local = std::string(Utf8Of(&it));
    } else if (field == "foreignField") {
      foreign = std::string(Utf8Of(&it));
    } else {
      return Failed("unknown argument to $lookup: " + std::string(field));
    }
  }
  if (as.empty()) return Failed("must specify 'as' field for a $lookup");
  if (!pipeline && (local.empty() || foreign.empty())) {
    return Failed(
        "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be "
        "specified");
  }
  if (local.empty() != foreign.empty()) {
    return Failed(
        "$lookup requires both or neither of 'localField' and 'foreignField' to be specified");
  }
  if (let && !pipeline) return Failed("$lookup with 'let' must also specify 'pipeline'");
  if (Status s = ValidateFieldPath(as, &spec->as_); !s.ok()) return s;
  if (!local.empty()) {
    if (Status s = ValidateFieldPath(local, &spec->local_); !s.ok()) return s;
    if (Status s = ValidateFieldPath(foreign); !s.ok()) return s;
    spec->foreign_dotted_ = foreign;
  }
  spec->sub_ = std::make_shared<PipelineContext>(ctx);
  spec->sub_->in_lookup = true;
  if (let) {
    bson_iter_t v;
    bson_iter_recurse(&*let, &v);
    while (bson_iter_next(&v)) {
      std::string name(KeyOf(&v));
      auto expr = ParseOperand(&v, ctx.vps);
      if (!expr.ok()) return expr.status();
      if (Status s = ValidateVariableNameForWrite(name); !s.ok()) return s;
      spec->let_.emplace_back(spec->sub_->vps.Define(name), std::move(expr.value()));
    }
  }
  if (pipeline) {
    if (!BSON_ITER_HOLDS_ARRAY(&*pipeline)) {
      return Failed("'pipeline' option must be specified as an array");
    }
    auto stages = ParseSubPipeline(&*pipeline, *spec->sub_, "$lookup");
    if (!stages.ok()) return stages.status();
    for (const StagePtr& stage : stages.value()) {
      if (stage->name() == "$out" || stage->name() == "$merge") {
        return Status(
            51047, std::string(stage->name()) + " is not allowed within a $lookup's sub-pipeline");
      }
    }
    spec->pipeline_ = std::move(stages.value());
  }
  if (!has_from && (spec->pipeline_.empty() || !spec->pipeline_[0]->IsSource())) {
    return Failed("must specify 'from' field for a $lookup");
  }
  return StagePtr(std::move(spec));
}

// {$unionWith: "coll"} or {$unionWith: {coll, pipeline}}.
class UnionWithSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$unionWith"; }
  Status Optimize() override { return OptimizeStages(&pipeline_); }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext&) const override {
    class Stream : public DocumentStream {
     public:
      Stream(std::unique_ptr<DocumentStream> source, const UnionWithSpec& spec)
          : source_(std::move(source)), spec_(spec) {}
      StatusWith<bool> Next(Bson* out) override {
        if (!second_) {
          auto more = source_->Next(out);
          if (!more.ok() || more.value()) return more;
          auto other = RunOnCollection(spec_.pipeline_, spec_.coll_, nullptr, *spec_.sub_);
          if (!other.ok()) return other.status();
          second_ = std::move(other.value());
        }
        return second_->Next(out);
      }

     private:
      std::unique_ptr<DocumentStream> source_;
      const UnionWithSpec& spec_;
      std::unique_ptr<DocumentStream> second_;
    };
    return std::unique_ptr<DocumentStream>(std::make_unique<Stream>(std::move(source), *this));
  }

  std::string coll_;
  std::vector<StagePtr> pipeline_;
  std::shared_ptr<PipelineContext> sub_;
};

StatusWith<StagePtr> ParseUnionWith(const bson_iter_t* arg, PipelineContext& ctx) {
  auto spec = std::make_shared<UnionWithSpec>();
  spec->sub_ = std::make_shared<PipelineContext>(ctx);
  if (BSON_ITER_HOLDS_UTF8(arg)) {
    spec->coll_ = std::string(Utf8Of(arg));
    return StagePtr(std::move(spec));
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Failed("the $unionWith stage specification must be an object or string, but found " +
                  TypeNameOf(arg));
  }
  bool has_coll = false;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view field = KeyOf(&it);
    if (field == "coll") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Status(ErrorCodes::TypeMismatch, "BSON field '$unionWith.coll' is the wrong type '" +
                                                    TypeNameOf(&it) + "', expected type 'string'");
      }
      spec->coll_ = std::string(Utf8Of(&it));
      has_coll = true;
    } else if (field == "pipeline") {
      auto stages = ParseSubPipeline(&it, *spec->sub_, "$unionWith");
      if (!stages.ok()) return stages.status();
      for (const StagePtr& stage : stages.value()) {
        if (stage->IsWriter()) {
          return Status(31441, std::string(stage->name()) +
                                   " is not allowed within a $unionWith's sub-pipeline");
        }
      }
      spec->pipeline_ = std::move(stages.value());
    } else {
      return Status(40415,
                    "BSON field '$unionWith." + std::string(field) + "' is an unknown field.");
    }
  }
  if (!has_coll && (spec->pipeline_.empty() || !spec->pipeline_[0]->IsSource())) {
    return Status(40414, "BSON field '$unionWith.coll' is missing but a required field");
  }
  return StagePtr(std::move(spec));
}

}  // namespace

std::vector<StageEntry> LookupStages() {
  return {
      {"$lookup", ParseLookup},
      {"$unionWith", ParseUnionWith},
  };
}

}  // namespace basalt::query
