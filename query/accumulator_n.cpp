// The N-family of accumulators (mongod's accumulator_multi.cpp): $firstN,
// $lastN, $maxN, $minN, $top, $bottom, $topN and $bottomN, and the
// expression forms of $firstN/$lastN/$maxN/$minN.

#include <algorithm>
#include <deque>
#include <map>

#include "query/accumulator.h"
#include "query/numbers.h"
#include "query/sort.h"

namespace basalt::query {
namespace {

enum class Sense { kFirst, kLast, kMax, kMin, kTop, kBottom };

std::optional<Sense> SenseOf(std::string_view op, bool* single) {
  *single = op == "$top" || op == "$bottom";
  if (op == "$firstN") return Sense::kFirst;
  if (op == "$lastN") return Sense::kLast;
  if (op == "$maxN") return Sense::kMax;
  if (op == "$minN") return Sense::kMin;
  if (op == "$topN" || op == "$top") return Sense::kTop;
  if (op == "$bottomN" || op == "$bottom") return Sense::kBottom;
  return std::nullopt;
}

// mongod's AccumulatorN::validateN.
StatusWith<int64_t> ValidateN(const Value& n) {
  if (!n.numeric() || static_cast<double>(n.CoerceToLong()) != n.CoerceToDouble()) {
    return Status(n.numeric() ? 5787903 : 5787902,
                  "Value for 'n' must be of integral type, but found " + n.ToString());
  }
  int64_t v = n.CoerceToLong();
  if (v <= 0) return Status(5787908, "'n' must be greater than 0, found " + std::to_string(v));
  return v;
}

class NAccumulator : public Accumulator {
 public:
  NAccumulator(Sense sense, bool single, const Expression* input,
               const std::vector<ExpressionPtr>* sort_fields, const SortPattern* pattern,
               StatusWith<int64_t> n)
      : sense_(sense),
        single_(single),
        input_(input),
        sort_fields_(sort_fields),
        pattern_(pattern),
        n_(n.ok() ? n.value() : 0),
        n_status_(n.ok() ? Status::OK() : n.status()) {}

  Status Process(EvalContext& ctx) override {
    if (!n_status_.ok()) return n_status_;
    auto v = input_->Evaluate(ctx);
    if (!v.ok()) return v.status();
    if (sense_ == Sense::kTop || sense_ == Sense::kBottom) {
      // The sort key of the document's sort fields, as mongod's SortKeyGenerator.
      Bson fields;
      for (size_t i = 0; i < sort_fields_->size(); ++i) {
        auto f = (*sort_fields_)[i]->Evaluate(ctx);
        if (!f.ok()) return f.status();
        f.value().AppendTo(fields.get(), "sortFields" + std::to_string(i));
      }
      auto key = pattern_->Key(fields.get());
      if (!key.ok()) return key.status();
      Value out = v.value().missing() ? Value::Null() : std::move(v.value());
      return AddKeyed(std::move(key.value()), std::move(out));
    }
    return Add(std::move(v.value()));
  }

  Status Add(Value v) {
    if (!n_status_.ok()) return n_status_;
    switch (sense_) {
      case Sense::kFirst:
      case Sense::kLast:
        if (v.missing()) v = Value::Null();
        if (static_cast<int64_t>(deque_.size()) == n_) {
          if (sense_ == Sense::kFirst) return Status::OK();
          memory_ -= deque_.front().ApproximateSize();
          deque_.pop_front();
        }
        memory_ += v.ApproximateSize();
        deque_.push_back(std::move(v));
        return Status::OK();
      case Sense::kMax:
      case Sense::kMin: {
        if (v.nullish()) return Status::OK();
        const int sign = sense_ == Sense::kMin ? 1 : -1;
        if (static_cast<int64_t>(sorted_.size()) == n_) {
          if (CompareValues(sorted_.back(), v) * sign <= 0) return Status::OK();
          memory_ -= sorted_.back().ApproximateSize();
          sorted_.pop_back();
        }
        auto pos = std::upper_bound(
            sorted_.begin(), sorted_.end(), v,
            [&](const Value& a, const Value& b) { return CompareValues(a, b) * sign < 0; });
        memory_ += v.ApproximateSize();
        sorted_.insert(pos, std::move(v));
        return Status::OK();
      }
      default:
        return Status::OK();
    }
  }

