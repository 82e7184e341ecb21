// The removable window states (mongod's WindowFunctionState subclasses):
// values enter a window with Add and leave it, oldest first, with Remove,
// so a sliding window is updated rather than recomputed.
//
// Results follow mongod's removable functions: $sum narrows its type back
// once doubles or decimals have left the window, $addToSet returns its
// values in ascending order, $min/$max/$avg/$stdDev* give null for a
// window without numbers (or non-null values).
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string_view>

#include "query/expression_value.h"

namespace basalt::query {

class WindowState {
 public:
  virtual ~WindowState() = default;
  virtual void Add(const Value& v) = 0;
  // Removes a value Add was given, in the order they were added.
  virtual void Remove(const Value& v) = 0;
  virtual Value Result() const = 0;
  virtual void Reset() = 0;
  // Bytes held, approximately.
  virtual size_t MemoryUsage() const = 0;
};

// The state for `op` ($sum, $count (sums the constant 1), $avg, $min, $max,
// $push, $addToSet, $stdDevPop, $stdDevSamp, $covariancePop,
// $covarianceSamp), or null for other names.
std::unique_ptr<WindowState> MakeWindowState(std::string_view op);

}  // namespace basalt::query
