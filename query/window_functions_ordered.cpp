// Window functions that depend on the order of the partition rather than on
// a window: $rank, $denseRank, $documentNumber, $shift, $locf, $linearFill
// and $expMovingAvg (mongod's ExpressionFromRankAccumulator,
// ExpressionShift, ExpressionFromLeftUnboundedWindowFunction,
// ExpressionLinearFill, ExpressionExpMovingAvg).

#include <cmath>

#include "query/expression_decimal.h"
#include "query/numbers.h"
#include "query/pipeline.h"
#include "query/value_formula.h"
#include "query/window_function.h"

namespace basalt::query {
namespace {

Status Fail(std::string message) { return Status(ErrorCodes::FailedToParse, std::move(message)); }

std::vector<Value> SortValues(const WindowPartition& p) {
  std::vector<Value> out;
  out.reserve(p.docs->size());
  for (const Bson& doc : *p.docs) out.push_back(EvaluatePath(doc.get(), *p.sort_path, 0));
  return out;
}

// --- $rank, $denseRank, $documentNumber -------------------------------------

class RankWindow : public WindowFunction {
 public:
  explicit RankWindow(std::string name) : name_(std::move(name)) {}
  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    const std::vector<Value> keys = SortValues(p);
    out->resize(keys.size());
    int64_t rank = 0, dense = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      // Ties (equal sortBy values) share a rank.
      if (i == 0 || !ValuesEqual(keys[i], keys[i - 1])) {
        rank = static_cast<int64_t>(i) + 1;
        ++dense;
      }
      const int64_t value = name_ == "$rank"        ? rank
                            : name_ == "$denseRank" ? dense
                                                    : static_cast<int64_t>(i) + 1;
      (*out)[i] = Value::IntOrLong(value);
    }
    return Status::OK();
  }

 private:
  std::string name_;
};

StatusWith<std::unique_ptr<WindowFunction>> ParseRank(std::string_view name, const bson_t* obj,
                                                      const SortPattern* sort_by) {
  if (bson_count_keys(obj) != 1) {
    return Status(5371601, "Rank style window functions take no other arguments");
  }
  bson_iter_t it;
  bson_iter_init(&it, obj);
  bson_iter_next(&it);
  if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_empty(DocumentOf(&it).get())) {
    return Status(5371603, std::string(name) + " must be specified with '{}' as the value");
  }
  if (sort_by == nullptr || sort_by->size() != 1) {
    return Status(5371602, std::string(name) +
                               " must be specified with a top level sortBy expression with "
                               "exactly one element");
  }
  return std::unique_ptr<WindowFunction>(std::make_unique<RankWindow>(std::string(name)));
}

// --- $shift ---------------------------------------------------------------------

class ShiftWindow : public WindowFunction {
 public:
  ShiftWindow(ExpressionPtr output, int32_t by, Value fallback)
      : output_(std::move(output)), by_(by), default_(std::move(fallback)) {}
  Status Optimize() override { return query::Optimize(&output_); }
  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    const int64_t n = static_cast<int64_t>(p.docs->size());
    out->resize(p.docs->size());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t at = i + by_;
      if (at < 0 || at >= n) {
        (*out)[i] = default_;
        continue;
      }
      EvalContext ctx{(*p.docs)[at].get(), p.vars};
      auto v = output_->Evaluate(ctx);
      if (!v.ok()) return v.status();
      (*out)[i] = std::move(v.value());
    }
    return Status::OK();
  }

 private:
  ExpressionPtr output_;
  int32_t by_;
  Value default_;
};

StatusWith<std::unique_ptr<WindowFunction>> ParseShift(std::string_view name, const bson_t* obj,
                                                       const SortPattern* sort_by,
                                                       const VariablesParseState& vps) {
  ExpressionPtr output;
  std::optional<int32_t> by;
  Value fallback = Value::Null();
  bool seen = false;
  bson_iter_t it;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    const std::string_view arg = KeyOf(&it);
    if (arg == "window") return Fail("$shift does not accept a 'window' field");
    if (arg.substr(0, 1) != "$") {
      return Fail("Window function found an unknown argument: " + std::string(arg));
    }
    if (seen) return Fail("Cannot specify multiple functions in window function spec");
    seen = true;
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return Fail("Argument to $shift must be an object");
    bson_iter_t a;
    bson_iter_recurse(&it, &a);
    while (bson_iter_next(&a)) {
      const std::string_view key = KeyOf(&a);
      if (key == "output") {
        auto parsed = ParseOperand(&a, vps);
        if (!parsed.ok()) return parsed.status();
        output = std::move(parsed.value());
      } else if (key == "default") {
        auto parsed = ParseAndOptimize(&a, vps);
        if (!parsed.ok()) return parsed.status();
        if (parsed.value()->constant() == nullptr) {
          return Fail("'$shift:default' expression must yield a constant value.");
        }
        fallback = *parsed.value()->constant();
      } else if (key == "by") {
        auto parsed = ParseIntegerElementToInt(&a);
        if (!parsed.ok()) {
          return Fail("'$shift:by' field must be an integer, but found  " + ElementString(&a));
        }
        by = parsed.value();
      } else {
        return Fail("Unknown argument in " + std::string(name));
      }
    }
  }
  if (!output) return Fail(std::string(name) + " requires an 'output' expression.");
  if (!by) return Fail(std::string(name) + " requires 'by' as an integer value.");
  if (sort_by == nullptr) return Fail("'" + std::string(name) + "' requires a sortBy");
  return std::unique_ptr<WindowFunction>(
      std::make_unique<ShiftWindow>(std::move(output), *by, std::move(fallback)));
}

