// $group's accumulators ($sum, $avg, $min, $max, $first, $last, $push,
// $addToSet, $mergeObjects, $stdDevPop, $stdDevSamp, $count and the
// N-family $top/$bottom/$topN/$bottomN/$firstN/$lastN/$maxN/$minN) with
// mongod's semantics: which inputs each ignores (missing, null,
// non-numbers), its result types and its errors.
//
// An AccumulatorSpec is parsed once per field of a $group; it makes one
// Accumulator per group. Thread-safety: specs are immutable; an Accumulator
// is used by one thread.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "query/expression.h"

namespace basalt::query {

class Accumulator {
 public:
  virtual ~Accumulator() = default;
  // Folds in the document ctx.root (the spec's expressions are evaluated).
  virtual Status Process(EvalContext& ctx) = 0;
  // The group's value; missing becomes null in the output.
  virtual Value Result() const = 0;
  // Bytes held, approximately, for the memory limit.
  virtual size_t MemoryUsage() const { return sizeof(*this); }
};

class AccumulatorSpec {
 public:
  virtual ~AccumulatorSpec() = default;
  // `group_key` is the group's _id, which the N-family evaluates `n` against.
  virtual std::unique_ptr<Accumulator> Make(const Value& group_key) const = 0;
  virtual Status Optimize() = 0;
  const std::string& field() const { return field_; }
  const std::string& op() const { return op_; }
  void SetNames(std::string field, std::string op) {
    field_ = std::move(field);
    op_ = std::move(op);
  }

 private:
  std::string field_;
  std::string op_;
};

// Parses one `field: {$op: <argument>}` of a $group (mongod's
// parseAccumulationStatement): 40234, 40235, 40236, 40238, 40237 and 15952
// "unknown group operator '$foo'".
StatusWith<std::unique_ptr<AccumulatorSpec>> ParseAccumulator(const bson_iter_t* elem,
                                                              const VariablesParseState& vps);

// $sum, $avg, $min, $max, $stdDevPop and $stdDevSamp as expressions
// ({$sum: ["$a", "$b"]}, {$avg: "$array"}): registered with the other
// operators.
std::vector<OperatorEntry> AccumulatorExpressionOperators();
// $firstN, $lastN, $maxN and $minN as expressions (accumulator_n.cpp).
std::vector<OperatorEntry> NAccumulatorExpressionOperators();

// The N-family's parsers (accumulator_n.cpp).
StatusWith<std::unique_ptr<AccumulatorSpec>> ParseNAccumulator(std::string_view op,
                                                               const bson_iter_t* arg,
                                                               const VariablesParseState& vps);
bool IsNAccumulator(std::string_view op);

}  // namespace basalt::query
