// saslStart / saslContinue (SCRAM-SHA-1 and SCRAM-SHA-256), logout, and the
// authentication parts of hello. As in mongod, a client learns only
// "Authentication failed." whatever went wrong (unknown user, bad proof,
// malformed message); the log says why, never with the password.
#include "commands/authentication.h"

#include <algorithm>

#include "base/log.h"
#include "commands/authorization.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/scram.h"
#include "commands/user_store.h"

namespace basalt::commands {
namespace {

// mongod answers every conversation with id 1: a connection has at most one.
constexpr int32_t kConversationId = 1;

Status AuthenticationFailed() {
  return Status(ErrorCodes::AuthenticationFailed, "Authentication failed.");
}

void LogAuthentication(OperationContext& op, bool ok, std::string_view mechanism,
                       const UserName& user, bool speculative, const Status& error) {
  Bson attr;
  AppendUtf8(attr.get(), "mechanism", mechanism);
  BSON_APPEND_BOOL(attr.get(), "speculative", speculative);
  AppendUtf8(attr.get(), "principalName", user.user);
  AppendUtf8(attr.get(), "authenticationDatabase", user.db);
  AppendUtf8(attr.get(), "remote", op.connection.remote);
  bson_t extra;
  BSON_APPEND_DOCUMENT_BEGIN(attr.get(), "extraInfo", &extra);
  bson_append_document_end(attr.get(), &extra);
  std::string ctx = "conn" + std::to_string(op.connection.id);
  if (ok) {
    log::Info("ACCESS", 20250, ctx, "Authentication succeeded", attr.get());
  } else {
    AppendUtf8(attr.get(), "error", error.codeName() + ": " + error.reason());
    log::Info("ACCESS", 20249, ctx, "Authentication failed", attr.get());
  }
}

// The payload as drivers send it (BinData), or as a base64 string (legacy
// shells), whose reply payload is then a base64 string too.
struct Payload {
  std::string bytes;
  bool base64 = false;
};

StatusWith<Payload> PayloadArgument(const bson_t* body, std::string_view command) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, body, "payload")) {
    return Status(
        40414, "BSON field '" + std::string(command) + ".payload' is missing but a required field");
  }
  if (BSON_ITER_HOLDS_BINARY(&it)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_subtype_t subtype;
    bson_iter_binary(&it, &subtype, &len, &data);
    return Payload{std::string(reinterpret_cast<const char*>(data), len), false};
  }
  if (BSON_ITER_HOLDS_UTF8(&it)) {
    auto decoded = scram::Base64Decode(Utf8Of(&it));
    if (!decoded) return Status(ErrorCodes::BadValue, "Invalid base64 payload");
    return Payload{std::move(*decoded), true};
  }
  return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(command) +
                                              ".payload' is the wrong type '" +
                                              std::string(TypeName(bson_iter_type(&it))) +
                                              "', expected types '[string, binData']");
}

bool SkipEmptyExchange(const bson_t* body) {
  bson_iter_t it, opt;
  return bson_iter_init_find(&it, body, "options") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
         bson_iter_recurse(&it, &opt) && bson_iter_find(&opt, "skipEmptyExchange") &&
         IsTruthy(&opt);
}

void AppendStep(bson_t* reply, bool done, std::string_view payload, bool base64) {
  BSON_APPEND_INT32(reply, "conversationId", kConversationId);
  BSON_APPEND_BOOL(reply, "done", done);
  if (base64) {
    AppendUtf8(reply, "payload", scram::Base64Encode(payload));
    return;
  }
  BSON_APPEND_BINARY(reply, "payload", BSON_SUBTYPE_BINARY,
                     reinterpret_cast<const uint8_t*>(payload.data()),
                     static_cast<uint32_t>(payload.size()));
}

// Makes the conversation's user the connection's. A connection is one user
// for its lifetime, as in mongod 6.0+: authenticating again as the same user
// is allowed, as another is refused.
Status MarkAuthenticated(OperationContext& op, const SaslConversation& conversation) {
  auto& users = op.connection.auth.users;
  if (!users.empty() && !(users.front().name == conversation.user)) {
    const UserName& previous = users.front().name;
    if (previous.db == conversation.user.db) {
      return Status(5626701,
                    "Each client connection may only be authenticated once. Previously "
                    "authenticated as: " +
                        previous.Display());
    }
    return Status(5626702,
                  "Client has attempted to authenticate on multiple databases.Already "
                  "authenticated as: " +
                      previous.Display());
  }
  auto found = FindUser(op.service, conversation.user);
  AuthenticatedUser user{conversation.user, {}};
  if (found.ok() && found.value()) user.roles = found.value()->roles;
  users = {std::move(user)};
  op.connection.auth.users_generation = op.service.users_generation.load();
  if (!log::Quiet()) {
    LogAuthentication(op, true, conversation.mechanism, conversation.user, conversation.speculative,
                      Status::OK());
  }
  return Status::OK();
}

