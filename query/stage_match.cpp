// $match: the query matcher over the pipeline's documents, with $expr
// (aggregation expressions that see the pipeline's variables).

#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

class MatchStream : public DocumentStream {
 public:
  MatchStream(std::unique_ptr<DocumentStream> source, std::shared_ptr<const Matcher> matcher,
              std::shared_ptr<ExprMatcherExtensions> extensions)
      : source_(std::move(source)),
        matcher_(std::move(matcher)),
        extensions_(std::move(extensions)) {}

  StatusWith<bool> Next(Bson* out) override {
    while (true) {
      auto more = source_->Next(out);
      if (!more.ok() || !more.value()) return more;
      bool match = matcher_->Matches(out->get());
      if (Status s = extensions_->TakeError(); !s.ok()) return s;
      if (match) return true;
    }
  }

 private:
  std::unique_ptr<DocumentStream> source_;
  std::shared_ptr<const Matcher> matcher_;
  std::shared_ptr<ExprMatcherExtensions> extensions_;
};

bool ContainsExpr(const bson_t* doc) {
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == "$expr") return true;
    if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      Bson sub = DocumentOf(&it);
      if (ContainsExpr(sub.get())) return true;
    }
  }
  return false;
}

StatusWith<StagePtr> ParseMatch(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(15959, "the match filter must be an expression in an object");
  }
  Bson filter = DocumentOf(arg);
  auto spec = MatchStageSpec::Make(filter.get(), ctx);
  if (!spec.ok()) return spec.status();
  return StagePtr(std::move(spec.value()));
}

}  // namespace

StatusWith<std::shared_ptr<MatchStageSpec>> MatchStageSpec::Make(const bson_t* filter,
                                                                 PipelineContext& ctx) {
  auto spec = std::make_shared<MatchStageSpec>();
  spec->filter_ = Bson::Copy(filter);
  spec->extensions_ = std::make_shared<ExprMatcherExtensions>(ctx.vps, ctx.variables);
  MatcherOptions options;
  options.extensions = spec->extensions_.get();
  auto matcher = Matcher::Parse(filter, options);
  if (!matcher.ok()) return matcher.status();
  spec->matcher_ = std::move(matcher.value());
  // The collection read gets the filter without $expr, which only this
  // stage's matcher (holding the pipeline's variables) can evaluate.
  bson_iter_t it;
  bson_iter_init(&it, filter);
  while (bson_iter_next(&it)) {
    const bool nested = (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) &&
                        ContainsExpr(DocumentOf(&it).get());
    if (KeyOf(&it) == "$expr" || nested) {
      spec->fully_pushable_ = false;
      continue;
    }
    bson_append_iter(spec->pushdown_.get(), nullptr, 0, &it);
  }
  return spec;
}

StatusWith<std::unique_ptr<DocumentStream>> MatchStageSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext&) const {
  return std::unique_ptr<DocumentStream>(
      std::make_unique<MatchStream>(std::move(source), matcher_, extensions_));
}

std::vector<StageEntry> MatchStages() { return {{"$match", ParseMatch}}; }

}  // namespace basalt::query
