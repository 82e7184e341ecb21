// Parsing window functions, and the accumulator-style ones: $sum $avg $min
// $max $count $push $addToSet $stdDevPop $stdDevSamp $covariancePop
// $covarianceSamp $first $last over a window.
//
// Left-unbounded windows use $group's accumulators, as mongod's
// non-removable executors do (so their result types match $group's);
// other windows slide a removable WindowState along the partition.

#include "query/accumulator.h"
#include "query/pipeline.h"
#include "query/window_function.h"
#include "query/window_states.h"

namespace basalt::query {
namespace {

Status Fail(std::string message) { return Status(ErrorCodes::FailedToParse, std::move(message)); }

bool IsAccumulatorStyle(std::string_view name) {
  for (std::string_view f : {"$sum", "$avg", "$min", "$max", "$count", "$push", "$addToSet",
                             "$stdDevPop", "$stdDevSamp", "$covariancePop", "$covarianceSamp"}) {
    if (f == name) return true;
  }
  return false;
}

// mongod's window functions that Basalt does not compute yet.
bool IsUnsupported(std::string_view name) {
  for (std::string_view f : {"$percentile", "$median", "$minMaxScalar"}) {
    if (f == name) return true;
  }
  return false;
}

bool IsOrdered(std::string_view name) {
  for (std::string_view f : {"$rank", "$denseRank", "$documentNumber", "$shift", "$locf",
                             "$linearFill", "$expMovingAvg"}) {
    if (f == name) return true;
  }
  return false;
}

bool IsNFamily(std::string_view name) { return IsNAccumulator(name); }

bool IsCalculus(std::string_view name) { return name == "$derivative" || name == "$integral"; }

bool IsFunction(std::string_view name) {
  return IsAccumulatorStyle(name) || IsUnsupported(name) || IsOrdered(name) || IsCalculus(name) ||
         IsNFamily(name) || name == "$first" || name == "$last";
}

class AccumulatorWindow : public WindowFunction {
 public:
  AccumulatorWindow(std::string op, ExpressionPtr input, WindowBounds bounds,
                    std::unique_ptr<AccumulatorSpec> group)
      : op_(std::move(op)),
        input_(std::move(input)),
        bounds_(std::move(bounds)),
        group_(std::move(group)) {}

  Status Optimize() override {
    if (group_) {
      if (Status s = group_->Optimize(); !s.ok()) return s;
    }
    return query::Optimize(&input_);
  }

  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    const size_t n = p.docs->size();
    out->assign(n, Value());
    if (n == 0) return Status::OK();
    auto windows = WindowIndexes(bounds_, p);
    if (!windows.ok()) return windows.status();
    const auto& w = windows.value();
    if (op_ == "$first" || op_ == "$last") return FirstLast(p, w, out);
    if (group_ && bounds_.lower.kind == WindowBound::Kind::kUnbounded) return Growing(p, w, out);
    return Sliding(p, w, out);
  }

 private:
  // The value at the window's edge; null for an empty window.
  Status FirstLast(const WindowPartition& p, const std::vector<std::pair<size_t, size_t>>& w,
                   std::vector<Value>* out) const {
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i].first >= w[i].second) {
        (*out)[i] = Value::Null();
        continue;
      }
      const size_t at = op_ == "$first" ? w[i].first : w[i].second - 1;
      EvalContext ctx{(*p.docs)[at].get(), p.vars};
      auto v = input_->Evaluate(ctx);
      if (!v.ok()) return v.status();
      (*out)[i] = std::move(v.value());
    }
    return Status::OK();
  }

  // [unbounded, upper]: one $group accumulator fed as the window grows.
  Status Growing(const WindowPartition& p, const std::vector<std::pair<size_t, size_t>>& w,
                 std::vector<Value>* out) const {
    auto acc = group_->Make(Value());
    size_t added = 0;
    uint64_t memory = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      while (added < w[i].second) {
        EvalContext ctx{(*p.docs)[added++].get(), p.vars};
        if (Status s = acc->Process(ctx); !s.ok()) return s;
      }
      Value v = acc->Result();
      (*out)[i] = v.missing() ? Value::Null() : std::move(v);
      if (Status s = Account((*out)[i], p, &memory); !s.ok()) return s;
    }
    return Status::OK();
  }

  // Bounded below: values enter and leave a removable state.
  Status Sliding(const WindowPartition& p, const std::vector<std::pair<size_t, size_t>>& w,
                 std::vector<Value>* out) const {
    auto inputs = EvaluateEach(*input_, p);
    if (!inputs.ok()) return inputs.status();
    const std::vector<Value>& in = inputs.value();
    auto state = MakeWindowState(op_);
    size_t lo = 0, hi = 0;
    uint64_t memory = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      const size_t begin = w[i].first, end = std::max(w[i].first, w[i].second);
      if (begin >= hi) {
        state->Reset();
        lo = hi = begin;
      }
      while (hi < end) state->Add(in[hi++]);
      while (lo < begin) state->Remove(in[lo++]);
      (*out)[i] = state->Result();
      if (Status s = Account((*out)[i], p, &memory); !s.ok()) return s;
    }
    return Status::OK();
  }

  // Counts a computed value (with the state that made it) against the limit.
  static Status Account(const Value& v, const WindowPartition& p, uint64_t* memory) {
    *memory += v.ApproximateSize();
    if (*memory > p.max_memory_bytes) return WindowMemoryError(*memory, p.max_memory_bytes);
    return Status::OK();
  }

  std::string op_;
  ExpressionPtr input_;
  WindowBounds bounds_;
  std::unique_ptr<AccumulatorSpec> group_;  // null for the window-only functions
};

