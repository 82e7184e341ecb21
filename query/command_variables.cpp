#include "query/command_variables.h"

#include <chrono>
#include <string>
#include <string_view>

namespace basalt::query {
namespace {

// mongod's Variables::kSystemVarValidators: system variables a command's let
// may only set when it comes from another server of the cluster.
bool IsSettableSystemVariable(std::string_view name) {
  return name == "NOW" || name == "CLUSTER_TIME" || name == "JS_SCOPE" || name == "IS_MR" ||
         name == "USER_ROLES";
}

}  // namespace

int64_t CurrentTimeMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<const CommandVariables> CommandVariables::Now() {
  auto made = Make(nullptr, CurrentTimeMillis());
  return made.value();
}

StatusWith<std::shared_ptr<const CommandVariables>> CommandVariables::Make(const bson_t* let,
                                                                           int64_t now_millis) {
  std::shared_ptr<CommandVariables> vars(new CommandVariables());
  vars->values_.Set(kNowId, Value::Date(now_millis));
  bson_iter_t it;
  if (let == nullptr || !bson_iter_init(&it, let))
    return std::shared_ptr<const CommandVariables>(vars);
  while (bson_iter_next(&it)) {
    const std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
    if (Status s = ValidateVariableNameForWrite(name); !s.ok()) {
      if (IsSettableSystemVariable(name)) {
        // Basalt's clients are never the cluster's own servers.
        return Status(4738901, "Attempt to set internal constant: " + name);
      }
      return Status(s.code(), "Invalid 'let' parameter :: caused by :: " + s.reason());
    }
    auto expr = ParseAndOptimize(&it, vars->vps_);
    if (!expr.ok()) return expr.status();
    if (expr.value()->ReadsRoot()) {
      // mongod's message, its missing space included.
      return Status(4890500,
                    "Command let Expression tried to access a field, but this is not allowed "
                    "becauseCommand let Expressions run before the query examines any documents.");
    }
    Bson empty;
    EvalContext ctx{empty.get(), &vars->values_};
    auto value = expr.value()->Evaluate(ctx);
    if (!value.ok()) return value.status();
    vars->values_.Set(vars->vps_.Define(name), std::move(value.value()));
  }
  return std::shared_ptr<const CommandVariables>(vars);
}

}  // namespace basalt::query
