// Authorization as mongod's built-in roles define it: each role grants
// actions on a database, on every database, or on the cluster; each command
// needs some actions on the database or collection it targets (or on the
// cluster). With --auth, the dispatcher asks CheckAuthorization before it
// runs a command; without it nothing here is consulted.
#pragma once

#include <bson/bson.h>

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "commands/auth_state.h"

namespace basalt::commands {

struct CommandDefinition;
struct CommandInvocation;
struct OperationContext;

// mongod's action types, as far as Basalt's commands need them.
enum class Action {
  kFind,
  kInsert,
  kUpdate,
  kRemove,
  kKillCursors,
  kListCollections,
  kListIndexes,
  kCollStats,
  kDbStats,
  kChangeStream,
  kDbHash,
  kCreateCollection,
  kDropCollection,
  kCreateIndex,
  kDropIndex,
  kRenameCollectionSameDb,
  kConvertToCapped,
  kCollMod,
  kDropDatabase,
  kValidate,
  kBypassDocumentValidation,
  kCompact,
  kEnableProfiler,
  kCreateUser,
  kDropUser,
  kUpdateUser,
  kGrantRole,
  kRevokeRole,
  kViewUser,
  kChangePassword,
  kChangeCustomData,
  kCreateRole,
  kDropRole,
  kViewRole,
  kServerStatus,
  kGetCmdLineOpts,
  kGetLog,
  kGetParameter,
  kSetParameter,
  kHostInfo,
  kInprog,
  kKillop,
  kListDatabases,
  kListSessions,
  kKillAnySession,
  kTop,
  kShutdown,
  kFsync,
  kLogRotate,
  kCount  // keep last
};
using ActionSet = std::bitset<static_cast<size_t>(Action::kCount)>;
ActionSet Actions(std::initializer_list<Action> actions);
// mongod's name of the action ("find", "createIndex", "serverStatus"...).
std::string_view ActionName(Action action);

// What a role grants: actions on one database, on every database, or on the cluster.
struct Privilege {
  enum class Scope { kDatabase, kAnyDatabase, kCluster };
  Scope scope;
  std::string db;  // kDatabase only
  ActionSet actions;
};

// Whether `role` is a built-in role of its database: the database roles
// (read, readWrite, dbAdmin, userAdmin, dbOwner) exist in every database, the
// cluster-wide ones (root, readAnyDatabase, clusterMonitor...) only in admin.
bool IsBuiltinRole(const RoleName& role);
std::vector<Privilege> PrivilegesOfRole(const RoleName& role);

// What a command needs: actions on a database (`cluster` false) or the cluster.
struct RequiredPrivilege {
  bool cluster = false;
  std::string db;
  ActionSet actions;
};

// The privileges `cmd` needs, or nullopt for a command open to anyone
// (hello, buildInfo, saslStart, ping, logout...: mongod's requiresAuth false).
std::optional<std::vector<RequiredPrivilege>> RequiredPrivileges(const CommandInvocation& cmd,
                                                                 std::string_view command_name);

// Whether the table above names the command (a command it does not name is
// refused to everyone but root).
bool IsClassifiedCommand(std::string_view command_name);

// True when `privileges` cover every requirement.
bool Covers(const std::vector<Privilege>& privileges,
            const std::vector<RequiredPrivilege>& required);

// Appends `<field>: [{resource, actions}]`, as connectionStatus and usersInfo show privileges.
void AppendPrivileges(const char* field, const std::vector<Privilege>& privileges, bson_t* doc);

// The privileges of every user the connection authenticated as.
std::vector<Privilege> PrivilegesOfConnection(const AuthState& auth);

// The localhost exception's privileges: create the first user in admin and
// grant it admin roles (mongod's default privileges when no user exists).
std::vector<Privilege> LocalhostExceptionPrivileges();

// mongod's checks before running a command under --auth: Unauthorized
// "Command <name> requires authentication" for a connection that has not
// authenticated (unless the localhost exception applies), else "not
// authorized on <db> to execute command { ... }" when privileges fall short.
Status CheckAuthorization(OperationContext& op, const CommandDefinition& def,
                          const CommandInvocation& cmd);

// listDatabases' authorizedDatabases as mongod decides it: whether to list only
// the databases the user has some privilege in. By default, yes when the user
// lacks the cluster-wide listDatabases action; `requested` false without that
// action is Unauthorized "Insufficient permissions to list all databases".
// Always false without --auth.
StatusWith<bool> ListOnlyAuthorizedDatabases(OperationContext& op, std::optional<bool> requested);
// Whether the connection's user has any privilege in `db`.
bool HasAnyPrivilegeInDatabase(OperationContext& op, std::string_view db);

// The command body fit for logs and messages: `pwd` replaced by "xxx" (the
// user commands' redactForLogging) and the SASL commands' `payload` by "###"
// (their sensitive field), as mongod redacts them.
Bson RedactedBody(const bson_t* body);

// The command document as mongod prints it in the "not authorized" message.
std::string RedactedCommandString(const CommandInvocation& cmd);

}  // namespace basalt::commands
