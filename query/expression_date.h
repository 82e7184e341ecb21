// Calendar arithmetic, time zones and date formatting for the date
// expressions ($year, $dateToString, $dateFromString...) and $convert.
// Dates are milliseconds since the Unix epoch (UTC), in the proleptic
// Gregorian calendar, as mongod's Date_t.
//
// Time zones are "UTC"/"GMT", fixed offsets ("+05:30", "-0800", "+03") and
// Olson identifiers read from the system's TZif files (/usr/share/zoneinfo);
// instants past a zone's last recorded transition (2037 in Debian's files)
// keep its last offset.
//
// Thread-safety: pure functions; TimeZone is immutable, and the Olson cache
// is internally locked.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace basalt::query::dates {

// Days since 1970-01-01 of a civil date (month 1-12; days may overflow).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

struct OlsonZone;

class TimeZone {
 public:
  static TimeZone Utc() { return TimeZone(); }
  static TimeZone Fixed(int64_t offset_seconds);
  // The offset from UTC at the instant `utc_millis`.
  int64_t OffsetSeconds(int64_t utc_millis) const;
  // The UTC instant of a local wall time (the earlier one when ambiguous).
  int64_t LocalToUtc(int64_t local_millis) const;
  bool is_utc() const { return olson_ == nullptr && fixed_ == 0; }

 private:
  int64_t fixed_ = 0;
  std::shared_ptr<const OlsonZone> olson_;
  friend StatusWith<TimeZone> ParseTimeZone(std::string_view id);
};

// 40485 "unrecognized time zone identifier: \"<id>\"".
StatusWith<TimeZone> ParseTimeZone(std::string_view id);

struct DateParts {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0;
  int day_of_week = 5;  // 1 = Sunday ... 7 = Saturday
  int day_of_year = 1;  // 1-366
  int week = 0;         // strftime %U: weeks starting on Sunday, 0-53
  int64_t iso_year = 1970;
  int iso_week = 1;         // 1-53
  int iso_day_of_week = 4;  // 1 = Monday ... 7 = Sunday
  int64_t utc_offset_seconds = 0;
};

DateParts ToParts(int64_t utc_millis, const TimeZone& tz);

// The UTC instant of local parts (month, day... may be out of range and
// carry over, as mongod's createFromDateParts).
int64_t FromParts(const TimeZone& tz, int64_t year, int64_t month, int64_t day, int64_t hour,
                  int64_t minute, int64_t second, int64_t millisecond);
int64_t FromIsoParts(const TimeZone& tz, int64_t iso_year, int64_t iso_week, int64_t iso_day,
                     int64_t hour, int64_t minute, int64_t second, int64_t millisecond);

inline constexpr std::string_view kIsoFormat = "%Y-%m-%dT%H:%M:%S.%LZ";

// mongod's TimeZone::validateToStringFormat: 18535, 18536.
Status ValidateFormat(std::string_view format);
// Formats with %d %G %H %j %L %m %M %S %w %u %U %V %Y %z %Z %%; 18537 for a
// year outside 0-9999.
StatusWith<std::string> FormatDate(std::string_view format, int64_t utc_millis, const TimeZone& tz);

// Parses a date string as mongod's TimeZoneDatabase::fromString does for the
// common ISO 8601 forms ("2020-01-02", "2020-01-02T03:04:05.678Z",
// "2020-01-02 03:04:05+01:00"...), or per `format` when given. Failures are
// ConversionFailure (241).
StatusWith<int64_t> ParseDate(std::string_view s, const TimeZone& tz,
                              std::optional<std::string_view> format);

}  // namespace basalt::query::dates