// Starts a conversation: the body of saslStart, or of hello's speculativeAuthenticate.
Status SaslStart(OperationContext& op, const bson_t* body, const std::string& db, bool speculative,
                 bson_t* reply) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, body, "mechanism")) {
    return Status(40414, "BSON field 'saslStart.mechanism' is missing but a required field");
  }
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return Status(ErrorCodes::TypeMismatch, "BSON field 'saslStart.mechanism' is the wrong type '" +
                                                std::string(TypeName(bson_iter_type(&it))) +
                                                "', expected type 'string'");
  }
  std::string mechanism_name(Utf8Of(&it));
  auto mechanism = scram::ParseMechanism(mechanism_name);
  if (mechanism_name == "MONGODB-X509") {
    // Enabled in mongod, but not a SASL mechanism: it goes through `authenticate`.
    return Status(ErrorCodes::BadValue, "Unsupported mechanism '" + mechanism_name +
                                            "' on authentication database '" + db + "'");
  }
  if (!mechanism) {
    return Status(334 /* MechanismUnavailable */, "Received authentication for mechanism " +
                                                      mechanism_name + " which is not enabled");
  }
  op.connection.auth.conversation.reset();
  auto payload = PayloadArgument(body, "saslStart");
  if (!payload.ok()) return payload.status();
  auto first = scram::ParseClientFirst(payload.value().bytes);
  UserName user{first.ok() ? first.value().user : "", db};
  auto fail = [&](const Status& why) {
    LogAuthentication(op, false, mechanism_name, user, speculative, why);
    return AuthenticationFailed();
  };
  if (!first.ok()) return fail(first.status());
  auto record = FindUser(op.service, user);
  if (!record.ok()) return fail(record.status());
  if (!record.value()) return fail(UserNotFound(user));
  auto creds = record.value()->credentials.find(*mechanism);
  if (creds == record.value()->credentials.end()) {
    return fail(Status(ErrorCodes::BadValue, "Unable to use " + mechanism_name +
                                                 " based authentication for user without any " +
                                                 mechanism_name + " credentials registered"));
  }
  auto conversation = std::make_unique<SaslConversation>();
  conversation->mechanism = mechanism_name;
  conversation->user = user;
  conversation->speculative = speculative;
  conversation->skip_empty_exchange = SkipEmptyExchange(body);
  conversation->scram = std::make_shared<scram::ServerConversation>(
      *mechanism, std::move(first.value()), creds->second);
  AppendStep(reply, false, conversation->scram->server_first(), payload.value().base64);
  op.connection.auth.conversation = std::move(conversation);
  return Status::OK();
}

Status RunSaslStart(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  return SaslStart(op, cmd.body, cmd.db, false, reply);
}

Status RunSaslContinue(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto& conversation = op.connection.auth.conversation;
  if (!conversation) return Status(ErrorCodes::ProtocolError, "No SASL session state found");
  bson_iter_t it;
  if (!bson_iter_init_find(&it, cmd.body, "conversationId") || !BSON_ITER_HOLDS_NUMBER(&it) ||
      bson_iter_as_int64(&it) != kConversationId) {
    return Status(ErrorCodes::ProtocolError, "sasl: Mismatched conversation id");
  }
  auto payload = PayloadArgument(cmd.body, "saslContinue");
  if (!payload.ok()) return payload.status();
  bool base64 = payload.value().base64;
  if (conversation->proof_checked) {
    // The empty exchange of clients that do not ask to skip it.
    Status st = MarkAuthenticated(op, *conversation);
    conversation.reset();
    if (!st.ok()) return st;
    AppendStep(reply, true, "", base64);
    return Status::OK();
  }
  auto server_final = conversation->scram->HandleClientFinal(payload.value().bytes);
  if (!server_final.ok()) {
    LogAuthentication(op, false, conversation->mechanism, conversation->user,
                      conversation->speculative, server_final.status());
    conversation.reset();
    return AuthenticationFailed();
  }
  if (conversation->skip_empty_exchange) {
    Status st = MarkAuthenticated(op, *conversation);
    conversation.reset();
    if (!st.ok()) return st;
    AppendStep(reply, true, server_final.value(), base64);
    return Status::OK();
  }
  conversation->proof_checked = true;
  AppendStep(reply, false, server_final.value(), base64);
  return Status::OK();
}

// {authenticate: 1, mechanism}: the pre-SASL command drivers use for
// MONGODB-X509, which needs a TLS client certificate. Basalt has no TLS yet,
// so it always fails, and mongod tells clients no more than that.
Status RunAuthenticate(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, cmd.body, "mechanism")) {
    return Status(40414, "BSON field 'authenticate.mechanism' is missing but a required field");
  }
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return WrongType(cmd, "mechanism", bson_iter_type(&it), "string");
  }
  std::string mechanism(Utf8Of(&it));
  std::string user;
  if (bson_iter_init_find(&it, cmd.body, "user") && BSON_ITER_HOLDS_UTF8(&it)) {
    user = Utf8Of(&it);
  }
  LogAuthentication(op, false, mechanism, {user, cmd.db}, false,
                    Status(ErrorCodes::AuthenticationFailed, "No SSLPeerInfo available"));
  return AuthenticationFailed();
}

