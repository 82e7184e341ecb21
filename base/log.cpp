#include "base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <mutex>

#include "base/bson.h"

namespace basalt::log {
namespace {

std::mutex observer_mutex;
std::function<void(const std::string&)> observer;  // guarded by observer_mutex
Format format = Format::kText;
bool quiet = false;

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03d+00:00", millis);
  return buf;
}

char SeverityLetter(Severity s) {
  switch (s) {
    case Severity::kDebug: return 'D';
    case Severity::kInfo: return 'I';
    case Severity::kWarning: return 'W';
    case Severity::kError: return 'E';
    case Severity::kFatal: return 'F';
  }
  return 'I';
}

// A JSON string literal (RFC 8259 escaping) of `s`.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string CompactJson(const bson_t* doc) {
  size_t len = 0;
  char* json = bson_as_relaxed_extended_json(doc, &len);
  if (!json) return "{}";
  // libbson pretty-prints with spaces around separators; mongod's log is compact.
  std::string out;
  out.reserve(len);
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < len; ++i) {
    char c = json[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ') {
      continue;
    }
    out += c;
  }
  bson_free(json);
  return out;
}

}  // namespace

std::string Setup(const Options& options) {
  format = options.format;
  quiet = options.quiet;
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (options.path.empty()) {
      logger = spdlog::stdout_logger_mt("basalt");
    } else {
      logger = spdlog::basic_logger_mt("basalt", options.path, !options.append);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return e.what();
  }
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return "";
}

void SetObserver(std::function<void(const std::string&)> fn) {
  std::lock_guard lock(observer_mutex);
  observer = std::move(fn);
}

bool Quiet() { return quiet; }

void Write(Severity severity, std::string_view component, int id, std::string_view ctx,
           std::string_view message, const bson_t* attributes) {
  std::string line;
  if (format == Format::kJson) {
    line = "{\"t\":{\"$date\":\"" + Timestamp() + "\"},\"s\":\"" + SeverityLetter(severity) +
           "\",\"c\":" + JsonString(component) + ",\"id\":" + std::to_string(id) +
           ",\"ctx\":" + JsonString(ctx) + ",\"msg\":" + JsonString(message);
    if (attributes && !bson_empty(attributes)) line += ",\"attr\":" + CompactJson(attributes);
    line += "}";
  } else {
    line = Timestamp() + " " + SeverityLetter(severity) + " " + std::string(component);
    line.resize(std::max<size_t>(line.size(), 41), ' ');
    line += " [" + std::string(ctx) + "] " + std::string(message);
    if (attributes && !bson_empty(attributes)) line += " " + CompactJson(attributes);
  }
  spdlog::info(line);
  std::lock_guard lock(observer_mutex);
  if (observer) observer(line);
}

}  // namespace basalt::log
