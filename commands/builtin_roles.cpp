// The privileges of mongod's built-in roles (its builtin_roles.cpp, reduced
// to the actions Basalt's commands check). Every privilege is database-wide:
// Basalt has no collection-level or user-defined roles yet.
#include <algorithm>
#include <map>

#include "base/bson.h"
#include "commands/authorization.h"

namespace basalt::commands {
namespace {

using A = Action;
using Scope = Privilege::Scope;

ActionSet ReadActions() {
  return Actions({A::kFind, A::kKillCursors, A::kListCollections, A::kListIndexes, A::kCollStats,
                  A::kDbStats, A::kChangeStream, A::kDbHash});
}

ActionSet ReadWriteActions() {
  return ReadActions() |
         Actions({A::kInsert, A::kUpdate, A::kRemove, A::kCreateCollection, A::kDropCollection,
                  A::kCreateIndex, A::kDropIndex, A::kRenameCollectionSameDb, A::kConvertToCapped});
}

ActionSet DbAdminActions() {
  return Actions({A::kCollMod, A::kCollStats, A::kCreateCollection, A::kCreateIndex, A::kDbStats,
                  A::kDropCollection, A::kDropDatabase, A::kDropIndex, A::kListCollections,
                  A::kListIndexes, A::kRenameCollectionSameDb, A::kValidate,
                  A::kBypassDocumentValidation, A::kCompact, A::kEnableProfiler,
                  A::kConvertToCapped, A::kKillCursors});
}

ActionSet UserAdminActions() {
  return Actions({A::kCreateUser, A::kDropUser, A::kUpdateUser, A::kGrantRole, A::kRevokeRole,
                  A::kViewUser, A::kChangePassword, A::kChangeCustomData, A::kCreateRole,
                  A::kDropRole, A::kViewRole});
}

ActionSet ClusterMonitorActions() {
  return Actions({A::kServerStatus, A::kGetCmdLineOpts, A::kGetLog, A::kGetParameter, A::kHostInfo,
                  A::kInprog, A::kListDatabases, A::kListSessions, A::kTop});
}

ActionSet HostManagerActions() {
  return Actions({A::kKillop, A::kShutdown, A::kSetParameter, A::kKillAnySession, A::kFsync,
                  A::kLogRotate});
}

ActionSet AllActions() { return ActionSet().set(); }

Privilege OnDb(std::string db, ActionSet actions) {
  return {Scope::kDatabase, std::move(db), actions};
}
Privilege OnAnyDb(ActionSet actions) { return {Scope::kAnyDatabase, "", actions}; }
Privilege OnCluster(ActionSet actions) { return {Scope::kCluster, "", actions}; }

using RoleFn = std::vector<Privilege> (*)(const std::string& db);

// Roles every database has.
const std::map<std::string, RoleFn, std::less<>>& DatabaseRoles() {
  static const std::map<std::string, RoleFn, std::less<>> roles = {
      {"read", [](const std::string& db) { return std::vector{OnDb(db, ReadActions())}; }},
      {"readWrite",
       [](const std::string& db) { return std::vector{OnDb(db, ReadWriteActions())}; }},
      {"dbAdmin", [](const std::string& db) { return std::vector{OnDb(db, DbAdminActions())}; }},
      {"userAdmin",
       [](const std::string& db) { return std::vector{OnDb(db, UserAdminActions())}; }},
      {"dbOwner",
       [](const std::string& db) {
         return std::vector{OnDb(db, ReadWriteActions() | DbAdminActions() | UserAdminActions())};
       }},
  };
  return roles;
}

// Roles only the admin database has; they reach every database or the cluster.
const std::map<std::string, RoleFn, std::less<>>& AdminRoles() {
  static const std::map<std::string, RoleFn, std::less<>> roles = {
      {"readAnyDatabase",
       [](const std::string&) {
         return std::vector{OnAnyDb(ReadActions()), OnCluster(Actions({A::kListDatabases}))};
       }},
      {"readWriteAnyDatabase",
       [](const std::string&) {
         return std::vector{OnAnyDb(ReadWriteActions()), OnCluster(Actions({A::kListDatabases}))};
       }},
      {"userAdminAnyDatabase",
       [](const std::string&) {
         return std::vector{OnAnyDb(UserAdminActions()),
                            OnCluster(Actions({A::kListDatabases, A::kViewUser, A::kViewRole}))};
       }},
      {"dbAdminAnyDatabase",
       [](const std::string&) {
         return std::vector{OnAnyDb(DbAdminActions()), OnCluster(Actions({A::kListDatabases}))};
       }},
      {"clusterMonitor",
       [](const std::string&) {
         return std::vector{OnCluster(ClusterMonitorActions()),
                            OnAnyDb(Actions({A::kCollStats, A::kDbStats}))};
       }},
      {"hostManager",
       [](const std::string&) { return std::vector{OnCluster(HostManagerActions())}; }},
      {"clusterManager",
       [](const std::string&) {
         return std::vector{OnCluster(ClusterMonitorActions() | HostManagerActions())};
       }},
      {"clusterAdmin",
       [](const std::string&) {
         return std::vector{OnCluster(ClusterMonitorActions() | HostManagerActions()),
                            OnAnyDb(Actions({A::kCollStats, A::kDbStats, A::kDropDatabase}))};
       }},
      {"root",
       [](const std::string&) {
         return std::vector{OnAnyDb(AllActions()), OnCluster(AllActions())};
       }},
  };
  return roles;
}

constexpr std::string_view kActionNames[] = {"find",
                                             "insert",
                                             "update",
                                             "remove",
                                             "killCursors",
                                             "listCollections",
                                             "listIndexes",
                                             "collStats",
                                             "dbStats",
                                             "changeStream",
                                             "dbHash",
                                             "createCollection",
                                             "dropCollection",
                                             "createIndex",
                                             "dropIndex",
                                             "renameCollectionSameDB",
                                             "convertToCapped",
                                             "collMod",
                                             "dropDatabase",
                                             "validate",
                                             "bypassDocumentValidation",
                                             "compact",
                                             "enableProfiler",
                                             "createUser",
                                             "dropUser",
                                             "updateUser",
                                             "grantRole",
                                             "revokeRole",
                                             "viewUser",
                                             "changePassword",
                                             "changeCustomData",
                                             "createRole",
                                             "dropRole",
                                             "viewRole",
                                             "serverStatus",
                                             "getCmdLineOpts",
                                             "getLog",
                                             "getParameter",
                                             "setParameter",
                                             "hostInfo",
                                             "inprog",
                                             "killop",
                                             "listDatabases",
                                             "listSessions",
                                             "killAnySession",
                                             "top",
                                             "shutdown",
                                             "fsync",
                                             "logRotate"};
static_assert(std::size(kActionNames) == static_cast<size_t>(Action::kCount));

}  // namespace

std::string_view ActionName(Action action) { return kActionNames[static_cast<size_t>(action)]; }

void AppendPrivileges(const char* field, const std::vector<Privilege>& privileges, bson_t* doc) {
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(doc, field, &array);
  int i = 0;
  for (const auto& p : privileges) {
    bson_t entry, resource;
    std::string key = std::to_string(i++);
    bson_append_document_begin(&array, key.c_str(), -1, &entry);
    BSON_APPEND_DOCUMENT_BEGIN(&entry, "resource", &resource);
    if (p.scope == Scope::kCluster) {
      BSON_APPEND_BOOL(&resource, "cluster", true);
    } else {
      AppendUtf8(&resource, "db", p.scope == Scope::kDatabase ? p.db : "");
      AppendUtf8(&resource, "collection", "");
    }
    bson_append_document_end(&entry, &resource);
    std::vector<std::string> names;
    for (size_t a = 0; a < p.actions.size(); ++a) {
      if (p.actions.test(a)) names.emplace_back(kActionNames[a]);
    }
    std::sort(names.begin(), names.end());
    AppendStringArray(&entry, "actions", names);
    bson_append_document_end(&array, &entry);
  }
  bson_append_array_end(doc, &array);
}

ActionSet Actions(std::initializer_list<Action> actions) {
  ActionSet set;
  for (Action a : actions) set.set(static_cast<size_t>(a));
  return set;
}

bool IsBuiltinRole(const RoleName& role) {
  if (DatabaseRoles().contains(role.role)) return true;
  return role.db == "admin" && AdminRoles().contains(role.role);
}

std::vector<Privilege> PrivilegesOfRole(const RoleName& role) {
  if (auto it = DatabaseRoles().find(role.role); it != DatabaseRoles().end()) {
    return it->second(role.db);
  }
  if (role.db != "admin") return {};
  if (auto it = AdminRoles().find(role.role); it != AdminRoles().end()) {
    return it->second(role.db);
  }
  return {};
}

std::vector<Privilege> PrivilegesOfConnection(const AuthState& auth) {
  std::vector<Privilege> out;
  for (const auto& user : auth.users) {
    for (const auto& role : user.roles) {
      for (auto& p : PrivilegesOfRole(role)) out.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<Privilege> LocalhostExceptionPrivileges() {
  return {OnDb("admin", Actions({A::kCreateUser, A::kGrantRole})),
          OnDb("$external", Actions({A::kCreateUser}))};
}

bool Covers(const std::vector<Privilege>& privileges,
            const std::vector<RequiredPrivilege>& required) {
  for (const auto& need : required) {
    // A command may need actions granted by several roles together.
    ActionSet granted;
    for (const auto& p : privileges) {
      bool applies = need.cluster ? p.scope == Scope::kCluster
                                  : (p.scope == Scope::kAnyDatabase ||
                                     (p.scope == Scope::kDatabase && p.db == need.db));
      if (applies) granted |= p.actions;
    }
    if ((need.actions & ~granted).any()) return false;
  }
  return true;
}

}  // namespace basalt::commands
