// Collection-level catalog commands: create, drop, renameCollection and
// listCollections, with mongod 7.0's replies, codes and messages. Capped
// collections, views, time-series and clustered collections are refused
// clearly (CommandNotSupported) until the storage engine supports them.
#include <array>

#include "base/bson_shell.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "storage/index_spec.h"
#include "storage/namespace.h"

namespace basalt::commands {
namespace {

// mongod's largest capped collection size (1 PB).
constexpr int64_t kMaxCappedSize = 1LL << 50;

Status NotSupported(std::string what) {
  return Status(ErrorCodes::CommandNotSupported, std::move(what) + " are not supported yet");
}

// The option `name` of the body if present and not null, checked to be of `type`.
StatusWith<std::optional<bson_iter_t>> TypedOption(const CommandInvocation& cmd,
                                                   std::string_view name, bson_type_t type,
                                                   std::string_view type_name) {
  auto field = FindField(cmd.body, name);
  if (!field || BSON_ITER_HOLDS_NULL(&*field)) return std::optional<bson_iter_t>();
  if (bson_iter_type(&*field) != type) {
    return WrongType(cmd, name, bson_iter_type(&*field), type_name);
  }
  return field;
}

// IDL enumerations (validationLevel, validationAction).
Status CheckEnum(const CommandInvocation& cmd, const std::optional<bson_iter_t>& field,
                 std::string_view name, std::initializer_list<std::string_view> values) {
  if (!field) return Status::OK();
  std::string_view value = Utf8Of(&*field);
  for (std::string_view v : values) {
    if (v == value) return Status::OK();
  }
  return Status(ErrorCodes::BadValue, "Enumeration value '" + std::string(value) + "' for field '" +
                                          std::string(cmd.name) + "." + std::string(name) +
                                          "' is not a valid value.");
}

// The options create accepts, in the order mongod's CollectionOptions::toBSON
// lists them (listCollections shows them that way).
struct CreateOptions {
  Bson stored;
  bool auto_index_id_note = false;
};

StatusWith<CreateOptions> ParseCreateOptions(const CommandInvocation& cmd) {
  if (Status s = CheckKnownFields(cmd, {"capped",
                                        "autoIndexId",
                                        "idIndex",
                                        "size",
                                        "max",
                                        "storageEngine",
                                        "validator",
                                        "validationLevel",
                                        "validationAction",
                                        "indexOptionDefaults",
                                        "viewOn",
                                        "pipeline",
                                        "collation",
                                        "changeStreamPreAndPostImages",
                                        "timeseries",
                                        "clusteredIndex",
                                        "expireAfterSeconds",
                                        "encryptedFields",
                                        "temp",
                                        "flags"});
      !s.ok()) {
    return s;
  }
  auto capped = BoolArgument(cmd, "capped", false);
  if (!capped.ok()) return capped.status();
  auto size = Int64Argument(cmd, "size");
  if (!size.ok()) return size.status();
  auto max = Int64Argument(cmd, "max");
  if (!max.ok()) return max.status();
  auto expire = Int64Argument(cmd, "expireAfterSeconds");
  if (!expire.ok()) return expire.status();
  if (auto flags = Int64Argument(cmd, "flags"); !flags.ok()) return flags.status();

  struct Typed {
    const char* name;
    bson_type_t type;
    const char* type_name;
  };
  static constexpr std::array<Typed, 13> kTyped = {{
      {"autoIndexId", BSON_TYPE_BOOL, "bool"},
      {"idIndex", BSON_TYPE_DOCUMENT, "object"},
      {"storageEngine", BSON_TYPE_DOCUMENT, "object"},
      {"validator", BSON_TYPE_DOCUMENT, "object"},
      {"validationLevel", BSON_TYPE_UTF8, "string"},
      {"validationAction", BSON_TYPE_UTF8, "string"},
      {"indexOptionDefaults", BSON_TYPE_DOCUMENT, "object"},
      {"viewOn", BSON_TYPE_UTF8, "string"},
      {"pipeline", BSON_TYPE_ARRAY, "array"},
      {"collation", BSON_TYPE_DOCUMENT, "object"},
      {"changeStreamPreAndPostImages", BSON_TYPE_DOCUMENT, "object"},
      {"timeseries", BSON_TYPE_DOCUMENT, "object"},
      {"encryptedFields", BSON_TYPE_DOCUMENT, "object"},
  }};
  std::array<std::optional<bson_iter_t>, kTyped.size()> opt;
  for (size_t i = 0; i < kTyped.size(); ++i) {
    auto field = TypedOption(cmd, kTyped[i].name, kTyped[i].type, kTyped[i].type_name);
    if (!field.ok()) return field.status();
    opt[i] = field.value();
  }
  const auto& [auto_index_id, id_index, storage_engine, validator, validation_level,
               validation_action, index_option_defaults, view_on, pipeline, collation,
               pre_post_images, timeseries, encrypted_fields] = opt;
  auto temp = FindField(cmd.body, "temp");
  auto clustered = FindField(cmd.body, "clusteredIndex");
  if (clustered && BSON_ITER_HOLDS_NULL(&*clustered)) clustered.reset();
  if (clustered && !BSON_ITER_HOLDS_BOOL(&*clustered) && !BSON_ITER_HOLDS_DOCUMENT(&*clustered)) {
    return WrongTypes(cmd, "clusteredIndex", bson_iter_type(&*clustered), "bool, object");
  }
  if (Status s = CheckEnum(cmd, validation_level, "validationLevel", {"off", "strict", "moderate"});
      !s.ok()) {
    return s;
  }
  if (Status s = CheckEnum(cmd, validation_action, "validationAction", {"error", "warn"});
      !s.ok()) {
    return s;
  }
  if (size.value() && *size.value() < 1) {
    return Status(51024, "BSON field 'size' value must be >= 1, actual value '" +
                             std::to_string(*size.value()) + "'");
  }
  if (size.value() && *size.value() > kMaxCappedSize) {
    return Status(51024, "BSON field 'size' value must be <= " + std::to_string(kMaxCappedSize) +
                             ", actual value '" + std::to_string(*size.value()) + "'");
  }

  // mongod's checks, in its order (create_command.cpp), before refusing what
  // Basalt cannot store yet.
  if (clustered) return NotSupported("clustered collections");
  if (capped.value() && !size.value()) {
    return Status(ErrorCodes::InvalidOptions, "the 'size' field is required when 'capped' is true");
  }
  if ((size.value() || max.value()) && !capped.value()) {
    return Status(ErrorCodes::InvalidOptions,
                  "the 'capped' field needs to be true when either the 'size' or 'max' fields "
                  "are present");
  }
  if (temp && IsTruthy(&*temp)) {
    return Status(ErrorCodes::InvalidOptions, "the 'temp' field is an invalid option");
  }
  if (pipeline && !view_on) {
    return Status(ErrorCodes::InvalidOptions, "'pipeline' requires 'viewOn' to also be specified");
  }
  if (encrypted_fields) {
    if (capped.value()) {
      return Status(6367301, "Encrypted fields cannot be used with capped collections");
    }
    if (view_on || timeseries) {
      return Status(6346401,
                    "Encrypted fields cannot be used with views or timeseries collections");
    }
    return Status(6346402, "Encrypted collections are not supported on standalone");
  }
  if (timeseries) return NotSupported("time-series collections");
  if (expire.value()) {
    return Status(ErrorCodes::InvalidOptions,
                  "'expireAfterSeconds' is only supported on time-series collections or when "
                  "the 'clusteredIndex' option is specified");
  }
  if (id_index) {
    if (view_on) {
      return Status(ErrorCodes::InvalidOptions,
                    "'idIndex' is not allowed with 'viewOn': " + ShellValueString(&*id_index));
    }
    if (auto_index_id) {
      return Status(ErrorCodes::InvalidOptions,
                    "'idIndex' is not allowed with 'autoIndexId': " + ShellValueString(&*id_index));
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&*id_index, &len, &data);
    BsonView spec(data, len);
    auto parsed = storage::IndexSpec::Parse(spec.get());
    if (!parsed.ok()) return parsed.status();
    if (!parsed.value()->is_id_index()) {
      return Status(ErrorCodes::BadValue, "idIndex must have key pattern {_id: 1}, found " +
                                              ShellString(parsed.value()->key_pattern()));
    }
  }
  if (capped.value()) return NotSupported("capped collections");
  if (view_on) return NotSupported("views");
  if (auto_index_id && !bson_iter_bool(&*auto_index_id)) {
    return Status(ErrorCodes::CommandNotSupported,
                  "collections without an _id index (autoIndexId: false) are not supported");
  }
  if (collation) {
    bson_iter_t locale;
    bool simple = bson_iter_recurse(&*collation, &locale) && bson_iter_find(&locale, "locale") &&
                  BSON_ITER_HOLDS_UTF8(&locale) && Utf8Of(&locale) == "simple";
    if (!simple) return NotSupported("collations");
  }

  CreateOptions out;
  bson_t* stored = out.stored.get();
  if (auto_index_id) {
    BSON_APPEND_BOOL(stored, "autoIndexId", true);
    out.auto_index_id_note = true;
  }
  if (pre_post_images) {
    bson_iter_t enabled;
    if (bson_iter_recurse(&*pre_post_images, &enabled) && bson_iter_find(&enabled, "enabled") &&
        IsTruthy(&enabled)) {
      bson_t sub;
      BSON_APPEND_DOCUMENT_BEGIN(stored, "changeStreamPreAndPostImages", &sub);
      BSON_APPEND_BOOL(&sub, "enabled", true);
      bson_append_document_end(stored, &sub);
    }
  }
  if (storage_engine) bson_append_iter(stored, "storageEngine", -1, &*storage_engine);
  if (index_option_defaults) {
    bson_iter_t engine;
    if (bson_iter_recurse(&*index_option_defaults, &engine) &&
        bson_iter_find(&engine, "storageEngine")) {
      bson_t sub;
      BSON_APPEND_DOCUMENT_BEGIN(stored, "indexOptionDefaults", &sub);
      bson_append_iter(&sub, "storageEngine", -1, &engine);
      bson_append_document_end(stored, &sub);
    }
  }
  // Stored for listCollections; documents are not checked against them yet.
  if (validator) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&*validator, &len, &data);
    if (len > 5) bson_append_iter(stored, "validator", -1, &*validator);
  }
  if (validation_level) bson_append_iter(stored, "validationLevel", -1, &*validation_level);
  if (validation_action) bson_append_iter(stored, "validationAction", -1, &*validation_action);
  return out;
}

