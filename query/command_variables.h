// The variables every expression of one command sees: $$NOW, fixed when the
// command starts (so that all documents of a multi-update get the same time),
// and the command's `let` parameters, each evaluated once before any document
// is read (mongod's Variables::seedVariablesWithLetParameters).
//
// Contract: Make returns the variables or mongod's error for a bad `let`:
// the name's error with the context "Invalid 'let' parameter" (16866-16870),
// 4738901 for a system variable (NOW, CLUSTER_TIME...), the expression's
// parse or evaluation error, 4890500 for an expression reading the document.
//
// Thread-safety: immutable after Make; each executor or pipeline takes its
// own copy of the values with NewValues().
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "query/expression.h"

namespace basalt::query {

class CommandVariables {
 public:
  // `let` may be null or empty; `now_millis` is $$NOW (milliseconds since the epoch).
  static StatusWith<std::shared_ptr<const CommandVariables>> Make(const bson_t* let,
                                                                  int64_t now_millis);
  // No let, $$NOW the current time: for commands that take no `let` (count, distinct).
  static std::shared_ptr<const CommandVariables> Now();

  // The names in scope for parsing the command's expressions. Copies share
  // the id counter, so ids defined on a copy never collide with these.
  const VariablesParseState& vps() const { return vps_; }
  // A copy of the values (built-ins and let variables) for one evaluation context.
  std::shared_ptr<Variables> NewValues() const { return std::make_shared<Variables>(values_); }

 private:
  CommandVariables() = default;
  VariablesParseState vps_;
  Variables values_;
};

// Milliseconds since the epoch, as $$NOW gives them.
int64_t CurrentTimeMillis();

}  // namespace basalt::query
