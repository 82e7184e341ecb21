// Pieces shared by the batch write commands (insert, update, delete): the
// write error list of their replies, the batch size rule and `ordered`.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "commands/command.h"

namespace basalt::commands {

struct WriteError {
  int32_t index;
  Status status;
};

// Appends `writeErrors: [{index, code, errmsg, ...extra}]` (mongod's
// WriteError::serialize order) unless `errors` is empty.
void AppendWriteErrors(bson_t* reply, const std::vector<WriteError>& errors);

// InvalidLength "Write batch sizes must be between 1 and 100000. Got N operations."
Status CheckBatchSize(size_t count);

// `ordered`, which mongod's IDL takes as a strict bool (default true).
StatusWith<bool> OrderedArgument(const CommandInvocation& cmd);

// A number as mongod's messages print a double: integral values without a fraction.
std::string FormatNumber(double value);

}  // namespace basalt::commands
