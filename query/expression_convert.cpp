// Type operators: $type, $isNumber, and $convert with its shortcuts ($toInt,
// $toString...), following mongod's conversion table. A failed conversion
// is ConversionFailure (241), which `onError` catches.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "query/expression.h"
#include "query/expression_date.h"
#include "query/expression_decimal.h"
#include "query/numbers.h"

namespace basalt::query {
namespace {

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

Status Failure(const std::string& message) {
  return Status(ErrorCodes::ConversionFailure, message);
}

const std::string kNoOnError = " in $convert with no onError value";

// mongod's typeFromName (plus "missing", which $type produces).
std::optional<bson_type_t> TypeFromName(std::string_view name) {
  static const std::pair<std::string_view, bson_type_t> kTypes[] = {
      {"double", BSON_TYPE_DOUBLE},
      {"string", BSON_TYPE_UTF8},
      {"object", BSON_TYPE_DOCUMENT},
      {"array", BSON_TYPE_ARRAY},
      {"binData", BSON_TYPE_BINARY},
      {"undefined", BSON_TYPE_UNDEFINED},
      {"objectId", BSON_TYPE_OID},
      {"bool", BSON_TYPE_BOOL},
      {"date", BSON_TYPE_DATE_TIME},
      {"null", BSON_TYPE_NULL},
      {"regex", BSON_TYPE_REGEX},
      {"dbPointer", BSON_TYPE_DBPOINTER},
      {"javascript", BSON_TYPE_CODE},
      {"symbol", BSON_TYPE_SYMBOL},
      {"javascriptWithScope", BSON_TYPE_CODEWSCOPE},
      {"int", BSON_TYPE_INT32},
      {"timestamp", BSON_TYPE_TIMESTAMP},
      {"long", BSON_TYPE_INT64},
      {"decimal", BSON_TYPE_DECIMAL128},
      {"minKey", BSON_TYPE_MINKEY},
      {"maxKey", BSON_TYPE_MAXKEY},
      {"missing", BSON_TYPE_EOD},
  };
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

StatusWith<bson_type_t> TargetType(const Value& to) {
  if (to.IsString()) {
    auto t = TypeFromName(to.str());
    if (!t) return Status(ErrorCodes::BadValue, "Unknown type name: " + std::string(to.str()));
    return *t;
  }
  if (to.numeric()) {
    if (!to.Integral()) {
      return Status(ErrorCodes::FailedToParse,
                    "In $convert, numeric 'to' argument is not an integer");
    }
    int code = to.CoerceToInt();
    bool valid = (code >= 1 && code <= 19) || code == -1 || code == 127;
    if (!valid) {
      return Status(ErrorCodes::FailedToParse,
                    "In $convert, numeric value for 'to' does not correspond to a BSON type: " +
                        std::to_string(code));
    }
    if (code == -1) return BSON_TYPE_MINKEY;
    return static_cast<bson_type_t>(code);
  }
  return Status(ErrorCodes::FailedToParse,
                "$convert's 'to' argument must be a string or number, but is " + TypeOf(to));
}

Status Unsupported(bson_type_t from, bson_type_t to) {
  return Failure("Unsupported conversion from " + std::string(TypeName(from)) + " to " +
                 std::string(TypeName(to)) + kNoOnError);
}

StatusWith<int64_t> DoubleToLong(double d) {
  if (std::isnan(d)) return Failure("Attempt to convert NaN value to integer type" + kNoOnError);
  if (std::isinf(d)) {
    return Failure("Attempt to convert infinity value to integer type" + kNoOnError);
  }
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
    return Failure("Conversion would overflow target type" + kNoOnError + ": " + FormatDoubleG(d));
  }
  return static_cast<int64_t>(d);
}

StatusWith<int64_t> DecimalToLong(bson_decimal128_t d) {
  if (decimal::IsNaN(d)) {
    return Failure("Attempt to convert NaN value to integer type" + kNoOnError);
  }
  if (decimal::IsInfinite(d)) {
    return Failure("Attempt to convert infinity value to integer type" + kNoOnError);
  }
  auto v = decimal::ToInt64(d, decimal::Rounding::kTowardZero);
  if (!v) {
    return Failure("Conversion would overflow target type" + kNoOnError + ": " +
                   decimal::ToString(d));
  }
  return *v;
}

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  if (std::isnan(d)) return "NaN";
  if (d == 0 && std::signbit(d)) return "-0";
  return FormatDoubleG(d);
}

StatusWith<Value> ParseNumber(std::string_view s, bson_type_t target) {
  const std::string str(s);
  if (s.substr(0, 2) == "0x") {
    return Failure("Illegal hexadecimal input" + kNoOnError + ": " + str);
  }
  auto fail = [&](const std::string& why) {
    return Failure("Failed to parse number '" + str + "'" + kNoOnError + ": " + why);
  };
  if (s.empty()) return fail("No digits");
  if (target == BSON_TYPE_DECIMAL128) {
    bson_decimal128_t d;
    if (!bson_decimal128_from_string(str.c_str(), &d)) {
      return fail("Failed to parse string to decimal");
    }
    return Value::Decimal(d);
  }
  errno = 0;
  char* end = nullptr;
  if (target == BSON_TYPE_DOUBLE) {
    double d = std::strtod(str.c_str(), &end);
    if (end == str.c_str()) return fail("No digits");
    if (*end != '\0') return fail("Did not consume whole string.");
    if (errno == ERANGE && std::isinf(d)) return fail("Out of range");
    return Value::Double(d);
  }
  if (isspace(static_cast<unsigned char>(str[0]))) return fail("Did not consume whole string.");
  long long v = std::strtoll(str.c_str(), &end, 10);
  if (end == str.c_str()) return fail("No digits");
  if (*end != '\0') return fail("Did not consume whole string.");
  if (errno == ERANGE) return fail("Out of range");
  if (target == BSON_TYPE_INT32) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return fail("Out of range");
    }
    return Value::Int32(static_cast<int32_t>(v));
  }
  return Value::Int64(v);
}