// --- $locf and $linearFill ---------------------------------------------------

class FillWindow : public WindowFunction {
 public:
  FillWindow(bool linear, ExpressionPtr input) : linear_(linear), input_(std::move(input)) {}
  Status Optimize() override { return query::Optimize(&input_); }
  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    auto inputs = EvaluateEach(*input_, p);
    if (!inputs.ok()) return inputs.status();
    std::vector<Value>& in = inputs.value();
    if (!linear_) {
      // Last observation carried forward.
      Value last = Value::Null();
      out->resize(in.size());
      for (size_t i = 0; i < in.size(); ++i) {
        if (!in[i].nullish()) last = in[i];
        (*out)[i] = last;
      }
      return Status::OK();
    }
    return Linear(p, in, out);
  }

 private:
  // y = y1 + (x - x1) * ((y2 - y1) / (x2 - x1)) between the nearest
  // non-null neighbours, with mongod's checks of every document.
  Status Linear(const WindowPartition& p, const std::vector<Value>& y,
                std::vector<Value>* out) const {
    const std::vector<Value> x = SortValues(p);
    const size_t n = y.size();
    for (size_t i = 0; i < n; ++i) {
      if (!y[i].numeric() && !y[i].nullish()) {
        return Status(ErrorCodes::TypeMismatch,
                      "Value to be filled must be numeric or nullish, but found " +
                          std::string(ValueTypeName(y[i])));
      }
      if (!x[i].numeric() && !x[i].CoercibleToDate()) {
        return Status(ErrorCodes::TypeMismatch,
                      "Value of the sortBy field must be numeric or a date, but found " +
                          std::string(ValueTypeName(x[i])));
      }
      if (i > 0) {
        if (ValuesEqual(x[i], x[i - 1])) {
          return Status(6050106, "There can be no repeated values in the sort field");
        }
        if (x[i].numeric() != x[i - 1].numeric()) {
          return Status(ErrorCodes::TypeMismatch,
                        "Conflicting sort value types, previously received type " +
                            std::string(ValueTypeName(x[i - 1])) + ", but found " +
                            std::string(ValueTypeName(x[i])));
        }
      }
    }
    static const auto formula = ValueFormula::Make(
        R"({"$add": ["$$y1", {"$multiply": [{"$subtract": ["$$x", "$$x1"]},)"
        R"( {"$divide": [{"$subtract": ["$$y2", "$$y1"]}, {"$subtract": ["$$x2", "$$x1"]}]}]}]})",
        {"x", "x1", "y1", "x2", "y2"});
    if (!formula.ok()) return formula.status();
    // The next known point after each index.
    std::vector<size_t> next(n + 1, n);
    for (size_t i = n; i-- > 0;) next[i] = !y[i].nullish() ? i : next[i + 1];
    out->assign(n, Value::Null());
    std::optional<size_t> previous;
    for (size_t i = 0; i < n; ++i) {
      if (!y[i].nullish()) {
        (*out)[i] = y[i];
        previous = i;
        continue;
      }
      const size_t after = next[i];
      if (!previous || after == n) continue;
      auto v = formula.value().Eval({x[i], x[*previous], y[*previous], x[after], y[after]});
      if (!v.ok()) return v.status();
      (*out)[i] = std::move(v.value());
    }
    return Status::OK();
  }

  bool linear_;
  ExpressionPtr input_;
};

StatusWith<std::unique_ptr<WindowFunction>> ParseFill(std::string_view name, const bson_t* obj,
                                                      const SortPattern* sort_by,
                                                      const VariablesParseState& vps) {
  ExpressionPtr input;
  bool window = false;
  bson_iter_t it;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    const std::string_view arg = KeyOf(&it);
    if (arg == "window") {
      window = true;
    } else if (arg == name) {
      auto parsed = ParseOperand(&it, vps);
      if (!parsed.ok()) return parsed.status();
      input = std::move(parsed.value());
    } else if (arg.substr(0, 1) == "$") {
      return Fail("Cannot specify two functions in window function spec");
    } else {
      return Fail("Window function found an unknown argument: " + std::string(arg));
    }
  }
  if (window) return Fail("'window' field is not allowed in " + std::string(name));
  const bool linear = name == "$linearFill";
  if (linear && (sort_by == nullptr || sort_by->size() != 1)) {
    return Status(605001, std::string(name) +
                              " must be specified with a top level sortBy expression with "
                              "exactly one element");
  }
  return std::unique_ptr<WindowFunction>(std::make_unique<FillWindow>(linear, std::move(input)));
}