  Value Result() const override {
    std::vector<Value> out;
    if (sense_ == Sense::kFirst || sense_ == Sense::kLast) {
      out.assign(deque_.begin(), deque_.end());
    } else if (sense_ == Sense::kMax || sense_ == Sense::kMin) {
      out = sorted_;
    } else {
      for (const auto& [key, v] : keyed_) out.push_back(v);
      if (single_) return out.empty() ? Value::Null() : out[0];
    }
    return Value::Array(std::move(out));
  }

  size_t MemoryUsage() const override { return sizeof(*this) + memory_; }

 private:
  Status AddKeyed(std::string key, Value v) {
    if (static_cast<int64_t>(keyed_.size()) == n_) {
      // $top keeps the smallest keys, $bottom the largest; on ties the first seen stays.
      if (sense_ == Sense::kTop) {
        auto last = std::prev(keyed_.end());
        if (!(key < last->first)) return Status::OK();
        memory_ -= last->first.size() + last->second.ApproximateSize();
        keyed_.erase(last);
      } else {
        auto first = keyed_.begin();
        if (!(first->first < key)) return Status::OK();
        memory_ -= first->first.size() + first->second.ApproximateSize();
        keyed_.erase(first);
      }
    }
    memory_ += key.size() + v.ApproximateSize();
    keyed_.emplace(std::move(key), std::move(v));
    return Status::OK();
  }

  const Sense sense_;
  const bool single_;
  const Expression* input_;
  const std::vector<ExpressionPtr>* sort_fields_;
  const SortPattern* pattern_;
  const int64_t n_;
  const Status n_status_;
  std::deque<Value> deque_;
  std::vector<Value> sorted_;
  std::multimap<std::string, Value> keyed_;
  size_t memory_ = 0;
};

class NSpec : public AccumulatorSpec {
 public:
  Sense sense;
  bool single = false;
  ExpressionPtr n;
  ExpressionPtr input;  // `input`, or `output` for top/bottom
  std::vector<ExpressionPtr> sort_fields;
  std::optional<SortPattern> pattern;

