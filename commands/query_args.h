// Parsing the options find, count, distinct and aggregate share: numbers
// that must be non-negative, sub-documents, maxTimeMS, and hint.
#pragma once

#include <chrono>
#include <optional>

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"

namespace basalt::commands {

// A non-negative integral option (skip, limit, batchSize): 51024 "BSON field
// 'skip' value must be >= 0, actual value '-1'" as mongod's IDL validator.
StatusWith<std::optional<int64_t>> NonNegativeArgument(const CommandInvocation& cmd,
                                                       std::string_view name);

// An optional object option (filter, projection, sort...): a copy, or an
// empty document when absent; TypeMismatch when not an object.
StatusWith<Bson> ObjectArgument(const CommandInvocation& cmd, std::string_view name);

// The deadline from the generic maxTimeMS (0 or absent: none). BadValue for
// negative or non-integral values, as mongod's parseMaxTimeMS.
StatusWith<std::optional<std::chrono::steady_clock::time_point>> DeadlineArgument(
    const CommandInvocation& cmd);

// `hint` as the planner takes it: an index key pattern, {$hint: "<name>"}
// for a name, or empty when absent.
StatusWith<Bson> HintArgument(const CommandInvocation& cmd);

// Refuses a non-simple collation clearly until collations are supported:
// the command's `collation` field, or one value (e.g. a write op's).
Status RefuseCollation(const CommandInvocation& cmd);
Status RefuseCollationValue(const bson_iter_t* collation);

}  // namespace basalt::commands
