#include "server/options.h"

#include <catch2/catch.hpp>

#include "server/option_specs.h"

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

TEST_CASE("-v ... -vvvvv, --verbose and systemLog.verbosity set the log verbosity") {
  struct Row {
    std::vector<std::string> args;
    int level;
  };
  for (const Row& row : {Row{{}, 0}, Row{{"-v"}, 1}, Row{{"-vvv"}, 3}, Row{{"-vvvvv"}, 5},
                         Row{{"--verbose"}, 1}, Row{{"--verbose=vv"}, 2}}) {
    auto r = Parse(row.args);
    REQUIRE(r.ok());
    CHECK(r.value().options.verbosity == row.level);
  }
  auto too_many = Parse({"-vvvvvv"});
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().reason() ==
        "Bad value for option systemLog.verbosity: must be between 0 and 5");
  ServerOptions o;
  REQUIRE(ApplyConfigYaml("systemLog:\n  verbosity: 4\n  component:\n    command:\n"
                          "      verbosity: 2\n    storage:\n      verbosity: 1\n",
                          &o)
              .ok());
  CHECK(o.verbosity == 4);
  CHECK(o.component_verbosity ==
        std::vector<std::pair<std::string, int>>{{"COMMAND", 2}, {"STORAGE", 1}});
  ServerOptions bad;
  Status s = ApplyConfigYaml("systemLog:\n  component:\n    command:\n      verbosity: 7\n", &bad);
  CHECK(s.reason() ==
        "Bad value for option systemLog.component.command.verbosity: must be between -1 and 5");
  CHECK(
      ApplyConfigYaml("systemLog:\n  component:\n    nope:\n      verbosity: 1\n", &bad).reason() ==
      "Unrecognized option: systemLog.component.nope.verbosity");
}

TEST_CASE("new options: logRotate and the metrics port are validated and named") {
  struct Row {
    std::vector<std::string> args;
    std::string error;  // empty: accepted
  };
  for (const Row& row : {
           Row{{"--logRotate", "rename"}, ""},
           Row{{"--logRotate", "reopen", "--logpath", "/tmp/x.log", "--logappend"}, ""},
           Row{{"--logRotate", "sideways"},
               "Bad value for option systemLog.logRotate: must be rename or reopen"},
           Row{{"--logRotate", "reopen", "--logpath", "/tmp/x.log"},
               "Bad value for option systemLog.logRotate: reopen requires systemLog.path and "
               "systemLog.logAppend: true"},
           Row{{"--metricsPort", "9216"}, ""},
           Row{{"--metricsPort", "70000"},
               "Bad value for option net.metrics.port: must be between 0 and 65535"},
           Row{{"--metricsPort", "x"},
               "Bad value for option net.metrics.port: 'x' is not a number"},
           Row{{"--port", "9216", "--metricsPort", "9216"},
               "Bad value for option net.metrics.port: must differ from net.port"},
       }) {
    auto r = Parse(row.args);
    INFO(row.args[0] << " " << row.args[1]);
    if (row.error.empty()) {
      CHECK(r.ok());
    } else {
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().reason() == row.error);
    }
  }
  auto r = Parse({"--metricsPort", "9216", "--logRotate", "rename"});
  REQUIRE(r.ok());
  CHECK(r.value().options.metrics_port == 9216);
  CHECK(
      r.value().options.parsed.ToJson() ==
      R"({ "net" : { "metrics" : { "port" : 9216 } }, "systemLog" : { "logRotate" : "rename" } })");
  CHECK(Parse({}).value().options.metrics_port == -1);  // off by default
}

TEST_CASE("BASALT_* environment variables sit between the command line and the config file") {
  auto args = std::vector<std::string>{"basaltd", "--port", "27100"};
  Environment env = {{"BASALT_PORT", "27200"},     {"BASALT_BIND_IP", "0.0.0.0"},
                     {"BASALT_DBPATH", "/srv/db"}, {"BASALT_MAX_CONNS", "50"},
                     {"BASALT_VERBOSITY", "2"},    {"BASALT_BIND_IP_ALL", "true"}};
  auto r = ParseOptions(args, env);
  REQUIRE(r.ok());
  const ServerOptions& o = r.value().options;
  CHECK(o.port == 27100);  // the command line wins
  CHECK(o.bind_ip == std::vector<std::string>{"0.0.0.0"});
  CHECK(o.dbpath == "/srv/db");
  CHECK(o.max_incoming_connections == 50);
  CHECK(o.verbosity == 2);
  CHECK(o.bind_ip_all);

  auto typo = ParseOptions({"basaltd"}, {{"BASALT_PROT", "1"}});
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().reason() == "Error parsing environment: unrecognised variable BASALT_PROT");
  auto bad = ParseOptions({"basaltd"}, {{"BASALT_PORT", "http"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() ==
        "Bad value for option net.port: 'http' is not a number (from BASALT_PORT)");
  auto missing_config = ParseOptions({"basaltd"}, {{"BASALT_CONFIG", "/nonexistent/b.conf"}});
  REQUIRE_FALSE(missing_config.ok());
  CHECK(missing_config.status().reason().find("/nonexistent/b.conf") != std::string::npos);
}

TEST_CASE("environment variable names derive from the flags") {
  struct Row {
    const char* flag;
    const char* env;
  };
  for (Row row : {Row{"--port", "BASALT_PORT"}, Row{"--bind_ip", "BASALT_BIND_IP"},
                  Row{"--bind_ip_all", "BASALT_BIND_IP_ALL"}, Row{"--dbpath", "BASALT_DBPATH"},
                  Row{"--maxConns", "BASALT_MAX_CONNS"},
                  Row{"--metricsPort", "BASALT_METRICS_PORT"}, Row{"--logpath", "BASALT_LOGPATH"},
                  Row{"--journalCommitInterval", "BASALT_JOURNAL_COMMIT_INTERVAL"}}) {
    const OptionSpec* spec = FindByFlag(row.flag);
    REQUIRE(spec);
    CHECK(EnvName(*spec) == row.env);
  }
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
