// The built-in roles against the commands they must allow or refuse, and the
// dispatcher's checks under --auth: the localhost exception, the two
// Unauthorized messages, and a whole SCRAM-SHA-256 conversation.
#include "commands/authorization.h"

#include <catch2/catch.hpp>

#include "base/bson_shell.h"
#include "catalog_test_util.h"
#include "commands/scram.h"

using namespace basalt;
using namespace basalt::commands;

namespace {

Bson FromJson(const char* json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  REQUIRE(doc);
  Bson out = Bson::Copy(doc);
  bson_destroy(doc);
  return out;
}

// Whether a user holding `role` may run `json` (whose $db is the target).
bool Allowed(const RoleName& role, const char* json) {
  Bson body = FromJson(json);
  CommandInvocation cmd;
  REQUIRE(ParseInvocation(body.get(), &cmd).ok());
  auto required = RequiredPrivileges(cmd, cmd.name);
  REQUIRE(required);
  return Covers(PrivilegesOfRole(role), *required);
}

}  // namespace

TEST_CASE("each built-in role allows what it grants and nothing more") {
  struct Row {
    RoleName role;
    const char* command;
    bool allowed;
  };
  const Row rows[] = {
      {{"read", "app"}, R"({"find": "c", "$db": "app"})", true},
      {{"read", "app"}, R"({"aggregate": "c", "pipeline": [], "$db": "app"})", true},
      {{"read", "app"}, R"({"listCollections": 1, "$db": "app"})", true},
      {{"read", "app"}, R"({"insert": "c", "$db": "app"})", false},
      {{"read", "app"}, R"({"find": "c", "$db": "other"})", false},
      {{"read", "app"}, R"({"aggregate": "c", "pipeline": [{"$out": "d"}], "$db": "app"})", false},
      {{"readWrite", "app"}, R"({"insert": "c", "$db": "app"})", true},
      {{"readWrite", "app"},
       R"({"update": "c", "updates": [{"q": {}, "u": {}, "upsert": true}], "$db": "app"})",
       true},
      {{"readWrite", "app"},
       R"({"aggregate": "c", "pipeline": [{"$out": "d"}], "$db": "app"})",
       true},
      {{"readWrite", "app"},
       R"({"aggregate": "c", "pipeline": [{"$out": {"db": "x", "coll": "d"}}], "$db": "app"})",
       false},
      {{"readWrite", "app"}, R"({"createIndexes": "c", "indexes": [], "$db": "app"})", true},
      {{"readWrite", "app"}, R"({"dropDatabase": 1, "$db": "app"})", false},
      {{"readWrite", "app"}, R"({"createUser": "u", "roles": [], "$db": "app"})", false},
      {{"readWrite", "app"}, R"({"serverStatus": 1, "$db": "admin"})", false},
      {{"readWrite", "app"}, R"({"explain": {"find": "c"}, "$db": "app"})", true},
      {{"read", "app"}, R"({"explain": {"delete": "c", "deletes": []}, "$db": "app"})", false},
      {{"readWrite", "app"},
       R"({"renameCollection": "app.a", "to": "app.b", "$db": "admin"})",
       true},
      {{"readWrite", "app"},
       R"({"renameCollection": "app.a", "to": "other.b", "$db": "admin"})",
       false},
      {{"dbAdmin", "app"}, R"({"dropDatabase": 1, "$db": "app"})", true},
      {{"dbAdmin", "app"}, R"({"collMod": "c", "$db": "app"})", true},
      {{"dbAdmin", "app"}, R"({"find": "c", "$db": "app"})", false},
      {{"userAdmin", "app"}, R"({"createUser": "u", "roles": ["read"], "$db": "app"})", true},
      {{"userAdmin", "app"},
       R"({"createUser": "u", "roles": [{"role": "read", "db": "x"}], "$db": "app"})",
       false},
      {{"userAdmin", "app"}, R"({"usersInfo": 1, "$db": "app"})", true},
      {{"userAdmin", "app"}, R"({"insert": "c", "$db": "app"})", false},
      {{"dbOwner", "app"}, R"({"insert": "c", "$db": "app"})", true},
      {{"dbOwner", "app"}, R"({"dropUser": "u", "$db": "app"})", true},
      {{"dbOwner", "app"}, R"({"insert": "c", "$db": "other"})", false},
      {{"readAnyDatabase", "admin"}, R"({"find": "c", "$db": "anything"})", true},
      {{"readAnyDatabase", "admin"}, R"({"insert": "c", "$db": "anything"})", false},
      {{"readWriteAnyDatabase", "admin"}, R"({"insert": "c", "$db": "anything"})", true},
      {{"readWriteAnyDatabase", "admin"}, R"({"getLog": "global", "$db": "admin"})", false},
      {{"userAdminAnyDatabase", "admin"}, R"({"createUser": "u", "roles": [], "$db": "x"})", true},
      {{"userAdminAnyDatabase", "admin"},
       R"({"usersInfo": {"forAllDBs": true}, "$db": "admin"})",
       true},
      {{"userAdminAnyDatabase", "admin"}, R"({"find": "c", "$db": "x"})", false},
      {{"dbAdminAnyDatabase", "admin"}, R"({"drop": "c", "$db": "x"})", true},
      {{"clusterMonitor", "admin"}, R"({"serverStatus": 1, "$db": "admin"})", true},
      {{"clusterMonitor", "admin"}, R"({"currentOp": 1, "$db": "admin"})", true},
      {{"clusterMonitor", "admin"}, R"({"shutdown": 1, "$db": "admin"})", false},
      {{"clusterAdmin", "admin"}, R"({"killOp": 1, "op": 1, "$db": "admin"})", true},
      {{"hostManager", "admin"}, R"({"logRotate": 1, "$db": "admin"})", true},
      {{"clusterMonitor", "admin"}, R"({"logRotate": 1, "$db": "admin"})", false},
      {{"root", "admin"}, R"({"shutdown": 1, "$db": "admin"})", true},
      {{"root", "admin"}, R"({"insert": "c", "$db": "x"})", true},
      {{"root", "admin"}, R"({"someFutureCommand": 1, "$db": "x"})", true},
      {{"readWriteAnyDatabase", "admin"}, R"({"someFutureCommand": 1, "$db": "x"})", false},
  };
  for (const auto& row : rows) {
    INFO(row.role.Display() << " " << row.command);
    CHECK(Allowed(row.role, row.command) == row.allowed);
  }
}

