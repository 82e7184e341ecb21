// Aggregation expressions: mongod's expression language
// (src/mongo/db/pipeline/expression.cpp) parsed once into a tree and
// evaluated against documents. docs/aggregation.md lists the operators.
//
// Contract:
// - ParseOperand / ParseObjectExpression return the tree or the Status mongod
//   gives for the same spec (code and message), e.g. 168
//   "Unrecognized expression '$foo'", 16410 for a bad field path, 17276
//   "Use of undefined variable: x".
// - Optimize folds constant subtrees as mongod's optimize() does, so errors
//   of constant arguments ({$divide: [1, 0]}) are reported when the pipeline
//   is prepared, before any document is read.
// - Evaluate never throws; it returns mongod's per-document errors.
//
// Thread-safety: a tree is immutable after Optimize and may be evaluated from
// several threads, each with its own Variables.
#pragma once

#include <bson/bson.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "query/expression_value.h"

namespace basalt::query {

// Returns from the enclosing function when a StatusWith<Value> failed,
// else declares `var` holding its value.
#define BASALT_EVAL(var, expr)                                \
  auto var##_or_status = (expr);                              \
  if (!var##_or_status.ok()) return var##_or_status.status(); \
  Value var = std::move(var##_or_status).value()

// Variable ids, as mongod's Variables: the built-ins first, then those
// defined by let, $let, $map, $filter, $reduce and $lookup.
using VariableId = int;
inline constexpr VariableId kRootId = 0;  // $$ROOT and $$CURRENT
inline constexpr VariableId kRemoveId = 1;
inline constexpr VariableId kNowId = 2;
inline constexpr VariableId kClusterTimeId = 3;
inline constexpr VariableId kFirstUserId = 4;

// The values of variables while a pipeline runs. One per running pipeline
// (and shared with its sub-pipelines); not thread-safe.
class Variables {
 public:
  Variables();
  void Set(VariableId id, Value v);
  const Value& Get(VariableId id) const;

 private:
  std::vector<Value> values_;
};

// Which variables are in scope while parsing: mongod's VariablesParseState.
// Copies share the id counter, so a nested scope never reuses an id.
class VariablesParseState {
 public:
  VariablesParseState();
  // Defines `name` in this scope (shadowing) and returns its new id.
  VariableId Define(const std::string& name);
  // 17276 "Use of undefined variable: <name>" when not in scope.
  StatusWith<VariableId> Get(std::string_view name) const;
  // The names defined so far with their ids (for let: the command's).
  const std::vector<std::pair<std::string, VariableId>>& defined() const { return defined_; }

 private:
  std::shared_ptr<VariableId> next_id_;
  std::vector<std::pair<std::string, VariableId>> defined_;
};

// mongod's variableValidation::validateNameForUserWrite/Read (16866-16870).
Status ValidateVariableNameForWrite(std::string_view name);
Status ValidateVariableNameForRead(std::string_view name);

// What an expression is evaluated against.
struct EvalContext {
  const bson_t* root;  // $$ROOT and $$CURRENT
  Variables* vars;
};

class Expression;
using ExpressionPtr = std::unique_ptr<Expression>;

class Expression {
 public:
  virtual ~Expression() = default;
  virtual StatusWith<Value> Evaluate(EvalContext& ctx) const = 0;

  // Set for constants (and what Optimize folded into constants).
  virtual const Value* constant() const { return nullptr; }
  // A field path "$a.b" on $$CURRENT: its dotted path ("a.b"), else nullptr.
  virtual const std::string* current_field_path() const { return nullptr; }
  // True when the tree may be folded once its children are constants: false
  // for $rand and for operators mongod does not fold.
  virtual bool Foldable() const { return true; }
  // The children Optimize visits, in order.
  std::vector<ExpressionPtr>& children() { return children_; }
  // True when the value depends on the document ($$ROOT, $$CURRENT, "$a"):
  // mongod's dependency check refuses such expressions in a command's let.
  virtual bool ReadsRoot() const {
    for (const auto& child : children_) {
      if (child && child->ReadsRoot()) return true;
    }
    return false;
  }

 protected:
  std::vector<ExpressionPtr> children_;
};

class ConstantExpression : public Expression {
 public:
  explicit ConstantExpression(Value v) : value_(std::move(v)) {}
  StatusWith<Value> Evaluate(EvalContext&) const override { return value_; }
  const Value* constant() const override { return &value_; }

 private:
  Value value_;
};

// Parses an operand (mongod's parseOperand): a "$path" or "$$var" string, an
// object (expression or document of expressions), an array, or a constant.
StatusWith<ExpressionPtr> ParseOperand(const bson_iter_t* elem, const VariablesParseState& vps);

// Parses an object: {} and {a: <operand>, ...} are documents of expressions,
// {$op: ...} an operator expression (15983 if it has other fields).
StatusWith<ExpressionPtr> ParseObjectExpression(const bson_t* obj, const VariablesParseState& vps);

// Parses a "$path" or "$$var.path" string (16872, 16873, FieldPath errors).
StatusWith<ExpressionPtr> ParseFieldPathExpression(std::string_view raw,
                                                   const VariablesParseState& vps);

// Folds constant subtrees of `*expr` in place (see the contract above).
Status Optimize(ExpressionPtr* expr);

// Parses then optimizes.
StatusWith<ExpressionPtr> ParseAndOptimize(const bson_iter_t* elem, const VariablesParseState& vps);

// mongod's ExpressionNary::parseArguments: an array's elements, or the
// single non-array operand.
StatusWith<std::vector<ExpressionPtr>> ParseArguments(const bson_iter_t* elem,
                                                      const VariablesParseState& vps);

// Values of the path `parts[from..]` inside a document, with mongod's
// traversal of arrays (ExpressionFieldPath::evaluatePath).
Value EvaluatePath(const bson_t* doc, const std::vector<std::string>& parts, size_t from);
Value EvaluatePath(const Value& v, const std::vector<std::string>& parts, size_t from);

// Operators implemented in the expression_*.cpp files register here.
using OperatorParser = StatusWith<ExpressionPtr> (*)(std::string_view name, const bson_iter_t* arg,
                                                     const VariablesParseState& vps);
struct OperatorEntry {
  std::string_view name;  // with its '$'
  OperatorParser parse;
};
// Each file's table; expression_parse.cpp looks names up in all of them.
std::vector<OperatorEntry> CoreOperators();
std::vector<OperatorEntry> ArithmeticOperators();
std::vector<OperatorEntry> StringOperators();
std::vector<OperatorEntry> ArrayOperators();
std::vector<OperatorEntry> TypeOperators();
std::vector<OperatorEntry> DateOperators();
std::vector<OperatorEntry> ObjectOperators();

// Helpers for operators whose arguments are all evaluated the same way: the
// operator's function receives lazily evaluated arguments, so that it can
// stop at the first null as mongod does.
class Args {
 public:
  Args(std::string_view name, const std::vector<ExpressionPtr>& children, EvalContext& ctx)
      : name_(name), children_(children), ctx_(ctx) {}
  size_t size() const { return children_.size(); }
  StatusWith<Value> operator[](size_t i) const { return children_[i]->Evaluate(ctx_); }
  std::string_view name() const { return name_; }
  EvalContext& ctx() const { return ctx_; }

 private:
  std::string_view name_;
  const std::vector<ExpressionPtr>& children_;
  EvalContext& ctx_;
};
using NaryFunction = StatusWith<Value> (*)(const Args& args);

// An operator taking positional arguments, checked against [min, max]
// (max < 0: unbounded) with mongod's messages (16020, 28667, 16021...).
StatusWith<ExpressionPtr> MakeNary(std::string_view name, const bson_iter_t* arg,
                                   const VariablesParseState& vps, int min_args, int max_args,
                                   NaryFunction fn, bool foldable = true);

// An operator taking named arguments ({input: ..., as: ...}): each child is
// one argument, possibly null when not given.
class NamedArgsExpression : public Expression {
 public:
  using Function = StatusWith<Value> (*)(const NamedArgsExpression& self, EvalContext& ctx);
  NamedArgsExpression(std::string name, Function fn, bool foldable = true)
      : name_(std::move(name)), fn_(fn), foldable_(foldable) {}
  StatusWith<Value> Evaluate(EvalContext& ctx) const override { return fn_(*this, ctx); }
  bool Foldable() const override { return foldable_; }
  // Adds an argument (null allowed) and returns its index.
  size_t Add(ExpressionPtr e) {
    children_.push_back(std::move(e));
    return children_.size() - 1;
  }
  const Expression* arg(size_t i) const { return children_[i].get(); }
  size_t num_args() const { return children_.size(); }
  const std::string& name() const { return name_; }
  // Extra parse-time data some operators keep (variable ids, flags...).
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::shared_ptr<const void> extra;

 private:
  std::string name_;
  Function fn_;
  bool foldable_;
};

// Named-argument parsing: for each field of `arg` (which must be an
// object), finds its name in `names` and parses it; unknown names are
// reported by `unknown(name)`. Fills `out` (one slot per name, null when
// absent).
Status ParseNamedArgs(const bson_iter_t* arg, const std::vector<std::string_view>& names,
                      const VariablesParseState& vps, std::vector<ExpressionPtr>* out,
                      Status (*unknown)(std::string_view op, std::string_view field),
                      std::string_view op);

// Evaluates `e`, or returns `fallback` when e is null.
inline StatusWith<Value> EvalOr(const Expression* e, EvalContext& ctx, Value fallback) {
  if (e == nullptr) return fallback;
  return e->Evaluate(ctx);
}

}  // namespace basalt::query
