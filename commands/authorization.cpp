// Which privileges each command needs (mongod's checkAuthForOperation /
// addRequiredPrivileges, per command), and the check the dispatcher runs.
#include "commands/authorization.h"

#include <functional>
#include <map>
#include <set>

#include "base/bson_shell.h"
#include "commands/command.h"
#include "commands/user_store.h"

namespace basalt::commands {
namespace {

using A = Action;
using Requirements = std::vector<RequiredPrivilege>;
using RuleFn = std::function<Requirements(const CommandInvocation&)>;

RequiredPrivilege OnDb(std::string db, ActionSet actions) {
  return {false, std::move(db), actions};
}
RequiredPrivilege OnCluster(ActionSet actions) { return {true, "", actions}; }

RuleFn Db(std::initializer_list<Action> actions) {
  ActionSet set = Actions(actions);
  return [set](const CommandInvocation& cmd) { return Requirements{OnDb(cmd.db, set)}; };
}
RuleFn Cluster(std::initializer_list<Action> actions) {
  ActionSet set = Actions(actions);
  return [set](const CommandInvocation&) { return Requirements{OnCluster(set)}; };
}
// Needs an authenticated user, and no particular privilege.
RuleFn AnyUser() {
  return [](const CommandInvocation&) { return Requirements{}; };
}

bool AnyTruthyField(const bson_t* doc, const char* array, const char* field,
                    const CommandInvocation& cmd) {
  auto check = [field](const bson_t* d) {
    bson_iter_t it;
    return bson_iter_init_find(&it, d, field) && IsTruthy(&it);
  };
  bson_iter_t it, child;
  if (bson_iter_init_find(&it, doc, array) && BSON_ITER_HOLDS_ARRAY(&it) &&
      bson_iter_recurse(&it, &child)) {
    while (bson_iter_next(&child)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&child)) continue;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&child, &len, &data);
      bson_t view;
      if (bson_init_static(&view, data, len) && check(&view)) return true;
    }
  }
  for (const auto& seq : cmd.sequences) {
    if (seq.identifier != array) continue;
    for (const auto& d : seq.documents) {
      bson_t view;
      if (bson_init_static(&view, d.data(), d.size()) && check(&view)) return true;
    }
  }
  return false;
}

// The databases an aggregation writes to through $out or $merge, if any.
std::set<std::string> AggregateOutputDbs(const CommandInvocation& cmd) {
  std::set<std::string> dbs;
  bson_iter_t it, stage;
  if (!bson_iter_init_find(&it, cmd.body, "pipeline") || !BSON_ITER_HOLDS_ARRAY(&it)) return dbs;
  bson_iter_recurse(&it, &stage);
  while (bson_iter_next(&stage)) {
    bson_iter_t spec;
    if (!BSON_ITER_HOLDS_DOCUMENT(&stage) || !bson_iter_recurse(&stage, &spec) ||
        !bson_iter_next(&spec)) {
      continue;
    }
    std::string_view name = KeyOf(&spec);
    if (name != "$out" && name != "$merge") continue;
    std::string db = cmd.db;
    bson_iter_t target, db_field;
    if (BSON_ITER_HOLDS_DOCUMENT(&spec) && bson_iter_recurse(&spec, &target)) {
      // {$out: {db, coll}} / {$merge: {into: {db, coll}}}
      bson_iter_t into;
      if (name == "$merge" && bson_iter_find(&target, "into") &&
          BSON_ITER_HOLDS_DOCUMENT(&target)) {
        bson_iter_recurse(&target, &into);
        target = into;
      } else if (name == "$merge") {
        bson_iter_recurse(&spec, &target);
      }
      if (bson_iter_find(&target, "db") && BSON_ITER_HOLDS_UTF8(&target)) {
        db_field = target;
        db = std::string(Utf8Of(&db_field));
      }
    }
    dbs.insert(db);
  }
  return dbs;
}

