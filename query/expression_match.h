// $expr in query filters: the matcher's extension point (MatcherExtensions)
// implemented with aggregation expressions. {$expr: <expression>} matches a
// document when the expression's value is truthy.
//
// The matcher's contract is that matching never fails, but mongod's $expr
// does fail on some documents ({$expr: {$divide: [1, "$zero"]}}): such an
// error is recorded in the extensions object, and a caller that can report
// errors (the $match stage) takes it with TakeError() after each match.
//
// Thread-safety: the expressions share the Variables and the error slot of
// the extensions object that parsed them; use them from one thread at a
// time (a pipeline runs on one thread).
#pragma once

#include <memory>
#include <mutex>

#include "query/command_variables.h"
#include "query/expression.h"
#include "query/matcher.h"

namespace basalt::query {

class ExprMatcherExtensions : public MatcherExtensions {
 public:
  // `vps`: the variables in scope ($$NOW, let variables); `vars`: where their
  // values are while matching (a fresh set when null).
  ExprMatcherExtensions(VariablesParseState vps, std::shared_ptr<Variables> vars);

  StatusWith<ExprPtr> ParseExpr(const bson_iter_t* value) const override;
  // NotImplemented until Basalt has $jsonSchema.
  StatusWith<ExprPtr> ParseJsonSchema(const bson_iter_t* value) const override;

  // The first evaluation error since the last call, then OK.
  Status TakeError() const;

  struct Shared {
    std::shared_ptr<Variables> vars;
    std::mutex mu;
    Status error;  // guarded by mu
  };

 private:
  VariablesParseState vps_;
  std::shared_ptr<Shared> shared_;
};

// A command's filter parsed with $expr enabled, seeing the command's
// variables, and the hook that reports $expr's evaluation errors.
struct ExprFilter {
  std::unique_ptr<Matcher> matcher;
  std::shared_ptr<ExprMatcherExtensions> extensions;

  // The first $expr evaluation error since the last call, then OK.
  Status TakeError() const { return extensions->TakeError(); }
};

// Parses `filter` (null: {}) with mongod's find-context features.
StatusWith<ExprFilter> ParseExprFilter(const bson_t* filter, const CommandVariables& vars);

}  // namespace basalt::query
