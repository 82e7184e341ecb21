#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "query/expression_date.h"

namespace basalt::query::dates {

// A zone's transitions, read from its TZif file.
struct OlsonZone {
  std::vector<int64_t> times;    // transition instants (seconds), ascending
  std::vector<int32_t> offsets;  // offset in effect from times[i]
  int32_t initial_offset = 0;    // before the first transition
};

namespace {

constexpr int64_t kMillisPerDay = 86400000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t ReadBig(const std::string& data, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(data[pos + i]);
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

std::shared_ptr<const OlsonZone> ParseTzif(const std::string& data) {
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return nullptr;
  auto counts = [&](size_t header) {
    std::vector<int64_t> c(6);
    for (int i = 0; i < 6; ++i) c[i] = ReadBig(data, header + 20 + 4 * i, 4);
    return c;
  };
  size_t header = 0;
  int time_size = 4;
  std::vector<int64_t> c = counts(0);
  if (data[4] >= '2') {
    // Skip the 32-bit block to the 64-bit one.
    size_t v1 = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (data.size() < v1 + 44) return nullptr;
    header = v1;
    time_size = 8;
    c = counts(header);
  }
  const int64_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4],
                chars = c[5];
  size_t pos = header + 44;
  size_t need =
      timecnt * time_size + timecnt + typecnt * 6 + chars + leap * (time_size + 4) + isstd + isut;
  if (data.size() < pos + need || typecnt == 0) return nullptr;
  auto zone = std::make_shared<OlsonZone>();
  std::vector<int64_t> times(timecnt);
  for (int64_t i = 0; i < timecnt; ++i) times[i] = ReadBig(data, pos + i * time_size, time_size);
  pos += timecnt * time_size;
  std::vector<uint8_t> idx(timecnt);
  for (int64_t i = 0; i < timecnt; ++i) idx[i] = static_cast<uint8_t>(data[pos + i]);
  pos += timecnt;
  std::vector<int32_t> type_offsets(typecnt);
  for (int64_t i = 0; i < typecnt; ++i) {
    type_offsets[i] = static_cast<int32_t>(ReadBig(data, pos + i * 6, 4));
  }
  zone->initial_offset = type_offsets[0];
  for (int64_t i = 0; i < timecnt; ++i) {
    if (idx[i] >= typecnt) return nullptr;
    zone->times.push_back(times[i]);
    zone->offsets.push_back(type_offsets[idx[i]]);
  }
  return zone;
}

std::shared_ptr<const OlsonZone> LoadOlson(std::string_view id) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const OlsonZone>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  std::shared_ptr<const OlsonZone> zone;
  bool safe = !id.empty() && id[0] != '/' && id.find("..") == std::string_view::npos;
  for (char c : id) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+')) {
      safe = false;
    }
  }
  if (safe) {
    std::ifstream in("/usr/share/zoneinfo/" + std::string(id), std::ios::binary);
    if (in) {
      std::stringstream buf;
      buf << in.rdbuf();
      zone = ParseTzif(buf.str());
    }
  }
  cache.emplace(std::string(id), zone);
  return zone;
}

// "+HH", "+HHMM", "+HH:MM" and their negatives.
std::optional<int64_t> ParseOffset(std::string_view s) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string digits;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':' && i == 3) continue;
    if (!isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    digits.push_back(s[i]);
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  if (s.size() == 6 && s[3] != ':') return std::nullopt;
  int64_t hours = std::stoi(digits.substr(0, 2));
  int64_t minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  int64_t secs = hours * 3600 + minutes * 60;
  return s[0] == '-' ? -secs : secs;
}

void Pad(std::string* out, int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  out->append(buf);
}

}  // namespace

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  // Normalise the month first so that month overflow carries into the year.
  y += FloorDiv(m - 1, 12);
  m = (m - 1) - FloorDiv(m - 1, 12) * 12 + 1;
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (d - 1);
}

void CivilFromDays(int64_t z, int64_t* year, int* month, int* day) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

TimeZone TimeZone::Fixed(int64_t offset_seconds) {
  TimeZone tz;
  tz.fixed_ = offset_seconds;
  return tz;
}

int64_t TimeZone::OffsetSeconds(int64_t utc_millis) const {
  if (!olson_) return fixed_;
  const int64_t secs = FloorDiv(utc_millis, 1000);
  const auto& t = olson_->times;
  auto it = std::upper_bound(t.begin(), t.end(), secs);
  if (it == t.begin()) return olson_->initial_offset;
  return olson_->offsets[it - t.begin() - 1];
}

int64_t TimeZone::LocalToUtc(int64_t local_millis) const {
  int64_t guess = local_millis - OffsetSeconds(local_millis) * 1000;
  int64_t offset = OffsetSeconds(guess);
  return local_millis - offset * 1000;
}

StatusWith<TimeZone> ParseTimeZone(std::string_view id) {
  if (id == "UTC" || id == "GMT" || id == "Z" || id == "Etc/UTC" || id == "Etc/GMT") {
    return TimeZone::Utc();
  }
  if (auto offset = ParseOffset(id)) return TimeZone::Fixed(*offset);
  if (auto zone = LoadOlson(id)) {
    TimeZone tz;
    tz.olson_ = zone;
    return tz;
  }
  return Status(40485, "unrecognized time zone identifier: \"" + std::string(id) + "\"");
}