Status RunCreate(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = CollectionArgument(cmd);
  if (!name.ok()) return name.status();
  auto options = ParseCreateOptions(cmd);
  if (!options.ok()) return options.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  auto created = op.service.engine->CreateCollection(
      cmd.db, name.value(), options.value().stored.get(), concern.value().journal);
  if (!created.ok()) return created.status();
  if (options.value().auto_index_id_note) {
    AppendUtf8(reply, "note",
               "The autoIndexId option is deprecated and will be removed in a future release");
  }
  return Status::OK();
}

Status RunDrop(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = CollectionArgument(cmd);
  if (!name.ok()) return name.status();
  if (Status s = CheckKnownFields(cmd, {"collectionUUID"}); !s.ok()) return s;
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  auto collection = op.service.engine->GetCollection(cmd.db, name.value());
  // Since 7.0 (SERVER-43894) dropping a missing collection succeeds with {ok: 1}.
  if (!collection) return Status::OK();
  const auto indexes = static_cast<int32_t>(collection->ListIndexes().size());
  Status dropped = op.service.engine->DropCollection(cmd.db, name.value(), concern.value().journal);
  if (dropped.code() == ErrorCodes::NamespaceNotFound) return Status::OK();  // a concurrent drop
  if (!dropped.ok()) return dropped;
  BSON_APPEND_INT32(reply, "nIndexesWas", indexes);
  AppendUtf8(reply, "ns", cmd.db + "." + name.value());
  return Status::OK();
}

