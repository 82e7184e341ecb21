#include <algorithm>
#include <cassert>
#include <memory>

#include "commands/command.h"
#include "commands/families.h"

namespace basalt::commands {

void CommandRegistry::Register(CommandDefinition definition) {
  auto owned = std::make_unique<CommandDefinition>(std::move(definition));
  const CommandDefinition* def = owned.get();
  [[maybe_unused]] bool inserted = by_name_.emplace(def->name, def).second;
  assert(inserted && "command registered twice");
  for (const auto& alias : def->aliases) by_name_.emplace(alias, def);
  definitions_.push_back(std::move(owned));
}

const CommandDefinition* CommandRegistry::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<const CommandDefinition*> CommandRegistry::All() const {
  std::vector<const CommandDefinition*> all;
  for (const auto& def : definitions_) all.push_back(def.get());
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return all;
}

void RegisterAllCommands(CommandRegistry* registry) {
  RegisterHandshakeCommands(registry);
  RegisterDiagnosticCommands(registry);
  RegisterOperationCommands(registry);
  RegisterSessionCommands(registry);
  RegisterDatabaseCommands(registry);
  RegisterWriteCommands(registry);
  RegisterCollectionCommands(registry);
  RegisterIndexCommands(registry);
  RegisterCatalogStatsCommands(registry);
  RegisterQueryCommands(registry);
  RegisterExplainCommands(registry);
  RegisterDistinctCommands(registry);
  RegisterUpdateCommands(registry);
  RegisterFindAndModifyCommands(registry);
  RegisterBulkWriteCommands(registry);
  RegisterAggregateCommands(registry);
  RegisterAuthenticationCommands(registry);
  RegisterUserCommands(registry);
  RegisterUsersInfoCommand(registry);
}

}  // namespace basalt::commands