StatusWith<Value> ParseObjectId(std::string_view s) {
  const std::string str(s);
  if (s.size() != 24) {
    return Failure("Failed to parse objectId '" + str + "'" + kNoOnError +
                   ": Invalid string length for parsing to OID, expected 24 but found " +
                   std::to_string(s.size()));
  }
  for (char c : s) {
    if (!isxdigit(static_cast<unsigned char>(c))) {
      return Failure("Failed to parse objectId '" + str + "'" + kNoOnError +
                     ": Invalid character found in hex string: '" + std::string(1, c) + "'");
    }
  }
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, str.c_str());
  return Value::Oid(oid);
}

// mongod's ConversionTable, input type by target type.
StatusWith<Value> Convert(const Value& in, bson_type_t to) {
  const bson_type_t from = in.type();
  if (from == to && from != BSON_TYPE_EOD && from != BSON_TYPE_NULL) {
    switch (from) {
      case BSON_TYPE_DOUBLE:
      case BSON_TYPE_UTF8:
      case BSON_TYPE_OID:
      case BSON_TYPE_BOOL:
      case BSON_TYPE_DATE_TIME:
      case BSON_TYPE_INT32:
      case BSON_TYPE_INT64:
      case BSON_TYPE_DECIMAL128:
        return in;
      default:
        break;
    }
  }
  if (to == BSON_TYPE_BOOL) {
    switch (from) {
      case BSON_TYPE_DOUBLE:
      case BSON_TYPE_INT32:
      case BSON_TYPE_INT64:
      case BSON_TYPE_DECIMAL128:
      case BSON_TYPE_DATE_TIME:
        return Value::Bool(in.CoerceToBool());
      case BSON_TYPE_UNDEFINED:
      case BSON_TYPE_EOD:
      case BSON_TYPE_NULL:
        break;
      default:
        return Value::Bool(true);
    }
  }
  switch (from) {
    case BSON_TYPE_DOUBLE: {
      double d = in.dbl();
      if (to == BSON_TYPE_UTF8) return Value::String(FormatDouble(d));
      if (to == BSON_TYPE_DATE_TIME || to == BSON_TYPE_INT64) {
        auto v = DoubleToLong(d);
        if (!v.ok()) return v.status();
        return to == BSON_TYPE_INT64 ? Value::Int64(v.value()) : Value::Date(v.value());
      }
      if (to == BSON_TYPE_INT32) {
        auto v = DoubleToLong(d);
        if (!v.ok()) return v.status();
        if (d < std::numeric_limits<int32_t>::lowest() || d > std::numeric_limits<int32_t>::max()) {
          return Failure("Conversion would overflow target type" + kNoOnError + ": " +
                         FormatDoubleG(d));
        }
        return Value::Int32(static_cast<int32_t>(d));
      }
      if (to == BSON_TYPE_DECIMAL128) return Value::Decimal(in.CoerceToDecimal());
      break;
    }
    case BSON_TYPE_UTF8:
      if (to == BSON_TYPE_DOUBLE || to == BSON_TYPE_INT32 || to == BSON_TYPE_INT64 ||
          to == BSON_TYPE_DECIMAL128) {
        return ParseNumber(in.str(), to);
      }
      if (to == BSON_TYPE_OID) return ParseObjectId(in.str());
      if (to == BSON_TYPE_DATE_TIME) {
        auto d = dates::ParseDate(in.str(), dates::TimeZone::Utc(), std::nullopt);
        if (!d.ok()) return d.status();
        return Value::Date(d.value());
      }
      break;
    case BSON_TYPE_OID:
      if (to == BSON_TYPE_UTF8) {
        char hex[25];
        bson_oid_to_string(&in.oid(), hex);
        return Value::String(hex);
      }
      if (to == BSON_TYPE_DATE_TIME) return Value::Date(in.CoerceToDate());
      break;
    case BSON_TYPE_BOOL:
      if (to == BSON_TYPE_DOUBLE) return Value::Double(in.boolean() ? 1 : 0);
      if (to == BSON_TYPE_UTF8) return Value::String(in.boolean() ? "true" : "false");
      if (to == BSON_TYPE_INT32) return Value::Int32(in.boolean() ? 1 : 0);
      if (to == BSON_TYPE_INT64) return Value::Int64(in.boolean() ? 1 : 0);
      if (to == BSON_TYPE_DECIMAL128) return Value::Decimal(decimal::FromInt64(in.boolean()));
      break;
    case BSON_TYPE_DATE_TIME:
      if (to == BSON_TYPE_DOUBLE) return Value::Double(static_cast<double>(in.date()));
      if (to == BSON_TYPE_UTF8) {
        auto s = dates::FormatDate(dates::kIsoFormat, in.date(), dates::TimeZone::Utc());
        if (!s.ok()) return s.status();
        return Value::String(std::move(s.value()));
      }
      if (to == BSON_TYPE_INT64) return Value::Int64(in.date());
      if (to == BSON_TYPE_DECIMAL128) return Value::Decimal(decimal::FromInt64(in.date()));
      break;
    case BSON_TYPE_TIMESTAMP:
      if (to == BSON_TYPE_DATE_TIME) return Value::Date(in.CoerceToDate());
      break;
    case BSON_TYPE_INT32:
      if (to == BSON_TYPE_DOUBLE) return Value::Double(in.int32());
      if (to == BSON_TYPE_UTF8) return Value::String(std::to_string(in.int32()));
      if (to == BSON_TYPE_INT64) return Value::Int64(in.int32());
      if (to == BSON_TYPE_DECIMAL128) return Value::Decimal(in.CoerceToDecimal());
      break;
    case BSON_TYPE_INT64:
      if (to == BSON_TYPE_DOUBLE) return Value::Double(static_cast<double>(in.int64()));
      if (to == BSON_TYPE_UTF8) return Value::String(std::to_string(in.int64()));
      if (to == BSON_TYPE_DATE_TIME) return Value::Date(in.int64());
      if (to == BSON_TYPE_INT32) {
        if (in.int64() < std::numeric_limits<int32_t>::min() ||
            in.int64() > std::numeric_limits<int32_t>::max()) {
          return Failure("Conversion would overflow target type" + kNoOnError + ": ");
        }
        return Value::Int32(static_cast<int32_t>(in.int64()));
      }
      if (to == BSON_TYPE_DECIMAL128) return Value::Decimal(in.CoerceToDecimal());
      break;
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t d = in.decimal();
      if (to == BSON_TYPE_DOUBLE) {
        double r = decimal::ToDouble(d);
        if (std::isinf(r) && !decimal::IsInfinite(d)) {
          return Failure("Conversion would overflow target type" + kNoOnError + ": " +
                         decimal::ToString(d));
        }
        return Value::Double(r);
      }
      if (to == BSON_TYPE_UTF8) return Value::String(decimal::ToString(d));
      if (to == BSON_TYPE_DATE_TIME || to == BSON_TYPE_INT64 || to == BSON_TYPE_INT32) {
        auto v = DecimalToLong(d);
        if (!v.ok()) return v.status();
        if (to == BSON_TYPE_INT32) {
          if (v.value() < std::numeric_limits<int32_t>::min() ||
              v.value() > std::numeric_limits<int32_t>::max()) {
            return Failure("Conversion would overflow target type" + kNoOnError + ": " +
                           decimal::ToString(d));
          }
          return Value::Int32(static_cast<int32_t>(v.value()));
        }
        return to == BSON_TYPE_INT64 ? Value::Int64(v.value()) : Value::Date(v.value());
      }
      break;
    }
    default:
      break;
  }
  return Unsupported(from, to);
}

