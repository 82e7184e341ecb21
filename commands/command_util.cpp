#include "commands/command_util.h"

namespace basalt::commands {

std::optional<bson_iter_t> FindField(const bson_t* body, std::string_view name) {
  bson_iter_t it;
  if (!bson_iter_init(&it, body)) return std::nullopt;
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == name) return it;
  }
  return std::nullopt;
}

StatusWith<std::string> CollectionArgument(const CommandInvocation& cmd) {
  bson_iter_t it;
  if (!bson_iter_init(&it, cmd.body) || !bson_iter_next(&it)) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid namespace specified '" + cmd.db + ".'");
  }
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return Status(ErrorCodes::InvalidNamespace,
                  "collection name has invalid type " + std::string(TypeName(bson_iter_type(&it))));
  }
  std::string name(Utf8Of(&it));
  if (name.empty()) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid namespace specified '" + cmd.db + ".'");
  }
  return name;
}

Status WrongType(const CommandInvocation& cmd, std::string_view field, bson_type_t actual,
                 std::string_view expected) {
  return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(cmd.name) + "." +
                                              std::string(field) + "' is the wrong type '" +
                                              std::string(TypeName(actual)) + "', expected type '" +
                                              std::string(expected) + "'");
}

StatusWith<bool> BoolArgument(const CommandInvocation& cmd, std::string_view name, bool fallback) {
  auto field = FindField(cmd.body, name);
  if (!field) return fallback;
  bson_type_t type = bson_iter_type(&*field);
  if (type == BSON_TYPE_BOOL || IsNumber(type)) return IsTruthy(&*field);
  return Status(ErrorCodes::TypeMismatch,
                "BSON field '" + std::string(cmd.name) + "." + std::string(name) +
                    "' is the wrong type '" + std::string(TypeName(type)) +
                    "', expected types '[bool, long, int, decimal, double]'");
}

StatusWith<WriteConcern> WriteConcernArgument(const CommandInvocation& cmd) {
  WriteConcern concern;
  auto field = FindField(cmd.body, "writeConcern");
  if (!field) return concern;
  if (!BSON_ITER_HOLDS_DOCUMENT(&*field)) {
    return WrongType(cmd, "writeConcern", bson_iter_type(&*field), "object");
  }
  bson_iter_t it;
  bson_iter_recurse(&*field, &it);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    bson_type_t type = bson_iter_type(&it);
    if (key == "w") {
      if (IsNumber(type)) {
        int64_t w = NumberAsInt64(&it);
        if (w < 0) {
          return Status(ErrorCodes::FailedToParse,
                        "w has to be a non-negative number and not "
                        "greater than 50; found: " +
                            std::to_string(w));
        }
        if (w == 0) concern.unacknowledged = true;
        if (w > 1) {
          concern.unsatisfiable =
              Status(ErrorCodes::BadValue, "cannot use 'w' > 1 on a standalone");
        }
      } else if (type == BSON_TYPE_UTF8) {
        if (Utf8Of(&it) == "majority") {
          concern.journal = true;  // a standalone's majority is itself, durably
        } else {
          concern.unsatisfiable =
              Status(ErrorCodes::UnknownReplWriteConcern,
                     "No write concern mode named '" + std::string(Utf8Of(&it)) +
                         "' found in replica set configuration");
        }
      } else {
        return Status(ErrorCodes::FailedToParse,
                      "w has to be a number or string; found: " + std::string(TypeName(type)));
      }
    } else if (key == "j" || key == "fsync") {
      if (type != BSON_TYPE_BOOL && !IsNumber(type)) {
        return Status(ErrorCodes::FailedToParse, std::string(key) +
                                                     " must be numeric or a "
                                                     "boolean value");
      }
      if (IsTruthy(&it)) concern.journal = true;
    } else if (key == "wtimeout" || key == "wtimeoutMS" || key == "provenance") {
      // Accepted and irrelevant on a standalone: there is nobody to wait for.
    } else {
      return Status(ErrorCodes::FailedToParse,
                    "unrecognized write concern field: " + std::string(key));
    }
  }
  return concern;
}

}  // namespace basalt::commands
