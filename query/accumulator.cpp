#include "query/accumulator.h"

#include <cmath>
#include <unordered_set>

#include "query/expression_decimal.h"

namespace basalt::query {
namespace {

// mongod's $sum arithmetic: integers summed exactly, doubles with
// compensation (as its DoubleDoubleSummation), decimals apart; the result
// has the widest type seen, an integer sum that overflows int64 becomes a
// double and an int32 sum that overflows int32 becomes int64.
class SumState {
 public:
  void Add(const Value& v) {
    switch (v.type()) {
      case BSON_TYPE_INT32:
        ints_ += v.int32();
        return;
      case BSON_TYPE_INT64:
        ints_ += v.int64();
        if (type_ == BSON_TYPE_INT32) type_ = BSON_TYPE_INT64;
        return;
      case BSON_TYPE_DOUBLE:
        AddDouble(v.dbl());
        if (type_ != BSON_TYPE_DECIMAL128) type_ = BSON_TYPE_DOUBLE;
        return;
      case BSON_TYPE_DECIMAL128:
        decimal_ = decimal::Add(decimal_, v.decimal());
        type_ = BSON_TYPE_DECIMAL128;
        return;
      default:
        return;
    }
  }

  Value Sum() const {
    const bool fits = ints_ >= std::numeric_limits<int64_t>::min() &&
                      ints_ <= std::numeric_limits<int64_t>::max() && sum_ == 0 && comp_ == 0;
    switch (type_) {
      case BSON_TYPE_INT32:
        if (fits) return Value::IntOrLong(static_cast<int64_t>(ints_));
        return Value::Double(Double());
      case BSON_TYPE_INT64:
        if (fits) return Value::Int64(static_cast<int64_t>(ints_));
        return Value::Double(Double());
      case BSON_TYPE_DOUBLE:
        return Value::Double(Double());
      default:
        return Value::Decimal(Decimal());
    }
  }

  Value Average(int64_t count) const {
    if (count == 0) return Value::Null();
    if (type_ == BSON_TYPE_DECIMAL128) {
      return Value::Decimal(decimal::Divide(Decimal(), decimal::FromInt64(count)));
    }
    return Value::Double(Double() / static_cast<double>(count));
  }

 private:
  // Neumaier's compensated summation.
  void AddDouble(double x) {
    double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      comp_ += (sum_ - t) + x;
    } else {
      comp_ += (x - t) + sum_;
    }
    sum_ = t;
  }

  double Double() const {
    SumState copy = *this;
    double hi = static_cast<double>(ints_);
    copy.AddDouble(hi);
    copy.AddDouble(static_cast<double>(ints_ - static_cast<__int128>(hi)));
    return copy.sum_ + copy.comp_;
  }

  bson_decimal128_t Decimal() const {
    // The integer part exactly, the double part as mongod converts it.
    __int128 v = ints_;
    bool negative = v < 0;
    unsigned __int128 m = negative ? -static_cast<unsigned __int128>(v) : v;
    std::string digits;
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
      m /= 10;
    } while (m != 0);
    if (negative) digits.insert(digits.begin(), '-');
    bson_decimal128_t total = decimal::Add(decimal_, decimal::FromString(digits.c_str()));
    if (sum_ != 0 || comp_ != 0) {
      total = decimal::Add(total, decimal::FromDouble34(sum_ + comp_));
    }
    return total;
  }

  bson_type_t type_ = BSON_TYPE_INT32;
  __int128 ints_ = 0;
  double sum_ = 0, comp_ = 0;
  bson_decimal128_t decimal_ = decimal::FromInt64(0);
};

class StdDevState {
 public:
  void Add(const Value& v) {
    if (!v.numeric()) return;
    const double x = v.CoerceToDouble();
    ++count_;
    const double delta = x - mean_;
    if (delta != 0.0) {
      mean_ += delta / static_cast<double>(count_);
      m2_ += delta * (x - mean_);
    }
  }
  Value Result(bool sample) const {
    const int64_t n = sample ? count_ - 1 : count_;
    if (n <= 0) return Value::Null();
    return Value::Double(std::sqrt(m2_ / static_cast<double>(n)));
  }

 private:
  int64_t count_ = 0;
  double mean_ = 0, m2_ = 0;
};

enum class Kind {
  kSum,
  kAvg,
  kMin,
  kMax,
  kFirst,
  kLast,
  kPush,
  kAddToSet,
  kMergeObjects,
  kStdDevPop,
  kStdDevSamp
};

