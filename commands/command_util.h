// Argument helpers shared by command families: the target collection named
// by the command field, optional typed fields, and the writeConcern a
// standalone accepts. Error codes and messages are mongod's.
#pragma once

#include <bson/bson.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "commands/command.h"

namespace basalt::query {
class Matcher;
}  // namespace basalt::query

namespace basalt::commands {

// The field `name` of the body, if present.
std::optional<bson_iter_t> FindField(const bson_t* body, std::string_view name);

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

// The collection named by the command's first field ({insert: "users"}), as
// mongod's IDL parses a collection namespace: BadValue
// "collection name has invalid type <type>" unless a string; InvalidNamespace
// "Invalid namespace specified '<db>.<coll>'" when the name is empty, starts
// with '.' or holds a NUL (NamespaceString::isValid).
StatusWith<std::string> CollectionArgument(const CommandInvocation& cmd);

// The same for commands mongod parses the pre-IDL way
// (CommandHelpers::parseNsCollectionRequired, e.g. validate): a non-string
// name is InvalidNamespace (73) rather than BadValue.
StatusWith<std::string> LegacyCollectionArgument(const CommandInvocation& cmd);

// The checks mongod makes of `$db` before running any command: code 73 with
// storage::ValidateDatabaseName's messages, except that '$' is allowed (as
// mongod's DollarInDbNameBehavior::Allow).
Status ValidateCommandDatabase(std::string_view db);

// mongod's IDL message for a field accepting several types, e.g. `types` =
// "long, int, decimal, double": "BSON field '<cmd>.<field>' is the wrong type
// '<actual>', expected types '[long, int, decimal, double']" (sic: mongod
// closes the quote inside the bracket).
Status WrongTypes(const CommandInvocation& cmd, std::string_view field, bson_type_t actual,
                  std::string_view types);

// A boolean option (IDL safeBool): bool or number (truthiness); absent or null
// gives `fallback`; TypeMismatch "... expected types '[bool, long, int,
// decimal, double']" otherwise, in mongod's exact words.
StatusWith<bool> BoolArgument(const CommandInvocation& cmd, std::string_view name, bool fallback);

// An optional integer option (IDL safeInt64): any number, truncated; absent or
// null gives nullopt; TypeMismatch (WrongTypes) otherwise.
StatusWith<std::optional<int64_t>> Int64Argument(const CommandInvocation& cmd,
                                                 std::string_view name);

// `cursor: {batchSize}` of listCollections/listIndexes: TypeMismatch unless an
// object, 40415 for unknown fields, 51024 "BSON field 'batchSize' value must
// be >= 0, actual value '-1'". The batch size is accepted and not used: these
// commands return everything in the first batch, with cursor id 0.
Status CheckCursorOptions(const CommandInvocation& cmd);

// Appends `cursor: {id: 0 (int64), ns, firstBatch: [docs...]}`, the single
// batch reply of listCollections and listIndexes.
void AppendSingleBatchCursor(bson_t* reply, std::string_view ns, const std::vector<Bson>& docs);

// The `filter` of listDatabases and listCollections: the query layer's
// matcher, with mongod's errors for a bad filter.
class ListFilter {
 public:
  // Parses `filter`; nullptr matches everything.
  static StatusWith<ListFilter> Parse(const bson_t* filter);
  bool Matches(const bson_t* doc) const;

 private:
  std::shared_ptr<const query::Matcher> matcher_;
};

// The `filter` field of the command: absent or null matches everything;
// TypeMismatch "BSON field '<cmd>.filter' is the wrong type ..." unless an object.
StatusWith<ListFilter> FilterArgument(const CommandInvocation& cmd);

}  // namespace basalt::commands