TEST_CASE("handshake and authentication commands need no privileges") {
  for (const char* json :
       {R"({"hello": 1, "$db": "admin"})", R"({"isMaster": 1, "$db": "admin"})",
        R"({"saslStart": 1, "$db": "admin"})", R"({"saslContinue": 1, "$db": "admin"})",
        R"({"ping": 1, "$db": "admin"})", R"({"buildInfo": 1, "$db": "admin"})",
        R"({"logout": 1, "$db": "admin"})", R"({"connectionStatus": 1, "$db": "admin"})"}) {
    Bson body = FromJson(json);
    CommandInvocation cmd;
    REQUIRE(ParseInvocation(body.get(), &cmd).ok());
    INFO(json);
    CHECK_FALSE(RequiredPrivileges(cmd, cmd.name));
  }
}

TEST_CASE("database roles exist everywhere, cluster-wide roles only in admin") {
  CHECK(IsBuiltinRole({"read", "app"}));
  CHECK(IsBuiltinRole({"dbOwner", "admin"}));
  CHECK(IsBuiltinRole({"root", "admin"}));
  CHECK(IsBuiltinRole({"readWriteAnyDatabase", "admin"}));
  CHECK_FALSE(IsBuiltinRole({"root", "app"}));
  CHECK_FALSE(IsBuiltinRole({"clusterMonitor", "app"}));
  CHECK_FALSE(IsBuiltinRole({"Read", "app"}));
  CHECK(PrivilegesOfRole({"root", "app"}).empty());
}

