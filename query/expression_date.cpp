// Date operators: the date-part extractors ($year ... $isoWeekYear),
// $dateToString/$dateFromString, $dateToParts/$dateFromParts and the date
// arithmetic of $dateAdd/$dateSubtract/$dateDiff/$dateTrunc.

#include "query/expression_date.h"

#include <cctype>

#include "query/expression.h"

namespace basalt::query {
namespace {

using dates::DateParts;
using dates::TimeZone;

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

Status NotADate(const Value& v) {
  return Status(16006, "can't convert from BSON type " + TypeOf(v) + " to Date");
}

// The time zone argument of $dateToString, $dateFromParts...: nullopt
// (meaning "answer null") when it evaluates to null.
StatusWith<std::optional<TimeZone>> EvalTimeZone(const Expression* e, EvalContext& ctx) {
  using Result = std::optional<TimeZone>;
  if (e == nullptr) return Result(TimeZone::Utc());
  BASALT_EVAL(v, e->Evaluate(ctx));
  if (v.nullish()) return Result();
  if (!v.IsString()) {
    return Status(40517, "timezone must evaluate to a string, found " + TypeOf(v));
  }
  auto tz = dates::ParseTimeZone(v.str());
  if (!tz.ok()) return tz.status();
  return Result(tz.value());
}

// --- $year, $month ... ------------------------------------------------------

enum class Part {
  kYear,
  kMonth,
  kDayOfMonth,
  kHour,
  kMinute,
  kSecond,
  kMillisecond,
  kDayOfWeek,
  kDayOfYear,
  kWeek,
  kIsoWeek,
  kIsoWeekYear,
  kIsoDayOfWeek
};

StatusWith<Value> DatePartFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(date, self.arg(0)->Evaluate(ctx));
  if (date.nullish()) return Value::Null();
  TimeZone tz = TimeZone::Utc();
  if (self.arg(1) != nullptr) {
    BASALT_EVAL(id, self.arg(1)->Evaluate(ctx));
    if (id.nullish()) return Value::Null();
    if (!id.IsString()) {
      return Status(40533, self.name() +
                               " requires a string for the timezone argument, but was given a " +
                               TypeOf(id) + " (" + id.ToString() + ")");
    }
    auto parsed = dates::ParseTimeZone(id.str());
    if (!parsed.ok()) return parsed.status();
    tz = parsed.value();
  }
  if (!date.CoercibleToDate()) return NotADate(date);
  const DateParts p = dates::ToParts(date.CoerceToDate(), tz);
  switch (static_cast<Part>(self.ints[0])) {
    case Part::kYear:
      return Value::Int32(static_cast<int32_t>(p.year));
    case Part::kMonth:
      return Value::Int32(p.month);
    case Part::kDayOfMonth:
      return Value::Int32(p.day);
    case Part::kHour:
      return Value::Int32(p.hour);
    case Part::kMinute:
      return Value::Int32(p.minute);
    case Part::kSecond:
      return Value::Int32(p.second);
    case Part::kMillisecond:
      return Value::Int32(p.millisecond);
    case Part::kDayOfWeek:
      return Value::Int32(p.day_of_week);
    case Part::kDayOfYear:
      return Value::Int32(p.day_of_year);
    case Part::kWeek:
      return Value::Int32(p.week);
    case Part::kIsoWeek:
      return Value::Int32(p.iso_week);
    case Part::kIsoWeekYear:
      return Value::Int64(p.iso_year);
    case Part::kIsoDayOfWeek:
      return Value::Int32(p.iso_day_of_week);
  }
  return Value();
}

template <Part kPart>
StatusWith<ExpressionPtr> ParseDatePart(std::string_view name, const bson_iter_t* arg,
                                        const VariablesParseState& vps) {
  const std::string op(name);
  auto e = std::make_unique<NamedArgsExpression>(op, DatePartFn);
  e->ints.push_back(static_cast<int64_t>(kPart));
  bson_iter_t operand = *arg;
  if (BSON_ITER_HOLDS_DOCUMENT(arg)) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    bool is_expression = bson_iter_next(&it) && KeyOf(&it).substr(0, 1) == "$";
    if (!is_expression) {
      ExpressionPtr date, tz;
      bson_iter_recurse(arg, &it);
      while (bson_iter_next(&it)) {
        std::string_view field = KeyOf(&it);
        if (field != "date" && field != "timezone") {
          return Status(40535, "unrecognized option to " + op + ": \"" + std::string(field) + "\"");
        }
        auto parsed = ParseOperand(&it, vps);
        if (!parsed.ok()) return parsed.status();
        (field == "date" ? date : tz) = std::move(parsed.value());
      }
      if (!date) {
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_document(arg, &len, &data);
        BsonView obj(data, len);
        return Status(40539, "missing 'date' argument to " + op + ", provided: " + op + ": " +
                                 Value::Document(Bson::Copy(obj.get())).ToString());
      }
      e->Add(std::move(date));
      e->Add(std::move(tz));
      return ExpressionPtr(std::move(e));
    }
  } else if (BSON_ITER_HOLDS_ARRAY(arg)) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    int n = 0;
    while (bson_iter_next(&it)) {
      if (n++ == 0) operand = it;
    }
    if (n != 1) {
      return Status(40536, op + " accepts exactly one argument if given an array, but was given " +
                               std::to_string(n));
    }
  }
  auto date = ParseOperand(&operand, vps);
  if (!date.ok()) return date.status();
  e->Add(std::move(date.value()));
  e->Add(nullptr);
  return ExpressionPtr(std::move(e));
}

