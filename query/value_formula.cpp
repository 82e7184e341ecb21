#include "query/value_formula.h"

namespace basalt::query {

StatusWith<ValueFormula> ValueFormula::Make(const std::string& spec,
                                            const std::vector<std::string>& names) {
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(spec.data()),
                                      static_cast<ssize_t>(spec.size()), &error);
  if (parsed == nullptr) return Status(ErrorCodes::BadValue, error.message);
  Bson doc = Bson::Copy(parsed);
  bson_destroy(parsed);
  VariablesParseState vps;
  ValueFormula formula;
  for (const std::string& name : names) formula.ids_.push_back(vps.Define(name));
  auto expr = ParseObjectExpression(doc.get(), vps);
  if (!expr.ok()) return expr.status();
  formula.expr_ = std::shared_ptr<const Expression>(std::move(expr.value()));
  return formula;
}

StatusWith<Value> ValueFormula::Eval(const std::vector<Value>& values) const {
  Variables vars;
  for (size_t i = 0; i < ids_.size() && i < values.size(); ++i) vars.Set(ids_[i], values[i]);
  Bson empty;
  EvalContext ctx{empty.get(), &vars};
  return expr_->Evaluate(ctx);
}

}  // namespace basalt::query