std::vector<RoleName> RoleArgument(const CommandInvocation& cmd) {
  std::vector<RoleName> roles;
  bson_iter_t it, child;
  if (!bson_iter_init_find(&it, cmd.body, "roles") || !BSON_ITER_HOLDS_ARRAY(&it)) return roles;
  bson_iter_recurse(&it, &child);
  while (bson_iter_next(&child)) {
    if (BSON_ITER_HOLDS_UTF8(&child)) {
      roles.push_back({std::string(Utf8Of(&child)), cmd.db});
    } else if (BSON_ITER_HOLDS_DOCUMENT(&child)) {
      bson_iter_t role;
      RoleName name{"", cmd.db};
      bson_iter_recurse(&child, &role);
      while (bson_iter_next(&role)) {
        if (!BSON_ITER_HOLDS_UTF8(&role)) continue;
        if (KeyOf(&role) == "role") name.role = Utf8Of(&role);
        if (KeyOf(&role) == "db") name.db = Utf8Of(&role);
      }
      roles.push_back(name);
    }
  }
  return roles;
}

// Granting or revoking a role needs grantRole/revokeRole on the role's database.
RuleFn RoleChange(Action user_action, Action role_action) {
  return [=](const CommandInvocation& cmd) {
    Requirements out{OnDb(cmd.db, Actions({user_action}))};
    for (const auto& role : RoleArgument(cmd)) out.push_back(OnDb(role.db, Actions({role_action})));
    return out;
  };
}

Requirements ForRenameCollection(const CommandInvocation& cmd) {
  auto db_of = [&](const char* field) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, cmd.body, field) || !BSON_ITER_HOLDS_UTF8(&it)) return cmd.db;
    std::string ns(Utf8Of(&it));
    return ns.substr(0, ns.find('.'));
  };
  std::string from = db_of("renameCollection"), to = db_of("to");
  if (from == to) return {OnDb(from, Actions({A::kRenameCollectionSameDb}))};
  return {OnDb(from, Actions({A::kFind, A::kDropCollection})),
          OnDb(to, Actions({A::kInsert, A::kCreateIndex, A::kCreateCollection}))};
}

Requirements ForBulkWrite(const CommandInvocation& cmd) {
  std::vector<std::string> dbs;
  bson_iter_t it, child;
  if (bson_iter_init_find(&it, cmd.body, "nsInfo") && BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_recurse(&it, &child);
    while (bson_iter_next(&child)) {
      bson_iter_t ns;
      std::string db;
      if (BSON_ITER_HOLDS_DOCUMENT(&child) && bson_iter_recurse(&child, &ns) &&
          bson_iter_find(&ns, "ns") && BSON_ITER_HOLDS_UTF8(&ns)) {
        std::string full(Utf8Of(&ns));
        db = full.substr(0, full.find('.'));
      }
      dbs.push_back(db);
    }
  }
  // Every namespace may see any kind of write in the batch.
  Requirements out;
  for (const auto& db : dbs) out.push_back(OnDb(db, Actions({A::kInsert, A::kUpdate, A::kRemove})));
  return out;
}

const std::map<std::string, RuleFn, std::less<>>& Rules();

Requirements ForExplain(const CommandInvocation& cmd) {
  bson_iter_t it, inner;
  if (bson_iter_init_find(&it, cmd.body, "explain") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
      bson_iter_recurse(&it, &inner) && bson_iter_next(&inner)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    bson_t body;
    bson_init_static(&body, data, len);
    CommandInvocation explained{&body, KeyOf(&inner), cmd.db, cmd.sequences, false};
    if (auto rule = Rules().find(explained.name); rule != Rules().end() && rule->second) {
      return rule->second(explained);
    }
  }
  return {OnDb(cmd.db, Actions({A::kFind}))};
}