// --- $dateToString / $dateFromString ------------------------------------------

StatusWith<Value> DateToStringFn(const NamedArgsExpression& self, EvalContext& ctx) {
  // Arguments: date, format, timezone, onNull.
  BASALT_EVAL(date, self.arg(0)->Evaluate(ctx));
  Value format;
  if (self.arg(1) != nullptr) {
    BASALT_EVAL(f, self.arg(1)->Evaluate(ctx));
    if (!f.nullish()) {
      if (!f.IsString()) {
        return Status(18533, "$dateToString requires that 'format' be a string, found: " +
                                 TypeOf(f) + " with value " + f.ToString());
      }
      if (Status s = dates::ValidateFormat(f.str()); !s.ok()) return s;
    }
    format = std::move(f);
  }
  auto tz = EvalTimeZone(self.arg(2), ctx);
  if (!tz.ok()) return tz.status();
  if (date.nullish()) return EvalOr(self.arg(3), ctx, Value::Null());
  if (!tz.value()) return Value::Null();
  if (self.arg(1) != nullptr && format.nullish()) return Value::Null();
  if (!date.CoercibleToDate()) return NotADate(date);
  auto out = dates::FormatDate(self.arg(1) != nullptr ? format.str() : dates::kIsoFormat,
                               date.CoerceToDate(), *tz.value());
  if (!out.ok()) return out.status();
  return Value::String(std::move(out.value()));
}

StatusWith<Value> DateFromStringFn(const NamedArgsExpression& self, EvalContext& ctx) {
  // Arguments: dateString, timezone, format, onNull, onError.
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  Value format;
  if (self.arg(2) != nullptr) {
    BASALT_EVAL(f, self.arg(2)->Evaluate(ctx));
    if (!f.nullish()) {
      if (!f.IsString()) {
        return Status(40684, "$dateFromString requires that 'format' be a string, found: " +
                                 TypeOf(f) + " with value " + f.ToString());
      }
      if (Status s = dates::ValidateFormat(f.str()); !s.ok()) return s;
    }
    format = std::move(f);
  }
  auto tz = EvalTimeZone(self.arg(1), ctx);
  if (!tz.ok()) return tz.status();
  if (input.nullish()) return EvalOr(self.arg(3), ctx, Value::Null());
  Status failure;
  if (!input.IsString()) {
    failure =
        Status(ErrorCodes::ConversionFailure,
               "$dateFromString requires that 'dateString' be a string, found: " + TypeOf(input) +
                   " with value " + input.ToString());
  } else {
    if (!tz.value()) return Value::Null();
    if (self.arg(2) != nullptr && format.nullish()) return Value::Null();
    std::optional<std::string_view> fmt;
    if (self.arg(2) != nullptr) fmt = format.str();
    auto parsed = dates::ParseDate(input.str(), *tz.value(), fmt);
    if (parsed.ok()) return Value::Date(parsed.value());
    failure = parsed.status();
  }
  if (self.arg(4) != nullptr) return self.arg(4)->Evaluate(ctx);
  return failure;
}

// --- $dateToParts / $dateFromParts --------------------------------------------

