// Documents, indexes, duplicate-key errors and validation, on the in-memory
// engine (the RocksDB engine runs the same code; engine_test covers it).
#include <bson/bson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/bson_shell.h"
#include "storage/engine.h"
#include "storage/key_string.h"

using namespace basalt;
using namespace basalt::storage;

namespace {

Bson Json(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  INFO(json << ": " << error.message);
  REQUIRE(doc != nullptr);
  Bson out = Bson::Copy(doc);
  bson_destroy(doc);
  return out;
}

std::unique_ptr<Engine> MemoryEngine() {
  EngineOptions options;
  options.kind = EngineOptions::Kind::kInMemory;
  auto engine = Engine::Open(options);
  REQUIRE(engine.ok());
  return std::move(engine.value());
}

Status Insert(Collection* coll, const std::string& json) {
  Bson doc = Json(json);
  return coll->Insert(doc.get(), false);
}

void CreateIndex(Collection* coll, const std::string& spec_json) {
  Bson spec = Json(spec_json);
  Status st = coll->CreateIndex(spec.get(), false);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

std::string FindShell(Collection* coll, const std::string& id_json) {
  Bson holder = Json(R"({"_id": )" + id_json + "}");
  bson_iter_t id;
  bson_iter_init(&id, holder.get());
  bson_iter_next(&id);
  auto found = coll->FindById(&id);
  REQUIRE(found.ok());
  return found.value() ? ShellString(found.value()->get()) : "<none>";
}

std::vector<std::string> ScanAll(Collection* coll, bool forward) {
  auto cursor = coll->Scan(forward);
  std::vector<std::string> out;
  std::vector<Bson> batch;
  while (true) {
    batch.clear();
    auto more = cursor->NextBatch(2, 1 << 20, &batch);
    REQUIRE(more.ok());
    for (const auto& doc : batch) out.push_back(ShellString(doc.get()));
    if (!more.value()) break;
  }
  return out;
}

std::vector<std::string> IndexIds(Collection* coll, const std::string& index,
                                  const IndexBounds& bounds, bool forward) {
  auto cursor = coll->ScanIndex(index, bounds, forward);
  REQUIRE(cursor.ok());
  std::vector<std::string> out;
  IndexEntry entry;
  while (true) {
    auto more = cursor.value()->Next(&entry);
    REQUIRE(more.ok());
    if (!more.value()) break;
    bson_iter_t it;
    bson_iter_init_find(&it, entry.doc.get(), "_id");
    out.push_back(ShellValueString(&it));
  }
  return out;
}

std::string KeyOfInt(int v) {
  Bson holder;
  BSON_APPEND_INT32(holder.get(), "", v);
  bson_iter_t it;
  bson_iter_init(&it, holder.get());
  bson_iter_next(&it);
  std::string out;
  AppendKeyValue(&out, &it, false);
  return out;
}

void RequireValid(Collection* coll) {
  ValidateResults results = coll->Validate();
  for (const auto& e : results.errors) UNSCOPED_INFO(e);
  REQUIRE(results.valid);
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("insert, find, replace and delete keep indexes in step", "[collection]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "users", false).value();
  CreateIndex(coll.get(), R"({"key": {"email": 1}, "name": "email_1", "unique": true})");
  CreateIndex(coll.get(), R"({"key": {"age": 1}, "name": "age_1"})");

  REQUIRE(Insert(coll.get(), R"({"_id": 1, "email": "a@b.c", "age": 30})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 2, "email": "x@y.z", "age": 30})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 3, "email": "q@r.s", "age": 20})").ok());
  CHECK(coll->Count() == 3);
  CHECK(FindShell(coll.get(), "1") == R"({ _id: 1, email: "a@b.c", age: 30 })");
  CHECK(FindShell(coll.get(), "1.0") == R"({ _id: 1, email: "a@b.c", age: 30 })");
  CHECK(FindShell(coll.get(), "9") == "<none>");

  CHECK(IndexIds(coll.get(), "age_1", IndexBounds::Point(KeyOfInt(30)), true) == V{"1", "2"});
  CHECK(IndexIds(coll.get(), "age_1", IndexBounds::All(), false) == V{"2", "1", "3"});
  CHECK(IndexIds(coll.get(), "age_1", {KeyOfInt(20), false, "", true}, true) == V{"1", "2"});
  CHECK(IndexIds(coll.get(), "age_1", {"", true, KeyOfInt(30), false}, true) == V{"3"});
  CHECK(IndexIds(coll.get(), "_id_", IndexBounds::All(), false) == V{"3", "2", "1"});
  CHECK(coll->ScanIndex("nope", IndexBounds::All(), true).status().code() ==
        ErrorCodes::IndexNotFound);

  // Replace moves the document's entries; the old email becomes free.
  Bson old_doc = Json(R"({"_id": 1, "email": "a@b.c", "age": 30})");
  Bson new_doc = Json(R"({"_id": 1, "email": "new@b.c", "age": 31})");
  REQUIRE(coll->Replace(old_doc.get(), new_doc.get(), false).ok());
  CHECK(IndexIds(coll.get(), "age_1", IndexBounds::Point(KeyOfInt(30)), true) == V{"2"});
  REQUIRE(Insert(coll.get(), R"({"_id": 4, "email": "a@b.c"})").ok());
  // A stale `expected` is a write conflict, and changes nothing.
  CHECK(coll->Replace(old_doc.get(), new_doc.get(), false).code() == ErrorCodes::WriteConflict);
  Bson missing = Json(R"({"_id": 99})");
  CHECK(coll->Replace(nullptr, missing.get(), false).code() == ErrorCodes::NoSuchKey);
  RequireValid(coll.get());

  bson_iter_t id;
  bson_iter_init(&id, new_doc.get());
  bson_iter_next(&id);
  Bson deleted;
  REQUIRE(coll->Delete(&id, nullptr, false, &deleted).ok());
  CHECK(ShellString(deleted.get()) == R"({ _id: 1, email: "new@b.c", age: 31 })");
  CHECK(coll->Delete(&id, nullptr, false, nullptr).code() == ErrorCodes::NoSuchKey);
  CHECK(coll->Count() == 3);
  CHECK(ScanAll(coll.get(), true) == V{R"({ _id: 2, email: "x@y.z", age: 30 })",
                                       R"({ _id: 3, email: "q@r.s", age: 20 })",
                                       R"({ _id: 4, email: "a@b.c" })"});
  CHECK(ScanAll(coll.get(), false).front() == R"({ _id: 4, email: "a@b.c" })");
  RequireValid(coll.get());
}

TEST_CASE("duplicate key errors carry mongod's exact message and extra info", "[collection]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "users", false).value();
  CreateIndex(coll.get(), R"({"key": {"email": 1}, "name": "email_1", "unique": true})");
  REQUIRE(Insert(coll.get(), R"({"_id": 1, "email": "a@b.c"})").ok());

  Status dup = Insert(coll.get(), R"({"_id": 2, "email": "a@b.c"})");
  CHECK(dup.code() == 11000);
  CHECK(dup.codeName() == "DuplicateKey");
  CHECK(
      dup.reason() ==
      R"(E11000 duplicate key error collection: test.users index: email_1 dup key: { email: "a@b.c" })");
  REQUIRE(dup.extraInfo() != nullptr);
  CHECK(ShellString(dup.extraInfo()) ==
        R"({ keyPattern: { email: 1 }, keyValue: { email: "a@b.c" } })");

  Status id_dup = Insert(coll.get(), R"({"_id": 1, "email": "other"})");
  CHECK(id_dup.reason() ==
        "E11000 duplicate key error collection: test.users index: _id_ dup key: { _id: 1 }");
  CHECK(ShellString(id_dup.extraInfo()) == "{ keyPattern: { _id: 1 }, keyValue: { _id: 1 } }");
  // 1.0 is the same key as 1; the message shows the value being inserted.
  Status double_dup = Insert(coll.get(), R"({"_id": 1.0, "email": "other"})");
  CHECK(double_dup.reason() ==
        "E11000 duplicate key error collection: test.users index: _id_ dup key: { _id: 1.0 }");
  // A failed write leaves nothing behind.
  CHECK(coll->Count() == 1);
  RequireValid(coll.get());
}

TEST_CASE("unique multikey indexes compare across documents only", "[collection]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "tags", false).value();
  CreateIndex(coll.get(), R"({"key": {"tags": 1}, "name": "tags_1", "unique": true})");
  REQUIRE(Insert(coll.get(), R"({"_id": 1, "tags": ["a", "b", "a"]})").ok());
  Status dup = Insert(coll.get(), R"({"_id": 2, "tags": ["c", "b"]})");
  CHECK(dup.reason() ==
        R"(E11000 duplicate key error collection: test.tags index: tags_1 dup key: { tags: "b" })");
  REQUIRE(Insert(coll.get(), R"({"_id": 3, "tags": ["c", "d"]})").ok());
  // Replacing a document with one sharing its own keys is fine.
  Bson next = Json(R"({"_id": 1, "tags": ["b", "e"]})");
  REQUIRE(coll->Replace(nullptr, next.get(), false).ok());
  Bson steal = Json(R"({"_id": 1, "tags": ["d"]})");
  CHECK(coll->Replace(nullptr, steal.get(), false).code() == 11000);
  CHECK(FindShell(coll.get(), "1") == R"({ _id: 1, tags: [ "b", "e" ] })");

  CreateIndex(coll.get(), R"({"key": {"x": 1, "y": 1}, "name": "x_1_y_1"})");
  Status parallel = Insert(coll.get(), R"({"_id": 5, "x": [1], "y": [2]})");
  CHECK(parallel.code() == ErrorCodes::CannotIndexParallelArrays);
  CHECK(parallel.reason() == "cannot index parallel arrays [y] [x]");
  CHECK(coll->Count() == 2);
  RequireValid(coll.get());
}

TEST_CASE("unique indexes treat missing as null unless sparse", "[collection]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "c", false).value();
  CreateIndex(coll.get(), R"({"key": {"a": 1}, "name": "a_1", "unique": true})");
  CreateIndex(coll.get(), R"({"key": {"b": 1}, "name": "b_1", "unique": true, "sparse": true})");
  REQUIRE(Insert(coll.get(), R"({"_id": 1, "a": 1})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 2})").ok());
  Status st = Insert(coll.get(), R"({"_id": 3})");
  CHECK(st.reason() ==
        "E11000 duplicate key error collection: test.c index: a_1 dup key: { a: null }");
  // The sparse index holds no entry for documents without b.
  REQUIRE(Insert(coll.get(), R"({"_id": 4, "a": 4})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 5, "a": 5, "b": 1})").ok());
  CHECK(Insert(coll.get(), R"({"_id": 6, "a": 6, "b": 1})").code() == 11000);
  CHECK(IndexIds(coll.get(), "b_1", IndexBounds::All(), true) == V{"5"});
  RequireValid(coll.get());
}

TEST_CASE("a unique index build over duplicates fails and leaves nothing", "[collection]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "users", false).value();
  REQUIRE(Insert(coll.get(), R"({"_id": 1, "email": "b"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 2, "email": "a"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 3, "email": "b"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 4, "email": "a"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 5, "email": "a"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 6, "email": "c"})").ok());
  Bson spec = Json(R"({"key": {"email": 1}, "name": "email_1", "unique": true})");
  Status st = coll->CreateIndex(spec.get(), false);
  CHECK(st.code() == 11000);
  CHECK(
      st.reason() ==
      R"(E11000 duplicate key error collection: test.users index: email_1 dup key: { email: "a" })");
  CHECK(ShellString(st.extraInfo()) ==
        R"({ keyPattern: { email: 1 }, keyValue: { email: "a" }, duplicateGroups: 2 })");
  CHECK(coll->ListIndexes().size() == 1);
  CHECK(coll->ScanIndex("email_1", IndexBounds::All(), true).status().code() ==
        ErrorCodes::IndexNotFound);
  RequireValid(coll.get());

  // A non-unique one builds, is listed after _id_, and answers range scans.
  Bson plain = Json(R"({"key": {"email": 1}, "name": "email_1"})");
  REQUIRE(coll->CreateIndex(plain.get(), false).ok());
  CHECK(coll->CreateIndex(plain.get(), false).code() == ErrorCodes::IndexAlreadyExists);
  auto indexes = coll->ListIndexes();
  REQUIRE(indexes.size() == 2);
  CHECK(ShellString(indexes[0]->spec()) == R"({ v: 2, key: { _id: 1 }, name: "_id_" })");
  CHECK(ShellString(indexes[1]->spec()) == R"({ v: 2, key: { email: 1 }, name: "email_1" })");
  CHECK(IndexIds(coll.get(), "email_1", IndexBounds::All(), true) ==
        V{"2", "4", "5", "1", "3", "6"});
  RequireValid(coll.get());

  CHECK(coll->DropIndex("_id_", false).code() == ErrorCodes::InvalidOptions);
  CHECK(coll->DropIndex("nope", false).reason() == "index not found with name [nope]");
  Bson pattern = Json(R"({"email": 1})");
  CHECK(coll->IndexNameForKeyPattern(pattern.get()).value() == "email_1");
  REQUIRE(coll->DropIndex("email_1", false).ok());
  CHECK(coll->ListIndexes().size() == 1);
  RequireValid(coll.get());
}

TEST_CASE("cursors read one snapshot while writes go on", "[collection]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "c", false).value();
  CreateIndex(coll.get(), R"({"key": {"v": 1}, "name": "v_1"})");
  for (int i = 0; i < 10; ++i) {
    REQUIRE(Insert(coll.get(),
                   R"({"_id": )" + std::to_string(i) + R"(, "v": )" + std::to_string(i % 3) + "}")
                .ok());
  }
  auto records = coll->Scan(true);
  auto index = coll->ScanIndex("v_1", IndexBounds::All(), true);
  REQUIRE(index.ok());
  for (int i = 10; i < 20; ++i) {
    REQUIRE(Insert(coll.get(), R"({"_id": )" + std::to_string(i) + R"(, "v": 0})").ok());
  }
  Bson doc;
  int n = 0;
  while (records->Next(&doc).value()) ++n;
  CHECK(n == 10);
  IndexEntry entry;
  n = 0;
  while (index.value()->Next(&entry).value()) ++n;
  CHECK(n == 10);
  CHECK(coll->Count() == 20);
}

namespace {

// Stands in for the query layer: matches {<field>: true} filters only.
class FieldIsTrue : public PartialFilterMatcher {
 public:
  explicit FieldIsTrue(std::string field) : field_(std::move(field)) {}
  bool Matches(const bson_t* doc) const override {
    bson_iter_t it;
    return bson_iter_init_find(&it, doc, field_.c_str()) && BSON_ITER_HOLDS_BOOL(&it) &&
           bson_iter_bool(&it);
  }

 private:
  std::string field_;
};

class TestFilterFactory : public PartialFilterFactory {
 public:
  StatusWith<PartialFilter> Make(const bson_t* expr) const override {
    bson_iter_t it;
    if (!bson_iter_init(&it, expr) || !bson_iter_next(&it) || !BSON_ITER_HOLDS_BOOL(&it)) {
      return Status(ErrorCodes::BadValue, "unsupported filter");
    }
    return PartialFilter(std::make_shared<FieldIsTrue>(std::string(bson_iter_key(&it))));
  }
};

}  // namespace

TEST_CASE("partial unique indexes hold only the documents their filter matches", "[collection]") {
  EngineOptions options;
  options.kind = EngineOptions::Kind::kInMemory;
  options.partial_filter_factory = std::make_shared<TestFilterFactory>();
  auto engine = Engine::Open(options).value();
  auto coll = engine->GetOrCreateCollection("test", "p", false).value();
  CreateIndex(coll.get(), R"({"key": {"email": 1}, "name": "email_1", "unique": true,
                              "partialFilterExpression": {"active": true}})");
  REQUIRE(Insert(coll.get(), R"({"_id": 1, "email": "a", "active": true})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 2, "email": "a", "active": false})").ok());
  CHECK(Insert(coll.get(), R"({"_id": 3, "email": "a", "active": true})").code() == 11000);
  CHECK(IndexIds(coll.get(), "email_1", IndexBounds::All(), true) == V{"1"});
  // Leaving the filter removes the entry.
  Bson off = Json(R"({"_id": 1, "email": "a", "active": false})");
  REQUIRE(coll->Replace(nullptr, off.get(), false).ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 3, "email": "a", "active": true})").ok());
  RequireValid(coll.get());

  Bson bad = Json(R"({"key": {"x": 1}, "name": "x_1", "partialFilterExpression": {"x": 1}})");
  CHECK(coll->CreateIndex(bad.get(), false).code() == ErrorCodes::BadValue);
}