// One accumulator of the single-argument kinds.
class SimpleAccumulator : public Accumulator {
 public:
  SimpleAccumulator(Kind kind, const Expression* arg) : kind_(kind), arg_(arg) {}

  Status Process(EvalContext& ctx) override {
    auto v = arg_->Evaluate(ctx);
    if (!v.ok()) return v.status();
    return Add(std::move(v.value()));
  }

  Status Add(Value v) {
    switch (kind_) {
      case Kind::kSum:
        sum_.Add(v);
        break;
      case Kind::kAvg:
        if (v.numeric()) {
          sum_.Add(v);
          ++count_;
        }
        break;
      case Kind::kMin:
      case Kind::kMax:
        if (v.nullish()) break;
        if (!have_ ||
            (kind_ == Kind::kMin ? CompareValues(v, value_) < 0 : CompareValues(v, value_) > 0)) {
          memory_ = v.ApproximateSize();
          value_ = std::move(v);
          have_ = true;
        }
        break;
      case Kind::kFirst:
        if (!have_) {
          memory_ = v.ApproximateSize();
          value_ = std::move(v);
          have_ = true;
        }
        break;
      case Kind::kLast:
        memory_ = v.ApproximateSize();
        value_ = std::move(v);
        break;
      case Kind::kPush:
        if (v.missing()) break;
        memory_ += v.ApproximateSize();
        values_.push_back(std::move(v));
        break;
      case Kind::kAddToSet: {
        if (v.missing()) break;
        std::string key;
        AppendValueKey(v, &key);
        if (seen_.insert(key).second) {
          memory_ += v.ApproximateSize() + key.size();
          values_.push_back(std::move(v));
        }
        break;
      }
      case Kind::kMergeObjects: {
        if (v.nullish()) break;
        if (!v.IsDocument()) {
          return Status(40400, "$mergeObjects requires object inputs, but input " + v.ToString() +
                                   " is of type " + std::string(ValueTypeName(v)));
        }
        bson_iter_t it;
        bson_iter_init(&it, v.doc());
        while (bson_iter_next(&it)) merged_.Set(KeyOf(&it), Value::FromIter(&it));
        memory_ += v.ApproximateSize();
        break;
      }
      case Kind::kStdDevPop:
      case Kind::kStdDevSamp:
        std_dev_.Add(v);
        break;
    }
    return Status::OK();
  }

  Value Result() const override {
    switch (kind_) {
      case Kind::kSum:
        return sum_.Sum();
      case Kind::kAvg:
        return sum_.Average(count_);
      case Kind::kMin:
      case Kind::kMax:
      case Kind::kFirst:
      case Kind::kLast:
        return value_;
      case Kind::kPush:
      case Kind::kAddToSet:
        return Value::Array(values_);
      case Kind::kMergeObjects:
        return merged_.BuildValue();
      case Kind::kStdDevPop:
        return std_dev_.Result(false);
      case Kind::kStdDevSamp:
        return std_dev_.Result(true);
    }
    return Value();
  }

  size_t MemoryUsage() const override { return sizeof(*this) + memory_; }

 private:
  const Kind kind_;
  const Expression* arg_;
  SumState sum_;
  StdDevState std_dev_;
  int64_t count_ = 0;
  bool have_ = false;
  Value value_;
  std::vector<Value> values_;
  std::unordered_set<std::string> seen_;
  DocumentBuilder merged_;
  size_t memory_ = 0;
};

class SimpleSpec : public AccumulatorSpec {
 public:
  SimpleSpec(Kind kind, ExpressionPtr arg) : kind_(kind), arg_(std::move(arg)) {}
  std::unique_ptr<Accumulator> Make(const Value&) const override {
    return std::make_unique<SimpleAccumulator>(kind_, arg_.get());
  }
  Status Optimize() override { return query::Optimize(&arg_); }

 private:
  Kind kind_;
  ExpressionPtr arg_;
};

