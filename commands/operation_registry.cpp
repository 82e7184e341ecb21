#include "commands/operation_registry.h"

#include "base/log.h"

namespace basalt::commands {
namespace {

std::string StringField(const bson_t* body, const char* name) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, body, name) && BSON_ITER_HOLDS_UTF8(&it)) {
    return bson_iter_utf8(&it, nullptr);
  }
  return "";
}

}  // namespace

OpTypeAndNs ClassifyCommand(std::string_view name, const std::string& db, const bson_t* body) {
  std::string first = StringField(body, std::string(name).c_str());
  if (name == "getMore") {
    std::string coll = StringField(body, "collection");
    return {"getmore", coll.empty() ? db + ".$cmd" : db + "." + coll};
  }
  // {aggregate: 1} runs on the database: mongod names it <db>.$cmd.aggregate.
  if (name == "aggregate" && first.empty()) return {"command", db + ".$cmd.aggregate"};
  std::string ns = first.empty() ? db + ".$cmd" : db + "." + first;
  if (name == "find") return {"query", ns};
  if (name == "insert") return {"insert", ns};
  if (name == "update") return {"update", ns};
  if (name == "delete") return {"remove", ns};
  return {"command", ns};
}

std::shared_ptr<ActiveOperation> OperationRegistry::Add(std::shared_ptr<ActiveOperation> op) {
  std::lock_guard lock(mutex_);
  op->opid = next_opid_++;
  ops_.emplace(op->opid, op);
  return op;
}

void OperationRegistry::Remove(int64_t opid) {
  std::lock_guard lock(mutex_);
  ops_.erase(opid);
}

std::vector<std::shared_ptr<const ActiveOperation>> OperationRegistry::Snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const ActiveOperation>> out;
  out.reserve(ops_.size());
  for (const auto& [opid, op] : ops_) out.push_back(op);
  return out;
}

bool OperationRegistry::Kill(int64_t opid) {
  std::lock_guard lock(mutex_);
  auto it = ops_.find(opid);
  if (it == ops_.end()) return false;
  it->second->killed.store(true);
  return true;
}

void AppendCurrentOpDocument(const ActiveOperation& op, const std::string& host, bson_t* out) {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - op.started)
                     .count();
  AppendUtf8(out, "type", "op");
  AppendUtf8(out, "host", host);
  AppendUtf8(out, "desc", "conn" + std::to_string(op.connection_id));
  BSON_APPEND_INT64(out, "connectionId", op.connection_id);
  AppendUtf8(out, "client", op.client);
  if (op.client_metadata && !bson_empty(op.client_metadata->get())) {
    bson_iter_t root, app;
    if (bson_iter_init(&root, op.client_metadata->get()) &&
        bson_iter_find_descendant(&root, "application.name", &app) && BSON_ITER_HOLDS_UTF8(&app)) {
      AppendUtf8(out, "appName", bson_iter_utf8(&app, nullptr));
    }
    BSON_APPEND_DOCUMENT(out, "clientMetadata", op.client_metadata->get());
  }
  BSON_APPEND_BOOL(out, "active", true);
  AppendUtf8(out, "currentOpTime", log::CurrentTimestamp());
  BSON_APPEND_BOOL(out, "threaded", true);
  BSON_APPEND_INT64(out, "opid", op.opid);
  BSON_APPEND_INT64(out, "secs_running", elapsed / 1000000);
  BSON_APPEND_INT64(out, "microsecs_running", elapsed);
  AppendUtf8(out, "op", op.op);
  AppendUtf8(out, "ns", op.ns);
  BSON_APPEND_BOOL(out, "redacted", false);
  BSON_APPEND_DOCUMENT(out, "command", op.command.get());
  BSON_APPEND_INT32(out, "numYields", 0);
  if (op.killed.load()) BSON_APPEND_BOOL(out, "killPending", true);
  bson_t empty;
  BSON_APPEND_DOCUMENT_BEGIN(out, "locks", &empty);
  bson_append_document_end(out, &empty);
  BSON_APPEND_BOOL(out, "waitingForLock", false);
  BSON_APPEND_DOCUMENT_BEGIN(out, "lockStats", &empty);
  bson_append_document_end(out, &empty);
}

}  // namespace basalt::commands
