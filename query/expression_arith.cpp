// Arithmetic operators with mongod's type promotion: int32 results that
// overflow become int64, int64 overflow becomes double, and any decimal
// operand makes the result decimal.

#include <cmath>
#include <limits>

#include "query/expression.h"
#include "query/expression_decimal.h"
#include "query/numbers.h"

namespace basalt::query {
namespace {

using decimal::Rounding;

// mongod's Value::getWidestNumeric; EOD when either is not a number.
bson_type_t Widest(bson_type_t a, bson_type_t b) {
  auto rank = [](bson_type_t t) {
    switch (t) {
      case BSON_TYPE_INT32:
        return 1;
      case BSON_TYPE_INT64:
        return 2;
      case BSON_TYPE_DOUBLE:
        return 3;
      case BSON_TYPE_DECIMAL128:
        return 4;
      default:
        return 0;
    }
  };
  int ra = rank(a), rb = rank(b);
  if (ra == 0 || rb == 0) return BSON_TYPE_EOD;
  return ra >= rb ? a : b;
}

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

// mongod's AddState.
class AddState {
 public:
  Status Add(const Value& operand) {
    bson_type_t old = widest_;
    Value to_add = operand;
    if (operand.type() == BSON_TYPE_DATE_TIME) {
      if (is_date_) return Status(16612, "only one date allowed in an $add expression");
      is_date_ = true;
      to_add = Value::Int64(operand.date());
    } else {
      widest_ = Widest(widest_, operand.type());
    }
    if (old != widest_) {
      if (widest_ == BSON_TYPE_DOUBLE) {
        double_total_ = static_cast<double>(long_total_);
      } else if (widest_ == BSON_TYPE_DECIMAL128) {
        decimal_total_ = old == BSON_TYPE_DOUBLE ? decimal::FromDouble34(double_total_)
                                                 : decimal::FromInt64(long_total_);
      }
    }
    switch (widest_) {
      case BSON_TYPE_INT32:
      case BSON_TYPE_INT64: {
        int64_t sum;
        if (__builtin_add_overflow(long_total_, to_add.CoerceToLong(), &sum)) {
          widest_ = BSON_TYPE_DOUBLE;
          double_total_ = static_cast<double>(long_total_) + to_add.CoerceToDouble();
        } else {
          long_total_ = sum;
        }
        break;
      }
      case BSON_TYPE_DOUBLE:
        double_total_ += to_add.CoerceToDouble();
        break;
      default:
        decimal_total_ = decimal::Add(decimal_total_, to_add.CoerceToDecimal());
        break;
    }
    return Status::OK();
  }

  StatusWith<Value> Result() const {
    if (is_date_) {
      switch (widest_) {
        case BSON_TYPE_INT32:
        case BSON_TYPE_INT64:
          return Value::Date(long_total_);
        case BSON_TYPE_DOUBLE:
          if (!(double_total_ >= -9223372036854775808.0 && double_total_ < 9223372036854775808.0)) {
            return Status(ErrorCodes::Overflow, "date overflow in $add");
          }
          return Value::Date(std::llround(double_total_));
        default:
          return Value::Date(decimal::ToInt64(decimal_total_, Rounding::kHalfEven).value_or(0));
      }
    }
    switch (widest_) {
      case BSON_TYPE_INT32:
        return Value::IntOrLong(long_total_);
      case BSON_TYPE_INT64:
        return Value::Int64(long_total_);
      case BSON_TYPE_DOUBLE:
        return Value::Double(double_total_);
      default:
        return Value::Decimal(decimal_total_);
    }
  }

 private:
  int64_t long_total_ = 0;
  double double_total_ = 0;
  bson_decimal128_t decimal_total_ = decimal::FromInt64(0);
  bson_type_t widest_ = BSON_TYPE_INT32;
  bool is_date_ = false;
};

StatusWith<Value> AddFn(const Args& args) {
  AddState state;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) return Value::Null();
    if (!v.numeric() && v.type() != BSON_TYPE_DATE_TIME) {
      return Status(ErrorCodes::TypeMismatch,
                    "$add only supports numeric or date types, not " + TypeOf(v));
    }
    if (Status s = state.Add(v); !s.ok()) return s;
  }
  return state.Result();
}