DateParts ToParts(int64_t utc_millis, const TimeZone& tz) {
  DateParts p;
  p.utc_offset_seconds = tz.OffsetSeconds(utc_millis);
  const int64_t local = utc_millis + p.utc_offset_seconds * 1000;
  const int64_t days = FloorDiv(local, kMillisPerDay);
  int64_t ms_of_day = local - days * kMillisPerDay;
  CivilFromDays(days, &p.year, &p.month, &p.day);
  p.hour = static_cast<int>(ms_of_day / 3600000);
  p.minute = static_cast<int>(ms_of_day / 60000 % 60);
  p.second = static_cast<int>(ms_of_day / 1000 % 60);
  p.millisecond = static_cast<int>(ms_of_day % 1000);
  const int wday0 = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 0 = Sunday
  p.day_of_week = wday0 + 1;
  p.iso_day_of_week = wday0 == 0 ? 7 : wday0;
  p.day_of_year = static_cast<int>(days - DaysFromCivil(p.year, 1, 1) + 1);
  p.week = (p.day_of_year - 1 + 7 - wday0) / 7;
  const int64_t thursday = days - (p.iso_day_of_week - 1) + 3;
  int tm, td;
  CivilFromDays(thursday, &p.iso_year, &tm, &td);
  p.iso_week = static_cast<int>((thursday - DaysFromCivil(p.iso_year, 1, 1)) / 7 + 1);
  return p;
}

int64_t FromParts(const TimeZone& tz, int64_t year, int64_t month, int64_t day, int64_t hour,
                  int64_t minute, int64_t second, int64_t millisecond) {
  int64_t local = DaysFromCivil(year, month, day) * kMillisPerDay + hour * 3600000 +
                  minute * 60000 + second * 1000 + millisecond;
  return tz.LocalToUtc(local);
}

int64_t FromIsoParts(const TimeZone& tz, int64_t iso_year, int64_t iso_week, int64_t iso_day,
                     int64_t hour, int64_t minute, int64_t second, int64_t millisecond) {
  // ISO week 1 holds January 4th.
  const int64_t jan4 = DaysFromCivil(iso_year, 1, 4);
  const int64_t jan4_iso_dow = ((jan4 % 7) + 7 + 3) % 7 + 1;
  const int64_t week1_monday = jan4 - (jan4_iso_dow - 1);
  const int64_t days = week1_monday + (iso_week - 1) * 7 + (iso_day - 1);
  int64_t local =
      days * kMillisPerDay + hour * 3600000 + minute * 60000 + second * 1000 + millisecond;
  return tz.LocalToUtc(local);
}

Status ValidateFormat(std::string_view format) {
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 == format.size()) {
      return Status(18535, "Unmatched '%' at end of format string");
    }
    char c = format[++i];
    if (std::strchr("dGHjLmMSwuUVYzZ%", c) == nullptr) {
      return Status(18536,
                    "Invalid format character '%" + std::string(1, c) + "' in format string");
    }
  }
  return Status::OK();
}