// nullptr rule: open to unauthenticated connections (mongod's requiresAuth() false).
const std::map<std::string, RuleFn, std::less<>>& Rules() {
  static const std::map<std::string, RuleFn, std::less<>> rules = {
      // Open: the handshake, authentication itself, and liveness.
      {"hello", nullptr},
      {"isMaster", nullptr},
      {"buildInfo", nullptr},
      {"saslStart", nullptr},
      {"saslContinue", nullptr},
      {"authenticate", nullptr},
      {"logout", nullptr},
      {"ping", nullptr},
      {"connectionStatus", nullptr},
      // No privilege, but a user: mongod's default requiresAuth().
      {"whatsmyuri", AnyUser()},
      {"endSessions", AnyUser()},
      // Reads.
      {"find", Db({A::kFind})},
      {"getMore", Db({A::kFind})},
      {"count", Db({A::kFind})},
      {"distinct", Db({A::kFind})},
      {"killCursors", Db({A::kKillCursors})},
      {"listCollections", Db({A::kListCollections})},
      {"listIndexes", Db({A::kListIndexes})},
      {"collStats", Db({A::kCollStats})},
      {"dbStats", Db({A::kDbStats})},
      {"aggregate",
       [](const CommandInvocation& cmd) {
         Requirements out{OnDb(cmd.db, Actions({A::kFind}))};
         for (const auto& db : AggregateOutputDbs(cmd)) {
           out.push_back(OnDb(db, Actions({A::kInsert, A::kRemove, A::kUpdate})));
         }
         return out;
       }},
      {"explain", ForExplain},
      // Writes.
      {"insert", Db({A::kInsert})},
      {"delete", Db({A::kRemove})},
      {"update",
       [](const CommandInvocation& cmd) {
         ActionSet set = Actions({A::kUpdate});
         if (AnyTruthyField(cmd.body, "updates", "upsert", cmd)) set |= Actions({A::kInsert});
         return Requirements{OnDb(cmd.db, set)};
       }},
      {"findAndModify",
       [](const CommandInvocation& cmd) {
         bson_iter_t it;
         ActionSet set = Actions({A::kFind});
         if (bson_iter_init_find(&it, cmd.body, "remove") && IsTruthy(&it)) {
           set |= Actions({A::kRemove});
         } else {
           set |= Actions({A::kUpdate});
           if (bson_iter_init_find(&it, cmd.body, "upsert") && IsTruthy(&it)) {
             set |= Actions({A::kInsert});
           }
         }
         return Requirements{OnDb(cmd.db, set)};
       }},
      {"bulkWrite", ForBulkWrite},
      // Catalog.
      {"create", Db({A::kCreateCollection})},
      {"drop", Db({A::kDropCollection})},
      {"dropDatabase", Db({A::kDropDatabase})},
      {"createIndexes", Db({A::kCreateIndex})},
      {"dropIndexes", Db({A::kDropIndex})},
      {"collMod", Db({A::kCollMod})},
      {"validate", Db({A::kValidate})},
      {"renameCollection", ForRenameCollection},
      // mongod lets any user list databases, showing those it may use;
      // Basalt lists them all to any authenticated user.
      {"listDatabases", AnyUser()},
      {"listCommands", AnyUser()},
      // Sessions.
      {"startSession", AnyUser()},
      {"refreshSessions", AnyUser()},
      {"killSessions", AnyUser()},
      {"killAllSessions", Cluster({A::kKillAnySession})},
      // Server.
      {"serverStatus", Cluster({A::kServerStatus})},
      {"hostInfo", Cluster({A::kHostInfo})},
      {"getCmdLineOpts", Cluster({A::kGetCmdLineOpts})},
      {"getLog", Cluster({A::kGetLog})},
      {"getParameter", Cluster({A::kGetParameter})},
      {"setParameter", Cluster({A::kSetParameter})},
      {"currentOp", Cluster({A::kInprog})},
      {"killOp", Cluster({A::kKillop})},
      {"logRotate", Cluster({A::kLogRotate})},
      {"top", Cluster({A::kTop})},
      {"shutdown", Cluster({A::kShutdown})},
      {"fsync", Cluster({A::kFsync})},
      // Users.
      {"createUser", RoleChange(A::kCreateUser, A::kGrantRole)},
      {"updateUser",
       [](const CommandInvocation& cmd) {
         ActionSet set;
         bson_iter_t it;
         if (bson_iter_init_find(&it, cmd.body, "pwd")) set |= Actions({A::kChangePassword});
         if (bson_iter_init_find(&it, cmd.body, "customData")) {
           set |= Actions({A::kChangeCustomData});
         }
         if (bson_iter_init_find(&it, cmd.body, "mechanisms")) set |= Actions({A::kChangePassword});
         Requirements out{OnDb(cmd.db, set)};
         if (bson_iter_init_find(&it, cmd.body, "roles")) {
           for (const auto& role : RoleArgument(cmd)) {
             out.push_back(OnDb(role.db, Actions({A::kGrantRole, A::kRevokeRole})));
           }
         }
         return out;
       }},
      {"dropUser", Db({A::kDropUser})},
      {"dropAllUsersFromDatabase", Db({A::kDropUser})},
      {"grantRolesToUser", RoleChange(A::kGrantRole, A::kGrantRole)},
      {"revokeRolesFromUser", RoleChange(A::kRevokeRole, A::kRevokeRole)},
      {"usersInfo",
       [](const CommandInvocation& cmd) {
         bson_iter_t it;
         if (bson_iter_init_find(&it, cmd.body, "forAllDBs") && IsTruthy(&it)) {
           return Requirements{OnCluster(Actions({A::kViewUser}))};
         }
         return Requirements{OnDb(cmd.db, Actions({A::kViewUser}))};
       }},
  };
  return rules;
}