  std::unique_ptr<Accumulator> Make(const Value& group_key) const override {
    Variables vars;
    DocumentBuilder root;
    root.Set("_id", group_key);
    Bson doc = root.Build();
    EvalContext ctx{doc.get(), &vars};
    auto nv = n->Evaluate(ctx);
    StatusWith<int64_t> count = nv.ok() ? ValidateN(nv.value()) : StatusWith<int64_t>(nv.status());
    return std::make_unique<NAccumulator>(sense, single, input.get(), &sort_fields,
                                          pattern ? &*pattern : nullptr, count);
  }
  Status Optimize() override {
    if (Status s = query::Optimize(&n); !s.ok()) return s;
    if (Status s = query::Optimize(&input); !s.ok()) return s;
    for (auto& f : sort_fields) {
      if (Status s = query::Optimize(&f); !s.ok()) return s;
    }
    return Status::OK();
  }
};

StatusWith<std::unique_ptr<NSpec>> Parse(std::string_view op, const bson_iter_t* arg,
                                         const VariablesParseState& vps) {
  auto spec = std::make_unique<NSpec>();
  auto sense = SenseOf(op, &spec->single);
  spec->sense = *sense;
  const bool top_bottom = spec->sense == Sense::kTop || spec->sense == Sense::kBottom;
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    int code = top_bottom ? 5788001 : (spec->sense <= Sense::kLast ? 5787801 : 5787900);
    return Status(code, "specification must be an object; found " + ElementString(arg));
  }
  std::optional<bson_iter_t> sort_by;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (!top_bottom) {
      if (field != "input" && field != "n") {
        return Status(5787901, "Unknown argument for 'n' operator: " + std::string(field));
      }
    } else if (!(field == "output" || field == "sortBy" || (!spec->single && field == "n"))) {
      return Status(5788002,
                    "Unknown argument to " + std::string(op) + " '" + std::string(field) + "'");
    }
    if (field == "sortBy") {
      sort_by = it;
      continue;
    }
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    (field == "n" ? spec->n : spec->input) = std::move(e.value());
  }
  if (top_bottom) {
    if (spec->single) spec->n = std::make_unique<ConstantExpression>(Value::Int32(1));
    if (!spec->n) return Status(5788003, "Missing value for 'n'");
    if (!spec->input) return Status(5788004, "Missing value for 'output'");
    if (!sort_by) return Status(5788005, "Missing value for 'sortBy'");
    if (!BSON_ITER_HOLDS_DOCUMENT(&*sort_by)) {
      return Status(ErrorCodes::TypeMismatch, "sortBy must be an object");
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&*sort_by, &len, &data);
    BsonView sort_doc(data, len);
    auto pattern = SortPattern::Parse(sort_doc.get());
    if (!pattern.ok()) return pattern.status();
    if (pattern.value().empty()) {
      return Status(15976, "$sort stage must have at least one sort key");
    }
    // Sort on the evaluated fields, renamed sortFields0, sortFields1... as mongod does.
    Bson renamed;
    for (size_t i = 0; i < pattern.value().size(); ++i) {
      auto field = ParseFieldPathExpression("$" + pattern.value().fields()[i], vps);
      if (!field.ok()) return field.status();
      spec->sort_fields.push_back(std::move(field.value()));
      BSON_APPEND_INT32(renamed.get(), ("sortFields" + std::to_string(i)).c_str(),
                        pattern.value().descending()[i] ? -1 : 1);
    }
    auto internal = SortPattern::Parse(renamed.get());
    if (!internal.ok()) return internal.status();
    spec->pattern = std::move(internal.value());
  } else {
    if (!spec->n) return Status(5787906, "Missing value for 'n'");
    if (!spec->input) return Status(5787907, "Missing value for 'input'");
  }
  return spec;
}

// {$firstN: {n, input: <array>}} as an expression.
StatusWith<Value> NExpressionFn(const NamedArgsExpression& self, EvalContext& ctx) {
  bool single = false;
  auto sense = SenseOf(self.name(), &single);
  BASALT_EVAL(n, self.arg(0)->Evaluate(ctx));
  NAccumulator acc(*sense, false, nullptr, nullptr, nullptr, ValidateN(n));
  BASALT_EVAL(input, self.arg(1)->Evaluate(ctx));
  if (!input.IsArray()) return Status(5788200, "Input must be an array");
  for (const Value& e : input.array()) {
    if (Status s = acc.Add(e); !s.ok()) return s;
  }
  return acc.Result();
}

StatusWith<ExpressionPtr> ParseNExpression(std::string_view name, const bson_iter_t* arg,
                                           const VariablesParseState& vps) {
  auto spec = Parse(name, arg, vps);
  if (!spec.ok()) return spec.status();
  auto e = std::make_unique<NamedArgsExpression>(std::string(name), NExpressionFn);
  e->Add(std::move(spec.value()->n));
  e->Add(std::move(spec.value()->input));
  return ExpressionPtr(std::move(e));
}

}  // namespace

bool IsNAccumulator(std::string_view op) {
  bool single;
  return SenseOf(op, &single).has_value();
}

StatusWith<std::unique_ptr<AccumulatorSpec>> ParseNAccumulator(std::string_view op,
                                                               const bson_iter_t* arg,
                                                               const VariablesParseState& vps) {
  auto spec = Parse(op, arg, vps);
  if (!spec.ok()) return spec.status();
  return std::unique_ptr<AccumulatorSpec>(std::move(spec.value()));
}

std::vector<OperatorEntry> NAccumulatorExpressionOperators() {
  return {
      {"$firstN", ParseNExpression},
      {"$lastN", ParseNExpression},
      {"$maxN", ParseNExpression},
      {"$minN", ParseNExpression},
  };
}

}  // namespace basalt::query
