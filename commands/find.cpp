// find, getMore, killCursors and count: reads through the query layer's
// executor, results in cursor batches shaped as mongod's
// {cursor: {firstBatch|nextBatch, id, ns}, ok}.
#include <memory>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/cursor_manager.h"
#include "commands/cursor_reply.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/query_exec.h"
#include "commands/read_request.h"
#include "query/find_executor.h"

namespace basalt::commands {
namespace {

// mongod reports errors met while executing (a sort over its memory limit,
// an $expr failing on a document) with the command's context; time limits
// and killed cursors come back as they are.
Status AnnotateExecutorError(const Status& status, const std::string& command) {
  if (status.ok() || status.code() == ErrorCodes::MaxTimeMSExpired ||
      status.code() == ErrorCodes::CursorNotFound ||
      status.code() == ErrorCodes::NamespaceNotFound) {
    return status;
  }
  // An aggregate's cursor already says where its error came from.
  const std::string& reason = status.reason();
  if (reason.rfind("Executor error during ", 0) == 0 ||
      reason.rfind("PlanExecutor error during ", 0) == 0) {
    return status;
  }
  return Status(status.code(),
                "Executor error during " + command + " :: caused by :: " + status.reason());
}

Status RunFind(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto parsed = ParseFindRequest(cmd);
  if (!parsed.ok()) return parsed.status();
  ReadRequest& req = parsed.value();
  op.service.opcounters.query.fetch_add(1, std::memory_order_relaxed);

  auto executor = MakeReadExecutor(op, cmd.db, req);
  if (!executor.ok()) return executor.status();
  CursorState state;
  state.ns = cmd.db + "." + req.collection;
  state.source = std::move(executor.value());
  state.no_timeout = req.no_cursor_timeout;
  state.connection_id = op.connection.id;
  state.lsid = SessionIdOf(cmd);
  int64_t first_batch = req.batch_size.value_or(kDefaultFirstBatchSize);
  if (first_batch > 0 && req.options.limit && *req.options.limit > 0) {
    first_batch = std::min(first_batch, *req.options.limit);
  }
  const std::string ns = state.ns;
  Status st = AppendFirstBatchCursor(op, std::move(state), first_batch, req.single_batch, reply);
  // mongod 7.0+ names the namespace: "Executor error during find command: db.c :: caused by ::
  // ...".
  return AnnotateExecutorError(st, "find command: " + ns);
}

Status RunGetMore(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (!BSON_ITER_HOLDS_INT64(&it)) {
    return WrongType(cmd, "getMore", bson_iter_type(&it), "long");
  }
  int64_t id = bson_iter_int64(&it);
  if (Status s =
          CheckKnownFields(cmd, {"collection", "batchSize", "term", "lastKnownCommittedOpTime"});
      !s.ok()) {
    return s;
  }
  auto coll_field = FindField(cmd.body, "collection");
  if (!coll_field) {
    return Status(40414, "BSON field 'getMore.collection' is missing but a required field");
  }
  if (!BSON_ITER_HOLDS_UTF8(&*coll_field)) {
    return WrongType(cmd, "collection", bson_iter_type(&*coll_field), "string");
  }
  auto batch_size = NonNegativeArgument(cmd, "batchSize");
  if (!batch_size.ok()) return batch_size.status();
  if (FindField(cmd.body, "maxTimeMS")) {
    return Status(ErrorCodes::BadValue,
                  "cannot set maxTimeMS on getMore command for a non-awaitData cursor");
  }
  std::string ns = cmd.db + "." + std::string(Utf8Of(&*coll_field));
  op.service.opcounters.getmore.fetch_add(1, std::memory_order_relaxed);

  auto pinned = op.service.cursors.Pin(id, ns);
  if (!pinned.ok()) return pinned.status();
  CursorState* state = pinned.value();
  bson_t cursor, batch;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "cursor", &cursor);
  bson_append_array_begin(&cursor, "nextBatch", -1, &batch);
  int64_t max_docs = batch_size.value().value_or(0);  // 0: only the byte limit
  auto exhausted = FillBatch(state, max_docs, &batch);
  if (!exhausted.ok()) {
    op.service.cursors.Release(id, true);
    return AnnotateExecutorError(exhausted.status(), "getMore");
  }
  bson_append_array_end(&cursor, &batch);
  op.service.cursors.Release(id, exhausted.value());
  BSON_APPEND_INT64(&cursor, "id", exhausted.value() ? 0 : id);
  AppendUtf8(&cursor, "ns", ns);
  bson_append_document_end(reply, &cursor);
  return Status::OK();
}

Status RunKillCursors(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto coll = CollectionArgument(cmd);
  if (!coll.ok()) return coll.status();
  if (Status s = CheckKnownFields(cmd, {"cursors"}); !s.ok()) return s;
  auto cursors = FindField(cmd.body, "cursors");
  if (!cursors)
    return Status(40414, "BSON field 'killCursors.cursors' is missing but a required field");
  if (!BSON_ITER_HOLDS_ARRAY(&*cursors)) {
    return WrongType(cmd, "cursors", bson_iter_type(&*cursors), "array");
  }
  std::string ns = cmd.db + "." + coll.value();
  std::vector<int64_t> killed, not_found;
  bson_iter_t it;
  bson_iter_recurse(&*cursors, &it);
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_INT64(&it)) {
      return WrongType(cmd, "cursors." + std::string(KeyOf(&it)), bson_iter_type(&it), "long");
    }
    int64_t id = bson_iter_int64(&it);
    auto result = op.service.cursors.Kill(id, ns);
    (result == CursorManager::KillResult::kNotFound ? not_found : killed).push_back(id);
  }
  auto append_ids = [reply](const char* name, const std::vector<int64_t>& ids) {
    bson_t array;
    bson_append_array_begin(reply, name, -1, &array);
    for (size_t i = 0; i < ids.size(); ++i) {
      BSON_APPEND_INT64(&array, std::to_string(i).c_str(), ids[i]);
    }
    bson_append_array_end(reply, &array);
  };
  append_ids("cursorsKilled", killed);
  append_ids("cursorsNotFound", not_found);
  append_ids("cursorsAlive", {});
  append_ids("cursorsUnknown", {});
  return Status::OK();
}