namespace {

Bson SaslCommand(const char* name, const std::string& payload, const char* mechanism) {
  Bson body;
  BSON_APPEND_INT32(body.get(), name, 1);
  if (mechanism)
    AppendUtf8(body.get(), "mechanism", mechanism);
  else
    BSON_APPEND_INT32(body.get(), "conversationId", 1);
  BSON_APPEND_BINARY(body.get(), "payload", BSON_SUBTYPE_BINARY,
                     reinterpret_cast<const uint8_t*>(payload.data()),
                     static_cast<uint32_t>(payload.size()));
  bson_t options;
  BSON_APPEND_DOCUMENT_BEGIN(body.get(), "options", &options);
  BSON_APPEND_BOOL(&options, "skipEmptyExchange", true);
  bson_append_document_end(body.get(), &options);
  AppendUtf8(body.get(), "$db", "admin");
  return body;
}

std::string PayloadOf(const Bson& reply) {
  bson_iter_t it;
  REQUIRE(bson_iter_init_find(&it, reply.get(), "payload"));
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_subtype_t subtype;
  bson_iter_binary(&it, &subtype, &len, &data);
  return std::string(reinterpret_cast<const char*>(data), len);
}

// The client side of SCRAM-SHA-256, as a driver computes it.
Bson AuthenticateSha256(testing::Catalog& c, const std::string& user, const std::string& pwd) {
  using namespace scram;
  const std::string client_first_bare = "n=" + user + ",r=clientnonce123";
  Bson first =
      c.RunBson(SaslCommand("saslStart", "n,," + client_first_bare, "SCRAM-SHA-256").get());
  std::string server_first = PayloadOf(first);
  // r=<nonce>,s=<salt>,i=<iterations>
  size_t s_at = server_first.find(",s="), i_at = server_first.find(",i=");
  std::string nonce = server_first.substr(2, s_at - 2);
  auto salt = Base64Decode(server_first.substr(s_at + 3, i_at - s_at - 3));
  REQUIRE(salt);
  int iterations = std::stoi(server_first.substr(i_at + 3));
  std::string salted = SaltedPassword(Mechanism::kSha256, pwd, *salt, iterations);
  std::string client_key = Hmac(Mechanism::kSha256, salted, "Client Key");
  std::string without_proof = "c=biws,r=" + nonce;
  std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
  std::string signature =
      Hmac(Mechanism::kSha256, Hash(Mechanism::kSha256, client_key), auth_message);
  std::string proof = client_key;
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  return c.RunBson(
      SaslCommand("saslContinue", without_proof + ",p=" + Base64Encode(proof), nullptr).get());
}

}  // namespace

