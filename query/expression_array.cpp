// Array operators, including those that bind a variable per element
// ($map, $filter, $reduce), and the set operators.

#include <algorithm>
#include <unordered_set>

#include "query/expression.h"
#include "query/numbers.h"

namespace basalt::query {
namespace {

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

StatusWith<Value> ArrayElemAt(std::string_view op, size_t arity, const Value& array,
                              const Value& index) {
  if (array.nullish() || index.nullish()) return Value::Null();
  if (!array.IsArray()) {
    return Status(28689, std::string(op) + "'s " + (arity == 1 ? "argument" : "first argument") +
                             " must be an array, but is " + TypeOf(array));
  }
  if (!index.numeric()) {
    return Status(28690, std::string(op) + "'s second argument must be a numeric value, but is " +
                             TypeOf(index));
  }
  if (!index.Integral()) {
    return Status(28691, std::string(op) +
                             "'s second argument must be representable as a 32-bit integer: " +
                             FormatDoubleG(index.CoerceToDouble()));
  }
  int64_t i = index.CoerceToLong();
  const auto& elements = array.array();
  if (i < 0) {
    if (static_cast<size_t>(-i) > elements.size()) return Value();
    i += static_cast<int64_t>(elements.size());
  }
  if (static_cast<size_t>(i) >= elements.size()) return Value();
  return elements[i];
}

StatusWith<Value> ArrayElemAtFn(const Args& args) {
  BASALT_EVAL(array, args[0]);
  BASALT_EVAL(index, args[1]);
  return ArrayElemAt(args.name(), 2, array, index);
}

template <bool kFirst>
StatusWith<Value> FirstLastFn(const Args& args) {
  BASALT_EVAL(array, args[0]);
  return ArrayElemAt(args.name(), 1, array, Value::Int32(kFirst ? 0 : -1));
}

StatusWith<Value> SizeFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (!v.IsArray()) {
    return Status(17124, "The argument to $size must be an array, but was of type: " + TypeOf(v));
  }
  return Value::IntOrLong(static_cast<int64_t>(v.array().size()));
}

StatusWith<Value> IsArrayFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  return Value::Bool(v.IsArray());
}

StatusWith<Value> InFn(const Args& args) {
  BASALT_EVAL(needle, args[0]);
  BASALT_EVAL(haystack, args[1]);
  if (!haystack.IsArray()) {
    return Status(40081, "$in requires an array as a second argument, found: " + TypeOf(haystack));
  }
  for (const Value& e : haystack.array()) {
    if (ValuesEqual(needle, e)) return Value::Bool(true);
  }
  return Value::Bool(false);
}

StatusWith<Value> ConcatArraysFn(const Args& args) {
  std::vector<Value> out;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) return Value::Null();
    if (!v.IsArray()) {
      return Status(28664, "$concatArrays only supports arrays, not " + TypeOf(v));
    }
    out.insert(out.end(), v.array().begin(), v.array().end());
  }
  return Value::Array(std::move(out));
}

StatusWith<Value> SliceFn(const Args& args) {
  BASALT_EVAL(array, args[0]);
  BASALT_EVAL(second, args[1]);
  if (array.nullish() || second.nullish()) return Value::Null();
  if (!array.IsArray()) {
    return Status(28724,
                  "First argument to $slice must be an array, but is of type: " + TypeOf(array));
  }
  if (!second.numeric()) {
    return Status(28725, "Second argument to $slice must be a numeric value, but is of type: " +
                             TypeOf(second));
  }
  if (!second.Integral()) {
    return Status(28726, "Second argument to $slice can't be represented as a 32-bit integer: " +
                             FormatDoubleG(second.CoerceToDouble()));
  }
  const auto& elements = array.array();
  const int64_t size = static_cast<int64_t>(elements.size());
  int64_t start = 0, end = size;
  if (args.size() == 2) {
    int64_t count = second.CoerceToInt();
    if (count >= 0) {
      end = std::min(end, count);
    } else {
      start = std::max<int64_t>(0, size + count);
    }
  } else {
    int64_t s = second.CoerceToInt();
    start = s < 0 ? std::max<int64_t>(0, size + s) : std::min(size, s);
    BASALT_EVAL(count, args[2]);
    if (count.nullish()) return Value::Null();
    if (!count.numeric()) {
      return Status(28727,
                    "Third argument to $slice must be numeric, but is of type: " + TypeOf(count));
    }
    if (!count.Integral()) {
      return Status(28728, "Third argument to $slice can't be represented as a 32-bit integer: " +
                               FormatDoubleG(count.CoerceToDouble()));
    }
    if (count.CoerceToInt() <= 0) {
      return Status(28729, "Third argument to $slice must be positive: " +
                               std::to_string(count.CoerceToInt()));
    }
    end = std::min(start + count.CoerceToInt(), size);
  }
  return Value::Array(std::vector<Value>(elements.begin() + start, elements.begin() + end));
}

