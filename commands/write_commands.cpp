// insert and delete: batches of writes with mongod's ordered/unordered
// semantics and its reply shape {n, writeErrors: [{index, code, errmsg,
// ...extra}], ok}. The per-document and per-statement work lives in
// write_util so that bulkWrite runs exactly the same code.
#include <cmath>
#include <optional>
#include <vector>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/server_version.h"
#include "commands/write_util.h"

namespace basalt::commands {
namespace {

Status RunInsert(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto batch = ParseWriteBatch(cmd, "documents");
  if (!batch.ok()) return batch.status();

  auto collection =
      op.service.engine->GetOrCreateCollection(cmd.db, batch.value().collection, false);
  if (!collection.ok()) return collection.status();

  std::vector<WriteError> errors;
  // One journal sync for the whole batch, below, rather than one per document.
  const int32_t inserted =
      InsertDocuments(*collection.value(), batch.value().entries, batch.value().ordered, &errors);
  // Every document attempted counts, as when they were inserted one by one.
  op.service.opcounters.insert.fetch_add(inserted + static_cast<int64_t>(errors.size()),
                                         std::memory_order_relaxed);
  if (batch.value().concern.journal && inserted > 0) {
    if (Status s = op.service.engine->Flush(); !s.ok()) return s;
  }
  BSON_APPEND_INT32(reply, "n", inserted);
  AppendWriteErrors(reply, errors);
  return Status::OK();
}

// Parses {q, limit, hint, collation} as mongod's DeleteOpEntry.
StatusWith<std::unique_ptr<DeleteOp>> ParseDeleteOp(const protocol::DocView& entry) {
  BsonView doc = entry.bson();
  std::optional<bson_iter_t> q, limit, hint;
  bson_iter_t it;
  bson_iter_init(&it, doc.get());
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (key == "q") {
      q = it;
    } else if (key == "limit") {
      limit = it;
    } else if (key == "hint") {
      hint = it;
    } else if (key == "collation") {
      if (Status st = RefuseCollationValue(&it); !st.ok()) return st;
    } else if (key != "sampleId") {
      return Status(40415,
                    "BSON field 'delete.deletes." + std::string(key) + "' is an unknown field.");
    }
  }
  if (!q) return Status(40414, "BSON field 'delete.deletes.q' is missing but a required field");
  if (!BSON_ITER_HOLDS_DOCUMENT(&*q)) {
    return Status(ErrorCodes::TypeMismatch, "BSON field 'delete.deletes.q' is the wrong type '" +
                                                std::string(TypeName(bson_iter_type(&*q))) +
                                                "', expected type 'object'");
  }
  if (!limit) {
    return Status(40414, "BSON field 'delete.deletes.limit' is missing but a required field");
  }
  double limit_value = IsNumber(bson_iter_type(&*limit)) ? NumberAsDouble(&*limit) : -1;
  if (limit_value != 0 && limit_value != 1) {
    return Status(
        ErrorCodes::FailedToParse,
        "The limit field in delete objects must be 0 or 1. Got " +
            (IsNumber(bson_iter_type(&*limit)) ? FormatNumber(limit_value)
                                               : std::string(TypeName(bson_iter_type(&*limit)))));
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&*q, &len, &data);
  auto op = std::unique_ptr<DeleteOp>(new DeleteOp{BsonView(data, len), limit_value == 0, Bson()});
  if (hint) {
    if (BSON_ITER_HOLDS_UTF8(&*hint)) {
      AppendUtf8(op->hint.get(), "$hint", Utf8Of(&*hint));
    } else if (BSON_ITER_HOLDS_DOCUMENT(&*hint)) {
      bson_iter_document(&*hint, &len, &data);
      op->hint = Bson::CopyBytes(data, len);
    }
  }
  return op;
}

Status RunDelete(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto batch = ParseWriteBatch(cmd, "deletes");
  if (!batch.ok()) return batch.status();
  // One $$NOW and one evaluation of `let` for the whole batch, as mongod.
  auto variables =
      query::CommandVariables::Make(batch.value().let.get(), query::CurrentTimeMillis());
  if (!variables.ok()) return variables.status();

  int64_t deleted = 0;
  std::vector<WriteError> errors;
  for (size_t i = 0; i < batch.value().entries.size(); ++i) {
    op.service.opcounters.remove.fetch_add(1, std::memory_order_relaxed);
    auto parsed = ParseDeleteOp(batch.value().entries[i]);
    // A malformed entry fails the whole command, as mongod's parser does.
    if (!parsed.ok()) return parsed.status();
    parsed.value()->variables = variables.value().get();
    auto n = ExecuteDelete(op, cmd.db, batch.value().collection, *parsed.value());
    if (n.ok()) {
      deleted += n.value();
      continue;
    }
    errors.push_back({static_cast<int32_t>(i), n.status()});
    if (batch.value().ordered) break;
  }
  if (batch.value().concern.journal && deleted > 0) {
    if (Status s = op.service.engine->Flush(); !s.ok()) return s;
  }
  AppendNumber(reply, "n", deleted);
  AppendWriteErrors(reply, errors);
  return Status::OK();
}

}  // namespace

void RegisterWriteCommands(CommandRegistry* registry) {
  registry->Register(
      {.name = "insert", .run = RunInsert, .help = "insert documents", .counts_as_command = false});
  registry->Register(
      {.name = "delete", .run = RunDelete, .help = "delete documents", .counts_as_command = false});
}

}  // namespace basalt::commands
