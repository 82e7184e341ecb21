// Argument helpers shared by command families: the target collection named
// by the command field, optional typed fields, and the writeConcern a
// standalone accepts. Error codes and messages are mongod's.
#pragma once

#include <bson/bson.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "commands/command.h"

namespace basalt::commands {

// The collection named by the command's first field ({insert: "users"}):
// InvalidNamespace "collection name has invalid type <type>" unless a
// string, and "Invalid namespace specified '<db>.'" when empty.
StatusWith<std::string> CollectionArgument(const CommandInvocation& cmd);

// The field `name` of the body, if present.
std::optional<bson_iter_t> FindField(const bson_t* body, std::string_view name);

// A boolean option: true/false, or a number read as truthiness as mongod's
// IDL "safeBool" does. TypeMismatch "BSON field '<cmd>.<name>' is the wrong
// type '<type>', expected types '[bool, long, int, decimal, double']" otherwise.
StatusWith<bool> BoolArgument(const CommandInvocation& cmd, std::string_view name, bool fallback);

// mongod's message for a field of the wrong type:
// "BSON field '<cmd>.<field>' is the wrong type '<actual>', expected type '<expected>'".
Status WrongType(const CommandInvocation& cmd, std::string_view field, bson_type_t actual,
                 std::string_view expected);

// What a write's writeConcern asks for, as far as a standalone honours it.
struct WriteConcern {
  bool journal = false;         // j: true, fsync: true, or w: "majority" (durable on a standalone)
  bool unacknowledged = false;  // w: 0
  // Set when the write may go ahead but the concern cannot be satisfied by a
  // standalone (w > 1, an unknown tag): the reply carries it as writeConcernError.
  std::optional<Status> unsatisfiable;
};

// Parses `writeConcern` ({w, j, wtimeout, fsync}). Malformed values fail the
// command (FailedToParse / TypeMismatch).
StatusWith<WriteConcern> WriteConcernArgument(const CommandInvocation& cmd);

}  // namespace basalt::commands
