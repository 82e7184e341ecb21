// Index commands: createIndexes, listIndexes and dropIndexes, with mongod
// 7.0's replies, codes and messages (create_indexes_cmd.cpp, list_indexes.cpp,
// drop_indexes.cpp). Specs are validated by storage::IndexSpec; this layer
// adds what mongod checks around it and shapes the replies.
#include <cstring>
#include <random>

#include "base/bson_shell.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "storage/index_spec.h"
#include "storage/namespace.h"

namespace basalt::commands {
namespace {

using SpecPtr = std::shared_ptr<const storage::IndexSpec>;

std::string UuidString(const uint8_t* bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

// A version-4 UUID naming one index build, as mongod's messages carry.
std::string NewBuildUuid() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  uint8_t bytes[16];
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = gen();
    std::memcpy(bytes + i, &r, 8);
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
  return UuidString(bytes);
}

Status WithReason(const Status& status, std::string reason) {
  if (const bson_t* extra = status.extraInfo()) {
    return Status(status.code(), std::move(reason), Bson::Copy(extra));
  }
  return Status(status.code(), std::move(reason));
}

// mongod adds context to every failure of an index build on an existing
// collection (IndexBuildsCoordinator); extra info such as keyValue is kept.
Status BuildFailed(const storage::Collection& collection, const Status& status) {
  return WithReason(status, "Index build failed: " + NewBuildUuid() + ": Collection " +
                                collection.ns() + " ( " + UuidString(collection.uuid().data()) +
                                " ) :: caused by :: " + status.reason());
}

// `spec` with `v: 2` appended when absent, as mongod's validateIndexSpec
// returns it (and prints it in the errors of the checks that follow).
Bson WithVersion(const bson_t* spec) {
  Bson out = Bson::Copy(spec);
  bson_iter_t it;
  if (!bson_iter_init_find(&it, spec, "v")) BSON_APPEND_INT32(out.get(), "v", 2);
  return out;
}

// The checks of mongod's parseAndValidateIndexSpecs for one element.
StatusWith<SpecPtr> ParseIndexSpec(const bson_t* spec) {
  auto parsed = storage::IndexSpec::Parse(spec);
  if (!parsed.ok()) {
    const Status& st = parsed.status();
    if (st.code() == ErrorCodes::InvalidIndexSpecificationOption &&
        st.reason().find("for an _id index specification") != std::string::npos) {
      // mongod checks an _id spec after filling in `v`, and prints it so.
      Bson with_v = WithVersion(spec);
      auto again = storage::IndexSpec::Parse(with_v.get());
      return again.ok() ? st : again.status();
    }
    return WithReason(
        st, "Error in specification " + ShellString(spec) + " :: caused by :: " + st.reason());
  }
  const SpecPtr& index = parsed.value();
  if (index->name().empty()) {
    return Status(ErrorCodes::CannotCreateIndex, "Error in specification " +
                                                     ShellString(WithVersion(spec).get()) +
                                                     " :: caused by :: index name cannot be empty");
  }
  if (!index->is_id_index() && index->name() == "_id_") {
    return Status(ErrorCodes::BadValue,
                  "The index name '_id_' is reserved for the _id index, which must have key "
                  "pattern {_id: 1}, found key: " +
                      ShellString(index->key_pattern()));
  }
  if (index->name() == "*") return Status(ErrorCodes::BadValue, "The index name '*' is not valid.");
  return parsed;
}

Bson WithoutUnknownFields(const bson_t* spec) {
  Bson out;
  bson_iter_t it;
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (storage::IsIndexSpecField(key)) {
      bson_append_iter(out.get(), key.data(), static_cast<int>(key.size()), &it);
    }
  }
  return out;
}

void AppendCreateResult(bson_t* reply, size_t before, size_t after, size_t requested,
                        std::optional<bool> created_automatically) {
  BSON_APPEND_INT32(reply, "numIndexesBefore", static_cast<int32_t>(before));
  BSON_APPEND_INT32(reply, "numIndexesAfter", static_cast<int32_t>(after));
  if (created_automatically) {
    BSON_APPEND_BOOL(reply, "createdCollectionAutomatically", *created_automatically);
  }
  if (after == before) {
    AppendUtf8(reply, "note", "all indexes already exist");
  } else if (after < before + requested) {
    AppendUtf8(reply, "note", "index already exists");
  }
}

// Builds `specs[i]` for each i of `order`; all or nothing: on a failure the
// indexes this command built are dropped again.
Status BuildAll(storage::Collection* collection, const std::vector<Bson>& specs,
                const std::vector<SpecPtr>& parsed, const std::vector<size_t>& order,
                bool durable) {
  std::vector<std::string> built;
  for (size_t i : order) {
    Status st = collection->CreateIndex(specs[i].get(), durable);
    if (!st.ok()) {
      for (const auto& name : built) collection->DropIndex(name, durable);
      return st;
    }
    built.push_back(parsed[i]->name());
  }
  return Status::OK();
}

// mongod's path for an existing collection: specs identical to existing
// indexes are skipped, conflicts with them fail the command as they are, and
// the rest is one index build whose failures carry the build's context.
Status CreateOnExisting(storage::Collection* collection, const std::vector<Bson>& specs,
                        const std::vector<SpecPtr>& parsed, bool durable, bson_t* reply) {
  const auto existing = collection->ListIndexes();
  std::vector<size_t> order;
  for (size_t i = 0; i < parsed.size(); ++i) {
    Status st = storage::CheckIndexConflicts(*parsed[i], existing);
    if (st.code() == ErrorCodes::IndexAlreadyExists) continue;
    if (!st.ok()) return st;
    order.push_back(i);
  }
  if (order.empty()) {
    AppendCreateResult(reply, existing.size(), existing.size(), parsed.size(), std::nullopt);
    return Status::OK();
  }
  std::vector<SpecPtr> earlier;
  for (size_t i : order) {
    Status st = storage::CheckIndexConflicts(*parsed[i], earlier);
    if (st.code() == ErrorCodes::IndexAlreadyExists) {
      st = Status(ErrorCodes::OperationFailed,
                  "Cannot build two identical indexes. Try again without duplicate indexes.");
    }
    if (!st.ok()) return BuildFailed(*collection, st);
    earlier.push_back(parsed[i]);
  }
  if (Status st = BuildAll(collection, specs, parsed, order, durable); !st.ok()) {
    return BuildFailed(*collection, st);
  }
  AppendCreateResult(reply, existing.size(), collection->ListIndexes().size(), parsed.size(),
                     false);
  return Status::OK();
}

Status RunCreateIndexes(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = CollectionArgument(cmd);
  if (!name.ok()) return name.status();
  if (Status s = CheckKnownFields(cmd, {"indexes", "commitQuorum", "ignoreUnknownIndexOptions",
                                        "collectionUUID", "isTimeseriesNamespace"});
      !s.ok()) {
    return s;
  }
  auto indexes = FindField(cmd.body, "indexes");
  if (!indexes) {
    return Status(40414, "BSON field 'createIndexes.indexes' is missing but a required field");
  }
  if (BSON_ITER_HOLDS_NULL(&*indexes)) {
    return Status(10065, "invalid parameter: expected an object (indexes)");
  }
  if (!BSON_ITER_HOLDS_ARRAY(&*indexes)) {
    return WrongType(cmd, "indexes", bson_iter_type(&*indexes), "array");
  }
  auto ignore_unknown = BoolArgument(cmd, "ignoreUnknownIndexOptions", false);
  if (!ignore_unknown.ok()) return ignore_unknown.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();

  std::vector<Bson> specs;
  bson_iter_t element;
  bson_iter_recurse(&*indexes, &element);
  while (bson_iter_next(&element)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&element)) {
      return WrongType(cmd, "indexes." + std::string(KeyOf(&element)), bson_iter_type(&element),
                       "object");
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&element, &len, &data);
    BsonView spec(data, len);
    specs.push_back(ignore_unknown.value() ? WithoutUnknownFields(spec.get())
                                           : Bson::Copy(spec.get()));
  }

  // mongod's runCreateIndexesWithCoordinator, in its order.
  if (Status s = storage::ValidateNamespaceForCreate(cmd.db, name.value()); !s.ok()) return s;
  std::vector<SpecPtr> parsed;
  for (const Bson& spec : specs) {
    auto index = ParseIndexSpec(spec.get());
    if (!index.ok()) return index.status();
    parsed.push_back(index.value());
  }
  if (parsed.empty()) {
    return Status(ErrorCodes::BadValue, "Must specify at least one index to create");
  }
  if (FindField(cmd.body, "commitQuorum")) {
    return Status(ErrorCodes::BadValue, "Standalones can't specify commitQuorum");
  }

  storage::Engine* engine = op.service.engine;
  const bool durable = concern.value().journal;
  if (auto existing = engine->GetCollection(cmd.db, name.value())) {
    return CreateOnExisting(existing.get(), specs, parsed, durable, reply);
  }

  // A new collection: mongod creates it and its indexes in one unit of work,
  // checking each spec against those created before it in the command.
  const std::vector<SpecPtr> id_only{storage::IndexSpec::IdIndex()};
  std::vector<SpecPtr> accepted = id_only;
  std::vector<size_t> order;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (storage::CheckIndexConflicts(*parsed[i], id_only).code() ==
        ErrorCodes::IndexAlreadyExists) {
      continue;  // {_id: 1} comes with the collection
    }
    if (Status st = storage::CheckIndexConflicts(*parsed[i], accepted); !st.ok()) return st;
    accepted.push_back(parsed[i]);
    order.push_back(i);
  }
  bool created = false;
  auto collection = engine->GetOrCreateCollection(cmd.db, name.value(), durable, &created);
  if (!collection.ok()) return collection.status();
  if (!created) {  // another client created it meanwhile
    return CreateOnExisting(collection.value().get(), specs, parsed, durable, reply);
  }
  const size_t before = collection.value()->ListIndexes().size();
  if (Status st = BuildAll(collection.value().get(), specs, parsed, order, durable); !st.ok()) {
    engine->DropCollection(cmd.db, name.value(), durable);
    return st;
  }
  AppendCreateResult(reply, before, collection.value()->ListIndexes().size(), parsed.size(), true);
  return Status::OK();
}

