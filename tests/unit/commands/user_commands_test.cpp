// User management commands through the dispatcher, against an in-memory
// engine: mongod's replies and errors, and what is stored.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "catalog_test_util.h"

using namespace basalt;
using namespace basalt::commands;
using testing::Error;

namespace {

struct Users : testing::Catalog {
  Users() {
    REQUIRE(Run(R"({"createUser": "ann", "pwd": "pw", "roles": ["read"], "$db": "app"})") ==
            R"({ "ok" : 1.0 })");
    REQUIRE(Run(R"({"createUser": "bob", "pwd": "pw", "roles": [{"role": "readWrite", "db": "app"}],
                    "customData": {"team": 7}, "mechanisms": ["SCRAM-SHA-256"], "$db": "app"})") ==
            R"({ "ok" : 1.0 })");
    REQUIRE(Run(R"({"createUser": "ann", "pwd": "pw", "roles": [], "$db": "other"})") ==
            R"({ "ok" : 1.0 })");
  }
};

}  // namespace

TEST_CASE("user commands answer with mongod's errors") {
  Users u;
  struct Row {
    const char* command;
    std::string reply;
  };
  const Row rows[] = {
      {R"({"createUser": "ann", "pwd": "x", "roles": [], "$db": "app"})",
       Error(51003, "Location51003", R"(User \"ann@app\" already exists)")},
      {R"({"createUser": "", "pwd": "x", "roles": [], "$db": "app"})",
       Error(2, "BadValue", "User document needs 'user' field to be non-empty")},
      {R"({"createUser": "c", "pwd": "x", "$db": "app"})",
       Error(40414, "Location40414",
             "BSON field 'createUser.roles' is missing but a required field")},
      {R"({"createUser": "c", "roles": [], "$db": "app"})",
       Error(2, "BadValue",
             "Must provide a 'pwd' field for all user documents, except those with '$external' "
             "as the user's source db")},
      {R"({"createUser": "c", "pwd": true, "roles": [], "$db": "app"})",
       Error(14, "TypeMismatch",
             "BSON field 'createUser.pwd' is the wrong type 'bool', expected type 'string'")},
      {R"({"createUser": "c", "pwd": "", "roles": [], "$db": "app"})",
       Error(50687, "Location50687",
             "Error preflighting UTF-8 conversion: U_STRING_NOT_TERMINATED_WARNING")},
      {R"({"createUser": "c", "pwd": "a\u0000b", "roles": [], "$db": "app"})",
       Error(50692, "Location50692",
             "Error preflighting normalization: U_STRINGPREP_PROHIBITED_ERROR")},
      {R"({"createUser": "c", "pwd": "x", "roles": [], "mechanisms": [], "$db": "app"})",
       Error(2, "BadValue", "mechanisms field must not be empty")},
      {R"({"createUser": "c", "pwd": "x", "roles": [], "mechanisms": ["PLAIN"], "$db": "app"})",
       Error(2, "BadValue", "Unknown auth mechanism 'PLAIN'")},
      {R"({"createUser": "c", "pwd": "x", "roles": ["nope"], "$db": "app"})",
       Error(31, "RoleNotFound", "Could not find role: nope@app")},
      {R"({"createUser": "c", "pwd": "x", "roles": ["readAnyDatabase"], "$db": "app"})",
       Error(31, "RoleNotFound", "Could not find role: readAnyDatabase@app")},
      {R"({"createUser": "c", "pwd": "x", "roles": [], "$db": "local"})",
       Error(2, "BadValue", "Cannot create users in the local database")},
      {R"({"createUser": "c", "pwd": "x", "roles": [], "digestPassword": false, "$db": "app"})",
       Error(2, "BadValue", "Use of SCRAM-SHA-256 requires undigested passwords")},
      {R"({"createUser": "c", "pwd": "x", "roles": [], "frob": 1, "$db": "app"})",
       Error(40415, "Location40415", "BSON field 'createUser.frob' is an unknown field.")},
      {R"({"updateUser": "zed", "pwd": "x", "$db": "app"})",
       Error(11, "UserNotFound", "User zed@app not found")},
      {R"({"updateUser": "ann", "$db": "app"})",
       Error(2, "BadValue", "Must specify at least one field to update in updateUser")},
      {R"({"updateUser": "bob", "mechanisms": ["SCRAM-SHA-1"], "$db": "app"})",
       Error(2, "BadValue", "mechanisms field must be a subset of previously set mechanisms")},
      {R"({"dropUser": "zed", "$db": "app"})",
       Error(11, "UserNotFound", "User 'zed@app' not found")},
      {R"({"grantRolesToUser": "zed", "roles": ["read"], "$db": "app"})",
       Error(11, "UserNotFound", R"(Could not find user \"zed\" for db \"app\")")},
      {R"({"grantRolesToUser": "ann", "roles": [], "$db": "app"})",
       Error(2, "BadValue", R"(grantRolesToUser command requires a non-empty \"roles\" array)")},
      {R"({"revokeRolesFromUser": "ann", "$db": "app"})",
       Error(40414, "Location40414",
             "BSON field 'revokeRolesFromUser.roles' is missing but a required field")},
      {R"({"usersInfo": null, "$db": "app"})",
       Error(2, "BadValue", "UserName must be either a string or an object")},
      {R"({"usersInfo": {"foo": "bar"}, "$db": "app"})",
       Error(2, "BadValue", "UserName contains an unknown field named: 'foo")},
      {R"({"usersInfo": {"user": 123, "db": "app"}, "$db": "app"})",
       Error(2, "BadValue", "UserName must contain a string field named: user. But, has type int")},
      {R"({"usersInfo": [{"user": "ann"}], "$db": "app"})",
       Error(2, "BadValue", "UserName must contain a field named: db")},
      {R"({"usersInfo": "ann", "filter": {}, "$db": "app"})",
       Error(2, "BadValue",
             "Filter is only allowed when retrieving all users, or all users on a database")},
  };
  for (const auto& row : rows) {
    INFO(row.command);
    CHECK(u.Run(row.command) == row.reply);
  }
}