// input, to, onError, onNull.
StatusWith<Value> ConvertFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(to, self.arg(1)->Evaluate(ctx));
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  std::optional<bson_type_t> target;
  if (!to.nullish()) {
    auto t = TargetType(to);
    if (!t.ok()) return t.status();
    target = t.value();
  }
  if (input.nullish()) return EvalOr(self.arg(3), ctx, Value::Null());
  if (!target) return Value::Null();
  auto out = Convert(input, *target);
  if (!out.ok() && out.status().code() == ErrorCodes::ConversionFailure && self.arg(2) != nullptr) {
    return self.arg(2)->Evaluate(ctx);
  }
  return out;
}

StatusWith<ExpressionPtr> ParseConvert(std::string_view, const bson_iter_t* arg,
                                       const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(ErrorCodes::FailedToParse,
                  "$convert expects an object of named arguments but found: " +
                      std::string(TypeName(bson_iter_type(arg))));
  }
  std::vector<ExpressionPtr> parts;
  Status s = ParseNamedArgs(
      arg, {"input", "to", "onError", "onNull"}, vps, &parts,
      [](std::string_view, std::string_view f) {
        return Status(ErrorCodes::FailedToParse,
                      "$convert found an unknown argument: " + std::string(f));
      },
      "$convert");
  if (!s.ok()) return s;
  if (!parts[0]) return Status(ErrorCodes::FailedToParse, "Missing 'input' parameter to $convert");
  if (!parts[1]) return Status(ErrorCodes::FailedToParse, "Missing 'to' parameter to $convert");
  auto e = std::make_unique<NamedArgsExpression>("$convert", ConvertFn);
  for (auto& p : parts) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