Status RunListIndexes(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = CollectionArgument(cmd);
  if (!name.ok()) return name.status();
  if (Status s = CheckKnownFields(
          cmd, {"cursor", "includeBuildUUIDs", "includeIndexBuildInfo", "collectionUUID"});
      !s.ok()) {
    return s;
  }
  if (Status s = CheckCursorOptions(cmd); !s.ok()) return s;
  const std::string ns = cmd.db + "." + name.value();
  auto collection = op.service.engine->GetCollection(cmd.db, name.value());
  if (!collection) return Status(ErrorCodes::NamespaceNotFound, "ns does not exist: " + ns);
  std::vector<Bson> batch;
  for (const auto& spec : collection->ListIndexes()) batch.push_back(Bson::Copy(spec->spec()));
  AppendSingleBatchCursor(reply, ns, batch);
  return Status::OK();
}

// The index a key pattern names, with mongod's messages for none, several,
// and the _id index.
StatusWith<std::string> IndexForKeyPattern(const storage::Collection& collection,
                                           const bson_t* key_pattern) {
  auto found = collection.IndexNameForKeyPattern(key_pattern);
  if (found.status().code() == ErrorCodes::AmbiguousIndexKeyPattern) {
    std::vector<std::string> conflicting;
    for (const auto& spec : collection.ListIndexes()) {
      if (bson_equal(spec->key_pattern(), key_pattern))
        conflicting.push_back(ShellString(spec->spec()));
    }
    if (conflicting.size() >= 2) {
      return Status(found.status().code(), found.status().reason() + " Conflicting indexes: " +
                                               conflicting[0] + ", " + conflicting[1]);
    }
  }
  if (!found.ok()) return found.status();
  if (found.value() == "_id_") {
    return Status(ErrorCodes::InvalidOptions, "cannot drop _id index");
  }
  return found;
}

