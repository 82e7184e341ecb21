// The parsed form of find and count, shared by the commands themselves and by
// explain, which runs the same request to describe its plan.
#pragma once

#include <optional>
#include <string>

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"
#include "query/find_executor.h"

namespace basalt::commands {

struct ReadRequest {
  std::string collection;
  Bson filter;
  Bson hint;
  query::FindOptions options;
  Bson sort_spec;  // as given, for explain
  // find only.
  std::optional<int64_t> batch_size;
  bool single_batch = false;
  bool no_cursor_timeout = false;
};

// Parses a find command body with mongod's validation and messages.
StatusWith<ReadRequest> ParseFindRequest(const CommandInvocation& cmd);

// Parses a count command body ({count, query, limit, skip, hint}).
StatusWith<ReadRequest> ParseCountRequest(const CommandInvocation& cmd);

}  // namespace basalt::commands