StatusWith<Value> DateToPartsFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(date, self.arg(0)->Evaluate(ctx));
  auto tz = EvalTimeZone(self.arg(1), ctx);
  if (!tz.ok()) return tz.status();
  if (!tz.value()) return Value::Null();
  bool iso = false;
  if (self.arg(2) != nullptr) {
    BASALT_EVAL(flag, self.arg(2)->Evaluate(ctx));
    if (flag.nullish()) return Value::Null();
    if (flag.type() != BSON_TYPE_BOOL) {
      return Status(40521, "iso8601 must evaluate to a bool, found " + TypeOf(flag));
    }
    iso = flag.boolean();
  }
  if (date.nullish()) return Value::Null();
  if (!date.CoercibleToDate()) return NotADate(date);
  const DateParts p = dates::ToParts(date.CoerceToDate(), *tz.value());
  DocumentBuilder out;
  if (iso) {
    out.Set("isoWeekYear", Value::Int32(static_cast<int32_t>(p.iso_year)));
    out.Set("isoWeek", Value::Int32(p.iso_week));
    out.Set("isoDayOfWeek", Value::Int32(p.iso_day_of_week));
  } else {
    out.Set("year", Value::Int32(static_cast<int32_t>(p.year)));
    out.Set("month", Value::Int32(p.month));
    out.Set("day", Value::Int32(p.day));
  }
  out.Set("hour", Value::Int32(p.hour));
  out.Set("minute", Value::Int32(p.minute));
  out.Set("second", Value::Int32(p.second));
  out.Set("millisecond", Value::Int32(p.millisecond));
  return out.BuildValue();
}

// Arguments: year, month, day, hour, minute, second, millisecond,
// isoWeekYear, isoWeek, isoDayOfWeek, timezone.
StatusWith<Value> DateFromPartsFn(const NamedArgsExpression& self, EvalContext& ctx) {
  static const char* kNames[] = {"year",   "month",       "day",         "hour",    "minute",
                                 "second", "millisecond", "isoWeekYear", "isoWeek", "isoDayOfWeek"};
  static const int64_t kDefaults[] = {1970, 1, 1, 0, 0, 0, 0, 1970, 1, 1};
  // Which parts are bounded to [-32768, 32767] (mongod's kMin/MaxValueForDatePart).
  static const bool kBounded[] = {false, true, true, true, true, false, false, false, true, true};
  int64_t v[10];
  bool null_seen = false;
  auto eval = [&](int i) -> Status {
    if (self.arg(i) == nullptr) {
      v[i] = kDefaults[i];
      return Status::OK();
    }
    auto r = self.arg(i)->Evaluate(ctx);
    if (!r.ok()) return r.status();
    const Value& x = r.value();
    if (x.nullish()) {
      null_seen = true;
      return Status::OK();
    }
    if (!x.Integral64()) {
      return Status(40515, "'" + std::string(kNames[i]) + "' must evaluate to an integer, found " +
                               TypeOf(x) + " with value " + x.ToString());
    }
    v[i] = x.CoerceToLong();
    if (kBounded[i] && (v[i] < -32768 || v[i] > 32767)) {
      return Status(31034, "'" + std::string(kNames[i]) +
                               "' must evaluate to a value in the range [-32768, 32767]; value " +
                               std::to_string(v[i]) + " is not in range");
    }
    return Status::OK();
  };
  for (int i : {3, 4, 5, 6}) {
    if (Status s = eval(i); !s.ok()) return s;
    if (null_seen) return Value::Null();
  }
  auto tz = EvalTimeZone(self.arg(10), ctx);
  if (!tz.ok()) return tz.status();
  if (!tz.value()) return Value::Null();
  const bool iso = self.arg(0) == nullptr;
  for (int i : iso ? std::vector<int>{7, 8, 9} : std::vector<int>{0, 1, 2}) {
    if (Status s = eval(i); !s.ok()) return s;
    if (null_seen) return Value::Null();
  }
  const int64_t year = iso ? v[7] : v[0];
  if (year < 1 || year > 9999) {
    return Status(iso ? 31095 : 40523,
                  std::string(iso ? "'isoWeekYear'" : "'year'") +
                      " must evaluate to an integer in the range 1 to 9999, found " +
                      std::to_string(year));
  }
  if (iso) {
    return Value::Date(dates::FromIsoParts(*tz.value(), v[7], v[8], v[9], v[3], v[4], v[5], v[6]));
  }
  return Value::Date(dates::FromParts(*tz.value(), v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
}

// --- Named-argument parsing shared by the operators above ------------------

struct NamedSpec {
  std::vector<std::string_view> names;
  int not_object_code;
  std::string not_object_message;
  int unknown_code;
  std::string unknown_prefix;
};

StatusWith<std::vector<ExpressionPtr>> ParseNamed(const bson_iter_t* arg, const NamedSpec& spec,
                                                  const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) return Status(spec.not_object_code, spec.not_object_message);
  std::vector<ExpressionPtr> out(spec.names.size());
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    auto found = std::find(spec.names.begin(), spec.names.end(), field);
    if (found == spec.names.end()) {
      return Status(spec.unknown_code, spec.unknown_prefix + std::string(field));
    }
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    out[found - spec.names.begin()] = std::move(e.value());
  }
  return out;
}

ExpressionPtr Build(const std::string& name, NamedArgsExpression::Function fn,
                    std::vector<ExpressionPtr> args) {
  auto e = std::make_unique<NamedArgsExpression>(name, fn);
  for (auto& a : args) e->Add(std::move(a));
  return e;
}