Status RunDropIndexes(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto name = CollectionArgument(cmd);
  if (!name.ok()) return name.status();
  if (Status s = CheckKnownFields(cmd, {"index", "collectionUUID"}); !s.ok()) return s;
  auto index = FindField(cmd.body, "index");
  if (!index) {
    return Status(40414, "BSON field 'dropIndexes.index' is missing but a required field");
  }
  const bson_type_t type = bson_iter_type(&*index);
  if (type != BSON_TYPE_UTF8 && type != BSON_TYPE_DOCUMENT && type != BSON_TYPE_ARRAY) {
    return WrongTypes(cmd, "index", type, "string, object");
  }
  std::vector<std::string> names;
  if (type == BSON_TYPE_ARRAY) {
    bson_iter_t element;
    bson_iter_recurse(&*index, &element);
    while (bson_iter_next(&element)) {
      // mongod's IDL reports a non-string element against the array itself.
      if (!BSON_ITER_HOLDS_UTF8(&element)) return WrongTypes(cmd, "index", type, "string");
      names.emplace_back(Utf8Of(&element));
    }
  }
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  const bool durable = concern.value().journal;

  auto collection = op.service.engine->GetCollection(cmd.db, name.value());
  if (!collection) {
    return Status(ErrorCodes::NamespaceNotFound, "ns not found " + cmd.db + "." + name.value());
  }
  const auto existing = collection->ListIndexes();
  const auto indexes_was = static_cast<int32_t>(existing.size());

  if (type == BSON_TYPE_UTF8 && Utf8Of(&*index) == "*") {
    for (const auto& spec : existing) {
      if (spec->is_id_index()) continue;
      Status st = collection->DropIndex(spec->name(), durable);
      if (!st.ok() && st.code() != ErrorCodes::IndexNotFound) return st;
    }
    BSON_APPEND_INT32(reply, "nIndexesWas", indexes_was);
    AppendUtf8(reply, "msg", "non-_id indexes dropped for collection");
    return Status::OK();
  }
  if (type == BSON_TYPE_UTF8) {
    names.emplace_back(Utf8Of(&*index));
  } else if (type == BSON_TYPE_DOCUMENT) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&*index, &len, &data);
    BsonView key_pattern(data, len);
    auto found = IndexForKeyPattern(*collection, key_pattern.get());
    if (!found.ok()) return found.status();
    names.push_back(found.value());
  }
  // Every name is checked before anything is dropped.
  for (const auto& index_name : names) {
    if (index_name == "_id_") return Status(ErrorCodes::InvalidOptions, "cannot drop _id index");
    bool exists = false;
    for (const auto& spec : existing) exists = exists || spec->name() == index_name;
    if (!exists) {
      return Status(ErrorCodes::IndexNotFound, "index not found with name [" + index_name + "]");
    }
  }
  for (const auto& index_name : names) {
    if (Status st = collection->DropIndex(index_name, durable); !st.ok()) return st;
  }
  BSON_APPEND_INT32(reply, "nIndexesWas", indexes_was);
  return Status::OK();
}

}  // namespace

void RegisterIndexCommands(CommandRegistry* registry) {
  registry->Register(
      {.name = "createIndexes", .run = RunCreateIndexes, .help = "create indexes on a collection"});
  registry->Register(
      {.name = "listIndexes", .run = RunListIndexes, .help = "list indexes for a collection"});
  registry->Register({.name = "dropIndexes",
                      .aliases = {"deleteIndexes"},
                      .run = RunDropIndexes,
                      .help = "drop indexes for a collection"});
}

}  // namespace basalt::commands
