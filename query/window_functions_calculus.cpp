// $derivative and $integral (mongod's ExpressionDerivative,
// WindowFunctionExecDerivative, ExpressionIntegral, WindowFunctionIntegral):
// rates and areas over a window, against the sortBy field (numbers, or
// dates with a `unit` of a week or less).

#include <cmath>

#include "query/numbers.h"
#include "query/pipeline.h"
#include "query/value_formula.h"
#include "query/window_function.h"
#include "query/window_states.h"

namespace basalt::query {
namespace {

Status Fail(std::string message) { return Status(ErrorCodes::FailedToParse, std::move(message)); }

std::optional<int64_t> UnitMillis(std::string_view unit) {
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"week", 604800000}, {"day", 86400000}, {"hour", 3600000},
      {"minute", 60000},   {"second", 1000},  {"millisecond", 1}};
  for (const auto& [name, ms] : kUnits) {
    if (name == unit) return ms;
  }
  return std::nullopt;
}

struct CalculusArgs {
  ExpressionPtr input;
  std::optional<int64_t> unit_ms;
  std::optional<WindowBounds> bounds;
};

// {$op: {input, unit}, window: {...}}, with mongod's checks in its order.
StatusWith<CalculusArgs> ParseArgs(std::string_view name, const bson_t* obj,
                                   const SortPattern* sort_by, const VariablesParseState& vps) {
  const std::string op(name);
  if (sort_by == nullptr) return Fail(op + " requires a sortBy");
  if (sort_by->size() != 1) return Fail(op + " requires a non-compound sortBy");
  CalculusArgs args;
  bson_iter_t it, spec;
  bool has_spec = false;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    const std::string_view arg = KeyOf(&it);
    if (arg == "window") {
      if (args.bounds && name == "$integral") {
        return Fail("There can be only one 'window' field for $integral");
      }
      auto bounds = ParseWindowBounds(&it, sort_by, vps);
      if (!bounds.ok()) return bounds.status();
      args.bounds = std::move(bounds.value());
    } else if (arg == name) {
      spec = it;
      has_spec = true;
    } else {
      return Fail(op + " got unexpected argument: " + std::string(arg));
    }
  }
  if (!has_spec) return Fail(op + " requires an 'input' expression");
  if (!BSON_ITER_HOLDS_DOCUMENT(&spec)) {
    return Fail(op + " expects an object, but got a " + TypeNameOf(&spec) + ": " +
                ElementString(&spec));
  }
  bool has_unit = false;
  bson_iter_recurse(&spec, &it);
  while (bson_iter_next(&it)) {
    const std::string_view arg = KeyOf(&it);
    if (arg == "input") {
      auto input = ParseOperand(&it, vps);
      if (!input.ok()) return input.status();
      args.input = std::move(input.value());
    } else if (arg == "unit") {
      if (has_unit && name == "$integral") {
        return Fail("There can be only one 'unit' field for $integral");
      }
      has_unit = true;
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Fail("unit' must be a string, but got " + TypeNameOf(&it));
      }
      const std::string_view unit = Utf8Of(&it);
      if (unit == "year" || unit == "quarter" || unit == "month") {
        return Status(5490710, "unit must be 'week' or smaller");
      }
      args.unit_ms = UnitMillis(unit);
      if (!args.unit_ms) return Fail("unknown time unit value: " + std::string(unit));
    } else {
      return Fail(op + " got unexpected argument: " + std::string(arg));
    }
  }
  if (!args.input) return Fail(op + " requires an 'input' expression");
  if (!args.bounds && name == "$derivative") {
    return Fail("$derivative requires explicit window bounds");
  }
  return args;
}

StatusWith<std::vector<Value>> SortKeys(const WindowPartition& p) {
  std::vector<Value> out;
  for (const Bson& doc : *p.docs) out.push_back(EvaluatePath(doc.get(), *p.sort_path, 0));
  return out;
}

