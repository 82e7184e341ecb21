// currentOp, killOp, setParameter logLevel, logRotate and the command
// latencies, through the dispatcher.
#include <catch2/catch.hpp>
#include <thread>

#include "base/interrupt.h"
#include "base/log.h"
#include "commands/command.h"
#include "commands/dispatcher.h"
#include "commands/operation_registry.h"
#include "commands/prometheus.h"

using namespace basalt;
using namespace basalt::commands;

namespace {

struct Fixture {
  Fixture() {
    RegisterAllCommands(&registry);
    connection.id = 12;
    connection.remote = "127.0.0.1:50000";
  }
  Bson Run(const char* json) {
    bson_error_t error;
    bson_t* body = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
    REQUIRE(body);
    CommandInvocation invocation;
    Status parsed = ParseInvocation(body, &invocation);
    Bson reply = parsed.ok() ? Dispatcher(registry).Run(op, invocation) : ErrorReply(parsed);
    bson_destroy(body);
    return reply;
  }
  ServiceContext service;
  ConnectionState connection;
  OperationContext op{service, connection};
  CommandRegistry registry;
};

bool Contains(const Bson& doc, const std::string& text) {
  return doc.ToJson().find(text) != std::string::npos;
}

Bson FromJson(const char* json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  REQUIRE(doc);
  Bson out = Bson::Copy(doc);
  bson_destroy(doc);
  return out;
}

}  // namespace

TEST_CASE("commands are classified with mongod's op types and namespaces") {
  struct Row {
    const char* name;
    const char* body;
    const char* op;
    const char* ns;
  };
  for (Row row : {
           Row{"find", R"({"find": "users"})", "query", "app.users"},
           Row{"getMore", R"({"getMore": 5, "collection": "users"})", "getmore", "app.users"},
           Row{"insert", R"({"insert": "users"})", "insert", "app.users"},
           Row{"update", R"({"update": "users"})", "update", "app.users"},
           Row{"delete", R"({"delete": "users"})", "remove", "app.users"},
           Row{"aggregate", R"({"aggregate": "users"})", "command", "app.users"},
           Row{"aggregate", R"({"aggregate": 1})", "command", "app.$cmd.aggregate"},
           Row{"ping", R"({"ping": 1})", "command", "app.$cmd"},
       }) {
    Bson body = FromJson(row.body);
    OpTypeAndNs kind = ClassifyCommand(row.name, "app", body.get());
    CHECK(kind.op == row.op);
    CHECK(kind.ns == row.ns);
  }
}

TEST_CASE("the registry hands out increasing opids and kills only what it holds") {
  OperationRegistry registry;
  auto a = registry.Add(std::make_shared<ActiveOperation>());
  auto b = registry.Add(std::make_shared<ActiveOperation>());
  CHECK(b->opid == a->opid + 1);
  CHECK(registry.Snapshot().size() == 2);
  CHECK(registry.Kill(b->opid));
  CHECK(b->killed.load());
  CHECK_FALSE(a->killed.load());
  registry.Remove(b->opid);
  CHECK_FALSE(registry.Kill(b->opid));
  CHECK(registry.Snapshot().size() == 1);
}

TEST_CASE("currentOp lists itself with mongod's fields and applies the filter") {
  Fixture f;
  Bson all = f.Run(R"({"currentOp": 1, "$db": "admin"})");
  CHECK(Contains(all, R"("type" : "op")"));
  CHECK(Contains(all, R"("desc" : "conn12")"));
  CHECK(Contains(all, R"("connectionId" : 12)"));
  CHECK(Contains(all, R"("client" : "127.0.0.1:50000")"));
  CHECK(Contains(all, R"("active" : true)"));
  CHECK(Contains(all, R"("op" : "command")"));
  CHECK(Contains(all, R"("ns" : "admin.$cmd")"));
  CHECK(Contains(all, R"("command" : { "currentOp" : 1, "$db" : "admin" })"));
  CHECK(Contains(all, R"("opid" : )"));
  CHECK(Contains(all, R"("microsecs_running" : )"));
  Bson matching = f.Run(R"({"currentOp": 1, "active": true, "op": "command", "$db": "admin"})");
  CHECK(Contains(matching, R"("desc" : "conn12")"));
  Bson none = f.Run(R"({"currentOp": 1, "ns": "nope.nope", "$db": "admin"})");
  CHECK(none.ToJson() == R"({ "inprog" : [  ], "ok" : 1.0 })");
  Bson bad = f.Run(R"({"currentOp": 1, "op": {"$frob": 1}, "$db": "admin"})");
  CHECK(Contains(bad, R"("ok" : 0.0)"));
  Bson not_admin = f.Run(R"({"currentOp": 1, "$db": "test"})");
  CHECK(Contains(not_admin, R"("code" : 13)"));
}

