// Structured logging in mongod's shape: severity, component, numeric id,
// context (thread or connection), message and attributes. Lines are written
// as text (default) or as JSON lines like mongod's log:
//   {"t":{"$date":"..."},"s":"I","c":"NETWORK","id":22943,"ctx":"listener",
//    "msg":"Connection accepted","attr":{...}}
// Thread-safe; the sink is spdlog's default logger, set up by the server.
#pragma once

#include <bson/bson.h>

#include <functional>
#include <string>
#include <string_view>

namespace basalt::log {

enum class Severity { kDebug, kInfo, kWarning, kError, kFatal };
enum class Format { kText, kJson };

struct Options {
  Format format = Format::kText;
  std::string path;     // empty: stdout
  bool append = false;  // keep an existing log file's contents
  bool quiet = false;   // drop routine connection messages
};

// Installs the spdlog sink. Returns an error message when the file cannot be opened.
std::string Setup(const Options& options);

// Also receives every formatted line (e.g. for getLog's in-memory copy).
void SetObserver(std::function<void(const std::string& line)> observer);

bool Quiet();

void Write(Severity severity, std::string_view component, int id, std::string_view ctx,
           std::string_view message, const bson_t* attributes = nullptr);

inline void Info(std::string_view component, int id, std::string_view ctx, std::string_view msg,
                 const bson_t* attr = nullptr) {
  Write(Severity::kInfo, component, id, ctx, msg, attr);
}
inline void Warning(std::string_view component, int id, std::string_view ctx,
                    std::string_view msg, const bson_t* attr = nullptr) {
  Write(Severity::kWarning, component, id, ctx, msg, attr);
}
inline void Error(std::string_view component, int id, std::string_view ctx, std::string_view msg,
                  const bson_t* attr = nullptr) {
  Write(Severity::kError, component, id, ctx, msg, attr);
}

}  // namespace basalt::log