StatusWith<Value> SubtractFn(const Args& args) {
  BASALT_EVAL(lhs, args[0]);
  BASALT_EVAL(rhs, args[1]);
  switch (Widest(rhs.type(), lhs.type())) {
    case BSON_TYPE_DECIMAL128:
      return Value::Decimal(decimal::Subtract(lhs.CoerceToDecimal(), rhs.CoerceToDecimal()));
    case BSON_TYPE_DOUBLE:
      return Value::Double(lhs.CoerceToDouble() - rhs.CoerceToDouble());
    case BSON_TYPE_INT64: {
      int64_t result;
      if (__builtin_sub_overflow(lhs.CoerceToLong(), rhs.CoerceToLong(), &result)) {
        return Value::Double(lhs.CoerceToDouble() - rhs.CoerceToDouble());
      }
      return Value::Int64(result);
    }
    case BSON_TYPE_INT32:
      return Value::IntOrLong(lhs.CoerceToLong() - rhs.CoerceToLong());
    default:
      break;
  }
  if (lhs.nullish() || rhs.nullish()) return Value::Null();
  if (lhs.type() == BSON_TYPE_DATE_TIME) {
    if (rhs.type() == BSON_TYPE_DATE_TIME) return Value::Int64(lhs.date() - rhs.date());
    if (rhs.numeric()) return Value::Date(lhs.date() - rhs.CoerceToLong());
    return Status(ErrorCodes::TypeMismatch, "can't $subtract " + TypeOf(rhs) + " from Date");
  }
  return Status(ErrorCodes::TypeMismatch,
                "can't $subtract " + TypeOf(rhs) + " from " + TypeOf(lhs));
}

// mongod's MultiplyState.
StatusWith<Value> MultiplyFn(const Args& args) {
  double double_product = 1;
  int64_t long_product = 1;
  bson_decimal128_t decimal_product = decimal::FromInt64(1);
  bson_type_t type = BSON_TYPE_INT32;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) return Value::Null();
    if (!v.numeric()) {
      return Status(ErrorCodes::TypeMismatch,
                    "$multiply only supports numeric types, not " + TypeOf(v));
    }
    bson_type_t old = type;
    type = Widest(type, v.type());
    if (type == BSON_TYPE_DECIMAL128) {
      if (old != BSON_TYPE_DECIMAL128) {
        decimal_product = old == BSON_TYPE_DOUBLE ? decimal::FromDouble(double_product)
                                                  : decimal::FromInt64(long_product);
      }
      decimal_product = decimal::Multiply(decimal_product, v.CoerceToDecimal());
      continue;
    }
    double_product *= v.CoerceToDouble();
    if (type != BSON_TYPE_DOUBLE) {
      if (!std::isfinite(v.CoerceToDouble()) ||
          __builtin_mul_overflow(long_product, v.CoerceToLong(), &long_product)) {
        type = BSON_TYPE_DOUBLE;
      }
    }
  }
  switch (type) {
    case BSON_TYPE_DOUBLE:
      return Value::Double(double_product);
    case BSON_TYPE_INT64:
      return Value::Int64(long_product);
    case BSON_TYPE_INT32:
      return Value::IntOrLong(long_product);
    default:
      return Value::Decimal(decimal_product);
  }
}

StatusWith<Value> DivideFn(const Args& args) {
  BASALT_EVAL(lhs, args[0]);
  BASALT_EVAL(rhs, args[1]);
  if (lhs.numeric() && rhs.numeric()) {
    if (lhs.type() == BSON_TYPE_DECIMAL128 || rhs.type() == BSON_TYPE_DECIMAL128) {
      bson_decimal128_t denominator = rhs.CoerceToDecimal();
      if (decimal::IsZero(denominator)) {
        return Status(ErrorCodes::BadValue, "can't $divide by zero");
      }
      return Value::Decimal(decimal::Divide(lhs.CoerceToDecimal(), denominator));
    }
    double denominator = rhs.CoerceToDouble();
    if (denominator == 0.0) return Status(ErrorCodes::BadValue, "can't $divide by zero");
    return Value::Double(lhs.CoerceToDouble() / denominator);
  }
  if (lhs.nullish() || rhs.nullish()) return Value::Null();
  return Status(ErrorCodes::TypeMismatch,
                "$divide only supports numeric types, not " + TypeOf(lhs) + " and " + TypeOf(rhs));
}

