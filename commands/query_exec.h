// Building the query layer's executor for a command that reads documents by
// filter (find, count, delete, update, findAndModify).
#pragma once

#include <memory>
#include <string>

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"
#include "query/find_executor.h"

namespace basalt::commands {

// An executor over `db`.`collection` (which may not exist: no results)
// yielding the documents `filter` matches, planned with `hint` (nullable).
StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const bson_t* filter, const bson_t* hint, const query::FindOptions& options);

}  // namespace basalt::commands
