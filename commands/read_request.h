// The parsed form of find and count, shared by the commands themselves and by
// explain, which runs the same request to describe its plan.
#pragma once

#include <memory>
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
  Bson sort_spec;        // as given, for explain
  Bson projection_spec;  // as given (empty when none), for explain
  // find only.
  std::optional<int64_t> batch_size;
  bool single_batch = false;
  bool no_cursor_timeout = false;
  // find's min/max index keys (empty when absent); they need a hint.
  Bson min;
  Bson max;
  // distinct only: the field whose values are collected.
  std::string distinct_key;
  // find only: the command's let variables (empty when absent).
  Bson let;
};

// Parses a find command body with mongod's validation and messages.
StatusWith<ReadRequest> ParseFindRequest(const CommandInvocation& cmd);

// Parses a count command body ({count, query, limit, skip, hint}).
StatusWith<ReadRequest> ParseCountRequest(const CommandInvocation& cmd);

// Parses a distinct command body ({distinct, key, query, hint}).
StatusWith<ReadRequest> ParseDistinctRequest(const CommandInvocation& cmd);

// The executor for a parsed request over `db`: unlike MakeFindExecutor, its
// plan also weighs the sort (an index in sort order saves the blocking sort)
// and min/max. `let` is evaluated here, with mongod's errors for it.
StatusWith<std::unique_ptr<query::FindExecutor>> MakeReadExecutor(OperationContext& op,
                                                                  const std::string& db,
                                                                  const ReadRequest& req);

}  // namespace basalt::commands