StatusWith<Value> ReverseArrayFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (v.nullish()) return Value::Null();
  if (!v.IsArray()) {
    return Status(34435,
                  "The argument to $reverseArray must be an array, but was of type: " + TypeOf(v));
  }
  std::vector<Value> out(v.array().rbegin(), v.array().rend());
  return Value::Array(std::move(out));
}

StatusWith<Value> RangeFn(const Args& args) {
  BASALT_EVAL(start, args[0]);
  BASALT_EVAL(end, args[1]);
  if (!start.numeric()) {
    return Status(
        34443, "$range requires a numeric starting value, found value of type: " + TypeOf(start));
  }
  if (!start.Integral()) {
    return Status(34444,
                  "$range requires a starting value that can be represented as a 32-bit "
                  "integer, found value: " +
                      start.ToString());
  }
  if (!end.numeric()) {
    return Status(34445,
                  "$range requires a numeric ending value, found value of type: " + TypeOf(end));
  }
  if (!end.Integral()) {
    return Status(34446,
                  "$range requires an ending value that can be represented as a 32-bit "
                  "integer, found value: " +
                      end.ToString());
  }
  int64_t current = start.CoerceToInt(), last = end.CoerceToInt(), step = 1;
  if (args.size() == 3) {
    BASALT_EVAL(s, args[2]);
    if (!s.numeric()) {
      return Status(34447,
                    "$range requires a numeric step value, found value of type:" + TypeOf(s));
    }
    if (!s.Integral()) {
      return Status(34448,
                    "$range requires a step value that can be represented as a 32-bit integer, "
                    "found value: " +
                        s.ToString());
    }
    step = s.CoerceToInt();
    if (step == 0) return Status(34449, "$range requires a non-zero step value");
  }
  int64_t steps = (last - current) / step;
  int64_t length = steps >= 0 ? 1 + steps : 0;
  // mongod's internalQueryMaxRangeBytes (64 MB) over its Value size (48 bytes).
  int64_t needed = 24 + length * 48;
  if (needed >= 64 * 1024 * 1024) {
    return Status(ErrorCodes::ExceededMemoryLimit,
                  "$range would use too much memory (" + std::to_string(needed) +
                      " bytes) and cannot spill to disk. Memory limit: 67108864 bytes");
  }
  std::vector<Value> out;
  while (step > 0 ? current < last : current > last) {
    out.push_back(Value::Int32(static_cast<int32_t>(current)));
    current += step;
  }
  return Value::Array(std::move(out));
}

Status CheckIndexArg(const Value& v, std::string_view what) {
  if (!v.Integral()) {
    return Status(40096, "$indexOfArrayrequires an integral " + std::string(what) +
                             ", found a value of type: " + TypeOf(v) +
                             ", with value: " + v.ToString());
  }
  if (v.CoerceToInt() < 0) {
    return Status(40097, "$indexOfArray requires a nonnegative " + std::string(what) +
                             ", found: " + v.ToString());
  }
  return Status::OK();
}

