#include "base/log.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>

#include "base/bson.h"
#include "base/escape.h"

namespace basalt::log {
namespace {

std::mutex observer_mutex;
std::function<void(const std::string&)> observer;  // guarded by observer_mutex
Format format = Format::kText;
bool quiet = false;

// The destination. Every line is written and flushed under the mutex, so a
// rotation never splits or loses a line.
std::mutex out_mutex;
FILE* out = stdout;   // guarded by out_mutex
Options out_options;  // guarded by out_mutex

std::atomic<int> global_verbosity{0};

// mongod's log components, as this log names them; each may have its own verbosity.
// mongod's log components, as this log names them (the second name is
// mongod's, used in systemLog.component and logComponentVerbosity).
constexpr std::array<ComponentName, 13> kComponents = {{{"ACCESS", "accessControl"},
                                                        {"COMMAND", "command"},
                                                        {"CONTROL", "control"},
                                                        {"FTDC", "ftdc"},
                                                        {"GEO", "geo"},
                                                        {"INDEX", "index"},
                                                        {"NETWORK", "network"},
                                                        {"QUERY", "query"},
                                                        {"REPL", "replication"},
                                                        {"SHARDING", "sharding"},
                                                        {"STORAGE", "storage"},
                                                        {"TXN", "transaction"},
                                                        {"WRITE", "write"}}};
// Stored plus one, so that the zero every atomic starts with means "inherit".
std::array<std::atomic<int>, kComponents.size()> component_verbosity_plus_one{};

int ComponentIndex(std::string_view component) {
  for (size_t i = 0; i < kComponents.size(); ++i) {
    if (kComponents[i].log == component) return static_cast<int>(i);
  }
  return -1;
}

std::string RotationSuffix() {
  std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H-%M-%S", &tm);
  return buf;
}

void WriteLine(const std::string& line) {
  std::lock_guard lock(out_mutex);
  std::fwrite(line.data(), 1, line.size(), out);
  std::fputc('\n', out);
  std::fflush(out);
}


std::string SeverityText(Severity s, int debug_level) {
  switch (s) {
    case Severity::kDebug:
      return "D" + std::to_string(std::max(1, debug_level));
    case Severity::kInfo:
      return "I";
    case Severity::kWarning:
      return "W";
    case Severity::kError:
      return "E";
    case Severity::kFatal:
      return "F";
  }
  return "I";
}

// A JSON string literal of `s`.
std::string JsonString(std::string_view s) { return "\"" + EscapeString(s) + "\""; }

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

std::string CurrentTimestamp() {
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

std::string Setup(const Options& options) {
  format = options.format;
  quiet = options.quiet;
  std::lock_guard lock(out_mutex);
  out_options = options;
  if (options.path.empty()) {
    out = stdout;
    return "";
  }
  FILE* file = std::fopen(options.path.c_str(), options.append ? "a" : "w");
  if (!file) return std::strerror(errno);
  if (out != stdout) std::fclose(out);
  out = file;
  return "";
}

Status Rotate() {
  std::unique_lock lock(out_mutex);
  if (out_options.path.empty()) return Status::OK();  // stdout: nothing to rotate
  const std::string path = out_options.path;
  std::string suffix;
  if (out_options.rotate_mode == RotateMode::kRename) {
    suffix = RotationSuffix();
    std::string target = path + "." + suffix;
    std::error_code ec;
    if (std::filesystem::exists(target, ec)) {
      return Status(ErrorCodes::OperationFailed,
                    "Renaming file " + path + " to " + target + " failed; destination file exists");
    }
    std::filesystem::rename(path, target, ec);
    // A file already moved away by someone else is no reason to stop logging.
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return Status(ErrorCodes::OperationFailed,
                    "Failed to rename " + path + " to " + target + ": " + ec.message());
    }
  }
  // Rename mode starts a fresh file; reopen mode appends to whatever is at the path now.
  FILE* file = std::fopen(path.c_str(), out_options.rotate_mode == RotateMode::kRename ? "w" : "a");
  if (!file) {
    return Status(ErrorCodes::OperationFailed,
                  "Failed to open log file " + path + ": " + std::strerror(errno));
  }
  std::fclose(out);
  out = file;
  lock.unlock();
  Bson attr;
  if (!suffix.empty()) AppendUtf8(attr.get(), "suffix", suffix);
  AppendUtf8(attr.get(), "logType", "server");
  Info("CONTROL", 23166, "SignalHandler", "Log rotation initiated", attr.get());
  return Status::OK();
}

void SetObserver(std::function<void(const std::string&)> fn) {
  std::lock_guard lock(observer_mutex);
  observer = std::move(fn);
}

bool Quiet() { return quiet; }

void SetVerbosity(int level) { global_verbosity.store(level); }
int Verbosity() { return global_verbosity.load(); }

const std::vector<ComponentName>& Components() {
  static const std::vector<ComponentName> all(kComponents.begin(), kComponents.end());
  return all;
}

void SetComponentVerbosity(std::string_view component, int level) {
  int index = ComponentIndex(component);
  if (index >= 0) component_verbosity_plus_one[index].store(level + 1);
}

int ComponentVerbosity(std::string_view component) {
  int index = ComponentIndex(component);
  return index >= 0 ? component_verbosity_plus_one[index].load() - 1 : -1;
}

void AppendComponentVerbosity(bson_t* out) {
  BSON_APPEND_INT32(out, "verbosity", Verbosity());
  for (const ComponentName& component : kComponents) {
    bson_t sub;
    bson_append_document_begin(out, component.mongod.data(),
                               static_cast<int>(component.mongod.size()), &sub);
    BSON_APPEND_INT32(&sub, "verbosity", ComponentVerbosity(component.log));
    bson_append_document_end(out, &sub);
  }
}

bool ShouldLogDebug(std::string_view component, int level) {
  int own = ComponentVerbosity(component);
  return level <= (own >= 0 ? own : Verbosity());
}

std::string FormatLine(Format line_format, Severity severity, int debug_level,
                       std::string_view component, int id, std::string_view ctx,
                       std::string_view message, const bson_t* attributes) {
  std::string line;
  std::string severity_text = SeverityText(severity, debug_level);
  if (line_format == Format::kJson) {
    line = "{\"t\":{\"$date\":\"" + CurrentTimestamp() + "\"},\"s\":\"" + severity_text +
           "\",\"c\":" + JsonString(component) + ",\"id\":" + std::to_string(id) +
           ",\"ctx\":" + JsonString(ctx) + ",\"msg\":" + JsonString(message);
    if (attributes && !bson_empty(attributes)) line += ",\"attr\":" + CompactJson(attributes);
    line += "}";
  } else {
    line = CurrentTimestamp() + " " + severity_text + " " + std::string(component);
    line.resize(std::max<size_t>(line.size(), 41), ' ');
    line += " [" + std::string(ctx) + "] " + std::string(message);
    if (attributes && !bson_empty(attributes)) line += " " + CompactJson(attributes);
  }
  return line;
}

namespace {

void Emit(Severity severity, int debug_level, std::string_view component, int id,
          std::string_view ctx, std::string_view message, const bson_t* attributes) {
  std::string line =
      FormatLine(format, severity, debug_level, component, id, ctx, message, attributes);
  WriteLine(line);
  std::lock_guard lock(observer_mutex);
  if (observer) observer(line);
}

}  // namespace

void Write(Severity severity, std::string_view component, int id, std::string_view ctx,
           std::string_view message, const bson_t* attributes) {
  Emit(severity, 0, component, id, ctx, message, attributes);
}

void Debug(int level, std::string_view component, int id, std::string_view ctx,
           std::string_view message, const bson_t* attributes) {
  if (!ShouldLogDebug(component, level)) return;
  Emit(Severity::kDebug, level, component, id, ctx, message, attributes);
}

}  // namespace basalt::log
