// Pieces shared by the batch write commands (insert, update, delete) and
// bulkWrite: the write error list of their replies, the batch size rule,
// `ordered`, and the per-document insert and per-statement delete that both
// the classic commands and bulkWrite run.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "query/command_variables.h"
#include "storage/collection.h"

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

// What insert, update and delete share (mongod's WriteCommandRequestBase):
// the target collection, `ordered`, `bypassDocumentValidation`,
// `writeConcern`, and the statements of `list_field` (`documents`,
// `updates`, `deletes`) with the batch size rule; unknown fields are 40415.
struct WriteBatch {
  std::string collection;
  bool ordered = true;
  WriteConcern concern;
  std::vector<protocol::DocView> entries;
  // The command's `let` (empty when absent); update and delete evaluate it.
  Bson let;
};
StatusWith<WriteBatch> ParseWriteBatch(const CommandInvocation& cmd, std::string_view list_field);

// `ordered`, which mongod's IDL takes as a strict bool (default true).
StatusWith<bool> OrderedArgument(const CommandInvocation& cmd);

// A number as mongod's messages print a double: integral values without a fraction.
std::string FormatNumber(double value);

// Prepares `doc` as mongod's fixDocumentForInsert does and stores it in
// `coll` without a journal sync (callers sync once per batch). Failures are
// the statement's write error (BadValue for a bad _id, DuplicateKey, ...).
Status InsertDocument(storage::Collection& coll, const bson_t* doc);

// The documents of one insert command, each prepared as InsertDocument does,
// stored in order in `coll` through its batched path, without a journal sync.
// Appends each failure to `errors` with its position in `docs`, in order;
// `ordered` stops at the first. Returns how many were inserted.
int32_t InsertDocuments(storage::Collection& coll, const std::vector<protocol::DocView>& docs,
                        bool ordered, std::vector<WriteError>* errors);

// One delete statement: `query_view` views the caller's bytes, `hint` is
// {$hint: "name"} or a key pattern (empty for none).
struct DeleteOp {
  BsonView query_view;
  bool multi;
  Bson hint;
  // What the filter's $expr sees (null: $$NOW only); not owned.
  const query::CommandVariables* variables = nullptr;
};

// Deletes the documents `op` matches (one unless multi); returns how many.
// A document changed between being read and being deleted is re-read and
// deleted only if it still matches, as mongod re-checks after a write conflict.
StatusWith<int64_t> ExecuteDelete(OperationContext& ctx, const std::string& db,
                                  const std::string& coll_name, const DeleteOp& op);

}  // namespace basalt::commands