StatusWith<std::string> FormatDate(std::string_view format, int64_t utc_millis,
                                   const TimeZone& tz) {
  if (Status s = ValidateFormat(format); !s.ok()) return s;
  const DateParts p = ToParts(utc_millis, tz);
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    switch (format[++i]) {
      case 'd':
        Pad(&out, p.day, 2);
        break;
      case 'G':
      case 'Y': {
        int64_t y = format[i] == 'Y' ? p.year : p.iso_year;
        if (y < 0 || y > 9999) {
          return Status(18537,
                        "Could not convert date to string: date component was outside the "
                        "supported range of 0-9999: " +
                            std::to_string(y));
        }
        Pad(&out, y, 4);
        break;
      }
      case 'H':
        Pad(&out, p.hour, 2);
        break;
      case 'j':
        Pad(&out, p.day_of_year, 3);
        break;
      case 'L':
        Pad(&out, p.millisecond, 3);
        break;
      case 'm':
        Pad(&out, p.month, 2);
        break;
      case 'M':
        Pad(&out, p.minute, 2);
        break;
      case 'S':
        Pad(&out, p.second, 2);
        break;
      case 'w':
        Pad(&out, p.day_of_week, 1);
        break;
      case 'u':
        Pad(&out, p.iso_day_of_week, 1);
        break;
      case 'U':
        Pad(&out, p.week, 2);
        break;
      case 'V':
        Pad(&out, p.iso_week, 2);
        break;
      case 'z': {
        int64_t off = p.utc_offset_seconds / 60;
        out.push_back(off < 0 ? '-' : '+');
        off = off < 0 ? -off : off;
        Pad(&out, off / 60, 2);
        Pad(&out, off % 60, 2);
        break;
      }
      case 'Z': {
        int64_t off = p.utc_offset_seconds / 60;
        out.push_back(off < 0 ? '-' : '+');
        out += std::to_string(off < 0 ? -off : off);
        break;
      }
      case '%':
        out.push_back('%');
        break;
    }
  }
  return out;
}

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool Done() const { return pos_ >= s_.size(); }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool Eat(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // Exactly `min`..`max` digits.
  std::optional<int64_t> Digits(size_t min, size_t max) {
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < s_.size() && pos_ - start < max &&
           isdigit(static_cast<unsigned char>(s_[pos_]))) {
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (pos_ - start < min) return std::nullopt;
    return v;
  }
  std::string_view Rest() const { return s_.substr(pos_); }
  void Skip(size_t n) { pos_ += n; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

struct Parsed {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  std::optional<int64_t> offset;  // seconds, when the string names one
};

bool ParseZoneSuffix(Scanner* sc, Parsed* p) {
  if (sc->Done()) return true;
  if (sc->Eat('Z')) return sc->Done();
  auto offset = ParseOffset(sc->Rest());
  if (!offset) return false;
  p->offset = *offset;
  return true;
}

std::optional<Parsed> ParseIso(std::string_view s) {
  Scanner sc(s);
  Parsed p;
  auto y = sc.Digits(4, 4);
  if (!y || !(sc.Eat('-') || sc.Eat('/'))) return std::nullopt;
  auto m = sc.Digits(1, 2);
  if (!m || !(sc.Eat('-') || sc.Eat('/'))) return std::nullopt;
  auto d = sc.Digits(1, 2);
  if (!d) return std::nullopt;
  p.year = *y;
  p.month = *m;
  p.day = *d;
  if (sc.Eat('T') || sc.Eat(' ')) {
    auto h = sc.Digits(1, 2);
    if (!h || !sc.Eat(':')) return std::nullopt;
    auto mi = sc.Digits(2, 2);
    if (!mi) return std::nullopt;
    p.hour = *h;
    p.minute = *mi;
    if (sc.Eat(':')) {
      auto sec = sc.Digits(2, 2);
      if (!sec) return std::nullopt;
      p.second = *sec;
      if (sc.Eat('.')) {
        // The caller reads the fraction's digits as milliseconds.
        if (!sc.Digits(1, 9)) return std::nullopt;
      }
    }
  }
  if (!ParseZoneSuffix(&sc, &p)) return std::nullopt;
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31 || p.hour > 23 || p.minute > 59 ||
      p.second > 59) {
    return std::nullopt;
  }
  return p;
}

}  // namespace

StatusWith<int64_t> ParseDate(std::string_view s, const TimeZone& tz,
                              std::optional<std::string_view> format) {
  auto fail = [&]() {
    return Status(ErrorCodes::ConversionFailure,
                  "Error parsing date string '" + std::string(s) + "'");
  };
  Parsed p;
  if (!format) {
    // Fractions are read as written ("5" = 500 ms): rescan them precisely.
    auto parsed = ParseIso(s);
    if (!parsed) return fail();
    p = *parsed;
    size_t dot = s.find('.');
    if (dot != std::string_view::npos) {
      size_t end = dot + 1;
      while (end < s.size() && isdigit(static_cast<unsigned char>(s[end]))) ++end;
      std::string frac(s.substr(dot + 1, end - dot - 1));
      frac.resize(3, '0');
      p.ms = std::stoi(frac.substr(0, 3));
    }
  } else {
    Scanner sc(s);
    std::string_view f = *format;
    for (size_t i = 0; i < f.size(); ++i) {
      if (f[i] != '%') {
        if (!sc.Eat(f[i])) return fail();
        continue;
      }
      char c = f[++i];
      std::optional<int64_t> v;
      switch (c) {
        case 'Y':
          v = sc.Digits(4, 4);
          if (v) p.year = *v;
          break;
        case 'm':
          v = sc.Digits(1, 2);
          if (v) p.month = *v;
          break;
        case 'd':
          v = sc.Digits(1, 2);
          if (v) p.day = *v;
          break;
        case 'H':
          v = sc.Digits(1, 2);
          if (v) p.hour = *v;
          break;
        case 'M':
          v = sc.Digits(1, 2);
          if (v) p.minute = *v;
          break;
        case 'S':
          v = sc.Digits(1, 2);
          if (v) p.second = *v;
          break;
        case 'L':
          v = sc.Digits(1, 3);
          if (v) p.ms = *v;
          break;
        case 'z': {
          auto off = ParseOffset(sc.Rest().substr(0, 5));
          if (!off) return fail();
          p.offset = *off;
          sc.Skip(5);
          v = 0;
          break;
        }
        case '%':
          if (!sc.Eat('%')) return fail();
          v = 0;
          break;
        default:
          return fail();
      }
      if (!v) return fail();
    }
    if (!sc.Done()) return fail();
  }
  if (p.offset) {
    int64_t local = DaysFromCivil(p.year, p.month, p.day) * kMillisPerDay + p.hour * 3600000 +
                    p.minute * 60000 + p.second * 1000 + p.ms;
    return local - *p.offset * 1000;
  }
  return FromParts(tz, p.year, p.month, p.day, p.hour, p.minute, p.second, p.ms);
}

}  // namespace basalt::query::dates