StatusWith<Value> IndexOfArrayFn(const Args& args) {
  BASALT_EVAL(array, args[0]);
  if (array.nullish()) return Value::Null();
  if (!array.IsArray()) {
    return Status(40090,
                  "$indexOfArray requires an array as a first argument, found: " + TypeOf(array));
  }
  const auto& elements = array.array();
  int64_t start = 0, end = static_cast<int64_t>(elements.size());
  if (args.size() > 2) {
    BASALT_EVAL(s, args[2]);
    if (Status st = CheckIndexArg(s, "starting index"); !st.ok()) return st;
    start = s.CoerceToInt();
  }
  if (args.size() > 3) {
    BASALT_EVAL(e, args[3]);
    if (Status st = CheckIndexArg(e, "ending index"); !st.ok()) return st;
    end = std::min<int64_t>(end, e.CoerceToInt());
  }
  BASALT_EVAL(needle, args[1]);
  for (int64_t i = start; i < end; ++i) {
    if (ValuesEqual(elements[i], needle)) return Value::Int32(static_cast<int32_t>(i));
  }
  return Value::Int32(-1);
}

// Sorted, deduplicated values: mongod's ValueSet.
std::vector<Value> SortedSet(std::vector<Value> values) {
  std::stable_sort(values.begin(), values.end(),
                   [](const Value& a, const Value& b) { return CompareValues(a, b) < 0; });
  values.erase(std::unique(values.begin(), values.end(), ValuesEqual), values.end());
  return values;
}

std::unordered_set<std::string> KeySet(const std::vector<Value>& values) {
  std::unordered_set<std::string> out;
  for (const Value& v : values) {
    std::string key;
    AppendValueKey(v, &key);
    out.insert(std::move(key));
  }
  return out;
}

bool InSet(const std::unordered_set<std::string>& set, const Value& v) {
  std::string key;
  AppendValueKey(v, &key);
  return set.count(key) != 0;
}

StatusWith<Value> SetUnionFn(const Args& args) {
  std::vector<Value> all;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) return Value::Null();
    if (!v.IsArray()) {
      return Status(
          17043, "All operands of $setUnion must be arrays. One argument is of type: " + TypeOf(v));
    }
    all.insert(all.end(), v.array().begin(), v.array().end());
  }
  return Value::Array(SortedSet(std::move(all)));
}

StatusWith<Value> SetIntersectionFn(const Args& args) {
  std::vector<Value> current;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) return Value::Null();
    if (!v.IsArray()) {
      return Status(
          17047,
          "All operands of $setIntersection must be arrays. One argument is of type: " + TypeOf(v));
    }
    if (i == 0) {
      current = SortedSet(v.array());
      continue;
    }
    auto keys = KeySet(v.array());
    std::vector<Value> kept;
    for (Value& e : current) {
      if (InSet(keys, e)) kept.push_back(std::move(e));
    }
    current = std::move(kept);
  }
  return Value::Array(std::move(current));
}

StatusWith<Value> SetDifferenceFn(const Args& args) {
  BASALT_EVAL(lhs, args[0]);
  BASALT_EVAL(rhs, args[1]);
  if (lhs.nullish() || rhs.nullish()) return Value::Null();
  if (!lhs.IsArray()) {
    return Status(17048,
                  "both operands of $setDifference must be arrays. First argument is of type: " +
                      TypeOf(lhs));
  }
  if (!rhs.IsArray()) {
    return Status(17049,
                  "both operands of $setDifference must be arrays. Second argument is of type: " +
                      TypeOf(rhs));
  }
  auto seen = KeySet(rhs.array());
  std::vector<Value> out;
  for (const Value& e : lhs.array()) {
    std::string key;
    AppendValueKey(e, &key);
    if (seen.insert(key).second) out.push_back(e);
  }
  return Value::Array(std::move(out));
}

