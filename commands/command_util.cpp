#include "commands/command_util.h"

#include "query/matcher.h"
#include "storage/namespace.h"

namespace basalt::commands {

std::optional<bson_iter_t> FindField(const bson_t* body, std::string_view name) {
  bson_iter_t it;
  if (!bson_iter_init(&it, body)) return std::nullopt;
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == name) return it;
  }
  return std::nullopt;
}

Status WrongType(const CommandInvocation& cmd, std::string_view field, bson_type_t actual,
                 std::string_view expected) {
  return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(cmd.name) + "." +
                                              std::string(field) + "' is the wrong type '" +
                                              std::string(TypeName(actual)) + "', expected type '" +
                                              std::string(expected) + "'");
}

bool IsGenericArgument(std::string_view name) {
  static constexpr std::string_view kGeneric[] = {"$db",
                                                  "lsid",
                                                  "txnNumber",
                                                  "autocommit",
                                                  "startTransaction",
                                                  "stmtId",
                                                  "writeConcern",
                                                  "readConcern",
                                                  "maxTimeMS",
                                                  "comment",
                                                  "apiVersion",
                                                  "apiStrict",
                                                  "apiDeprecationErrors",
                                                  "$readPreference",
                                                  "$clusterTime",
                                                  "$audit",
                                                  "$client",
                                                  "$configServerState",
                                                  "clientOperationKey",
                                                  "help",
                                                  "$queryOptions",
                                                  "$replData",
                                                  "databaseVersion",
                                                  "shardVersion",
                                                  "txnRetryCounter",
                                                  "mayBypassWriteBlocking",
                                                  "$configTime",
                                                  "$topologyTime",
                                                  "maxTimeMSOpOnly",
                                                  "usesDefaultMaxTimeMS",
                                                  "readPreference"};
  for (std::string_view g : kGeneric) {
    if (g == name) return true;
  }
  return false;
}

Status CheckKnownFields(const CommandInvocation& cmd,
                        std::initializer_list<std::string_view> allowed) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);  // the command field
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (IsGenericArgument(key)) continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      return Status(40415, "BSON field '" + std::string(cmd.name) + "." + std::string(key) +
                               "' is an unknown field.");
    }
  }
  return Status::OK();
}

StatusWith<std::vector<protocol::DocView>> DocumentListArgument(const CommandInvocation& cmd,
                                                                std::string_view name) {
  std::string field = std::string(cmd.name) + "." + std::string(name);
  const DocumentSequence* sequence = nullptr;
  for (const auto& s : cmd.sequences) {
    if (s.identifier == name) sequence = &s;
  }
  auto in_body = FindField(cmd.body, name);
  if (sequence && in_body) {
    return Status(40413, "BSON field '" + field + "' is a duplicate field");
  }
  if (sequence) return sequence->documents;
  if (!in_body) {
    return Status(40414, "BSON field '" + field + "' is missing but a required field");
  }
  if (!BSON_ITER_HOLDS_ARRAY(&*in_body)) {
    return WrongType(cmd, name, bson_iter_type(&*in_body), "array");
  }
  std::vector<protocol::DocView> documents;
  bson_iter_t element;
  bson_iter_recurse(&*in_body, &element);
  while (bson_iter_next(&element)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&element)) {
      return WrongType(cmd, std::string(name) + "." + std::string(KeyOf(&element)),
                       bson_iter_type(&element), "object");
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&element, &len, &data);
    documents.emplace_back(data, len);
  }
  return documents;
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
        if (w < 0 || w > 50) {
          return Status(ErrorCodes::FailedToParse,
                        "w has to be a non-negative number and not greater than 50; found: " +
                            std::to_string(w));
        }
        if (w > 1) {
          return Status(ErrorCodes::BadValue, "cannot use 'w' > 1 when a host is not replicated");
        }
        concern.unacknowledged = w == 0;
      } else if (type == BSON_TYPE_UTF8) {
        std::string mode(Utf8Of(&it));
        if (mode != "majority") {
          return Status(ErrorCodes::BadValue,
                        "cannot use non-majority 'w' mode \"" + mode +
                            "\" when a host is not a member of a replica set");
        }
        concern.journal = true;  // a standalone's majority is itself, durably
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

// --- Catalog command helpers ----------------------------------------------

namespace basalt::commands {

StatusWith<std::string> LegacyCollectionArgument(const CommandInvocation& cmd) {
  auto name = CollectionArgument(cmd);
  if (name.status().code() == ErrorCodes::BadValue) {
    return Status(ErrorCodes::InvalidNamespace, name.status().reason());
  }
  return name;
}

StatusWith<std::string> CollectionArgument(const CommandInvocation& cmd) {
  bson_iter_t it;
  if (!bson_iter_init(&it, cmd.body) || !bson_iter_next(&it)) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid namespace specified '" + cmd.db + ".'");
  }
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return Status(ErrorCodes::BadValue,
                  "collection name has invalid type " + std::string(TypeName(bson_iter_type(&it))));
  }
  std::string name(Utf8Of(&it));
  if (name.empty() || name.front() == '.' || name.find('\0') != std::string::npos) {
    return Status(ErrorCodes::InvalidNamespace,
                  "Invalid namespace specified '" + cmd.db + "." + name + "'");
  }
  return name;
}

