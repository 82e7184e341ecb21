#include "base/log.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/bson.h"

using namespace basalt;

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh directory for one test, removed afterwards; the log goes back to stdout.
struct TempLogDir {
  TempLogDir() {
    dir = std::filesystem::temp_directory_path() /
          ("basalt-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
  }
  ~TempLogDir() {
    log::Setup({});
    std::filesystem::remove_all(dir);
  }
  std::vector<std::filesystem::path> Files() const {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  std::filesystem::path dir;
  static inline int counter = 0;
};

}  // namespace

TEST_CASE("debug severities print as D1..D5 in both formats") {
  struct Row {
    int level;
    const char* json_severity;
  };
  for (Row row : {Row{1, "\"s\":\"D1\""}, Row{3, "\"s\":\"D3\""}, Row{5, "\"s\":\"D5\""}}) {
    std::string json =
        log::FormatLine(log::Format::kJson, log::Severity::kDebug, row.level, "COMMAND", 21965,
                        "conn1", "About to run the command", nullptr);
    CHECK(json.find(row.json_severity) != std::string::npos);
    std::string text = log::FormatLine(log::Format::kText, log::Severity::kDebug, row.level,
                                       "COMMAND", 21965, "conn1", "m", nullptr);
    CHECK(text.find(" D" + std::to_string(row.level) + " COMMAND") != std::string::npos);
  }
  CHECK(
      log::FormatLine(log::Format::kJson, log::Severity::kInfo, 0, "NETWORK", 1, "x", "m", nullptr)
          .find("\"s\":\"I\"") != std::string::npos);
}

TEST_CASE("debug lines follow the global verbosity unless the component has its own") {
  log::SetVerbosity(0);
  log::SetComponentVerbosity("COMMAND", -1);
  CHECK_FALSE(log::ShouldLogDebug("COMMAND", 1));
  log::SetVerbosity(2);
  CHECK(log::ShouldLogDebug("COMMAND", 1));
  CHECK(log::ShouldLogDebug("COMMAND", 2));
  CHECK_FALSE(log::ShouldLogDebug("COMMAND", 3));
  log::SetComponentVerbosity("COMMAND", 5);
  CHECK(log::ShouldLogDebug("COMMAND", 5));
  CHECK_FALSE(log::ShouldLogDebug("NETWORK", 3));  // still the global level
  log::SetComponentVerbosity("COMMAND", 0);
  CHECK_FALSE(log::ShouldLogDebug("COMMAND", 1));
  CHECK(log::ComponentVerbosity("NOSUCH") == -1);
  log::SetComponentVerbosity("COMMAND", -1);
  log::SetVerbosity(0);
}

TEST_CASE("rotation without a log file succeeds and does nothing") {
  log::Setup({});
  CHECK(log::Rotate().ok());
}

TEST_CASE("rename rotation moves the file aside with a timestamp and starts a new one") {
  TempLogDir tmp;
  log::Options options;
  options.path = (tmp.dir / "basalt.log").string();
  REQUIRE(log::Setup(options).empty());
  log::Info("CONTROL", 1, "test", "before rotation");
  REQUIRE(log::Rotate().ok());
  log::Info("CONTROL", 2, "test", "after rotation");
  auto files = tmp.Files();
  REQUIRE(files.size() == 2);
  CHECK(files[0].filename() == "basalt.log");
  std::string rotated = files[1].filename().string();
  // basalt.log.YYYY-MM-DDTHH-MM-SS
  CHECK(rotated.size() == std::string("basalt.log.2026-01-01T00-00-00").size());
  CHECK(rotated.rfind("basalt.log.", 0) == 0);
  CHECK(ReadFile(files[1]).find("before rotation") != std::string::npos);
  CHECK(ReadFile(files[1]).find("after rotation") == std::string::npos);
  std::string current = ReadFile(files[0]);
  CHECK(current.find("after rotation") != std::string::npos);
  CHECK(current.find("Log rotation initiated") != std::string::npos);
  CHECK(current.find("before rotation") == std::string::npos);
  // A second rotation within the same second would overwrite the first: refused, as mongod.
  Status again = log::Rotate();
  if (!again.ok()) CHECK(again.reason().find("destination file exists") != std::string::npos);
}

TEST_CASE("reopen rotation writes to whatever is at the path after logrotate moved it") {
  TempLogDir tmp;
  log::Options options;
  options.path = (tmp.dir / "basalt.log").string();
  options.append = true;
  options.rotate_mode = log::RotateMode::kReopen;
  REQUIRE(log::Setup(options).empty());
  log::Info("CONTROL", 1, "test", "first file");
  std::filesystem::rename(tmp.dir / "basalt.log", tmp.dir / "basalt.log.1");
  REQUIRE(log::Rotate().ok());
  log::Info("CONTROL", 2, "test", "second file");
  CHECK(ReadFile(tmp.dir / "basalt.log.1").find("first file") != std::string::npos);
  CHECK(ReadFile(tmp.dir / "basalt.log.1").find("second file") == std::string::npos);
  CHECK(ReadFile(tmp.dir / "basalt.log").find("second file") != std::string::npos);
  CHECK(tmp.Files().size() == 2);
}
