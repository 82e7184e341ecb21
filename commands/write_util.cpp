#include "commands/write_util.h"

#include <cmath>

#include "commands/command_util.h"
#include "commands/server_version.h"

namespace basalt::commands {

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

std::string FormatNumber(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

Status CheckBatchSize(size_t count) {
  if (count == 0 || count > static_cast<size_t>(kMaxWriteBatchSize)) {
    return Status(ErrorCodes::InvalidLength, "Write batch sizes must be between 1 and " +
                                                 std::to_string(kMaxWriteBatchSize) + ". Got " +
                                                 std::to_string(count) + " operations.");
  }
  return Status::OK();
}

StatusWith<bool> OrderedArgument(const CommandInvocation& cmd) {
  auto field = FindField(cmd.body, "ordered");
  if (!field) return true;
  if (!BSON_ITER_HOLDS_BOOL(&*field)) {
    return WrongType(cmd, "ordered", bson_iter_type(&*field), "bool");
  }
  return bson_iter_bool(&*field);
}

}  // namespace basalt::commands
