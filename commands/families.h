// One Register function per command family, each in its own file; called
// explicitly from RegisterAllCommands.
#pragma once

namespace basalt::commands {

class CommandRegistry;

void RegisterHandshakeCommands(CommandRegistry* registry);      // handshake.cpp
void RegisterDiagnosticCommands(CommandRegistry* registry);     // diagnostics.cpp
void RegisterOperationCommands(CommandRegistry* registry);      // operations.cpp
void RegisterSessionCommands(CommandRegistry* registry);        // sessions.cpp
void RegisterDatabaseCommands(CommandRegistry* registry);       // databases.cpp
void RegisterWriteCommands(CommandRegistry* registry);          // write_commands.cpp
void RegisterCollectionCommands(CommandRegistry* registry);     // collections.cpp
void RegisterIndexCommands(CommandRegistry* registry);          // indexes.cpp
void RegisterCatalogStatsCommands(CommandRegistry* registry);   // catalog_stats.cpp
void RegisterQueryCommands(CommandRegistry* registry);          // find.cpp
void RegisterExplainCommands(CommandRegistry* registry);        // explain.cpp
void RegisterDistinctCommands(CommandRegistry* registry);       // distinct.cpp
void RegisterUpdateCommands(CommandRegistry* registry);         // update.cpp
void RegisterFindAndModifyCommands(CommandRegistry* registry);  // find_and_modify.cpp
void RegisterBulkWriteCommands(CommandRegistry* registry);      // bulk_write.cpp
void RegisterAggregateCommands(CommandRegistry* registry);      // aggregate.cpp
void RegisterAuthenticationCommands(CommandRegistry* registry); // authentication.cpp
void RegisterUserCommands(CommandRegistry* registry);           // user_commands.cpp
void RegisterUsersInfoCommand(CommandRegistry* registry);       // users_info.cpp

}  // namespace basalt::commands