Status RunCount(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto parsed = ParseCountRequest(cmd);
  if (!parsed.ok()) return parsed.status();
  ReadRequest& req = parsed.value();
  int64_t limit = req.options.limit.value_or(0);

  // A count with no filter is answered from the collection's counter.
  std::shared_ptr<storage::Collection> collection =
      op.service.engine->GetCollection(cmd.db, req.collection);
  int64_t n = 0;
  if (bson_empty(req.filter.get()) && bson_empty(req.hint.get())) {
    n = collection ? collection->Count() : 0;
    n = std::max<int64_t>(0, n - req.options.skip);
    if (limit > 0) n = std::min(n, limit);
  } else {
    auto executor = MakeReadExecutor(op, cmd.db, req);
    if (!executor.ok()) return executor.status();
    Bson doc;
    while (true) {
      auto more = executor.value()->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      ++n;
    }
  }
  AppendNumber(reply, "n", n);
  return Status::OK();
}

}  // namespace

void RegisterQueryCommands(CommandRegistry* registry) {
  registry->Register({.name = "find", .run = RunFind, .help = "query for documents"});
  registry->Register({.name = "getMore",
                      .run = RunGetMore,
                      .help = "retrieve more results from an existing cursor"});
  registry->Register(
      {.name = "killCursors", .run = RunKillCursors, .help = "kill a list of cursor ids"});
  registry->Register({.name = "count", .run = RunCount, .help = "count objects in collection"});
}

}  // namespace basalt::commands