// {$sum: <expr>, window: {...}} and the like (mongod's ExpressionRemovable).
StatusWith<std::unique_ptr<WindowFunction>> ParseAccumulatorStyle(const bson_t* obj,
                                                                  const SortPattern* sort_by,
                                                                  const VariablesParseState& vps) {
  WindowBounds bounds;
  std::string op;
  ExpressionPtr input;
  std::unique_ptr<AccumulatorSpec> group;
  bson_iter_t it;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    if (name == "window") {
      auto parsed = ParseWindowBounds(&it, sort_by, vps);
      if (!parsed.ok()) return parsed.status();
      bounds = std::move(parsed.value());
    } else if (IsFunction(name)) {
      if (!op.empty()) return Fail("Cannot specify two functions in window function spec");
      op = std::string(name);
      if (op == "$count") {
        bson_iter_t inner;
        if (!BSON_ITER_HOLDS_DOCUMENT(&it) ||
            (bson_iter_recurse(&it, &inner), bson_iter_next(&inner))) {
          return Fail("$count only accepts an empty object as input");
        }
        input = std::make_unique<ConstantExpression>(Value::Int32(1));
      } else {
        auto parsed = ParseOperand(&it, vps);
        if (!parsed.ok()) return parsed.status();
        input = std::move(parsed.value());
      }
      // $group's accumulator for the same operator, for left-unbounded windows.
      Bson statement;
      bson_t inner;
      BSON_APPEND_DOCUMENT_BEGIN(statement.get(), "f", &inner);
      bson_append_iter(&inner, op.data(), static_cast<int>(op.size()), &it);
      bson_append_document_end(statement.get(), &inner);
      bson_iter_t s;
      bson_iter_init(&s, statement.get());
      bson_iter_next(&s);
      if (op != "$covariancePop" && op != "$covarianceSamp") {
        auto acc = ParseAccumulator(&s, vps);
        if (acc.ok()) group = std::move(acc.value());
      }
    } else {
      return Fail("Window function found an unknown argument: " + std::string(name));
    }
  }
  if (op.empty()) return Fail("Must specify a window function in output field");
  return std::unique_ptr<WindowFunction>(std::make_unique<AccumulatorWindow>(
      std::move(op), std::move(input), std::move(bounds), std::move(group)));
}

// {$first: <expr>, window: {...}} (mongod's ExpressionFirstLast::parse).
StatusWith<std::unique_ptr<WindowFunction>> ParseFirstLast(std::string_view name, const bson_t* obj,
                                                           const SortPattern* sort_by,
                                                           const VariablesParseState& vps) {
  std::optional<WindowBounds> bounds;
  ExpressionPtr input;
  bson_iter_t it;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    const std::string_view arg = KeyOf(&it);
    if (arg == "window") {
      if (bounds) {
        return Fail("saw multiple 'window' fields in '" + std::string(name) + "' expression");
      }
      auto parsed = ParseWindowBounds(&it, sort_by, vps);
      if (!parsed.ok()) return parsed.status();
      bounds = std::move(parsed.value());
    } else if (arg == name) {
      auto parsed = ParseOperand(&it, vps);
      if (!parsed.ok()) return parsed.status();
      input = std::move(parsed.value());
    } else {
      return Fail(std::string(name) + " got unexpected argument: " + std::string(arg));
    }
  }
  return std::unique_ptr<WindowFunction>(std::make_unique<AccumulatorWindow>(
      std::string(name), std::move(input), bounds.value_or(WindowBounds()), nullptr));
}

}  // namespace

StatusWith<std::unique_ptr<WindowFunction>> ParseWindowFunction(const bson_iter_t* elem,
                                                                const SortPattern* sort_by,
                                                                const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(elem)) {
    return Fail("The field '" + std::string(KeyOf(elem)) + "' must be an object");
  }
  Bson obj = DocumentOf(elem);
  bson_iter_t it;
  bson_iter_init(&it, obj.get());
  std::string first_field;
  bool first = true;
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    if (first) first_field = std::string(name);
    first = false;
    if (name.substr(0, 1) != "$") continue;
    if (!IsFunction(name)) return Fail("Unrecognized window function, " + std::string(name));
    if (IsUnsupported(name)) {
      return Status(ErrorCodes::NotImplemented,
                    "The " + std::string(name) + " window function is not supported by Basalt yet");
    }
    if (IsAccumulatorStyle(name)) return ParseAccumulatorStyle(obj.get(), sort_by, vps);
    if (name == "$first" || name == "$last") return ParseFirstLast(name, obj.get(), sort_by, vps);
    if (IsCalculus(name)) return ParseCalculusWindowFunction(name, obj.get(), sort_by, vps);
    if (IsNFamily(name)) return ParseNWindowFunction(name, obj.get(), sort_by, vps);
    return ParseOrderedWindowFunction(name, obj.get(), sort_by, vps);
  }
  return Fail("Expected a $-prefixed window function" +
              (first_field.empty() ? std::string() : ", " + first_field));
}

}  // namespace basalt::query
