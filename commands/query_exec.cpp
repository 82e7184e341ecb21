#include "commands/query_exec.h"

#include "query/expression_match.h"

namespace basalt::commands {

StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const query::FindPlanRequest& request, const query::FindOptions& options,
    const query::CommandVariables* variables) {
  std::shared_ptr<const query::CommandVariables> now;
  if (!variables) {
    now = query::CommandVariables::Now();
    variables = now.get();
  }
  auto filter = query::ParseExprFilter(request.filter, *variables);
  if (!filter.ok()) return filter.status();
  std::shared_ptr<storage::Collection> coll = op.service.engine->GetCollection(db, collection);
  auto plan = query::ChooseFindPlan(coll.get(), request);
  if (!plan.ok()) return plan.status();
  query::FindOptions effective = options;
  // Sorts too big for memory spill next to the data, as mongod's _tmp directory.
  if (effective.temp_dir.empty() && !op.service.engine->options().db_path.empty()) {
    effective.temp_dir = op.service.engine->options().db_path + "/_tmp";
  }
  auto executor = std::make_unique<query::FindExecutor>(std::move(coll), std::move(plan.value()),
                                                        std::move(filter.value().matcher),
                                                        std::move(effective));
  executor->set_filter_errors(std::move(filter.value().extensions));
  return executor;
}

StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const bson_t* filter, const bson_t* hint, const query::FindOptions& options,
    const query::CommandVariables* variables) {
  query::FindPlanRequest request;
  request.filter = filter;
  request.hint = hint;
  request.sort = options.sort ? &*options.sort : nullptr;
  return MakeFindExecutor(op, db, collection, request, options, variables);
}

}  // namespace basalt::commands