Status RunLogout(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  auto& users = op.connection.auth.users;
  std::erase_if(users, [&](const AuthenticatedUser& u) { return u.name.db == cmd.db; });
  return Status::OK();
}

}  // namespace

Status AppendHelloAuthFields(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, cmd.body, "saslSupportedMechs")) {
    if (!BSON_ITER_HOLDS_UTF8(&it)) {
      return Status(ErrorCodes::TypeMismatch,
                    "BSON field 'saslSupportedMechs' is the wrong type '" +
                        std::string(TypeName(bson_iter_type(&it))) + "', expected type 'string'");
    }
    std::string_view full = Utf8Of(&it);
    size_t dot = full.find('.');
    if (dot == std::string_view::npos) {
      return Status(ErrorCodes::BadValue,
                    "UserName must contain a '.' separated database.user pair");
    }
    UserName name{std::string(full.substr(dot + 1)), std::string(full.substr(0, dot))};
    auto user = FindUser(op.service, name);
    if (user.ok() && user.value()) {
      AppendStringArray(reply, "saslSupportedMechs", MechanismNames(*user.value()));
    }
  }
  if (bson_iter_init_find(&it, cmd.body, "speculativeAuthenticate") &&
      BSON_ITER_HOLDS_DOCUMENT(&it)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    bson_t spec;
    bson_init_static(&spec, data, len);
    // Without a `db` mongod ignores the speculative saslStart.
    bson_iter_t db, first;
    if (bson_iter_init_find(&db, &spec, "db") && BSON_ITER_HOLDS_UTF8(&db) &&
        bson_iter_init(&first, &spec) && bson_iter_next(&first) && KeyOf(&first) == "saslStart") {
      std::string auth_db(Utf8Of(&db));
      Bson step;
      if (SaslStart(op, &spec, auth_db, true, step.get()).ok()) {
        BSON_APPEND_DOCUMENT(reply, "speculativeAuthenticate", step.get());
      }
    }
  }
  return Status::OK();
}

void NoteCommandRan(OperationContext& op, const CommandInvocation& cmd) {
  if (cmd.db != kUsersDb) return;
  static constexpr std::string_view kMayWriteUsers[] = {
      "insert",    "update",    "delete", "findAndModify", "findandmodify",
      "bulkWrite", "aggregate", "drop",   "dropDatabase",  "renameCollection"};
  for (std::string_view name : kMayWriteUsers) {
    if (cmd.name == name) {
      op.service.users_generation.fetch_add(1);
      return;
    }
  }
}

void RefreshAuthenticatedUsers(OperationContext& op) {
  AuthState& auth = op.connection.auth;
  uint64_t generation = op.service.users_generation.load();
  if (auth.users.empty() || auth.users_generation == generation) return;
  std::vector<AuthenticatedUser> fresh;
  for (const auto& user : auth.users) {
    auto record = FindUser(op.service, user.name);
    if (record.ok() && record.value()) fresh.push_back({user.name, record.value()->roles});
  }
  auth.users = std::move(fresh);
  auth.users_generation = generation;
}

void AppendAuthInfo(OperationContext& op, bool show_privileges, bson_t* reply) {
  RefreshAuthenticatedUsers(op);
  const AuthState& auth = op.connection.auth;
  bson_t info, users, roles;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "authInfo", &info);
  BSON_APPEND_ARRAY_BEGIN(&info, "authenticatedUsers", &users);
  int u = 0, r = 0;
  for (const auto& user : auth.users) {
    bson_t entry;
    std::string key = std::to_string(u++);
    bson_append_document_begin(&users, key.c_str(), -1, &entry);
    AppendUtf8(&entry, "user", user.name.user);
    AppendUtf8(&entry, "db", user.name.db);
    bson_append_document_end(&users, &entry);
  }
  bson_append_array_end(&info, &users);
  BSON_APPEND_ARRAY_BEGIN(&info, "authenticatedUserRoles", &roles);
  for (const auto& user : auth.users) {
    for (const auto& role : user.roles) {
      bson_t entry;
      std::string key = std::to_string(r++);
      bson_append_document_begin(&roles, key.c_str(), -1, &entry);
      AppendUtf8(&entry, "role", role.role);
      AppendUtf8(&entry, "db", role.db);
      bson_append_document_end(&roles, &entry);
    }
  }
  bson_append_array_end(&info, &roles);
  if (show_privileges)
    AppendPrivileges("authenticatedUserPrivileges", PrivilegesOfConnection(auth), &info);
  bson_append_document_end(reply, &info);
}

void RegisterAuthenticationCommands(CommandRegistry* registry) {
  registry->Register({.name = "saslStart",
                      .run = RunSaslStart,
                      .help = "Begin a SASL authentication session",
                      .allowed_on_op_query = true});
  registry->Register({.name = "saslContinue",
                      .run = RunSaslContinue,
                      .help = "Continue a SASL authentication session",
                      .allowed_on_op_query = true});
  registry->Register({.name = "authenticate",
                      .run = RunAuthenticate,
                      .help = "internal",
                      .allowed_on_op_query = true});
  registry->Register({.name = "logout", .run = RunLogout, .help = "de-authenticate"});
}

}  // namespace basalt::commands
