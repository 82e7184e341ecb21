// Building the query layer's executor for a command that reads documents by
// filter (find, count, delete, update, findAndModify).
#pragma once

#include <memory>
#include <string>

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"
#include "query/command_variables.h"
#include "query/find_executor.h"
#include "query/find_plan.h"

namespace basalt::commands {

// An executor over `db`.`collection` (which may not exist: no results)
// yielding the documents the request's filter matches, planned from the
// whole request (hint, sort, min/max). The filter's $expr sees `variables`
// (null: $$NOW only) and its evaluation errors end the stream; the planner
// ignores $expr, which constrains no field.
StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const query::FindPlanRequest& request, const query::FindOptions& options,
    const query::CommandVariables* variables = nullptr);

// The same for a filter and a hint (nullable); the plan may use an index for
// `options.sort`.
StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const bson_t* filter, const bson_t* hint, const query::FindOptions& options,
    const query::CommandVariables* variables = nullptr);

}  // namespace basalt::commands