Status ValidateCommandDatabase(std::string_view db) {
  if (db.find('$') == std::string_view::npos) return storage::ValidateDatabaseName(db);
  std::string probe(db);
  for (char& c : probe) {
    if (c == '$') c = '_';
  }
  if (storage::ValidateDatabaseName(probe).ok()) return Status::OK();
  return storage::ValidateDatabaseName(db);
}

Status WrongTypes(const CommandInvocation& cmd, std::string_view field, bson_type_t actual,
                  std::string_view types) {
  return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(cmd.name) + "." +
                                              std::string(field) + "' is the wrong type '" +
                                              std::string(TypeName(actual)) +
                                              "', expected types '[" + std::string(types) + "']");
}

StatusWith<bool> BoolArgument(const CommandInvocation& cmd, std::string_view name, bool fallback) {
  auto field = FindField(cmd.body, name);
  if (!field || BSON_ITER_HOLDS_NULL(&*field)) return fallback;
  bson_type_t type = bson_iter_type(&*field);
  if (type == BSON_TYPE_BOOL || IsNumber(type)) return IsTruthy(&*field);
  return WrongTypes(cmd, name, type, "bool, long, int, decimal, double");
}

StatusWith<std::optional<int64_t>> Int64Argument(const CommandInvocation& cmd,
                                                 std::string_view name) {
  auto field = FindField(cmd.body, name);
  if (!field || BSON_ITER_HOLDS_NULL(&*field)) return std::optional<int64_t>();
  bson_type_t type = bson_iter_type(&*field);
  if (!IsNumber(type)) return WrongTypes(cmd, name, type, "long, int, decimal, double");
  if (type == BSON_TYPE_DECIMAL128) {
    return std::optional<int64_t>(static_cast<int64_t>(NumberAsDouble(&*field)));
  }
  return std::optional<int64_t>(NumberAsInt64(&*field));
}

Status CheckCursorOptions(const CommandInvocation& cmd) {
  auto cursor = FindField(cmd.body, "cursor");
  if (!cursor) return Status::OK();
  if (!BSON_ITER_HOLDS_DOCUMENT(&*cursor)) {
    return WrongType(cmd, "cursor", bson_iter_type(&*cursor), "object");
  }
  bson_iter_t it;
  bson_iter_recurse(&*cursor, &it);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    std::string path = std::string(cmd.name) + ".cursor." + std::string(key);
    if (key != "batchSize") {
      return Status(40415, "BSON field '" + path + "' is an unknown field.");
    }
    bson_type_t type = bson_iter_type(&it);
    if (!IsNumber(type)) {
      return Status(ErrorCodes::TypeMismatch, "BSON field '" + path + "' is the wrong type '" +
                                                  std::string(TypeName(type)) +
                                                  "', expected types '[long, int, decimal, "
                                                  "double']");
    }
    int64_t size = NumberAsInt64(&it);
    if (size < 0) {
      return Status(51024, "BSON field 'batchSize' value must be >= 0, actual value '" +
                               std::to_string(size) + "'");
    }
  }
  return Status::OK();
}

void AppendSingleBatchCursor(bson_t* reply, std::string_view ns, const std::vector<Bson>& docs) {
  bson_t cursor, batch;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "cursor", &cursor);
  BSON_APPEND_INT64(&cursor, "id", 0);
  AppendUtf8(&cursor, "ns", ns);
  BSON_APPEND_ARRAY_BEGIN(&cursor, "firstBatch", &batch);
  for (size_t i = 0; i < docs.size(); ++i) {
    BSON_APPEND_DOCUMENT(&batch, std::to_string(i).c_str(), docs[i].get());
  }
  bson_append_array_end(&cursor, &batch);
  bson_append_document_end(reply, &cursor);
}

StatusWith<ListFilter> ListFilter::Parse(const bson_t* filter) {
  ListFilter out;
  if (filter == nullptr) return out;
  // mongod parses these filters with its default feature set: $expr and
  // $jsonSchema allowed, $where, $text and $near refused.
  query::MatcherOptions options;
  options.allow_where = options.allow_text = options.allow_geo_near = false;
  auto matcher = query::Matcher::Parse(filter, options);
  if (!matcher.ok()) return matcher.status();
  out.matcher_ = std::move(matcher.value());
  return out;
}

bool ListFilter::Matches(const bson_t* doc) const { return !matcher_ || matcher_->Matches(doc); }

StatusWith<ListFilter> FilterArgument(const CommandInvocation& cmd) {
  auto field = FindField(cmd.body, "filter");
  if (!field || BSON_ITER_HOLDS_NULL(&*field)) return ListFilter::Parse(nullptr);
  if (!BSON_ITER_HOLDS_DOCUMENT(&*field)) {
    return WrongType(cmd, "filter", bson_iter_type(&*field), "object");
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&*field, &len, &data);
  BsonView filter(data, len);
  return ListFilter::Parse(filter.get());
}

}  // namespace basalt::commands
