#include "commands/cursor_reply.h"

#include "commands/command_util.h"

namespace basalt::commands {

std::string SessionIdOf(const CommandInvocation& cmd) {
  auto lsid = FindField(cmd.body, "lsid");
  if (!lsid || !BSON_ITER_HOLDS_DOCUMENT(&*lsid)) return "";
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&*lsid, &len, &data);
  return std::string(reinterpret_cast<const char*>(data), len);
}

Status AppendFirstBatchCursor(OperationContext& op, CursorState state,
                              std::optional<int64_t> batch_size, bool single_batch, bson_t* reply,
                              const std::function<void()>& after_first_batch) {
  bson_t cursor, batch;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "cursor", &cursor);
  bson_append_array_begin(&cursor, "firstBatch", -1, &batch);
  bool exhausted = false;
  if (!batch_size || *batch_size > 0) {
    auto filled = FillBatch(&state, batch_size.value_or(0), &batch);
    if (!filled.ok()) return filled.status();
    exhausted = filled.value();
  }
  bson_append_array_end(&cursor, &batch);
  if (after_first_batch) after_first_batch();
  int64_t id = 0;
  std::string ns = state.ns;
  if (!exhausted && !single_batch) {
    auto registered = op.service.cursors.Register(std::move(state));
    if (!registered.ok()) return registered.status();
    id = registered.value();
  }
  BSON_APPEND_INT64(&cursor, "id", id);
  AppendUtf8(&cursor, "ns", ns);
  bson_append_document_end(reply, &cursor);
  return Status::OK();
}

}  // namespace basalt::commands
