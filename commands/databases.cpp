// Database-level catalog commands: listDatabases and dropDatabase, with
// mongod 7.0's reply shapes. A database exists while it holds a collection,
// as in mongod; Basalt has no admin/config/local system collections, so those
// databases are listed only once a client creates collections in them.
#include "commands/authorization.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"

namespace basalt::commands {
namespace {

// Bytes a collection occupies: its documents plus every index's entries.
int64_t CollectionBytes(const storage::Collection& collection) {
  int64_t bytes = collection.DataSize();
  for (const auto& [name, size] : collection.IndexSizes()) bytes += size;
  return bytes;
}

Status RunListDatabases(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  if (Status s = CheckKnownFields(cmd, {"nameOnly", "authorizedDatabases", "filter"}); !s.ok()) {
    return s;
  }
  auto name_only = BoolArgument(cmd, "nameOnly", false);
  if (!name_only.ok()) return name_only.status();
  std::optional<bool> authorized_databases;
  if (auto authorized = FindField(cmd.body, "authorizedDatabases"); authorized) {
    if (!BSON_ITER_HOLDS_BOOL(&*authorized) && !BSON_ITER_HOLDS_NULL(&*authorized)) {
      return WrongType(cmd, "authorizedDatabases", bson_iter_type(&*authorized), "bool");
    }
    if (BSON_ITER_HOLDS_BOOL(&*authorized)) authorized_databases = bson_iter_bool(&*authorized);
  }
  // Under --auth, a user who may not list every database sees those it has privileges in.
  auto only_authorized = ListOnlyAuthorizedDatabases(op, authorized_databases);
  if (!only_authorized.ok()) return only_authorized.status();
  auto filter = FilterArgument(cmd);
  if (!filter.ok()) return filter.status();

  storage::Engine* engine = op.service.engine;
  int64_t total_size = 0;
  bson_t databases;
  BSON_APPEND_ARRAY_BEGIN(reply, "databases", &databases);
  int32_t index = 0;
  for (const std::string& db : engine->ListDatabaseNames()) {
    if (only_authorized.value() && !HasAnyPrivilegeInDatabase(op, db)) continue;
    Bson item;
    AppendUtf8(item.get(), "name", db);
    int64_t size = 0;
    if (!name_only.value()) {
      auto collections = engine->ListCollections(db);
      for (const auto& info : collections) {
        if (auto collection = engine->GetCollection(db, info.name)) {
          size += CollectionBytes(*collection);
        }
      }
      BSON_APPEND_INT64(item.get(), "sizeOnDisk", size);
      BSON_APPEND_BOOL(item.get(), "empty", collections.empty());
    }
    // As mongod, a nameOnly listing is filtered on {name} alone.
    if (!filter.value().Matches(item.get())) continue;
    total_size += size;
    const std::string key = std::to_string(index++);
    BSON_APPEND_DOCUMENT(&databases, key.c_str(), item.get());
  }
  bson_append_array_end(reply, &databases);
  if (!name_only.value()) {
    BSON_APPEND_INT64(reply, "totalSize", total_size);
    BSON_APPEND_INT64(reply, "totalSizeMb", total_size / (1024 * 1024));
  }
  return Status::OK();
}

Status RunDropDatabase(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  if (Status s = CheckKnownFields(cmd, {}); !s.ok()) return s;
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  const bson_type_t type = bson_iter_type(&it);
  if (!IsNumber(type)) {
    return WrongTypes(cmd, cmd.name, type, "long, int, decimal, double");
  }
  if (NumberAsDouble(&it) != 1) {
    return Status(5255100, "Have to pass 1 as 'drop' parameter");
  }
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  // mongod 7.0 answers {ok: 1} alone, whether or not the database existed
  // (mongosh adds the `dropped` field itself).
  return op.service.engine->DropDatabase(cmd.db, concern.value().journal);
}

}  // namespace

void RegisterDatabaseCommands(CommandRegistry* registry) {
  registry->Register({.name = "listDatabases",
                      .run = RunListDatabases,
                      .help = "{ listDatabases:1, [filter: <filterObject>] [, nameOnly: true ] }\n"
                              "list databases on this server",
                      .admin_only = true});
  registry->Register(
      {.name = "dropDatabase", .run = RunDropDatabase, .help = "drop (delete) this database"});
}

}  // namespace basalt::commands