TEST_CASE("usersInfo shows users sorted by name, credentials only when asked") {
  Users u;
  const std::string ann_app =
      R"({ "_id" : "app.ann", "userId" : UUID, "user" : "ann", "db" : "app", "roles" : [ )"
      R"({ "role" : "read", "db" : "app" } ], "mechanisms" : [ "SCRAM-SHA-1", "SCRAM-SHA-256" ] })";
  const std::string bob =
      R"({ "_id" : "app.bob", "userId" : UUID, "user" : "bob", "db" : "app", "customData" : )"
      R"({ "team" : 7 }, "roles" : [ { "role" : "readWrite", "db" : "app" } ], "mechanisms" : )"
      R"([ "SCRAM-SHA-256" ] })";
  const std::string ann_other =
      R"({ "_id" : "other.ann", "userId" : UUID, "user" : "ann", "db" : "other", "roles" : [  ], )"
      R"("mechanisms" : [ "SCRAM-SHA-1", "SCRAM-SHA-256" ] })";
  CHECK(u.Run(R"({"usersInfo": 1, "$db": "app"})") ==
        R"({ "users" : [ )" + ann_app + ", " + bob + R"( ], "ok" : 1.0 })");
  CHECK(u.Run(R"({"usersInfo": "bob", "$db": "app"})") ==
        R"({ "users" : [ )" + bob + R"( ], "ok" : 1.0 })");
  // Asked for in another order, and across databases: still sorted by user, then db.
  CHECK(
      u.Run(R"({"usersInfo": ["bob", {"user": "ann", "db": "other"}, "nobody"], "$db": "app"})") ==
      R"({ "users" : [ )" + ann_other + ", " + bob + R"( ], "ok" : 1.0 })");
  CHECK(u.Run(R"({"usersInfo": {"forAllDBs": true}, "$db": "admin"})") ==
        R"({ "users" : [ )" + ann_app + ", " + ann_other + ", " + bob + R"( ], "ok" : 1.0 })");
  CHECK(u.Run(R"({"usersInfo": 1, "filter": {"customData.team": 7}, "$db": "app"})") ==
        R"({ "users" : [ )" + bob + R"( ], "ok" : 1.0 })");
  std::string with_credentials =
      u.Run(R"({"usersInfo": "bob", "showCredentials": true, "$db": "app"})");
  CHECK(with_credentials.find(
            R"("credentials" : { "SCRAM-SHA-256" : { "iterationCount" : 15000, "salt" : ")") !=
        std::string::npos);
  CHECK(with_credentials.find("SCRAM-SHA-1\" :") == std::string::npos);
}

