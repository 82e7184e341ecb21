#include "commands/dispatcher.h"

#include <catch2/catch.hpp>

#include "commands/command.h"

using namespace basalt;
using namespace basalt::commands;

namespace {

struct Fixture {
  Fixture() { RegisterAllCommands(&registry); }
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

}  // namespace

TEST_CASE("ping succeeds with exactly { ok: 1 }") {
  Fixture f;
  CHECK(f.Run(R"({"ping": 1, "$db": "admin"})").ToJson() == R"({ "ok" : 1.0 })");
}

TEST_CASE("an unknown command fails as mongod's CommandNotFound") {
  Fixture f;
  CHECK(f.Run(R"({"frobnicate": 1, "$db": "test"})").ToJson() ==
        R"({ "ok" : 0.0, "errmsg" : "no such command: 'frobnicate'", "code" : 59, )"
        R"("codeName" : "CommandNotFound" })");
}

TEST_CASE("command names are case-sensitive except for mongod's aliases") {
  Fixture f;
  CHECK(f.Run(R"({"PING": 1, "$db": "admin"})").ToJson().find("\"code\" : 59") !=
        std::string::npos);
  CHECK(f.Run(R"({"ismaster": 1, "$db": "admin"})").ToJson().find("\"ismaster\" : true") !=
        std::string::npos);
  CHECK(f.Run(R"({"buildinfo": 1, "$db": "admin"})").ToJson().find("\"version\" : \"8.0.0\"") !=
        std::string::npos);
}

TEST_CASE("a missing or non-string $db is refused before dispatch") {
  Fixture f;
  CHECK(f.Run(R"({"ping": 1})").ToJson() ==
        R"({ "ok" : 0.0, "errmsg" : "OP_MSG requests require a $db argument", "code" : 40571, )"
        R"("codeName" : "Location40571" })");
  CHECK(f.Run(R"({"ping": 1, "$db": 5})").ToJson().find("\"code\" : 14") != std::string::npos);
}

TEST_CASE("admin-only commands refuse other databases with code 13") {
  Fixture f;
  CHECK(f.Run(R"({"getCmdLineOpts": 1, "$db": "test"})").ToJson() ==
        R"({ "ok" : 0.0, "errmsg" : "getCmdLineOpts may only be run against the admin )"
        R"(database.", "code" : 13, "codeName" : "Unauthorized" })");
}

TEST_CASE("the OP_QUERY path serves only the handshake commands") {
  Fixture f;
  bson_t* body = BCON_NEW("find", "c");
  CommandInvocation invocation;
  invocation.body = body;
  invocation.name = "find";
  invocation.db = "test";
  invocation.via_op_query = true;
  Bson reply = Dispatcher(f.registry).RunLegacyHandshake(f.op, invocation);
  CHECK(reply.ToJson().find("\"code\" : 352") != std::string::npos);
  CHECK(reply.ToJson().find("Unsupported OP_QUERY command: find. The client driver may require "
                            "an upgrade.") != std::string::npos);
  bson_destroy(body);
}

TEST_CASE("the first hello records client metadata; a later one may not change it") {
  Fixture f;
  CHECK(f.Run(R"({"hello": 1, "client": {"application": {"name": "x"}}, "$db": "admin"})")
            .ToJson()
            .find("\"ok\" : 1.0") != std::string::npos);
  REQUIRE(f.connection.client_metadata);
  CHECK(f.connection.client_metadata->ToJson().find("\"name\" : \"x\"") != std::string::npos);
  CHECK(f.Run(R"({"hello": 1, "client": {"application": {"name": "y"}}, "$db": "admin"})")
            .ToJson()
            .find("\"code\" : 186") != std::string::npos);
}

TEST_CASE("every registered command is listed once under its primary name") {
  Fixture f;
  auto all = f.registry.All();
  REQUIRE(all.size() >= 15);
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1]->name < all[i]->name);
  CHECK(f.registry.Find("ismaster") == f.registry.Find("isMaster"));
}