TEST_CASE("killOp validates its op argument and marks the operation killed") {
  Fixture f;
  CHECK(Contains(f.Run(R"({"killOp": 1, "$db": "admin"})"),
                 R"("errmsg" : "Did not provide \"op\" field")"));
  CHECK(Contains(f.Run(R"({"killOp": 1, "op": "x", "$db": "admin"})"), R"("code" : 14)"));
  CHECK(f.Run(R"({"killOp": 1, "op": 424242, "$db": "admin"})").ToJson() ==
        R"({ "info" : "attempting to kill op", "ok" : 1.0 })");
  auto active = f.service.operations.Add(std::make_shared<ActiveOperation>());
  std::string cmd =
      R"({"killOp": 1, "op": )" + std::to_string(active->opid) + R"(, "$db": "admin"})";
  CHECK(Contains(f.Run(cmd.c_str()), R"("ok" : 1.0)"));
  CHECK(active->killed.load());
  InterruptScope scope(&active->killed);
  CHECK(CheckForInterrupt().code() == ErrorCodes::Interrupted);
}

TEST_CASE("setParameter logLevel changes the verbosity getParameter reports") {
  Fixture f;
  log::SetVerbosity(0);
  CHECK(f.Run(R"({"setParameter": 1, "logLevel": 2, "$db": "admin"})").ToJson() ==
        R"({ "was" : 0, "ok" : 1.0 })");
  CHECK(log::Verbosity() == 2);
  CHECK(Contains(f.Run(R"({"getParameter": 1, "logLevel": 1, "$db": "admin"})"),
                 R"("logLevel" : 2)"));
  CHECK(Contains(f.Run(R"({"setParameter": 1, "logLevel": 9, "$db": "admin"})"), R"("code" : 2)"));
  CHECK(
      Contains(f.Run(R"({"setParameter": 1, "logLevel": "x", "$db": "admin"})"), R"("code" : 14)"));
  CHECK(Contains(
      f.Run(R"({"setParameter": 1, "frob": 1, "$db": "admin"})"),
      R"("errmsg" : "attempted to set unrecognized parameter [frob], use help:true to see options ")"));
  CHECK(Contains(f.Run(R"({"setParameter": 1, "$db": "admin"})"), R"("code" : 72)"));
  log::SetVerbosity(0);
}

TEST_CASE("setParameter logComponentVerbosity sets per-component levels, all or nothing") {
  Fixture f;
  log::SetVerbosity(0);
  Bson reply = f.Run(
      R"({"setParameter": 1, "logComponentVerbosity": {"command": {"verbosity": 3}}, "$db": "admin"})");
  CHECK(Contains(reply, R"("was" : { "verbosity" : 0, "accessControl" : { "verbosity" : -1 })"));
  CHECK(log::ComponentVerbosity("COMMAND") == 3);
  CHECK(log::ShouldLogDebug("COMMAND", 3));
  CHECK_FALSE(log::ShouldLogDebug("QUERY", 1));
  CHECK(Contains(f.Run(R"({"getParameter": 1, "logComponentVerbosity": 1, "$db": "admin"})"),
                 R"("command" : { "verbosity" : 3 })"));
  // A bad entry changes nothing, even the good ones before it.
  Bson bad = f.Run(
      R"({"setParameter": 1, "logComponentVerbosity": {"verbosity": 1, "nope": {"verbosity": 1}},)"
      R"( "$db": "admin"})");
  CHECK(Contains(bad, R"("errmsg" : "Invalid component name logComponentVerbosity.nope")"));
  CHECK(log::Verbosity() == 0);
  CHECK(
      Contains(f.Run(R"({"setParameter": 1, "logComponentVerbosity": {"query": {"verbosity": 6}},)"
                     R"( "$db": "admin"})"),
               R"("code" : 2)"));
  CHECK(Contains(f.Run(R"({"setParameter": 1, "logComponentVerbosity": 1, "$db": "admin"})"),
                 R"("code" : 14)"));
  f.Run(
      R"({"setParameter": 1, "logComponentVerbosity": {"command": {"verbosity": -1}}, "$db": "admin"})");
  CHECK(log::ComponentVerbosity("COMMAND") == -1);
}

TEST_CASE("logRotate without a log file succeeds; a bad log type fails") {
  Fixture f;
  CHECK(f.Run(R"({"logRotate": 1, "$db": "admin"})").ToJson() == R"({ "ok" : 1.0 })");
  CHECK(f.Run(R"({"logRotate": "server", "$db": "admin"})").ToJson() == R"({ "ok" : 1.0 })");
  CHECK(Contains(f.Run(R"({"logRotate": "nope", "$db": "admin"})"), R"("ok" : 0.0)"));
  CHECK(Contains(f.Run(R"({"logRotate": 1, "$db": "test"})"), R"("code" : 13)"));
}

TEST_CASE("latency histograms are cumulative and rendered in Prometheus' format") {
  CommandLatencies latencies;
  latencies.Record("find", std::chrono::microseconds(50));  // <= 0.0001
  latencies.Record("find", std::chrono::milliseconds(3));   // <= 0.005
  latencies.Record("find", std::chrono::seconds(2));        // only +Inf
  auto snapshot = latencies.Snapshot();
  REQUIRE(snapshot.size() == 1);
  const auto& h = snapshot[0].second;
  CHECK(h.count == 3);
  CHECK(h.cumulative[0] == 1);      // le 0.0001
  CHECK(h.cumulative[4] == 1);      // le 0.0025
  CHECK(h.cumulative[5] == 2);      // le 0.005
  CHECK(h.cumulative.back() == 2);  // le 1
  CHECK(h.sum_seconds == Approx(2.00305));

  Fixture f;
  f.Run(R"({"ping": 1, "$db": "admin"})");
  f.Run(R"({"ping": 1, "$db": "admin"})");
  std::string text = RenderPrometheusMetrics(f.service);
  CHECK(text.find("# TYPE basalt_command_duration_seconds histogram\n") != std::string::npos);
  CHECK(text.find("basalt_command_duration_seconds_bucket{command=\"ping\",le=\"+Inf\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("basalt_command_duration_seconds_count{command=\"ping\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("basalt_command_duration_seconds_bucket{command=\"ping\",le=\"0.00025\"}") !=
        std::string::npos);
  CHECK(text.find("basalt_opcounters_total{type=\"command\"} 2\n") != std::string::npos);
  CHECK(text.find("# TYPE basalt_connections_current gauge\nbasalt_connections_current 0\n") !=
        std::string::npos);
}
