// Argument helpers shared by command families: the target collection named
// by the command field, optional typed fields, and the writeConcern a
// standalone accepts. Error codes and messages are mongod's.
#pragma once

#include <bson/bson.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// True for the arguments every command accepts (mongod's generic_argument.idl:
// $db, lsid, txnNumber, writeConcern, readConcern, maxTimeMS, comment, apiVersion...).
bool IsGenericArgument(std::string_view name);

// Fails with 40415 "BSON field '<cmd>.<name>' is an unknown field." for any
// body field after the first that is neither in `allowed` nor generic, as
// mongod's IDL-parsed commands do.
Status CheckKnownFields(const CommandInvocation& cmd,
                        std::initializer_list<std::string_view> allowed);

// The documents of a write command's array argument (`documents`, `updates`,
// `deletes`), from the body or from the OP_MSG document sequence of that
// name, as mongod accepts either: 40413 "BSON field 'insert.documents' is a
// duplicate field" when both are given, 40414 "... is missing but a required
// field" when neither is, TypeMismatch for a non-array or non-object element.
StatusWith<std::vector<protocol::DocView>> DocumentListArgument(const CommandInvocation& cmd,
                                                                std::string_view name);

// What a write's writeConcern asks for, as far as a standalone honours it.
struct WriteConcern {
  bool journal = false;         // j: true, fsync: true, or w: "majority" (durable on a standalone)
  bool unacknowledged = false;  // w: 0
};

// Parses `writeConcern` ({w, j, wtimeout, fsync}) and checks it as mongod's
// validateWriteConcern does on a standalone: the command fails, before any
// write, with BadValue "cannot use 'w' > 1 when a host is not replicated" or
// "cannot use non-majority 'w' mode "x" when a host is not a member of a
// replica set"; malformed values with FailedToParse.
StatusWith<WriteConcern> WriteConcernArgument(const CommandInvocation& cmd);

}  // namespace basalt::commands