StatusWith<Value> ModFn(const Args& args) {
  BASALT_EVAL(lhs, args[0]);
  BASALT_EVAL(rhs, args[1]);
  if (lhs.numeric() && rhs.numeric()) {
    bson_type_t lt = lhs.type(), rt = rhs.type();
    if (lt == BSON_TYPE_DECIMAL128 || rt == BSON_TYPE_DECIMAL128) {
      bson_decimal128_t right = rhs.CoerceToDecimal();
      if (decimal::IsZero(right)) return Status(5733415, "can't $mod by zero");
      return Value::Decimal(decimal::Modulo(lhs.CoerceToDecimal(), right));
    }
    double right = rhs.CoerceToDouble();
    if (right == 0) return Status(16610, "can't $mod by zero");
    if (lt == BSON_TYPE_DOUBLE || (rt == BSON_TYPE_DOUBLE && !rhs.Integral())) {
      return Value::Double(std::fmod(lhs.CoerceToDouble(), right));
    }
    if (lt == BSON_TYPE_INT64 || rt == BSON_TYPE_INT64) {
      int64_t l = lhs.CoerceToLong(), r = rhs.CoerceToLong();
      return Value::Int64(r == -1 ? 0 : l % r);
    }
    int32_t l = lhs.CoerceToInt(), r = rhs.CoerceToInt();
    return Value::Int32(r == -1 ? 0 : l % r);
  }
  if (lhs.nullish() || rhs.nullish()) return Value::Null();
  return Status(16611,
                "$mod only supports numeric types, not " + TypeOf(lhs) + " and " + TypeOf(rhs));
}

// mongod's ExpressionSingleNumericArg: null for nullish, 28765 for non-numbers.
template <StatusWith<Value> (*kFn)(const Value&)>
StatusWith<Value> SingleNumeric(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (v.nullish()) return Value::Null();
  if (!v.numeric()) {
    return Status(28765,
                  std::string(args.name()) + " only supports numeric types, not " + TypeOf(v));
  }
  return kFn(v);
}

StatusWith<Value> Abs(const Value& v) {
  switch (v.type()) {
    case BSON_TYPE_DOUBLE:
      return Value::Double(std::fabs(v.dbl()));
    case BSON_TYPE_DECIMAL128:
      return Value::Decimal(decimal::Abs(v.decimal()));
    default: {
      int64_t n = v.CoerceToLong();
      if (n == std::numeric_limits<int64_t>::min()) {
        return Status(28680, "can't take $abs of long long min");
      }
      int64_t a = n < 0 ? -n : n;
      return v.type() == BSON_TYPE_INT64 ? Value::Int64(a) : Value::IntOrLong(a);
    }
  }
}

StatusWith<Value> Ceil(const Value& v) {
  if (v.type() == BSON_TYPE_DOUBLE) return Value::Double(std::ceil(v.dbl()));
  if (v.type() == BSON_TYPE_DECIMAL128) {
    return Value::Decimal(decimal::Quantize(v.decimal(), 0, Rounding::kUp));
  }
  return v;
}

StatusWith<Value> Floor(const Value& v) {
  if (v.type() == BSON_TYPE_DOUBLE) return Value::Double(std::floor(v.dbl()));
  if (v.type() == BSON_TYPE_DECIMAL128) {
    return Value::Decimal(decimal::Quantize(v.decimal(), 0, Rounding::kDown));
  }
  return v;
}

// A function of one number in double precision; decimal in, decimal out.
Value Transcendental(const Value& v, double result) {
  if (v.type() == BSON_TYPE_DECIMAL128) return Value::Decimal(decimal::FromDouble(result));
  return Value::Double(result);
}

