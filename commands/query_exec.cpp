#include "commands/query_exec.h"

#include "query/matcher.h"

namespace basalt::commands {

StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const query::FindPlanRequest& request, const query::FindOptions& options) {
  Bson empty;
  auto matcher = query::Matcher::Parse(request.filter ? request.filter : empty.get());
  if (!matcher.ok()) return matcher.status();
  std::shared_ptr<storage::Collection> coll = op.service.engine->GetCollection(db, collection);
  auto plan = query::ChooseFindPlan(coll.get(), request);
  if (!plan.ok()) return plan.status();
  query::FindOptions effective = options;
  // Sorts too big for memory spill next to the data, as mongod's _tmp directory.
  if (effective.temp_dir.empty() && !op.service.engine->options().db_path.empty()) {
    effective.temp_dir = op.service.engine->options().db_path + "/_tmp";
  }
  return std::make_unique<query::FindExecutor>(std::move(coll), std::move(plan.value()),
                                               std::move(matcher.value()), std::move(effective));
}

StatusWith<std::unique_ptr<query::FindExecutor>> MakeFindExecutor(
    OperationContext& op, const std::string& db, const std::string& collection,
    const bson_t* filter, const bson_t* hint, const query::FindOptions& options) {
  query::FindPlanRequest request;
  request.filter = filter;
  request.hint = hint;
  request.sort = options.sort ? &*options.sort : nullptr;
  return MakeFindExecutor(op, db, collection, request, options);
}

}  // namespace basalt::commands
