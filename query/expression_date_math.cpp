// $dateAdd, $dateSubtract, $dateDiff and $dateTrunc: calendar units (year,
// quarter, month, week, day) move along the local calendar of the time
// zone; hour and smaller are fixed lengths of time.

#include <algorithm>
#include <cctype>

#include "query/expression.h"
#include "query/expression_date.h"

namespace basalt::query {
namespace {

using dates::DateParts;
using dates::TimeZone;

enum class Unit { kYear, kQuarter, kMonth, kWeek, kDay, kHour, kMinute, kSecond, kMillisecond };

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

std::optional<Unit> UnitFromName(std::string_view s) {
  static const std::pair<std::string_view, Unit> kUnits[] = {
      {"year", Unit::kYear},     {"quarter", Unit::kQuarter}, {"month", Unit::kMonth},
      {"week", Unit::kWeek},     {"day", Unit::kDay},         {"hour", Unit::kHour},
      {"minute", Unit::kMinute}, {"second", Unit::kSecond},   {"millisecond", Unit::kMillisecond}};
  for (const auto& [name, unit] : kUnits) {
    if (name == s) return unit;
  }
  return std::nullopt;
}

int64_t FixedMillis(Unit u) {
  switch (u) {
    case Unit::kWeek:
      return 7 * 86400000LL;
    case Unit::kDay:
      return 86400000LL;
    case Unit::kHour:
      return 3600000LL;
    case Unit::kMinute:
      return 60000LL;
    case Unit::kSecond:
      return 1000LL;
    default:
      return 1;
  }
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int DaysInMonth(int64_t year, int month) {
  return static_cast<int>(dates::DaysFromCivil(year, month + 1, 1) -
                          dates::DaysFromCivil(year, month, 1));
}

// mongod's dateAdd.
int64_t DateAdd(int64_t date, Unit unit, int64_t amount, const TimeZone& tz) {
  if (unit >= Unit::kHour) return date + amount * FixedMillis(unit);
  DateParts p = dates::ToParts(date, tz);
  if (unit == Unit::kWeek || unit == Unit::kDay) {
    int64_t days = amount * (unit == Unit::kWeek ? 7 : 1);
    return dates::FromParts(tz, p.year, p.month, p.day + days, p.hour, p.minute, p.second,
                            p.millisecond);
  }
  int64_t months = amount * (unit == Unit::kYear ? 12 : unit == Unit::kQuarter ? 3 : 1);
  int64_t total = p.year * 12 + (p.month - 1) + months;
  int64_t year = FloorDiv(total, 12);
  int month = static_cast<int>(total - year * 12 + 1);
  int day = std::min(p.day, DaysInMonth(year, month));
  return dates::FromParts(tz, year, month, day, p.hour, p.minute, p.second, p.millisecond);
}

std::optional<int> DayOfWeekFromName(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* kLong[] = {"sunday",   "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday"};
  for (int i = 0; i < 7; ++i) {
    if (lower == kLong[i] || lower == std::string(kLong[i]).substr(0, 3)) return i;
  }
  return std::nullopt;
}

StatusWith<Unit> EvalUnit(const Value& v, std::string_view op) {
  if (!v.IsString()) {
    return Status(5439013,
                  std::string(op) + " requires 'unit' to be a string, but got " + TypeOf(v));
  }
  auto unit = UnitFromName(v.str());
  if (!unit) {
    return Status(5439014, std::string(op) +
                               " parameter 'unit' value cannot be recognized as a time unit: " +
                               std::string(v.str()));
  }
  return *unit;
}

StatusWith<int> EvalStartOfWeek(const Value& v, std::string_view op) {
  if (!v.IsString()) {
    return Status(5439015,
                  std::string(op) + " requires 'startOfWeek' to be a string, but got " + TypeOf(v));
  }
  auto d = DayOfWeekFromName(v.str());
  if (!d) {
    return Status(5439016, std::string(op) +
                               " parameter 'startOfWeek' value cannot be recognized as a day of "
                               "a week: " +
                               std::string(v.str()));
  }
  return *d;
}

StatusWith<std::optional<TimeZone>> EvalTimeZone(const Expression* e, EvalContext& ctx,
                                                 std::string_view context) {
  using Result = std::optional<TimeZone>;
  if (e == nullptr) return Result(TimeZone::Utc());
  BASALT_EVAL(v, e->Evaluate(ctx));
  if (v.nullish()) return Result();
  Status failure;
  if (!v.IsString()) {
    failure = Status(40517, "timezone must evaluate to a string, found " + TypeOf(v));
  } else {
    auto tz = dates::ParseTimeZone(v.str());
    if (tz.ok()) return Result(tz.value());
    failure = tz.status();
  }
  if (context.empty()) return failure;
  return Status(failure.code(), std::string(context) + " :: caused by :: " + failure.reason());
}

// $dateAdd / $dateSubtract: startDate, unit, amount, timezone.
StatusWith<Value> DateArithmeticFn(const NamedArgsExpression& self, EvalContext& ctx) {
  const std::string& op = self.name();
  BASALT_EVAL(start, self.arg(0)->Evaluate(ctx));
  if (start.nullish()) return Value::Null();
  BASALT_EVAL(unit_value, self.arg(1)->Evaluate(ctx));
  if (unit_value.nullish()) return Value::Null();
  BASALT_EVAL(amount, self.arg(2)->Evaluate(ctx));
  if (amount.nullish()) return Value::Null();
  auto tz = EvalTimeZone(self.arg(3), ctx, "");
  if (!tz.ok()) return tz.status();
  if (!tz.value()) return Value::Null();
  if (!start.CoercibleToDate()) {
    return Status(5166403, op + " requires startDate to be convertible to a date");
  }
  if (!unit_value.IsString()) {
    return Status(5166404, op + " expects string defining the time unit");
  }
  auto unit = UnitFromName(unit_value.str());
  if (!unit) {
    return Status(ErrorCodes::FailedToParse,
                  "unknown time unit value: " + std::string(unit_value.str()));
  }
  if (!amount.Integral64()) {
    return Status(5166405, op + " expects integer amount of time units");
  }
  int64_t n = amount.CoerceToLong();
  if (op == "$dateSubtract") {
    if (n == std::numeric_limits<int64_t>::min()) {
      return Status(6045000,
                    "invalid $dateSubtract 'amount' parameter value: " + std::to_string(n));
    }
    n = -n;
  }
  return Value::Date(DateAdd(start.CoerceToDate(), *unit, n, *tz.value()));
}

StatusWith<ExpressionPtr> ParseDateArithmetic(std::string_view name, const bson_iter_t* arg,
                                              const VariablesParseState& vps) {
  const std::string op(name);
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(5166400, op + " expects an object as its argument");
  }
  static const std::vector<std::string_view> kNames = {"startDate", "unit", "amount", "timezone"};
  std::vector<ExpressionPtr> parts(kNames.size());
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    auto found = std::find(kNames.begin(), kNames.end(), field);
    if (found == kNames.end()) {
      return Status(5166401, "Unrecognized argument to " + op + ": " + std::string(field) +
                                 ". Expected arguments are startDate, unit, amount, and "
                                 "optionally timezone.");
    }
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    parts[found - kNames.begin()] = std::move(e.value());
  }
  if (!parts[0] || !parts[1] || !parts[2]) {
    return Status(5166402, op + " requires startDate, unit, and amount to be present");
  }
  auto e = std::make_unique<NamedArgsExpression>(op, DateArithmeticFn);
  for (auto& p : parts) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

// mongod's dateDiff: how many unit boundaries lie between the two dates.
int64_t DateDiff(int64_t start, int64_t end, Unit unit, const TimeZone& tz, int start_of_week) {
  const DateParts a = dates::ToParts(start, tz), b = dates::ToParts(end, tz);
  switch (unit) {
    case Unit::kYear:
      return b.year - a.year;
    case Unit::kQuarter:
      return (b.year * 4 + (b.month - 1) / 3) - (a.year * 4 + (a.month - 1) / 3);
    case Unit::kMonth:
      return (b.year * 12 + b.month) - (a.year * 12 + a.month);
    case Unit::kWeek:
    case Unit::kDay: {
      int64_t da = dates::DaysFromCivil(a.year, a.month, a.day);
      int64_t db = dates::DaysFromCivil(b.year, b.month, b.day);
      if (unit == Unit::kDay) return db - da;
      // Days since the most recent start of week, for each date.
      auto week_index = [&](int64_t days, int wday1) {
        int wday0 = wday1 - 1;  // 0 = Sunday
        int back = (wday0 - start_of_week + 7) % 7;
        return FloorDiv(days - back, 7);
      };
      return week_index(db, b.day_of_week) - week_index(da, a.day_of_week);
    }
    default: {
      const int64_t la = start + a.utc_offset_seconds * 1000;
      const int64_t lb = end + b.utc_offset_seconds * 1000;
      const int64_t m = FixedMillis(unit);
      return FloorDiv(lb, m) - FloorDiv(la, m);
    }
  }
}

// startDate, endDate, unit, timezone, startOfWeek.
StatusWith<Value> DateDiffFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(start, self.arg(0)->Evaluate(ctx));
  if (start.nullish()) return Value::Null();
  BASALT_EVAL(end, self.arg(1)->Evaluate(ctx));
  if (end.nullish()) return Value::Null();
  BASALT_EVAL(unit_value, self.arg(2)->Evaluate(ctx));
  if (unit_value.nullish()) return Value::Null();
  Value sow;
  const bool week = unit_value.IsString() && unit_value.str() == "week";
  if (self.arg(4) != nullptr && week) {
    BASALT_EVAL(v, self.arg(4)->Evaluate(ctx));
    if (v.nullish()) return Value::Null();
    sow = std::move(v);
  }
  auto tz = EvalTimeZone(self.arg(3), ctx, "$dateDiff parameter 'timezone' value parsing failed");
  if (!tz.ok()) return tz.status();
  if (!tz.value()) return Value::Null();
  for (const auto& [v, name] :
       {std::pair<const Value*, const char*>{&start, "startDate"}, {&end, "endDate"}}) {
    if (!v->CoercibleToDate()) {
      return Status(5166307, std::string("$dateDiff requires '") + name +
                                 "' to be a date, but got " + TypeOf(*v));
    }
  }
  auto unit = EvalUnit(unit_value, "$dateDiff");
  if (!unit.ok()) return unit.status();
  int start_of_week = 0;
  if (!sow.missing()) {
    auto d = EvalStartOfWeek(sow, "$dateDiff");
    if (!d.ok()) return d.status();
    start_of_week = d.value();
  }
  return Value::Int64(
      DateDiff(start.CoerceToDate(), end.CoerceToDate(), unit.value(), *tz.value(), start_of_week));
}

// mongod's truncateDate, with its reference point 2000-01-01 (local time).
int64_t Truncate(int64_t date, Unit unit, int64_t bin, const TimeZone& tz, int start_of_week) {
  const DateParts p = dates::ToParts(date, tz);
  if (unit <= Unit::kMonth) {
    int64_t unit_months = unit == Unit::kYear ? 12 : unit == Unit::kQuarter ? 3 : 1;
    int64_t months = (p.year - 2000) * 12 + (p.month - 1);
    int64_t bins = FloorDiv(months, unit_months * bin) * unit_months * bin;
    int64_t year = 2000 + FloorDiv(bins, 12);
    int month = static_cast<int>(bins - FloorDiv(bins, 12) * 12 + 1);
    return dates::FromParts(tz, year, month, 1, 0, 0, 0, 0);
  }
  const int64_t local = date + p.utc_offset_seconds * 1000;
  int64_t reference = dates::DaysFromCivil(2000, 1, 1) * 86400000LL;
  if (unit == Unit::kWeek) {
    // The first start-of-week day on or after 2000-01-01 (a Saturday).
    int offset = (start_of_week - 6 + 7) % 7;
    reference += offset * 86400000LL;
  }
  const int64_t size = FixedMillis(unit) * bin;
  const int64_t truncated = reference + FloorDiv(local - reference, size) * size;
  if (unit >= Unit::kHour && tz.is_utc()) return truncated;
  return tz.LocalToUtc(truncated);
}

// date, unit, binSize, timezone, startOfWeek.
StatusWith<Value> DateTruncFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(date, self.arg(0)->Evaluate(ctx));
  if (date.nullish()) return Value::Null();
  BASALT_EVAL(unit_value, self.arg(1)->Evaluate(ctx));
  if (unit_value.nullish()) return Value::Null();
  Value bin = Value::Int32(1);
  if (self.arg(2) != nullptr) {
    BASALT_EVAL(b, self.arg(2)->Evaluate(ctx));
    if (b.nullish()) return Value::Null();
    bin = std::move(b);
  }
  Value sow;
  const bool week = unit_value.IsString() && unit_value.str() == "week";
  if (self.arg(4) != nullptr && week) {
    BASALT_EVAL(v, self.arg(4)->Evaluate(ctx));
    if (v.nullish()) return Value::Null();
    sow = std::move(v);
  }
  auto tz = EvalTimeZone(self.arg(3), ctx, "$dateTrunc parameter 'timezone' value parsing failed");
  if (!tz.ok()) return tz.status();
  if (!tz.value()) return Value::Null();
  if (!date.CoercibleToDate()) {
    return Status(5439012, "$dateTrunc requires 'date' to be a date, but got " + TypeOf(date));
  }
  auto unit = EvalUnit(unit_value, "$dateTrunc");
  if (!unit.ok()) return unit.status();
  if (!bin.Integral64()) {
    return Status(5439017, "$dateTrunc requires 'binSize' to be a 64-bit integer, but got value '" +
                               bin.ToString() + "' of type " + TypeOf(bin));
  }
  if (bin.CoerceToLong() <= 0) {
    return Status(5439018, "$dateTrunc requires 'binSize' to be greater than 0, but got value " +
                               std::to_string(bin.CoerceToLong()));
  }
  int start_of_week = 0;
  if (!sow.missing()) {
    auto d = EvalStartOfWeek(sow, "$dateTrunc");
    if (!d.ok()) return d.status();
    start_of_week = d.value();
  }
  return Value::Date(
      Truncate(date.CoerceToDate(), unit.value(), bin.CoerceToLong(), *tz.value(), start_of_week));
}