// A full namespace "db.coll" as renameCollection takes it.
struct FullNamespace {
  std::string db;
  std::string coll;
  std::string text;  // as given, which mongod's messages print
  const std::string& ns() const { return text; }
};

FullNamespace SplitNamespace(std::string_view ns) {
  size_t dot = ns.find('.');
  if (dot == std::string_view::npos) return {std::string(ns), "", std::string(ns)};
  return {std::string(ns.substr(0, dot)), std::string(ns.substr(dot + 1)), std::string(ns)};
}

// mongod's NamespaceString::isValid.
bool IsValidNamespace(const FullNamespace& ns) {
  return ValidateCommandDatabase(ns.db).ok() && !ns.coll.empty() && ns.coll.front() != '.' &&
         ns.coll.find('\0') == std::string::npos;
}

StatusWith<FullNamespace> NamespaceOption(const CommandInvocation& cmd, std::string_view field) {
  auto it = FindField(cmd.body, field);
  if (!it) {
    return Status(40414, "BSON field '" + std::string(cmd.name) + "." + std::string(field) +
                             "' is missing but a required field");
  }
  if (!BSON_ITER_HOLDS_UTF8(&*it)) return WrongType(cmd, field, bson_iter_type(&*it), "string");
  return SplitNamespace(Utf8Of(&*it));
}

