#include "commands/query_args.h"

#include <cmath>

#include "commands/command_util.h"

namespace basalt::commands {

StatusWith<std::optional<int64_t>> NonNegativeArgument(const CommandInvocation& cmd,
                                                       std::string_view name) {
  auto field = FindField(cmd.body, name);
  if (!field) return std::optional<int64_t>();
  bson_type_t type = bson_iter_type(&*field);
  if (!IsNumber(type)) return WrongType(cmd, name, type, "long");
  double d = NumberAsDouble(&*field);
  if (type == BSON_TYPE_DOUBLE && d != std::floor(d)) {
    return Status(ErrorCodes::BadValue, "BSON field '" + std::string(name) +
                                            "' value must be an integer, actual value '" +
                                            std::to_string(d) + "'");
  }
  int64_t value = NumberAsInt64(&*field);
  if (value < 0) {
    return Status(51024, "BSON field '" + std::string(name) +
                             "' value must be >= 0, actual value '" + std::to_string(value) + "'");
  }
  return std::optional<int64_t>(value);
}

StatusWith<Bson> ObjectArgument(const CommandInvocation& cmd, std::string_view name) {
  auto field = FindField(cmd.body, name);
  if (!field || BSON_ITER_HOLDS_NULL(&*field)) return Bson();
  if (!BSON_ITER_HOLDS_DOCUMENT(&*field)) {
    return WrongType(cmd, name, bson_iter_type(&*field), "object");
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&*field, &len, &data);
  return Bson::CopyBytes(data, len);
}

StatusWith<std::optional<std::chrono::steady_clock::time_point>> DeadlineArgument(
    const CommandInvocation& cmd) {
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;
  auto field = FindField(cmd.body, "maxTimeMS");
  if (!field) return Deadline();
  bson_type_t type = bson_iter_type(&*field);
  if (!IsNumber(type)) {
    return Status(ErrorCodes::BadValue, "maxTimeMS must be a number");
  }
  double value = NumberAsDouble(&*field);
  if (value != std::floor(value)) {
    return Status(ErrorCodes::BadValue, "maxTimeMS has non-integral value");
  }
  if (value < 0 || value > INT32_MAX) {
    return Status(ErrorCodes::BadValue,
                  "maxTimeMS value must be between 0 and 2147483647, actual value " +
                      std::to_string(static_cast<int64_t>(value)));
  }
  if (value == 0) return Deadline();
  return Deadline(std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(value)));
}

StatusWith<Bson> HintArgument(const CommandInvocation& cmd) {
  auto field = FindField(cmd.body, "hint");
  Bson hint;
  if (!field) return hint;
  if (BSON_ITER_HOLDS_UTF8(&*field)) {
    AppendUtf8(hint.get(), "$hint", Utf8Of(&*field));
    return hint;
  }
  if (BSON_ITER_HOLDS_DOCUMENT(&*field)) return ObjectArgument(cmd, "hint");
  return Status(ErrorCodes::FailedToParse, "hint must be a string or an object");
}

Status RefuseCollation(const CommandInvocation& cmd) {
  auto collation = FindField(cmd.body, "collation");
  return collation ? RefuseCollationValue(&*collation) : Status::OK();
}

Status RefuseCollationValue(const bson_iter_t* collation) {
  if (!BSON_ITER_HOLDS_DOCUMENT(collation)) {
    return Status(ErrorCodes::TypeMismatch, "collation must be an object");
  }
  bson_iter_t it;
  bson_iter_recurse(collation, &it);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == "locale" && BSON_ITER_HOLDS_UTF8(&it) && Utf8Of(&it) == "simple") continue;
    return Status(ErrorCodes::NotImplemented,
                  "collation is not supported yet; only {locale: \"simple\"} is accepted");
  }
  return Status::OK();
}

}  // namespace basalt::commands
