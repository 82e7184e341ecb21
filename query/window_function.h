// $setWindowFields' window functions (mongod's window_function/*): each
// output field is computed over the documents of one partition, in the
// stage's sortBy order, and over a window of them.
//
// Windows (mongod's WindowBounds): {documents: [lower, upper]} counts
// documents relative to the current one; {range: [lower, upper]} (with
// `unit` for dates) compares the sortBy field's values; each bound is
// "unbounded", "current" or a constant. No window means the whole partition.
//
// A function computes the values of a whole partition at once
// (Compute), which lets windows slide incrementally: the accumulators that
// can remove a value ($sum, $avg, $min, $max, $push, $addToSet, $stdDev*,
// $covariance*) add what enters the window and remove what leaves it, so a
// [-k, k] window costs O(n log k), not O(n * k).
//
// Thread-safety: parsed functions are immutable; Compute uses the
// partition's Variables, one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "query/expression.h"
#include "query/sort.h"
#include "query/value_formula.h"

namespace basalt::query {

struct WindowBound {
  enum class Kind { kUnbounded, kCurrent, kOffset };
  Kind kind = Kind::kUnbounded;
  Value offset;  // kOffset: an int for documents, a number for range
};

struct WindowBounds {
  bool range = false;
  WindowBound lower, upper;
  std::string unit;  // range only: "day", "hour"... (empty: numeric range)
  // range only: value + offset ($add, or $dateAdd with the unit).
  std::shared_ptr<const ValueFormula> add;
  bool WholePartition() const {
    return lower.kind == WindowBound::Kind::kUnbounded &&
           upper.kind == WindowBound::Kind::kUnbounded;
  }
};

// One partition, sorted, as the functions see it.
struct WindowPartition {
  const std::vector<Bson>* docs;
  Variables* vars;
  // The stage's sortBy (null when none) and its first field split on dots.
  const SortPattern* sort_by;
  const std::vector<std::string>* sort_path;
  // The stage's memory limit, which the values a function computes count
  // against whatever allowDiskUse says: like mongod's window function
  // states, they cannot be spilled ($push over a growing window is
  // quadratic).
  uint64_t max_memory_bytes;
};

// mongod's 5414201 "Exceeded memory limit in DocumentSourceSetWindowFields".
Status WindowMemoryError(uint64_t used, uint64_t limit);

// Each document's window as [begin, end) indexes into the partition
// (begin >= end: empty), for `bounds`; mongod's errors for range windows
// over values that are not numbers (5429414) or dates (5429413, 5429513).
StatusWith<std::vector<std::pair<size_t, size_t>>> WindowIndexes(const WindowBounds& bounds,
                                                                 const WindowPartition& p);

// Parses a `window` argument (mongod's WindowBounds::parse): FailedToParse
// for bad shapes, 5339900 when lower > upper, 5339901 documents bounds
// without sortBy, 5339902/8947401 range bounds without one ascending
// sortBy field.
StatusWith<WindowBounds> ParseWindowBounds(const bson_iter_t* window, const SortPattern* sort_by,
                                           const VariablesParseState& vps);

class WindowFunction {
 public:
  virtual ~WindowFunction() = default;
  // The value of the output field for each document of `p`, in order
  // (missing: the field is left out).
  virtual Status Compute(const WindowPartition& p, std::vector<Value>* out) const = 0;
  virtual Status Optimize() { return Status::OK(); }
};

// Parses the value of one output field ({$sum: "$x", window: {...}}) with
// mongod's errors: FailedToParse "Unrecognized window function, $foo",
// "Expected a $-prefixed window function", each function's own checks.
// `sort_by` is the stage's sortBy (null when none).
StatusWith<std::unique_ptr<WindowFunction>> ParseWindowFunction(const bson_iter_t* elem,
                                                                const SortPattern* sort_by,
                                                                const VariablesParseState& vps);

// The functions of window_functions_ordered.cpp: $rank, $denseRank,
// $documentNumber, $shift, $locf, $linearFill and $expMovingAvg. `obj` is
// the whole output spec ({$shift: {...}}), `name` its function.
StatusWith<std::unique_ptr<WindowFunction>> ParseOrderedWindowFunction(
    std::string_view name, const bson_t* obj, const SortPattern* sort_by,
    const VariablesParseState& vps);

// $derivative and $integral (window_functions_calculus.cpp).
StatusWith<std::unique_ptr<WindowFunction>> ParseCalculusWindowFunction(
    std::string_view name, const bson_t* obj, const SortPattern* sort_by,
    const VariablesParseState& vps);

// $firstN $lastN $minN $maxN $top $bottom $topN $bottomN
// (window_functions_n.cpp).
StatusWith<std::unique_ptr<WindowFunction>> ParseNWindowFunction(std::string_view name,
                                                                 const bson_t* obj,
                                                                 const SortPattern* sort_by,
                                                                 const VariablesParseState& vps);

// Evaluates `expr` on each document of `p`.
StatusWith<std::vector<Value>> EvaluateEach(const Expression& expr, const WindowPartition& p);

}  // namespace basalt::query