StatusWith<Value> Sqrt(const Value& v) {
  double d = v.CoerceToDouble();
  if (d < 0) return Status(28714, "$sqrt's argument must be greater than or equal to 0");
  return Transcendental(v, std::sqrt(d));
}

StatusWith<Value> Exp(const Value& v) { return Transcendental(v, std::exp(v.CoerceToDouble())); }

StatusWith<Value> Ln(const Value& v) {
  double d = v.CoerceToDouble();
  if (!(d > 0 || std::isnan(d))) {
    return Status(28766, "$ln's argument must be a positive number, but is " + FormatDoubleG(d));
  }
  return Transcendental(v, std::log(d));
}

StatusWith<Value> Log10(const Value& v) {
  double d = v.CoerceToDouble();
  if (!(d > 0 || std::isnan(d))) {
    return Status(28761, "$log10's argument must be a positive number, but is " + FormatDoubleG(d));
  }
  return Transcendental(v, std::log10(d));
}

StatusWith<Value> LogFn(const Args& args) {
  BASALT_EVAL(arg, args[0]);
  BASALT_EVAL(base, args[1]);
  if (arg.nullish() || base.nullish()) return Value::Null();
  if (!arg.numeric()) {
    return Status(28756, "$log's argument must be numeric, not " + TypeOf(arg));
  }
  if (!base.numeric()) return Status(28757, "$log's base must be numeric, not " + TypeOf(base));
  double a = arg.CoerceToDouble(), b = base.CoerceToDouble();
  if (!(a > 0 || std::isnan(a))) {
    return Status(28758, "$log's argument must be a positive number, but is " + FormatDoubleG(a));
  }
  if (!((b > 0 && b != 1) || std::isnan(b))) {
    return Status(
        28759, "$log's base must be a positive number not equal to 1, but is " + FormatDoubleG(b));
  }
  double result = std::log(a) / std::log(b);
  if (arg.type() == BSON_TYPE_DECIMAL128 || base.type() == BSON_TYPE_DECIMAL128) {
    return Value::Decimal(decimal::FromDouble(result));
  }
  return Value::Double(result);
}

// mongod's representableAsLong table for base^exp, exp in [0, 63].
bool RepresentableAsLong(int64_t base, int64_t exp) {
  if (exp <= 1) return true;
  long double r = std::pow(static_cast<long double>(base), static_cast<long double>(exp));
  return r >= -9223372036854775808.0L && r <= 9223372036854775807.0L;
}

StatusWith<Value> PowFn(const Args& args) {
  BASALT_EVAL(base, args[0]);
  BASALT_EVAL(exp, args[1]);
  if (base.nullish() || exp.nullish()) return Value::Null();
  if (!base.numeric()) return Status(28762, "$pow's base must be numeric, not " + TypeOf(base));
  if (!exp.numeric()) {
    return Status(28763, "$pow's exponent must be numeric, not " + TypeOf(exp));
  }
  const bson_type_t bt = base.type(), et = exp.type();
  double b = base.CoerceToDouble(), e = exp.CoerceToDouble();
  if (b == 0 && e < 0) return Status(28764, "$pow cannot take a base of 0 and a negative exponent");
  if (bt == BSON_TYPE_DECIMAL128 || et == BSON_TYPE_DECIMAL128) {
    return Value::Decimal(decimal::FromDouble(std::pow(b, e)));
  }
  if (bt == BSON_TYPE_DOUBLE || et == BSON_TYPE_DOUBLE) return Value::Double(std::pow(b, e));
  auto format = [&](int64_t r) {
    return bt == BSON_TYPE_INT64 || et == BSON_TYPE_INT64 ? Value::Int64(r) : Value::IntOrLong(r);
  };
  int64_t bl = base.CoerceToLong(), el = exp.CoerceToLong();
  if (bl == 0) return format(el == 0 ? 1 : 0);
  if (bl == 1) return format(1);
  if (bl == -1) return format(el % 2 == 0 ? 1 : -1);
  if (el > 63 || el < 0 || !RepresentableAsLong(bl, el)) {
    return Value::Double(std::pow(static_cast<double>(bl), static_cast<double>(el)));
  }
  int64_t result = 1;
  for (int64_t i = 0; i < el; ++i) result *= bl;
  return format(result);
}

