// insert (and, with later issues, update and delete): batches of writes with
// mongod's ordered/unordered semantics and its reply shape
// {n, writeErrors: [{index, code, errmsg, ...extra}], ok}.
#include <vector>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/insert_document.h"
#include "commands/server_version.h"

namespace basalt::commands {
namespace {

struct WriteError {
  int32_t index;
  Status status;
};

// mongod's WriteError::serialize: index, code, errmsg, then the status's extra fields.
void AppendWriteErrors(bson_t* reply, const std::vector<WriteError>& errors) {
  if (errors.empty()) return;
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(reply, "writeErrors", &array);
  for (size_t i = 0; i < errors.size(); ++i) {
    bson_t entry;
    bson_append_document_begin(&array, std::to_string(i).c_str(), -1, &entry);
    BSON_APPEND_INT32(&entry, "index", errors[i].index);
    BSON_APPEND_INT32(&entry, "code", errors[i].status.code());
    AppendUtf8(&entry, "errmsg", errors[i].status.reason());
    if (const bson_t* extra = errors[i].status.extraInfo()) bson_concat(&entry, extra);
    bson_append_document_end(&array, &entry);
  }
  bson_append_array_end(reply, &array);
}

Status CheckBatchSize(size_t count) {
  if (count == 0 || count > static_cast<size_t>(kMaxWriteBatchSize)) {
    return Status(ErrorCodes::InvalidLength, "Write batch sizes must be between 1 and " +
                                                 std::to_string(kMaxWriteBatchSize) + ". Got " +
                                                 std::to_string(count) + " operations.");
  }
  return Status::OK();
}

Status RunInsert(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto coll_name = CollectionArgument(cmd);
  if (!coll_name.ok()) return coll_name.status();
  if (Status s = CheckKnownFields(cmd, {"documents", "ordered", "bypassDocumentValidation", "let"});
      !s.ok()) {
    return s;
  }
  auto ordered = BoolArgument(cmd, "ordered", true);
  if (!ordered.ok()) return ordered.status();
  auto bypass = BoolArgument(cmd, "bypassDocumentValidation", false);
  if (!bypass.ok()) return bypass.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  auto documents = DocumentListArgument(cmd, "documents");
  if (!documents.ok()) return documents.status();
  if (Status s = CheckBatchSize(documents.value().size()); !s.ok()) return s;

  auto collection = op.service.engine->GetOrCreateCollection(cmd.db, coll_name.value(), false);
  if (!collection.ok()) return collection.status();

  int32_t inserted = 0;
  std::vector<WriteError> errors;
  const auto& docs = documents.value();
  for (size_t i = 0; i < docs.size(); ++i) {
    op.service.opcounters.insert.fetch_add(1, std::memory_order_relaxed);
    BsonView doc = docs[i].bson();
    auto prepared = PrepareForInsert(doc.get());
    Status status = prepared.status();
    if (prepared.ok()) {
      const bson_t* to_store = prepared.value() ? prepared.value()->get() : doc.get();
      // One journal sync for the whole batch, below, rather than one per document.
      status = collection.value()->Insert(to_store, false);
    }
    if (status.ok()) {
      ++inserted;
      continue;
    }
    errors.push_back({static_cast<int32_t>(i), status});
    if (ordered.value()) break;
  }
  if (concern.value().journal && inserted > 0) {
    if (Status s = op.service.engine->Flush(); !s.ok()) return s;
  }
  BSON_APPEND_INT32(reply, "n", inserted);
  AppendWriteErrors(reply, errors);
  return Status::OK();
}

}  // namespace

void RegisterWriteCommands(CommandRegistry* registry) {
  registry->Register(
      {.name = "insert", .run = RunInsert, .help = "insert documents", .counts_as_command = false});
}

}  // namespace basalt::commands
