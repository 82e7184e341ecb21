#include "server/options.h"

#include <catch2/catch.hpp>

using namespace basalt;
using namespace basalt::server;

namespace {
StatusWith<ParseResult> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "basaltd");
  return ParseOptions(args);
}
}  // namespace

TEST_CASE("defaults match mongod's") {
  auto r = Parse({});
  REQUIRE(r.ok());
  const ServerOptions& o = r.value().options;
  CHECK(o.port == 27017);
  CHECK(o.bind_ip == std::vector<std::string>{"127.0.0.1"});
  CHECK(o.dbpath == "/data/db");
  CHECK(o.journal_commit_interval_ms == 100);
  CHECK(o.parsed.ToJson() == "{ }");
}

TEST_CASE("flags take separate or inline values, the last one wins") {
  auto r = Parse({"--port", "27018", "--dbpath=/tmp/x", "--bind_ip", "127.0.0.1, ::1", "--quiet",
                  "--port=27019"});
  REQUIRE(r.ok());
  const ServerOptions& o = r.value().options;
  CHECK(o.port == 27019);
  CHECK(o.dbpath == "/tmp/x");
  CHECK(o.bind_ip == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(o.quiet);
  CHECK(o.parsed.ToJson() ==
        R"({ "net" : { "port" : 27019, "bindIp" : "127.0.0.1, ::1" }, "storage" : { "dbPath" : )"
        R"("/tmp/x" }, "systemLog" : { "quiet" : true } })");
}

TEST_CASE("an unknown option or bad value names the option") {
  auto unknown = Parse({"--frobnicate"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().reason() ==
        "Error parsing command line: unrecognised option '--frobnicate'");
  auto bad_port = Parse({"--port", "70000"});
  REQUIRE_FALSE(bad_port.ok());
  CHECK(bad_port.status().reason() == "Bad value for option net.port: must be between 0 and 65535");
  auto not_number = Parse({"--port", "abc"});
  REQUIRE_FALSE(not_number.ok());
  CHECK(not_number.status().reason().find("net.port") != std::string::npos);
  auto missing = Parse({"--dbpath"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().reason().find("'--dbpath' is missing") != std::string::npos);
  auto engine = Parse({"--storageEngine", "mmapv1"});
  REQUIRE_FALSE(engine.ok());
  CHECK(engine.status().reason().find("storage.engine") != std::string::npos);
}

TEST_CASE("a YAML config in mongod.conf layout sets nested options") {
  ServerOptions o;
  REQUIRE(ApplyConfigYaml(R"(
net:
  port: 28000
  bindIp: 0.0.0.0
  compression:
    compressors: zstd
storage:
  dbPath: /var/lib/basalt
  engine: inMemory
  journal:
    commitIntervalMs: 50
systemLog:
  destination: file
  path: /tmp/basalt.log
  logAppend: true
)",
                          &o)
              .ok());
  CHECK(o.port == 28000);
  CHECK(o.bind_ip == std::vector<std::string>{"0.0.0.0"});
  CHECK(o.compressors == std::vector<protocol::CompressorId>{protocol::CompressorId::kZstd});
  CHECK(o.dbpath == "/var/lib/basalt");
  CHECK(o.storage_engine == "inMemory");
  CHECK(o.journal_commit_interval_ms == 50);
  CHECK(o.log_path == "/tmp/basalt.log");
  CHECK(o.log_append);
}

TEST_CASE("unknown YAML keys and malformed YAML are refused by name") {
  ServerOptions o;
  Status unknown = ApplyConfigYaml("net:\n  port: 1\n  frob: 2\n", &o);
  CHECK(unknown.reason() == "Unrecognized option: net.frob");
  Status bad = ApplyConfigYaml("net: [1, 2\n", &o);
  CHECK_FALSE(bad.ok());
  CHECK(bad.reason().find("Error parsing YAML config file") == 0);
  Status bad_value = ApplyConfigYaml("net:\n  port: many\n", &o);
  CHECK(bad_value.reason().find("net.port") != std::string::npos);
}

TEST_CASE("--auth, --noauth and security.authorization turn access control on and off") {
  struct Row {
    std::vector<std::string> args;
    bool auth;
    const char* parsed;
  };
  const Row rows[] = {
      {{}, false, "{ }"},
      {{"--auth"}, true, R"({ "security" : { "authorization" : "enabled" } })"},
      {{"--noauth"}, false, R"({ "security" : { "authorization" : "disabled" } })"},
      {{"--auth", "--noauth"}, false, R"({ "security" : { "authorization" : "disabled" } })"},
  };
  for (const auto& row : rows) {
    auto r = Parse(row.args);
    REQUIRE(r.ok());
    CHECK(r.value().options.auth == row.auth);
    CHECK(r.value().options.parsed.ToJson() == row.parsed);
  }
  ServerOptions on;
  REQUIRE(ApplyConfigYaml("security:\n  authorization: enabled\n", &on).ok());
  CHECK(on.auth);
  ServerOptions off;
  REQUIRE(ApplyConfigYaml("security:\n  authorization: disabled\n", &off).ok());
  CHECK_FALSE(off.auth);
  ServerOptions bad;
  Status status = ApplyConfigYaml("security:\n  authorization: yes\n", &bad);
  REQUIRE_FALSE(status.ok());
  CHECK(status.reason() == "Bad value for option security.authorization: must be enabled or disabled");
  CHECK(HelpText().find("--auth ") != std::string::npos);
}