Status RunRenameCollection(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  auto from = NamespaceOption(cmd, cmd.name);
  if (!from.ok()) return from.status();
  auto to = NamespaceOption(cmd, "to");
  if (!to.ok()) return to.status();
  if (Status s = CheckKnownFields(cmd, {"to", "dropTarget", "stayTemp", "collectionUUID"});
      !s.ok()) {
    return s;
  }
  bool drop_target = false;
  if (auto field = FindField(cmd.body, "dropTarget")) {
    if (!BSON_ITER_HOLDS_BOOL(&*field)) {
      return WrongTypes(cmd, "dropTarget", bson_iter_type(&*field), "bool, binData");
    }
    drop_target = bson_iter_bool(&*field);
  }
  auto stay_temp = BoolArgument(cmd, "stayTemp", false);
  if (!stay_temp.ok()) return stay_temp.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();

  const FullNamespace& source = from.value();
  const FullNamespace& target = to.value();
  // mongod's order: CmdRenameCollection, then validateNamespacesForRenameCollection.
  if (source.ns() == target.ns()) {
    return Status(ErrorCodes::IllegalOperation, "Can't rename a collection to itself");
  }
  if (!IsValidNamespace(source)) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid source namespace: " + source.ns());
  }
  if (!IsValidNamespace(target)) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid target namespace: " + target.ns());
  }
  if (Status s = storage::ValidateNamespaceForCreate(source.db, source.coll); !s.ok()) {
    return Status(ErrorCodes::IllegalOperation, "error with source namespace: " + s.reason());
  }
  if (Status s = storage::ValidateNamespaceForCreate(target.db, target.coll); !s.ok()) {
    return Status(ErrorCodes::IllegalOperation, "error with target namespace: " + s.reason());
  }
  if (source.coll == "system.js" || target.coll == "system.js") {
    return Status(ErrorCodes::IllegalOperation,
                  "renaming system.js collection or renaming to system.js is not allowed");
  }

  storage::Engine* engine = op.service.engine;
  const bool same_db = source.db == target.db;
  auto source_collection = engine->GetCollection(source.db, source.coll);
  if (!source_collection) {
    if (!same_db) {
      return Status(ErrorCodes::NamespaceNotFound, "source namespace does not exist");
    }
    if (engine->ListCollections(source.db).empty()) {
      return Status(ErrorCodes::NamespaceNotFound,
                    "Database " + source.db + " does not exist or is drop pending");
    }
    return Status(ErrorCodes::NamespaceNotFound,
                  "Source collection " + source.ns() + " does not exist");
  }
  if (!drop_target && engine->GetCollection(target.db, target.coll)) {
    return Status(ErrorCodes::NamespaceExists, "target namespace exists");
  }
  return engine->RenameCollection(source.db, source.coll, target.db, target.coll, drop_target,
                                  concern.value().journal);
}

Bson CollectionEntry(const storage::CollectionInfo& info, bool name_only) {
  Bson entry;
  bson_t* doc = entry.get();
  AppendUtf8(doc, "name", info.name);
  AppendUtf8(doc, "type", "collection");
  if (name_only) return entry;
  BSON_APPEND_DOCUMENT(doc, "options", info.options.get());
  bson_t sub;
  BSON_APPEND_DOCUMENT_BEGIN(doc, "info", &sub);
  BSON_APPEND_BOOL(&sub, "readOnly", false);
  BSON_APPEND_BINARY(&sub, "uuid", BSON_SUBTYPE_UUID, info.uuid.data(), 16);
  bson_append_document_end(doc, &sub);
  BSON_APPEND_DOCUMENT(doc, "idIndex", storage::IndexSpec::IdIndex()->spec());
  return entry;
}

Status RunListCollections(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  if (Status s = CheckKnownFields(
          cmd, {"filter", "nameOnly", "authorizedCollections", "cursor", "includePendingDrops"});
      !s.ok()) {
    return s;
  }
  auto filter = FilterArgument(cmd);
  if (!filter.ok()) return filter.status();
  auto name_only = BoolArgument(cmd, "nameOnly", false);
  if (!name_only.ok()) return name_only.status();
  // Without access control every collection is authorized.
  auto authorized = BoolArgument(cmd, "authorizedCollections", false);
  if (!authorized.ok()) return authorized.status();
  if (Status s = CheckCursorOptions(cmd); !s.ok()) return s;

  std::vector<Bson> batch;
  for (const auto& info : op.service.engine->ListCollections(cmd.db)) {
    // As mongod, the filter sees the entry as returned (just {name, type} with nameOnly).
    Bson entry = CollectionEntry(info, name_only.value());
    if (filter.value().Matches(entry.get())) batch.push_back(std::move(entry));
  }
  AppendSingleBatchCursor(reply, cmd.db + ".$cmd.listCollections", batch);
  return Status::OK();
}

}  // namespace

void RegisterCollectionCommands(CommandRegistry* registry) {
  registry->Register(
      {.name = "create", .run = RunCreate, .help = "create a collection explicitly"});
  registry->Register(
      {.name = "drop", .run = RunDrop, .help = "drop a collection\n{drop : <collectionName>}"});
  registry->Register({.name = "renameCollection",
                      .run = RunRenameCollection,
                      .help = " example: { renameCollection: foo.a, to: bar.b }",
                      .admin_only = true});
  registry->Register({.name = "listCollections",
                      .run = RunListCollections,
                      .help = "list collections for this db"});
}

}  // namespace basalt::commands
