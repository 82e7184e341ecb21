// Authentication hooks other command families call: the auth fields of a
// hello reply (saslSupportedMechs, speculativeAuthenticate), the authInfo of
// connectionStatus, and keeping a connection's roles in step with user edits.
#pragma once

#include <bson/bson.h>

#include "base/status.h"

namespace basalt::commands {

struct CommandInvocation;
struct OperationContext;

// Appends `saslSupportedMechs` (when the body names an existing user) and
// `speculativeAuthenticate` (when the body carries a saslStart that
// succeeds; a failing one is left out, as mongod does). BadValue for a
// malformed saslSupportedMechs.
Status AppendHelloAuthFields(OperationContext& op, const CommandInvocation& cmd, bson_t* reply);

// authInfo: {authenticatedUsers, authenticatedUserRoles[, authenticatedUserPrivileges]}.
void AppendAuthInfo(OperationContext& op, bool show_privileges, bson_t* reply);

// Re-reads the connection's users after any user was changed (dropped users
// lose their privileges, granted roles apply at once), as mongod's user cache
// invalidation does. Cheap when nothing changed.
void RefreshAuthenticatedUsers(OperationContext& op);

// After a command that may have written admin.system.users directly (CRUD
// or catalog commands on admin), makes connections re-read their users, as
// mongod's user cache is invalidated by any write to that collection.
void NoteCommandRan(OperationContext& op, const CommandInvocation& cmd);

}  // namespace basalt::commands