// $round and $trunc: quantize through decimal, as mongod does.
template <Rounding kMode>
StatusWith<Value> RoundFn(const Args& args) {
  BASALT_EVAL(num, args[0]);
  if (num.nullish()) return Value::Null();
  if (!num.numeric()) {
    return Status(51081,
                  std::string(args.name()) + " only supports numeric types, not " + TypeOf(num));
  }
  int64_t precision = 0;
  if (args.size() > 1) {
    BASALT_EVAL(p, args[1]);
    if (p.nullish()) return Value::Null();
    precision = p.CoerceToLong();
    if (!p.Integral()) {
      return Status(51082, "precision argument to  " + std::string(args.name()) +
                               " must be a integral value");
    }
    if (precision < -20 || precision > 100) {
      return Status(51083, "cannot apply " + std::string(args.name()) + " with precision value " +
                               std::to_string(precision) + " value must be in [-20, 100]");
    }
  }
  const int exponent = static_cast<int>(-precision);
  switch (num.type()) {
    case BSON_TYPE_DECIMAL128:
      if (decimal::IsInfinite(num.decimal())) return num;
      return Value::Decimal(decimal::Quantize(num.decimal(), exponent, kMode));
    case BSON_TYPE_DOUBLE: {
      bson_decimal128_t d = decimal::FromDouble34(num.dbl());
      if (decimal::IsInfinite(d) || decimal::IsNaN(d)) return num;
      return Value::Double(decimal::ToDouble(decimal::Quantize(d, exponent, kMode)));
    }
    default: {
      if (precision >= 0) return num;
      int64_t n = num.CoerceToLong();
      bson_decimal128_t q = decimal::Quantize(decimal::FromInt64(n), exponent, kMode);
      auto out = decimal::ToInt64(q, Rounding::kHalfEven);
      if (!out) {
        return Status(51080, "invalid conversion from Decimal128 result in " +
                                 std::string(args.name()) + " resulting from arguments: [" +
                                 std::to_string(n) + ", " + std::to_string(precision) + "]");
      }
      if (num.type() == BSON_TYPE_INT64 || *out > std::numeric_limits<int32_t>::max()) {
        return Value::Int64(*out);
      }
      return Value::Int32(static_cast<int32_t>(*out));
    }
  }
}

template <NaryFunction kFn, int kMin, int kMax>
StatusWith<ExpressionPtr> Nary(std::string_view name, const bson_iter_t* arg,
                               const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, kMin, kMax, kFn);
}

}  // namespace

std::vector<OperatorEntry> ArithmeticOperators() {
  return {
      {"$add", Nary<AddFn, 0, -1>},
      {"$subtract", Nary<SubtractFn, 2, 2>},
      {"$multiply", Nary<MultiplyFn, 0, -1>},
      {"$divide", Nary<DivideFn, 2, 2>},
      {"$mod", Nary<ModFn, 2, 2>},
      {"$abs", Nary<SingleNumeric<Abs>, 1, 1>},
      {"$ceil", Nary<SingleNumeric<Ceil>, 1, 1>},
      {"$floor", Nary<SingleNumeric<Floor>, 1, 1>},
      {"$sqrt", Nary<SingleNumeric<Sqrt>, 1, 1>},
      {"$exp", Nary<SingleNumeric<Exp>, 1, 1>},
      {"$ln", Nary<SingleNumeric<Ln>, 1, 1>},
      {"$log10", Nary<SingleNumeric<Log10>, 1, 1>},
      {"$log", Nary<LogFn, 2, 2>},
      {"$pow", Nary<PowFn, 2, 2>},
      {"$round", Nary<RoundFn<Rounding::kHalfEven>, 1, 2>},
      {"$trunc", Nary<RoundFn<Rounding::kTowardZero>, 1, 2>},
  };
}

}  // namespace basalt::query