StatusWith<ExpressionPtr> ParseDateDiffOrTrunc(std::string_view name, const bson_iter_t* arg,
                                               const VariablesParseState& vps) {
  const bool diff = name == "$dateDiff";
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(diff ? 5166301 : 5439007,
                  std::string(name) + " only supports an object as its argument");
  }
  const std::vector<std::string_view> names =
      diff
          ? std::vector<std::string_view>{"startDate", "endDate", "unit", "timezone", "startOfWeek"}
          : std::vector<std::string_view>{"date", "unit", "binSize", "timezone", "startOfWeek"};
  std::vector<ExpressionPtr> parts(names.size());
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    auto found = std::find(names.begin(), names.end(), field);
    if (found == names.end()) {
      if (diff) {
        return Status(5166302, "Unrecognized argument to $dateDiff: " + std::string(field));
      }
      return Status(5439008, "Unrecognized argument to $dateTrunc: " + std::string(field) +
                                 ". Expected arguments are date, unit, and optionally, binSize, "
                                 "timezone, startOfWeek");
    }
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    parts[found - names.begin()] = std::move(e.value());
  }
  if (diff) {
    if (!parts[0]) return Status(5166303, "Missing 'startDate' parameter to $dateDiff");
    if (!parts[1]) return Status(5166304, "Missing 'endDate' parameter to $dateDiff");
    if (!parts[2]) return Status(5166305, "Missing 'unit' parameter to $dateDiff");
  } else {
    if (!parts[0]) return Status(5439009, "Missing 'date' parameter to $dateTrunc");
    if (!parts[1]) return Status(5439010, "Missing 'unit' parameter to $dateTrunc");
  }
  auto e =
      std::make_unique<NamedArgsExpression>(std::string(name), diff ? DateDiffFn : DateTruncFn);
  for (auto& p : parts) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

}  // namespace

std::vector<OperatorEntry> DateMathOperators() {
  return {
      {"$dateAdd", ParseDateArithmetic},
      {"$dateSubtract", ParseDateArithmetic},
      {"$dateDiff", ParseDateDiffOrTrunc},
      {"$dateTrunc", ParseDateDiffOrTrunc},
  };
}

}  // namespace basalt::query