// --- $expMovingAvg -------------------------------------------------------------

class ExpMovingAvgWindow : public WindowFunction {
 public:
  ExpMovingAvgWindow(ExpressionPtr input, bson_decimal128_t alpha)
      : input_(std::move(input)), alpha_(alpha) {}
  Status Optimize() override { return query::Optimize(&input_); }
  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    auto inputs = EvaluateEach(*input_, p);
    if (!inputs.ok()) return inputs.status();
    out->resize(inputs.value().size());
    // mongod keeps the average as a decimal and returns a double unless
    // a decimal was seen.
    std::optional<bson_decimal128_t> average;
    bool decimal = false;
    const bson_decimal128_t keep = decimal::Subtract(decimal::FromInt64(1), alpha_);
    for (size_t i = 0; i < out->size(); ++i) {
      const Value& v = inputs.value()[i];
      if (v.numeric()) {
        decimal = decimal || v.type() == BSON_TYPE_DECIMAL128;
        const bson_decimal128_t d = v.CoerceToDecimal();
        average =
            average ? decimal::Add(decimal::Multiply(d, alpha_), decimal::Multiply(*average, keep))
                    : d;
      }
      (*out)[i] = !average  ? Value::Null()
                  : decimal ? Value::Decimal(*average)
                            : Value::Double(decimal::ToDouble(*average));
    }
    return Status::OK();
  }

 private:
  ExpressionPtr input_;
  bson_decimal128_t alpha_;
};

StatusWith<std::unique_ptr<WindowFunction>> ParseExpMovingAvg(const bson_t* obj,
                                                              const SortPattern* sort_by,
                                                              const VariablesParseState& vps) {
  bson_iter_t it;
  if (bson_count_keys(obj) != 1 || !bson_iter_init_find(&it, obj, "$expMovingAvg") ||
      !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return Fail("$expMovingAvg must have exactly one argument that is an object");
  }
  const std::string kShape =
      "$expMovingAvg sub object must have exactly two fields: An 'input' field, and either an "
      "'N' field or an 'alpha' field";
  Bson sub = DocumentOf(&it);
  bson_iter_t input_it, n_it, alpha_it;
  if (bson_count_keys(sub.get()) != 2 || !bson_iter_init_find(&input_it, sub.get(), "input")) {
    return Fail(kShape);
  }
  if (sort_by == nullptr) return Fail("$expMovingAvg requires an explicit 'sortBy'");
  auto input = ParseOperand(&input_it, vps);
  if (!input.ok()) return input.status();
  bson_decimal128_t alpha;
  if (bson_iter_init_find(&n_it, sub.get(), "N")) {
    if (!IsNumber(bson_iter_type(&n_it))) {
      return Fail("'N' field must be an integer, but found type " + TypeNameOf(&n_it));
    }
    const double n = ElementNumberDouble(&n_it);
    if (n != std::floor(n)) {
      return Fail("'N' field must be an integer, but found  " + ElementString(&n_it) +
                  ". To use a non-integer, use the 'alpha' argument instead");
    }
    const int64_t whole = static_cast<int64_t>(n);
    if (whole <= 0) return Fail("'N' must be greater than zero. Got " + std::to_string(whole));
    alpha = decimal::Divide(decimal::FromInt64(2), decimal::FromInt64(whole + 1));
  } else if (bson_iter_init_find(&alpha_it, sub.get(), "alpha")) {
    if (!IsNumber(bson_iter_type(&alpha_it))) return Fail("'alpha' must be a number");
    alpha = Value::FromIter(&alpha_it).CoerceToDecimal();
    if (decimal::Compare(alpha, decimal::FromInt64(0)) <= 0 ||
        decimal::Compare(alpha, decimal::FromInt64(1)) >= 0) {
      return Fail("'alpha' must be between 0 and 1 (exclusive), found " + ElementString(&alpha_it));
    }
  } else {
    return Fail("Got unrecognized field in $expMovingAvg" + kShape);
  }
  return std::unique_ptr<WindowFunction>(
      std::make_unique<ExpMovingAvgWindow>(std::move(input.value()), alpha));
}

}  // namespace

StatusWith<std::unique_ptr<WindowFunction>> ParseOrderedWindowFunction(
    std::string_view name, const bson_t* obj, const SortPattern* sort_by,
    const VariablesParseState& vps) {
  if (name == "$rank" || name == "$denseRank" || name == "$documentNumber") {
    return ParseRank(name, obj, sort_by);
  }
  if (name == "$shift") return ParseShift(name, obj, sort_by, vps);
  if (name == "$locf" || name == "$linearFill") return ParseFill(name, obj, sort_by, vps);
  return ParseExpMovingAvg(obj, sort_by, vps);
}

}  // namespace basalt::query