TEST_CASE("granting, revoking, updating and dropping users") {
  Users u;
  CHECK(
      u.Run(
          R"({"grantRolesToUser": "ann", "roles": ["readWrite", "read", {"role": "dbAdmin", "db": "app"}], "$db": "app"})") ==
      R"({ "ok" : 1.0 })");
  CHECK(
      u.Run(R"({"usersInfo": "ann", "$db": "app"})")
          .find(
              R"("roles" : [ { "role" : "read", "db" : "app" }, { "role" : "readWrite", "db" : "app" }, )"
              R"({ "role" : "dbAdmin", "db" : "app" } ])") != std::string::npos);
  CHECK(u.Run(R"({"revokeRolesFromUser": "ann", "roles": ["read", "userAdmin"], "$db": "app"})") ==
        R"({ "ok" : 1.0 })");
  CHECK(
      u.Run(R"({"usersInfo": "ann", "$db": "app"})")
          .find(
              R"("roles" : [ { "role" : "readWrite", "db" : "app" }, { "role" : "dbAdmin", "db" : "app" } ])") !=
      std::string::npos);
  CHECK(u.Run(R"({"updateUser": "ann", "roles": [], "customData": {"x": 1}, "$db": "app"})") ==
        R"({ "ok" : 1.0 })");
  CHECK(u.Run(R"({"usersInfo": "ann", "$db": "app"})")
            .find(R"("customData" : { "x" : 1 }, "roles" : [  ])") != std::string::npos);
  CHECK(u.Run(R"({"updateUser": "ann", "mechanisms": ["SCRAM-SHA-256"], "$db": "app"})") ==
        R"({ "ok" : 1.0 })");
  CHECK(u.Run(R"({"usersInfo": "ann", "$db": "app"})")
            .find(R"("mechanisms" : [ "SCRAM-SHA-256" ])") != std::string::npos);
  CHECK(u.Run(R"({"dropUser": "ann", "$db": "app"})") == R"({ "ok" : 1.0 })");
  CHECK(u.Run(R"({"dropAllUsersFromDatabase": 1, "$db": "app"})") == R"({ "n" : 1, "ok" : 1.0 })");
  CHECK(u.Run(R"({"dropAllUsersFromDatabase": 1, "$db": "app"})") == R"({ "n" : 0, "ok" : 1.0 })");
  CHECK(u.Run(R"({"usersInfo": {"forAllDBs": true}, "$db": "admin"})").find("other.ann") !=
        std::string::npos);
}

TEST_CASE("concurrent role changes to one user are none of them lost") {
  Users u;
  const char* roles[] = {"readWrite", "dbAdmin", "userAdmin", "dbOwner"};
  std::atomic<int> lost{0}, failed{0};
  std::vector<std::thread> threads;
  for (const char* role : roles) {
    threads.emplace_back([&, role] {
      ConnectionState connection;
      OperationContext op{u.service, connection};
      Dispatcher dispatcher(u.registry);
      auto run = [&](const std::string& json) {
        bson_error_t error;
        bson_t* body =
            bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), -1, &error);
        CommandInvocation cmd;
        std::string reply = body && ParseInvocation(body, &cmd).ok()
                                ? testing::Typed(dispatcher.Run(op, cmd).get())
                                : "unparsable";
        if (body) bson_destroy(body);
        return reply;
      };
      const std::string entry = std::string(R"({ "role" : ")") + role + R"(", "db" : "app" })";
      const std::string list = std::string(R"(["roles": [")") + role + R"("], "$db": "app"})";
      const std::string grant = R"({"grantRolesToUser": "ann", )" + list.substr(1);
      const std::string revoke = R"({"revokeRolesFromUser": "ann", )" + list.substr(1);
      for (int i = 0; i < 200; ++i) {
        // Only this thread touches its role: another thread's write must not undo ours.
        if (run(grant) != R"({ "ok" : 1.0 })") ++failed;
        if (run(R"({"usersInfo": "ann", "$db": "app"})").find(entry) == std::string::npos) ++lost;
        if (run(revoke) != R"({ "ok" : 1.0 })") ++failed;
        if (run(R"({"usersInfo": "ann", "$db": "app"})").find(entry) != std::string::npos) ++lost;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(lost == 0);
  CHECK(u.Run(R"({"usersInfo": "ann", "$db": "app"})")
            .find(R"("roles" : [ { "role" : "read", "db" : "app" } ])") != std::string::npos);
}
