// The first batch of a cursor-returning command (find, aggregate,
// bulkWrite): {cursor: {firstBatch: [...], id, ns}}, leaving the cursor open
// in the CursorManager when documents remain.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "commands/command.h"
#include "commands/cursor_manager.h"

namespace basalt::commands {

// The bytes of the command's lsid document ("" without one): a cursor opened
// under a session is closed when that session ends.
std::string SessionIdOf(const CommandInvocation& cmd);

// Appends the cursor reply. `batch_size`: at most this many documents (0: an
// empty first batch, the cursor left open, as mongod); nullopt: as many as
// fit in one batch's bytes. `single_batch` closes the cursor after it.
// `after_first_batch` (optional) runs once the batch is filled, while the
// source is still the caller's to touch (before the cursor is registered or
// destroyed). Fails with the source's error (callers add their command's context).
Status AppendFirstBatchCursor(OperationContext& op, CursorState state,
                              std::optional<int64_t> batch_size, bool single_batch, bson_t* reply,
                              const std::function<void()>& after_first_batch = nullptr);

}  // namespace basalt::commands