TEST_CASE("under --auth the dispatcher checks every command") {
  testing::Catalog c;
  c.service.auth_enabled = true;
  c.connection.remote = "127.0.0.1:40000";
  // No user yet: the localhost exception allows creating one in admin only.
  CHECK(c.Run(R"({"find": "c", "$db": "test"})") ==
        testing::Error(
            13, "Unauthorized",
            R"(not authorized on test to execute command { find: \"c\", $db: \"test\" })"));
  CHECK(c.Run(R"({"createUser": "u", "pwd": "secret", "roles": [], "$db": "test"})") ==
        testing::Error(13, "Unauthorized",
                       R"(not authorized on test to execute command { createUser: \"u\", )"
                       R"(pwd: \"xxx\", roles: [], $db: \"test\" })"));
  CHECK(c.Run(R"({"createUser": "boss", "pwd": "secret", "roles": ["root"], "$db": "admin"})") ==
        R"({ "ok" : 1.0 })");
  CHECK(c.Run(R"({"find": "c", "$db": "test"})") ==
        testing::Error(13, "Unauthorized", "Command find requires authentication"));
  CHECK(c.Run(R"({"ping": 1, "$db": "admin"})") == R"({ "ok" : 1.0 })");

  SECTION("a wrong password is AuthenticationFailed") {
    Bson reply = AuthenticateSha256(c, "boss", "wrong");
    CHECK(testing::Typed(reply.get()) ==
          testing::Error(18, "AuthenticationFailed", "Authentication failed."));
    CHECK(c.connection.auth.users.empty());
  }
  SECTION("the right password authenticates the connection") {
    Bson reply = AuthenticateSha256(c, "boss", "secret");
    bson_iter_t it;
    REQUIRE(bson_iter_init_find(&it, reply.get(), "done"));
    CHECK(bson_iter_bool(&it));
    CHECK(PayloadOf(reply).starts_with("v="));
    CHECK(c.Run(R"({"find": "c", "$db": "test"})").find(R"("ok" : 1.0)") != std::string::npos);
    CHECK(c.Run(R"({"connectionStatus": 1, "$db": "admin"})") ==
          R"({ "authInfo" : { "authenticatedUsers" : [ { "user" : "boss", "db" : "admin" } ], )"
          R"("authenticatedUserRoles" : [ { "role" : "root", "db" : "admin" } ] }, "ok" : 1.0 })");
    // The same user again is fine; another one is not, as in mongod 6.0+.
    CHECK(AuthenticateSha256(c, "boss", "secret").get()->len > 0);
    CHECK(c.Run(R"({"createUser": "clerk", "pwd": "pw", "roles": [], "$db": "admin"})") ==
          R"({ "ok" : 1.0 })");
    CHECK(testing::Typed(AuthenticateSha256(c, "clerk", "pw").get()) ==
          testing::Error(5626701, "Location5626701",
                         "Each client connection may only be authenticated once. Previously "
                         "authenticated as: boss@admin"));
    CHECK(c.connection.auth.users.front().name.user == "boss");
  }
  SECTION("a connection from elsewhere has no localhost exception") {
    CHECK(c.Run(R"({"dropAllUsersFromDatabase": 1, "$db": "admin"})") ==
          testing::Error(13, "Unauthorized",
                         "Command dropAllUsersFromDatabase requires authentication"));
    c.connection.remote = "10.1.2.3:5000";
    c.service.auth_enabled = false;
    CHECK(c.Run(R"({"dropAllUsersFromDatabase": 1, "$db": "admin"})") ==
          R"({ "n" : 1, "ok" : 1.0 })");
    c.service.auth_enabled = true;
    CHECK(c.Run(R"({"createUser": "boss", "pwd": "x", "roles": [], "$db": "admin"})") ==
          testing::Error(13, "Unauthorized", "Command createUser requires authentication"));
  }
}

TEST_CASE("commands are redacted before they reach logs and messages") {
  struct Row {
    const char* body;
    const char* redacted;
  };
  const Row rows[] = {
      {R"({"createUser": "u", "pwd": "secret", "roles": [], "$db": "a"})",
       R"({ createUser: "u", pwd: "xxx", roles: [], $db: "a" })"},
      {R"({"updateUser": "u", "pwd": "secret", "$db": "a"})",
       R"({ updateUser: "u", pwd: "xxx", $db: "a" })"},
      {R"({"saslStart": 1, "mechanism": "SCRAM-SHA-256", "payload": "bixuPXU=", "$db": "a"})",
       R"({ saslStart: 1, mechanism: "SCRAM-SHA-256", payload: "###", $db: "a" })"},
      {R"({"saslContinue": 1, "conversationId": 1, "payload": "cD14", "$db": "a"})",
       R"({ saslContinue: 1, conversationId: 1, payload: "###", $db: "a" })"},
      // Only the SASL commands' payload is secret.
      {R"({"find": "c", "payload": 1, "$db": "a"})", R"({ find: "c", payload: 1, $db: "a" })"},
  };
  for (const auto& row : rows) {
    Bson body = FromJson(row.body);
    CHECK(ShellString(RedactedBody(body.get()).get()) == row.redacted);
  }
}

TEST_CASE("every registered command has a row in the authorization table", "[auth]") {
  CommandRegistry registry;
  RegisterAllCommands(&registry);
  for (const CommandDefinition* def : registry.All()) {
    INFO(def->name);
    CHECK(IsClassifiedCommand(def->name));
  }
}