class DerivativeWindow : public WindowFunction {
 public:
  explicit DerivativeWindow(CalculusArgs args) : args_(std::move(args)) {}
  Status Optimize() override { return query::Optimize(&args_.input); }
  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    auto windows = WindowIndexes(*args_.bounds, p);
    if (!windows.ok()) return windows.status();
    // Parsed once: formulas are immutable.
    static const auto subtract = ValueFormula::Make(R"({"$subtract": ["$$a", "$$b"]})", {"a", "b"});
    static const auto divide = ValueFormula::Make(R"({"$divide": ["$$a", "$$b"]})", {"a", "b"});
    if (!subtract.ok()) return subtract.status();
    if (!divide.ok()) return divide.status();
    auto keys = SortKeys(p);
    if (!keys.ok()) return keys.status();
    out->assign(p.docs->size(), Value::Null());
    for (size_t i = 0; i < out->size(); ++i) {
      const auto [begin, end] = windows.value()[i];
      if (begin >= end) continue;
      const Value& left = keys.value()[begin];
      const Value& right = keys.value()[end - 1];
      const bool dates = left.type() == BSON_TYPE_DATE_TIME && right.type() == BSON_TYPE_DATE_TIME;
      if (args_.unit_ms && !dates) {
        return Status(5624900, "$derivative with 'unit' expects the sortBy field to be a Date");
      }
      if (!args_.unit_ms) {
        if (left.type() == BSON_TYPE_DATE_TIME || right.type() == BSON_TYPE_DATE_TIME) {
          return Status(5624901, "$derivative where the sortBy is a Date requires an 'unit'");
        }
        if (!left.numeric() || !right.numeric()) {
          return Status(5624902,
                        "$derivative (with no 'unit') expects the sortBy field to be numeric");
        }
      }
      auto run = subtract.value().Eval({right, left});
      if (!run.ok()) return run.status();
      EvalContext lctx{(*p.docs)[begin].get(), p.vars}, rctx{(*p.docs)[end - 1].get(), p.vars};
      auto y1 = args_.input->Evaluate(lctx);
      if (!y1.ok()) return y1.status();
      auto y2 = args_.input->Evaluate(rctx);
      if (!y2.ok()) return y2.status();
      auto rise = subtract.value().Eval({y2.value(), y1.value()});
      if (!rise.ok()) return rise.status();
      if (rise.value().nullish()) {
        return Status(5624903, "$derivative input must not be null or missing");
      }
      // A zero run (a one-document window) gives null, not an error.
      if (run.value().numeric() && run.value().CoerceToDouble() == 0) continue;
      auto rate = divide.value().Eval({rise.value(), run.value()});
      if (!rate.ok()) return rate.status();
      Value result = std::move(rate.value());
      if (args_.unit_ms) {
        static const auto scaled =
            ValueFormula::Make(R"({"$multiply": ["$$a", "$$b"]})", {"a", "b"});
        if (!scaled.ok()) return scaled.status();
        auto v = scaled.value().Eval({result, Value::Int64(*args_.unit_ms)});
        if (!v.ok()) return v.status();
        result = std::move(v.value());
      }
      (*out)[i] = std::move(result);
    }
    return Status::OK();
  }

 private:
  CalculusArgs args_;
};

class IntegralWindow : public WindowFunction {
 public:
  explicit IntegralWindow(CalculusArgs args) : args_(std::move(args)) {}
  Status Optimize() override { return query::Optimize(&args_.input); }
  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    const size_t n = p.docs->size();
    auto keys = SortKeys(p);
    if (!keys.ok()) return keys.status();
    auto ys = EvaluateEach(*args_.input, p);
    if (!ys.ok()) return ys.status();
    const std::vector<Value>& x = keys.value();
    const std::vector<Value>& y = ys.value();
    for (size_t i = 0; i < n; ++i) {
      if (!y[i].numeric() || (!x[i].numeric() && x[i].type() != BSON_TYPE_DATE_TIME)) {
        return Status(5423900,
                      "The input value of $integral window function must be a vector of 2 value, "
                      "the first value must be numeric or date type and the second must be "
                      "numeric.");
      }
      if (args_.unit_ms && x[i].type() != BSON_TYPE_DATE_TIME) {
        return Status(5423901, "$integral with 'outputUnit' expects the sortBy field to be a Date");
      }
      if (!args_.unit_ms && !x[i].numeric()) {
        return Status(5423902,
                      "$integral (with no 'outputUnit') expects the sortBy field to be numeric");
      }
    }
    // area[j]: the trapezoid between documents j - 1 and j.
    static const auto trapezoid = ValueFormula::Make(
        R"({"$divide": [{"$multiply": [{"$add": ["$$y1", "$$y2"]}, {"$subtract": ["$$x2", "$$x1"]}]}, 2.0]})",
        {"x1", "y1", "x2", "y2"});
    if (!trapezoid.ok()) return trapezoid.status();
    std::vector<Value> area(n, Value::Int32(0));
    for (size_t j = 1; j < n; ++j) {
      auto a = trapezoid.value().Eval({x[j - 1], y[j - 1], x[j], y[j]});
      if (!a.ok()) return a.status();
      area[j] = std::move(a.value());
    }
    auto windows = WindowIndexes(args_.bounds.value_or(WindowBounds()), p);
    if (!windows.ok()) return windows.status();
    static const auto divide = ValueFormula::Make(R"({"$divide": ["$$a", "$$b"]})", {"a", "b"});
    if (!divide.ok()) return divide.status();
    // The areas inside [begin, end) are area[begin + 1 .. end - 1]: slide a sum over them.
    auto sum = MakeWindowState("$sum");
    size_t lo = 0, hi = 0;
    out->assign(n, Value());
    for (size_t i = 0; i < n; ++i) {
      const size_t begin = windows.value()[i].first + 1;
      const size_t end = std::max(begin, windows.value()[i].second);
      if (begin >= hi) {
        sum->Reset();
        lo = hi = begin;
      }
      while (hi < end) sum->Add(area[hi++]);
      while (lo < begin) sum->Remove(area[lo++]);
      Value total = sum->Result();
      if (args_.unit_ms) {
        auto v = divide.value().Eval({total, Value::Int64(*args_.unit_ms)});
        if (!v.ok()) return v.status();
        total = std::move(v.value());
      }
      (*out)[i] = std::move(total);
    }
    return Status::OK();
  }

 private:
  CalculusArgs args_;
};

}  // namespace

StatusWith<std::unique_ptr<WindowFunction>> ParseCalculusWindowFunction(
    std::string_view name, const bson_t* obj, const SortPattern* sort_by,
    const VariablesParseState& vps) {
  auto args = ParseArgs(name, obj, sort_by, vps);
  if (!args.ok()) return args.status();
  if (name == "$derivative") {
    return std::unique_ptr<WindowFunction>(
        std::make_unique<DerivativeWindow>(std::move(args.value())));
  }
  return std::unique_ptr<WindowFunction>(std::make_unique<IntegralWindow>(std::move(args.value())));
}

}  // namespace basalt::query