bool IsLocalhost(std::string_view remote) {
  return remote.starts_with("127.") || remote.starts_with("[::1]");
}

}  // namespace

bool IsClassifiedCommand(std::string_view command_name) {
  return Rules().find(command_name) != Rules().end();
}

std::optional<std::vector<RequiredPrivilege>> RequiredPrivileges(const CommandInvocation& cmd,
                                                                 std::string_view command_name) {
  auto it = Rules().find(command_name);
  if (it == Rules().end()) {
    // A command Basalt has not classified needs every privilege: only root may run it.
    return Requirements{OnCluster(ActionSet().set())};
  }
  if (!it->second) return std::nullopt;
  return it->second(cmd);
}

StatusWith<bool> ListOnlyAuthorizedDatabases(OperationContext& op, std::optional<bool> requested) {
  if (!op.service.auth_enabled) return false;
  bool may_list_all =
      Covers(PrivilegesOfConnection(op.connection.auth), {OnCluster(Actions({A::kListDatabases}))});
  if (requested) {
    if (!*requested && !may_list_all) {
      return Status(ErrorCodes::Unauthorized, "Insufficient permissions to list all databases");
    }
    return *requested;
  }
  return !may_list_all;
}

bool HasAnyPrivilegeInDatabase(OperationContext& op, std::string_view db) {
  for (const auto& p : PrivilegesOfConnection(op.connection.auth)) {
    if (p.actions.none()) continue;
    if (p.scope == Privilege::Scope::kAnyDatabase) return true;
    if (p.scope == Privilege::Scope::kDatabase && p.db == db) return true;
  }
  return false;
}

Bson RedactedBody(const bson_t* body) {
  Bson out;
  bson_iter_t it;
  bson_iter_init(&it, body);
  bool sasl = false;
  bool first = true;
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (first) sasl = key == "saslStart" || key == "saslContinue";
    first = false;
    if (key == "pwd") {
      AppendUtf8(out.get(), "pwd", "xxx");
    } else if (sasl && key == "payload") {
      AppendUtf8(out.get(), "payload", "###");
    } else {
      bson_append_iter(out.get(), nullptr, 0, &it);
    }
  }
  return out;
}

std::string RedactedCommandString(const CommandInvocation& cmd) {
  return ShellString(RedactedBody(cmd.body).get());
}

Status CheckAuthorization(OperationContext& op, const CommandDefinition& def,
                          const CommandInvocation& cmd) {
  auto required = RequiredPrivileges(cmd, def.name);
  if (!required) return Status::OK();
  AuthState& auth = op.connection.auth;
  std::vector<Privilege> privileges;
  if (!auth.users.empty()) {
    privileges = PrivilegesOfConnection(auth);
  } else if (IsLocalhost(op.connection.remote) && !AnyUserExists(op.service)) {
    privileges = LocalhostExceptionPrivileges();
  } else {
    return Status(ErrorCodes::Unauthorized, "Command " + def.name + " requires authentication");
  }
  if (Covers(privileges, *required)) return Status::OK();
  return Status(ErrorCodes::Unauthorized, "not authorized on " + cmd.db + " to execute command " +
                                              RedactedCommandString(cmd));
}

}  // namespace basalt::commands
