// Database-level catalog commands. Until the storage engine is wired in,
// there are no databases to list.
#include "commands/command.h"
#include "commands/families.h"

namespace basalt::commands {
namespace {

Status RunListDatabases(OperationContext&, const CommandInvocation& cmd, bson_t* reply) {
  bson_t databases;
  BSON_APPEND_ARRAY_BEGIN(reply, "databases", &databases);
  bson_append_array_end(reply, &databases);
  bson_iter_t it;
  bool name_only = bson_iter_init_find(&it, cmd.body, "nameOnly") && IsTruthy(&it);
  if (!name_only) {
    BSON_APPEND_DOUBLE(reply, "totalSize", 0);
    BSON_APPEND_DOUBLE(reply, "totalSizeMb", 0);
  }
  return Status::OK();
}

}  // namespace

void RegisterDatabaseCommands(CommandRegistry* registry) {
  registry->Register({.name = "listDatabases",
                      .run = RunListDatabases,
                      .help = "list databases on this server",
                      .admin_only = true});
}

}  // namespace basalt::commands
