#include "query/expression_match.h"

namespace basalt::query {
namespace {

class ExprMatchExpression : public MatchExpression {
 public:
  ExprMatchExpression(ExpressionPtr expr, std::shared_ptr<ExprMatcherExtensions::Shared> shared,
                      std::string debug)
      : MatchExpression(MatchType::kExtension),
        expr_(std::move(expr)),
        shared_(std::move(shared)),
        debug_(std::move(debug)) {}

  bool Matches(const bson_t* doc, MatchDetails*) const override {
    EvalContext ctx{doc, shared_->vars.get()};
    auto v = expr_->Evaluate(ctx);
    if (!v.ok()) {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (shared_->error.ok()) shared_->error = v.status();
      return false;
    }
    return v.value().CoerceToBool();
  }

  bool MatchesSingleElement(const bson_iter_t*, MatchDetails*) const override { return false; }

  void AppendDebugString(std::string* out, int indent) const override {
    AddIndent(out, indent);
    out->append("$expr " + debug_ + "\n");
  }

 private:
  ExpressionPtr expr_;
  std::shared_ptr<ExprMatcherExtensions::Shared> shared_;
  std::string debug_;
};

}  // namespace

ExprMatcherExtensions::ExprMatcherExtensions(VariablesParseState vps,
                                             std::shared_ptr<Variables> vars)
    : vps_(std::move(vps)), shared_(std::make_shared<Shared>()) {
  shared_->vars = vars ? std::move(vars) : std::make_shared<Variables>();
}

StatusWith<ExprPtr> ExprMatcherExtensions::ParseExpr(const bson_iter_t* value) const {
  auto expr = ParseAndOptimize(value, vps_);
  if (!expr.ok()) return expr.status();
  Bson copy;
  bson_append_value(copy.get(), "", 0, bson_iter_value(const_cast<bson_iter_t*>(value)));
  std::string debug = Value::FirstOf(copy.get()).ToString();
  return ExprPtr(
      std::make_unique<ExprMatchExpression>(std::move(expr.value()), shared_, std::move(debug)));
}

StatusWith<ExprPtr> ExprMatcherExtensions::ParseJsonSchema(const bson_iter_t*) const {
  return Status(ErrorCodes::NotImplemented, "$jsonSchema is not supported by Basalt yet");
}

Status ExprMatcherExtensions::TakeError() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  Status out = shared_->error;
  shared_->error = Status::OK();
  return out;
}

StatusWith<ExprFilter> ParseExprFilter(const bson_t* filter, const CommandVariables& vars) {
  ExprFilter out;
  out.extensions = std::make_shared<ExprMatcherExtensions>(vars.vps(), vars.NewValues());
  MatcherOptions options;
  options.extensions = out.extensions.get();
  Bson empty;
  auto matcher = Matcher::Parse(filter ? filter : empty.get(), options);
  if (!matcher.ok()) return matcher.status();
  out.matcher = std::move(matcher.value());
  return out;
}

}  // namespace basalt::query