std::optional<Kind> KindOf(std::string_view op) {
  static const std::pair<std::string_view, Kind> kKinds[] = {
      {"$sum", Kind::kSum},
      {"$avg", Kind::kAvg},
      {"$min", Kind::kMin},
      {"$max", Kind::kMax},
      {"$first", Kind::kFirst},
      {"$last", Kind::kLast},
      {"$push", Kind::kPush},
      {"$addToSet", Kind::kAddToSet},
      {"$mergeObjects", Kind::kMergeObjects},
      {"$stdDevPop", Kind::kStdDevPop},
      {"$stdDevSamp", Kind::kStdDevSamp},
  };
  for (const auto& [name, kind] : kKinds) {
    if (name == op) return kind;
  }
  return std::nullopt;
}

// {$sum: [...]} and friends in expressions: an array argument's elements, or
// each argument (mongod's ExpressionFromAccumulator).
StatusWith<Value> AccumulatorExpressionFn(const Args& args) {
  SimpleAccumulator acc(*KindOf(args.name()), nullptr);
  if (args.size() == 1) {
    BASALT_EVAL(v, args[0]);
    if (v.IsArray()) {
      for (const Value& e : v.array()) {
        if (Status s = acc.Add(e); !s.ok()) return s;
      }
    } else if (Status s = acc.Add(std::move(v)); !s.ok()) {
      return s;
    }
  } else {
    for (size_t i = 0; i < args.size(); ++i) {
      BASALT_EVAL(v, args[i]);
      if (Status s = acc.Add(std::move(v)); !s.ok()) return s;
    }
  }
  Value result = acc.Result();
  return result.missing() ? Value::Null() : result;
}

StatusWith<ExpressionPtr> ParseAccumulatorExpression(std::string_view name, const bson_iter_t* arg,
                                                     const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, 0, -1, AccumulatorExpressionFn);
}

}  // namespace

StatusWith<std::unique_ptr<AccumulatorSpec>> ParseAccumulator(const bson_iter_t* elem,
                                                              const VariablesParseState& vps) {
  const std::string field(KeyOf(elem));
  bool is_object = BSON_ITER_HOLDS_DOCUMENT(elem);
  bson_iter_t spec;
  if (is_object) {
    bson_iter_recurse(elem, &spec);
    is_object = bson_iter_next(&spec) && KeyOf(&spec).substr(0, 1) == "$";
  }
  if (!is_object) {
    return Status(40234, "The field '" + field + "' must be an accumulator object");
  }
  if (field.find('.') != std::string::npos) {
    return Status(40235, "The field name '" + field + "' cannot contain '.'");
  }
  if (!field.empty() && field[0] == '$') {
    return Status(40236, "The field name '" + field + "' cannot be an operator name");
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(elem, &len, &data);
  BsonView obj(data, len);
  if (bson_count_keys(obj.get()) != 1) {
    return Status(40238, "The field '" + field + "' must specify one accumulator");
  }
  const std::string op(KeyOf(&spec));
  if (BSON_ITER_HOLDS_ARRAY(&spec)) {
    return Status(40237, "The " + op + " accumulator is a unary operator");
  }
  std::unique_ptr<AccumulatorSpec> out;
  if (op == "$count") {
    if (!BSON_ITER_HOLDS_DOCUMENT(&spec) || [&] {
          bson_iter_t c;
          bson_iter_recurse(&spec, &c);
          return bson_iter_next(&c);
        }()) {
      return Status(ErrorCodes::TypeMismatch, "$count takes no arguments, i.e. $count:{}");
    }
    out = std::make_unique<SimpleSpec>(Kind::kSum,
                                       std::make_unique<ConstantExpression>(Value::Int32(1)));
  } else if (auto kind = KindOf(op)) {
    auto arg = ParseOperand(&spec, vps);
    if (!arg.ok()) return arg.status();
    out = std::make_unique<SimpleSpec>(*kind, std::move(arg.value()));
  } else if (IsNAccumulator(op)) {
    auto parsed = ParseNAccumulator(op, &spec, vps);
    if (!parsed.ok()) return parsed.status();
    out = std::move(parsed.value());
  } else {
    return Status(15952, "unknown group operator '" + op + "'");
  }
  out->SetNames(field, op);
  return out;
}

std::vector<OperatorEntry> AccumulatorExpressionOperators() {
  return {
      {"$sum", ParseAccumulatorExpression},       {"$avg", ParseAccumulatorExpression},
      {"$min", ParseAccumulatorExpression},       {"$max", ParseAccumulatorExpression},
      {"$stdDevPop", ParseAccumulatorExpression}, {"$stdDevSamp", ParseAccumulatorExpression},
  };
}

}  // namespace basalt::query