StatusWith<ExpressionPtr> ParseDateToString(std::string_view, const bson_iter_t* arg,
                                            const VariablesParseState& vps) {
  auto args = ParseNamed(arg,
                         {{"date", "format", "timezone", "onNull"},
                          18629,
                          "$dateToString only supports an object as its argument",
                          18534,
                          "Unrecognized argument to $dateToString: "},
                         vps);
  if (!args.ok()) return args.status();
  if (!args.value()[0]) return Status(18628, "Missing 'date' parameter to $dateToString");
  return Build("$dateToString", DateToStringFn, std::move(args.value()));
}

StatusWith<ExpressionPtr> ParseDateFromString(std::string_view, const bson_iter_t* arg,
                                              const VariablesParseState& vps) {
  auto args = ParseNamed(arg,
                         {{"dateString", "timezone", "format", "onNull", "onError"},
                          40540,
                          "$dateFromString only supports an object as an argument, found: " +
                              std::string(TypeName(bson_iter_type(arg))),
                          40541,
                          "Unrecognized argument to $dateFromString: "},
                         vps);
  if (!args.ok()) return args.status();
  if (!args.value()[0]) return Status(40542, "Missing 'dateString' parameter to $dateFromString");
  return Build("$dateFromString", DateFromStringFn, std::move(args.value()));
}

StatusWith<ExpressionPtr> ParseDateToParts(std::string_view, const bson_iter_t* arg,
                                           const VariablesParseState& vps) {
  auto args = ParseNamed(arg,
                         {{"date", "timezone", "iso8601"},
                          40524,
                          "$dateToParts only supports an object as its argument",
                          40520,
                          "Unrecognized argument to $dateToParts: "},
                         vps);
  if (!args.ok()) return args.status();
  if (!args.value()[0]) return Status(40522, "Missing 'date' parameter to $dateToParts");
  return Build("$dateToParts", DateToPartsFn, std::move(args.value()));
}

StatusWith<ExpressionPtr> ParseDateFromParts(std::string_view, const bson_iter_t* arg,
                                             const VariablesParseState& vps) {
  auto args = ParseNamed(arg,
                         {{"year", "month", "day", "hour", "minute", "second", "millisecond",
                           "isoWeekYear", "isoWeek", "isoDayOfWeek", "timezone"},
                          40519,
                          "$dateFromParts only supports an object as its argument",
                          40518,
                          "Unrecognized argument to $dateFromParts: "},
                         vps);
  if (!args.ok()) return args.status();
  const auto& a = args.value();
  if (!a[0] && !a[7]) {
    return Status(40516, "$dateFromParts requires either 'year' or 'isoWeekYear' to be present");
  }
  if (a[0] && (a[7] || a[8] || a[9])) {
    return Status(40489, "$dateFromParts does not allow mixing natural dates with ISO dates");
  }
  if (a[7] && (a[0] || a[1] || a[2])) {
    return Status(40525, "$dateFromParts does not allow mixing ISO dates with natural dates");
  }
  return Build("$dateFromParts", DateFromPartsFn, std::move(args.value()));
}

}  // namespace

// $dateAdd, $dateSubtract, $dateDiff and $dateTrunc live in expression_date_math.cpp.
std::vector<OperatorEntry> DateMathOperators();

std::vector<OperatorEntry> DateOperators() {
  std::vector<OperatorEntry> ops = {
      {"$year", ParseDatePart<Part::kYear>},
      {"$month", ParseDatePart<Part::kMonth>},
      {"$dayOfMonth", ParseDatePart<Part::kDayOfMonth>},
      {"$hour", ParseDatePart<Part::kHour>},
      {"$minute", ParseDatePart<Part::kMinute>},
      {"$second", ParseDatePart<Part::kSecond>},
      {"$millisecond", ParseDatePart<Part::kMillisecond>},
      {"$dayOfWeek", ParseDatePart<Part::kDayOfWeek>},
      {"$dayOfYear", ParseDatePart<Part::kDayOfYear>},
      {"$week", ParseDatePart<Part::kWeek>},
      {"$isoWeek", ParseDatePart<Part::kIsoWeek>},
      {"$isoWeekYear", ParseDatePart<Part::kIsoWeekYear>},
      {"$isoDayOfWeek", ParseDatePart<Part::kIsoDayOfWeek>},
      {"$dateToString", ParseDateToString},
      {"$dateFromString", ParseDateFromString},
      {"$dateToParts", ParseDateToParts},
      {"$dateFromParts", ParseDateFromParts},
  };
  for (const OperatorEntry& e : DateMathOperators()) ops.push_back(e);
  return ops;
}

}  // namespace basalt::query
