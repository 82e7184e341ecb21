// Statistics and checks of the catalog: collStats, dbStats and validate, with
// mongod 7.0's reply shapes and types. Sizes come from the storage engine:
// `size`/`dataSize` are the stored documents' BSON bytes, `storageSize` is the
// same figure (Basalt does not account for RocksDB's compression per
// collection), and index sizes are the bytes of each index's entries.
#include <sys/statvfs.h>

#include <cstdlib>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"

namespace basalt::commands {
namespace {

// mongod's BSONObjBuilder::appendNumber(long long): an int32 below 2^30 in
// magnitude, an int64 beyond.
void AppendSmallNumber(bson_t* doc, const char* key, int64_t value) {
  if (std::llabs(value) < (1LL << 30)) {
    BSON_APPEND_INT32(doc, key, static_cast<int32_t>(value));
  } else {
    BSON_APPEND_INT64(doc, key, value);
  }
}

// `scale` of collStats/dbStats: a positive integer.
StatusWith<int64_t> ScaleArgument(const CommandInvocation& cmd) {
  auto scale = Int64Argument(cmd, "scale");
  if (!scale.ok()) return scale.status();
  return scale.value().value_or(1);
}

Status RunCollStats(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = CollectionArgument(cmd);
  if (!name.ok()) return name.status();
  auto scale = ScaleArgument(cmd);
  if (!scale.ok()) return scale.status();
  if (scale.value() < 1) {
    return Status(51024, "BSON field 'scale' value must be >= 1, actual value '" +
                             std::to_string(scale.value()) + "'");
  }
  for (const char* flag : {"verbose", "waitForLock", "numericOnly"}) {
    if (auto value = BoolArgument(cmd, flag, false); !value.ok()) return value.status();
  }
  const int64_t k = scale.value();
  AppendUtf8(reply, "ns", cmd.db + "." + name.value());

  auto collection = op.service.engine->GetCollection(cmd.db, name.value());
  if (!collection) {
    // mongod answers a missing collection with zeroed statistics and ok: 1.
    bson_t empty;
    BSON_APPEND_INT32(reply, "size", 0);
    BSON_APPEND_INT32(reply, "count", 0);
    BSON_APPEND_INT32(reply, "numOrphanDocs", 0);
    BSON_APPEND_INT32(reply, "storageSize", 0);
    BSON_APPEND_INT32(reply, "totalSize", 0);
    BSON_APPEND_INT32(reply, "nindexes", 0);
    BSON_APPEND_INT32(reply, "totalIndexSize", 0);
    BSON_APPEND_DOCUMENT_BEGIN(reply, "indexDetails", &empty);
    bson_append_document_end(reply, &empty);
    BSON_APPEND_DOCUMENT_BEGIN(reply, "indexSizes", &empty);
    bson_append_document_end(reply, &empty);
    BSON_APPEND_INT32(reply, "scaleFactor", static_cast<int32_t>(k));
    return Status::OK();
  }

  const int64_t count = collection->Count();
  const int64_t data_size = collection->DataSize();
  const auto index_sizes = collection->IndexSizes();
  int64_t index_total = 0;
  for (const auto& [index, bytes] : index_sizes) index_total += bytes;

  AppendSmallNumber(reply, "size", data_size / k);
  AppendSmallNumber(reply, "count", count);
  if (count > 0) BSON_APPEND_INT32(reply, "avgObjSize", static_cast<int32_t>(data_size / count));
  BSON_APPEND_INT32(reply, "numOrphanDocs", 0);
  AppendSmallNumber(reply, "storageSize", data_size / k);
  BSON_APPEND_INT32(reply, "freeStorageSize", 0);
  BSON_APPEND_BOOL(reply, "capped", false);
  BSON_APPEND_INT32(reply, "nindexes", static_cast<int32_t>(index_sizes.size()));
  bson_t sub;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "indexDetails", &sub);
  bson_append_document_end(reply, &sub);
  BSON_APPEND_ARRAY_BEGIN(reply, "indexBuilds", &sub);
  bson_append_array_end(reply, &sub);
  AppendSmallNumber(reply, "totalIndexSize", index_total / k);
  BSON_APPEND_DOCUMENT_BEGIN(reply, "indexSizes", &sub);
  for (const auto& [index, bytes] : index_sizes) AppendSmallNumber(&sub, index.c_str(), bytes / k);
  bson_append_document_end(reply, &sub);
  AppendSmallNumber(reply, "totalSize", (data_size + index_total) / k);
  BSON_APPEND_INT32(reply, "scaleFactor", static_cast<int32_t>(k));
  return Status::OK();
}

Status RunDbStats(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  if (Status s = CheckKnownFields(cmd, {"scale", "freeStorage"}); !s.ok()) return s;
  auto scale = ScaleArgument(cmd);
  if (!scale.ok()) return scale.status();
  if (scale.value() <= 0) {
    return Status(ErrorCodes::BadValue, "Scale factor must be greater than zero");
  }
  auto free_storage = BoolArgument(cmd, "freeStorage", false);
  if (!free_storage.ok()) return free_storage.status();
  const double k = static_cast<double>(scale.value());

  storage::Engine* engine = op.service.engine;
  int64_t collections = 0, objects = 0, data_size = 0, indexes = 0, index_size = 0;
  for (const auto& info : engine->ListCollections(cmd.db)) {
    auto collection = engine->GetCollection(cmd.db, info.name);
    if (!collection) continue;  // dropped meanwhile
    ++collections;
    objects += collection->Count();
    data_size += collection->DataSize();
    for (const auto& [index, bytes] : collection->IndexSizes()) {
      ++indexes;
      index_size += bytes;
    }
  }

  AppendUtf8(reply, "db", cmd.db);
  BSON_APPEND_INT64(reply, "collections", collections);
  BSON_APPEND_INT64(reply, "views", 0);
  BSON_APPEND_INT64(reply, "objects", objects);
  BSON_APPEND_DOUBLE(reply, "avgObjSize",
                     objects == 0 ? 0.0 : static_cast<double>(data_size) / objects);
  BSON_APPEND_DOUBLE(reply, "dataSize", data_size / k);
  BSON_APPEND_DOUBLE(reply, "storageSize", data_size / k);
  if (free_storage.value()) BSON_APPEND_DOUBLE(reply, "freeStorageSize", 0);
  BSON_APPEND_INT64(reply, "indexes", indexes);
  BSON_APPEND_DOUBLE(reply, "indexSize", index_size / k);
  if (free_storage.value()) BSON_APPEND_DOUBLE(reply, "indexFreeStorageSize", 0);
  BSON_APPEND_DOUBLE(reply, "totalSize", (data_size + index_size) / k);
  if (free_storage.value()) BSON_APPEND_DOUBLE(reply, "totalFreeStorageSize", 0);
  BSON_APPEND_INT64(reply, "scaleFactor", scale.value());

  // An in-memory engine has no filesystem to report, as mongod's ephemeral
  // engines; a database without collections reports zeros, as mongod does.
  const auto& options = engine->options();
  if (options.kind == storage::EngineOptions::Kind::kInMemory) return Status::OK();
  double used = 0, total = 0;
  if (collections > 0) {
    struct statvfs fs {};
    if (::statvfs(options.db_path.c_str(), &fs) == 0) {
      total = static_cast<double>(fs.f_blocks) * fs.f_frsize;
      used = total - static_cast<double>(fs.f_bavail) * fs.f_frsize;
    } else {
      used = total = -1 * k;
    }
  }
  BSON_APPEND_DOUBLE(reply, "fsUsedSize", used / k);
  BSON_APPEND_DOUBLE(reply, "fsTotalSize", total / k);
  return Status::OK();
}

Status RunValidate(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = LegacyCollectionArgument(cmd);
  if (!name.ok()) return name.status();
  auto full = BoolArgument(cmd, "full", false);
  if (!full.ok()) return full.status();
  auto background = BoolArgument(cmd, "background", false);
  if (!background.ok()) return background.status();
  auto repair = BoolArgument(cmd, "repair", false);
  if (!repair.ok()) return repair.status();
  if (background.value() && full.value()) {
    return Status(ErrorCodes::InvalidOptions,
                  "Running the validate command with both { background: true } and { full: "
                  "true } is not supported.");
  }
  if (repair.value()) {
    return Status(ErrorCodes::CommandNotSupported,
                  "validate with { repair: true } is not supported yet: Basalt can check a "
                  "collection but not repair it");
  }
  const std::string ns = cmd.db + "." + name.value();
  auto collection = op.service.engine->GetCollection(cmd.db, name.value());
  if (!collection) {
    return Status(ErrorCodes::NamespaceNotFound,
                  "Collection '" + ns + "' does not exist to validate.");
  }

  // `full` changes nothing: every validation reads every record and entry.
  storage::ValidateResults results = collection->Validate();
  AppendUtf8(reply, "ns", ns);
  BSON_APPEND_BINARY(reply, "uuid", BSON_SUBTYPE_UUID, collection->uuid().data(), 16);
  BSON_APPEND_INT32(reply, "nInvalidDocuments", 0);
  BSON_APPEND_INT32(reply, "nNonCompliantDocuments", 0);
  AppendSmallNumber(reply, "nrecords", results.records);
  BSON_APPEND_INT32(reply, "nIndexes", static_cast<int32_t>(results.keys_per_index.size()));
  bson_t sub, detail;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "keysPerIndex", &sub);
  for (const auto& [index, keys] : results.keys_per_index) {
    AppendSmallNumber(&sub, index.c_str(), keys);
  }
  bson_append_document_end(reply, &sub);
  BSON_APPEND_DOCUMENT_BEGIN(reply, "indexDetails", &sub);
  for (const auto& [index, keys] : results.keys_per_index) {
    // Storage's messages name the index they are about: "index <name> ...".
    const std::string prefix = "index " + index + " ";
    const std::string colon = "index " + index + ":";
    bool valid = true;
    for (const auto& error : results.errors) {
      if (error.rfind(prefix, 0) == 0 || error.rfind(colon, 0) == 0) valid = false;
    }
    BSON_APPEND_DOCUMENT_BEGIN(&sub, index.c_str(), &detail);
    BSON_APPEND_BOOL(&detail, "valid", valid);
    bson_append_document_end(&sub, &detail);
  }
  bson_append_document_end(reply, &sub);
  BSON_APPEND_BOOL(reply, "valid", results.valid);
  BSON_APPEND_BOOL(reply, "repaired", false);
  AppendStringArray(reply, "warnings", {});
  AppendStringArray(reply, "errors", results.errors);
  AppendStringArray(reply, "extraIndexEntries", {});
  AppendStringArray(reply, "missingIndexEntries", {});
  AppendStringArray(reply, "corruptRecords", {});
  if (!results.valid) {
    AppendUtf8(reply, "advice",
               "A corrupt namespace has been detected. See "
               "http://dochub.mongodb.org/core/data-recovery for recovery steps.");
  }
  return Status::OK();
}

}  // namespace

void RegisterCatalogStatsCommands(CommandRegistry* registry) {
  registry->Register({.name = "collStats",
                      .aliases = {"collstats"},
                      .run = RunCollStats,
                      .help = "{ collStats:\"blog.posts\" , scale : 1 } scale divides sizes e.g. "
                              "for KB use 1024\n    avgObjSize - in bytes"});
  registry->Register({.name = "dbStats",
                      .aliases = {"dbstats"},
                      .run = RunDbStats,
                      .help = "Get stats on a database. Not instantaneous. Slower for databases "
                              "with large .ns files."});
  registry->Register({.name = "validate",
                      .run = RunValidate,
                      .help = "Validate contents of a namespace by scanning its data structures "
                              "for correctness.\nThis is a slow operation.\n\tAdd {full: true} "
                              "option to do a more thorough check.\n\tAdd {background: true} to "
                              "validate in the background.\nCannot specify both {full: true, "
                              "background: true}."});
}

}  // namespace basalt::commands