StatusWith<Value> SetEqualsFn(const Args& args) {
  std::unordered_set<std::string> first;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (!v.IsArray()) {
      return Status(17044, "All operands of $setEquals must be arrays. " + std::to_string(i + 1) +
                               "-th argument is of type: " + TypeOf(v));
    }
    auto keys = KeySet(v.array());
    if (i == 0) {
      first = std::move(keys);
    } else if (keys != first) {
      return Value::Bool(false);
    }
  }
  return Value::Bool(true);
}

StatusWith<Value> SetIsSubsetFn(const Args& args) {
  BASALT_EVAL(lhs, args[0]);
  BASALT_EVAL(rhs, args[1]);
  if (!lhs.IsArray()) {
    return Status(
        17046,
        "both operands of $setIsSubset must be arrays. First argument is of type: " + TypeOf(lhs));
  }
  if (!rhs.IsArray()) {
    return Status(
        17042,
        "both operands of $setIsSubset must be arrays. Second argument is of type: " + TypeOf(rhs));
  }
  auto keys = KeySet(rhs.array());
  for (const Value& e : lhs.array()) {
    if (!InSet(keys, e)) return Value::Bool(false);
  }
  return Value::Bool(true);
}

template <bool kAll>
StatusWith<Value> ElementsTrueFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (!v.IsArray()) {
    return Status(kAll ? 17040 : 17041,
                  std::string(args.name()) + "'s argument must be an array, but is " + TypeOf(v));
  }
  for (const Value& e : v.array()) {
    if (e.CoerceToBool() != kAll) return Value::Bool(!kAll);
  }
  return Value::Bool(kAll);
}

template <NaryFunction kFn, int kMin, int kMax>
StatusWith<ExpressionPtr> Nary(std::string_view name, const bson_iter_t* arg,
                               const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, kMin, kMax, kFn);
}

StatusWith<ExpressionPtr> ParseSetEquals(std::string_view name, const bson_iter_t* arg,
                                         const VariablesParseState& vps) {
  auto args = ParseArguments(arg, vps);
  if (!args.ok()) return args.status();
  if (args.value().size() < 2) {
    return Status(17045, "$setEquals needs at least two arguments had: " +
                             std::to_string(args.value().size()));
  }
  return MakeNary(name, arg, vps, 2, -1, SetEqualsFn);
}

}  // namespace

// $map, $filter, $reduce, $zip and $sortArray live in expression_array_iter.cpp.
std::vector<OperatorEntry> IteratingArrayOperators();

std::vector<OperatorEntry> ArrayOperators() {
  std::vector<OperatorEntry> ops = {
      {"$arrayElemAt", Nary<ArrayElemAtFn, 2, 2>},
      {"$first", Nary<FirstLastFn<true>, 1, 1>},
      {"$last", Nary<FirstLastFn<false>, 1, 1>},
      {"$size", Nary<SizeFn, 1, 1>},
      {"$isArray", Nary<IsArrayFn, 1, 1>},
      {"$in", Nary<InFn, 2, 2>},
      {"$concatArrays", Nary<ConcatArraysFn, 0, -1>},
      {"$slice", Nary<SliceFn, 2, 3>},
      {"$reverseArray", Nary<ReverseArrayFn, 1, 1>},
      {"$range", Nary<RangeFn, 2, 3>},
      {"$indexOfArray", Nary<IndexOfArrayFn, 2, 4>},
      {"$setUnion", Nary<SetUnionFn, 0, -1>},
      {"$setIntersection", Nary<SetIntersectionFn, 0, -1>},
      {"$setDifference", Nary<SetDifferenceFn, 2, 2>},
      {"$setEquals", ParseSetEquals},
      {"$setIsSubset", Nary<SetIsSubsetFn, 2, 2>},
      {"$allElementsTrue", Nary<ElementsTrueFn<true>, 1, 1>},
      {"$anyElementTrue", Nary<ElementsTrueFn<false>, 1, 1>},
  };
  for (const OperatorEntry& e : IteratingArrayOperators()) ops.push_back(e);
  return ops;
}

}  // namespace basalt::query
