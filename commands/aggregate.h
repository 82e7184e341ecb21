// The aggregate command's handler, shared with explain ({explain: {aggregate:
// ...}} runs it with explain: true, as mongod does).
#pragma once

#include "base/status.h"
#include "commands/command.h"

namespace basalt::commands {

Status RunAggregate(OperationContext& op, const CommandInvocation& cmd, bson_t* reply);

}  // namespace basalt::commands
