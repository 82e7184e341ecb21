// Structured logging in mongod's shape: severity, component, numeric id,
// context (thread or connection), message and attributes. Lines are written
// as text (default) or as JSON lines like mongod's log:
//   {"t":{"$date":"..."},"s":"I","c":"NETWORK","id":22943,"ctx":"listener",
//    "msg":"Connection accepted","attr":{...}}
// Debug lines (severities D1..D5) are written only up to the verbosity set
// globally or for their component. The destination is stdout or a file that
// can be rotated (SIGUSR1, logRotate). Thread-safe.
#pragma once

#include <bson/bson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace basalt::log {

enum class Severity { kDebug, kInfo, kWarning, kError, kFatal };
enum class Format { kText, kJson };
// mongod's systemLog.logRotate: rename the file aside and start a new one, or
// reopen the path after an external tool (logrotate) has moved it.
enum class RotateMode { kRename, kReopen };

constexpr int kMaxVerbosity = 5;

struct Options {
  Format format = Format::kText;
  std::string path;     // empty: stdout
  bool append = false;  // keep an existing log file's contents
  bool quiet = false;   // drop routine connection messages
  RotateMode rotate_mode = RotateMode::kRename;
};

// Opens the destination. Returns an error message when the file cannot be opened.
std::string Setup(const Options& options);

// Rotates the log file as the options say. Writing to stdout: nothing to do, OK.
// The renamed file gets the suffix `.<UTC time as YYYY-MM-DDTHH-MM-SS>`, as mongod's.
Status Rotate();

// Also receives every formatted line (e.g. for getLog's in-memory copy).
void SetObserver(std::function<void(const std::string& line)> observer);

bool Quiet();

// Global verbosity (mongod's logLevel / systemLog.verbosity), 0..5.
void SetVerbosity(int level);
int Verbosity();
// A log component: the name this log writes ("COMMAND") and mongod's name for
// it in configuration and logComponentVerbosity ("command").
struct ComponentName {
  std::string_view log;
  std::string_view mongod;
};
const std::vector<ComponentName>& Components();

// Per-component verbosity (systemLog.component.<name>.verbosity); -1 inherits the global one.
// Component names are the log's upper-case ones ("COMMAND", "NETWORK", ...).
void SetComponentVerbosity(std::string_view component, int level);
int ComponentVerbosity(std::string_view component);
// Appends getParameter's logComponentVerbosity document:
// {verbosity: <global>, accessControl: {verbosity: <level or -1>}, command: {...}, ...}.
void AppendComponentVerbosity(bson_t* out);

// Whether a debug line of `level` (1..5) for `component` would be written.
bool ShouldLogDebug(std::string_view component, int level);

// Formats one line without writing it (exposed for tests). `debug_level` > 0
// turns the severity into "D<level>".
std::string FormatLine(Format format, Severity severity, int debug_level,
                       std::string_view component, int id, std::string_view ctx,
                       std::string_view message, const bson_t* attributes);

void Write(Severity severity, std::string_view component, int id, std::string_view ctx,
           std::string_view message, const bson_t* attributes = nullptr);

// A debug line of `level` (1..5), dropped unless the verbosity allows it.
void Debug(int level, std::string_view component, int id, std::string_view ctx,
           std::string_view message, const bson_t* attributes = nullptr);

inline void Info(std::string_view component, int id, std::string_view ctx, std::string_view msg,
                 const bson_t* attr = nullptr) {
  Write(Severity::kInfo, component, id, ctx, msg, attr);
}
inline void Warning(std::string_view component, int id, std::string_view ctx, std::string_view msg,
                    const bson_t* attr = nullptr) {
  Write(Severity::kWarning, component, id, ctx, msg, attr);
}
inline void Error(std::string_view component, int id, std::string_view ctx, std::string_view msg,
                  const bson_t* attr = nullptr) {
  Write(Severity::kError, component, id, ctx, msg, attr);
}

// The current time as mongod's log lines print it: 2026-11-24T05:06:07.089+00:00 (UTC).
std::string CurrentTimestamp();

}  // namespace basalt::log