template <bson_type_t kTo>
StatusWith<ExpressionPtr> ParseShortcut(std::string_view name, const bson_iter_t* arg,
                                        const VariablesParseState& vps) {
  auto args = ParseArguments(arg, vps);
  if (!args.ok()) return args.status();
  if (args.value().size() != 1) {
    return Status(50723, std::string(name) + " requires a single argument, got " +
                             std::to_string(args.value().size()));
  }
  auto e = std::make_unique<NamedArgsExpression>("$convert", ConvertFn);
  e->Add(std::move(args.value()[0]));
  e->Add(std::make_unique<ConstantExpression>(Value::String(std::string(TypeName(kTo)))));
  e->Add(nullptr);
  e->Add(nullptr);
  return ExpressionPtr(std::move(e));
}

StatusWith<Value> TypeFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  return Value::String(std::string(ValueTypeName(v)));
}

StatusWith<Value> IsNumberFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  return Value::Bool(v.numeric());
}

template <NaryFunction kFn, int kMin, int kMax>
StatusWith<ExpressionPtr> Nary(std::string_view name, const bson_iter_t* arg,
                               const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, kMin, kMax, kFn);
}

}  // namespace

std::vector<OperatorEntry> TypeOperators() {
  return {
      {"$type", Nary<TypeFn, 1, 1>},
      {"$isNumber", Nary<IsNumberFn, 1, 1>},
      {"$convert", ParseConvert},
      {"$toString", ParseShortcut<BSON_TYPE_UTF8>},
      {"$toObjectId", ParseShortcut<BSON_TYPE_OID>},
      {"$toDate", ParseShortcut<BSON_TYPE_DATE_TIME>},
      {"$toDouble", ParseShortcut<BSON_TYPE_DOUBLE>},
      {"$toInt", ParseShortcut<BSON_TYPE_INT32>},
      {"$toLong", ParseShortcut<BSON_TYPE_INT64>},
      {"$toDecimal", ParseShortcut<BSON_TYPE_DECIMAL128>},
      {"$toBool", ParseShortcut<BSON_TYPE_BOOL>},
  };
}

}  // namespace basalt::query
