// The engine: catalog persistence across restarts, DDL, the lock file.
#include "storage/engine.h"

#include <bson/bson.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "base/bson_shell.h"

using namespace basalt;
using namespace basalt::storage;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/basalt-engine-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

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

std::unique_ptr<Engine> OpenAt(const std::string& path) {
  EngineOptions options;
  options.db_path = path;
  auto engine = Engine::Open(options);
  INFO((engine.ok() ? "" : engine.status().ToString()));
  REQUIRE(engine.ok());
  return std::move(engine.value());
}

Status Insert(Collection* coll, const std::string& json, bool durable = false) {
  Bson doc = Json(json);
  return coll->Insert(doc.get(), durable);
}

std::vector<std::string> Names(const std::vector<CollectionInfo>& infos) {
  std::vector<std::string> out;
  for (const auto& info : infos) out.push_back(info.name);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("the catalog and data survive a restart", "[engine]") {
  TempDir dir;
  Uuid users_uuid;
  {
    auto engine = OpenAt(dir.path);
    Bson options = Json(R"({"validationLevel": "strict"})");
    auto users = engine->CreateCollection("app", "users", options.get(), true);
    REQUIRE(users.ok());
    users_uuid = users.value()->uuid();
    Bson spec = Json(R"({"key": {"email": 1}, "name": "email_1", "unique": true})");
    REQUIRE(users.value()->CreateIndex(spec.get(), true).ok());
    Bson partial_free =
        Json(R"({"key": {"age": -1, "name": 1}, "name": "age_name", "hidden": true})");
    REQUIRE(users.value()->CreateIndex(partial_free.get(), true).ok());
    REQUIRE(Insert(users.value().get(), R"({"_id": 1, "email": "a@b.c", "age": 3})", true).ok());
    REQUIRE(Insert(users.value().get(), R"({"_id": 2, "email": "d@e.f", "age": 4})").ok());
    REQUIRE(engine->GetOrCreateCollection("app", "logs", true).ok());
    REQUIRE(engine->GetOrCreateCollection("other", "x", true).ok());
    users.value().reset();
    REQUIRE(engine->Close().ok());
  }
  auto engine = OpenAt(dir.path);
  CHECK(engine->ListDatabaseNames() == V{"app", "other"});
  auto infos = engine->ListCollections("app");
  CHECK(Names(infos) == V{"logs", "users"});
  CHECK(infos[1].uuid == users_uuid);
  CHECK(ShellString(infos[1].options.get()) == R"({ validationLevel: "strict" })");
  auto users = engine->GetCollection("app", "users");
  REQUIRE(users);
  CHECK(users->Count() == 2);
  CHECK(users->DataSize() > 0);
  auto indexes = users->ListIndexes();
  REQUIRE(indexes.size() == 3);
  CHECK(ShellString(indexes[1]->spec()) ==
        R"({ v: 2, unique: true, key: { email: 1 }, name: "email_1" })");
  CHECK(ShellString(indexes[2]->spec()) ==
        R"({ v: 2, hidden: true, key: { age: -1, name: 1 }, name: "age_name" })");
  CHECK(Insert(users.get(), R"({"_id": 3, "email": "a@b.c"})").code() == 11000);
  CHECK(users->Validate().valid);
  users.reset();
  REQUIRE(engine->Close().ok());
}

TEST_CASE("multikey paths survive a restart, from writes and from index builds", "[engine]") {
  TempDir dir;
  {
    auto engine = OpenAt(dir.path);
    auto coll = engine->GetOrCreateCollection("app", "posts", true).value();
    Bson tags = Json(R"({"key": {"tags": 1}, "name": "tags_1"})");
    REQUIRE(coll->CreateIndex(tags.get(), true).ok());
    CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{0});
    // The first array flags the index; later writes keep the flag.
    REQUIRE(Insert(coll.get(), R"({"_id": 1, "tags": ["a", "b"], "c": {"d": [1]}})").ok());
    REQUIRE(Insert(coll.get(), R"({"_id": 2, "tags": "z"})").ok());
    CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{1});
    // A build over a document with an array starts multikey.
    Bson nested = Json(R"({"key": {"c.d": 1, "_id": 1}, "name": "cd"})");
    REQUIRE(coll->CreateIndex(nested.get(), true).ok());
    CHECK(coll->IndexMultikeyPaths("cd") == std::vector<uint64_t>{2, 0});
    CHECK(coll->IndexMultikeyPaths("_id_").empty());
    coll.reset();
    REQUIRE(engine->Close().ok());
  }
  auto engine = OpenAt(dir.path);
  auto coll = engine->GetCollection("app", "posts");
  REQUIRE(coll);
  CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{1});
  CHECK(coll->IndexMultikeyPaths("cd") == std::vector<uint64_t>{2, 0});
  coll.reset();
  REQUIRE(engine->Close().ok());
}

TEST_CASE("drop, rename and dropDatabase are persistent", "[engine]") {
  TempDir dir;
  {
    auto engine = OpenAt(dir.path);
    auto a = engine->GetOrCreateCollection("db1", "a", false).value();
    Bson spec = Json(R"({"key": {"k": 1}, "name": "k_1", "unique": true})");
    REQUIRE(a->CreateIndex(spec.get(), false).ok());
    REQUIRE(Insert(a.get(), R"({"_id": 1, "k": 1})").ok());
    auto b = engine->GetOrCreateCollection("db1", "b", false).value();
    REQUIRE(Insert(b.get(), R"({"_id": 1})").ok());
    REQUIRE(engine->GetOrCreateCollection("db2", "c", false).ok());

    CHECK(engine->CreateCollection("db1", "a", nullptr, false).status().reason() ==
          "Collection db1.a already exists.");
    CHECK(engine->RenameCollection("db1", "a", "db1", "b", false, false).reason() ==
          "target namespace exists");
    CHECK(engine->RenameCollection("db1", "zz", "db1", "q", false, false).reason() ==
          "Source collection db1.zz does not exist");
    REQUIRE(engine->RenameCollection("db1", "a", "db3", "renamed", false, false).ok());
    CHECK(a->ns() == "db3.renamed");
    CHECK(Insert(a.get(), R"({"_id": 2, "k": 1})").code() == 11000);
    // dropTarget replaces b, whose handle now reports the drop.
    auto c = engine->GetCollection("db2", "c");
    REQUIRE(engine->RenameCollection("db2", "c", "db1", "b", true, false).ok());
    CHECK(Insert(b.get(), R"({"_id": 2})").code() == ErrorCodes::NamespaceNotFound);
    CHECK(engine->DropCollection("db1", "nope", false).code() == ErrorCodes::NamespaceNotFound);
    REQUIRE(engine->GetOrCreateCollection("db4", "x", false).ok());
    REQUIRE(engine->GetOrCreateCollection("db4", "y", false).ok());
    REQUIRE(engine->DropDatabase("db4", false).ok());
    a.reset();
    b.reset();
    c.reset();
    REQUIRE(engine->Close().ok());
  }
  auto engine = OpenAt(dir.path);
  CHECK(engine->ListDatabaseNames() == V{"db1", "db3"});
  CHECK(Names(engine->ListCollections("db1")) == V{"b"});
  CHECK(engine->GetCollection("db1", "b")->Count() == 0);
  auto renamed = engine->GetCollection("db3", "renamed");
  REQUIRE(renamed);
  CHECK(renamed->Count() == 1);
  CHECK(renamed->ListIndexes().size() == 2);
  CHECK(renamed->Validate().valid);
  REQUIRE(engine->DropCollection("db3", "renamed", true).ok());
  renamed.reset();
  CHECK(engine->ListDatabaseNames() == V{"db1"});
  REQUIRE(engine->Close().ok());
}

TEST_CASE("a second open of one data directory is refused with mongod's message", "[engine]") {
  TempDir dir;
  auto first = OpenAt(dir.path);
  EngineOptions options;
  options.db_path = dir.path;
  auto second = Engine::Open(options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == ErrorCodes::DBPathInUse);
  CHECK(second.status().reason() ==
        "Unable to lock the lock file: " + dir.path +
            "/mongod.lock (Resource temporarily unavailable). Another mongod instance is already "
            "running on the " +
            dir.path + " directory");
  REQUIRE(first->Close().ok());
  // Released on close.
  auto third = OpenAt(dir.path);
  REQUIRE(third->Close().ok());

  options.db_path = dir.path + "/missing";
  CHECK(Engine::Open(options).status().code() == ErrorCodes::NonExistentPath);
}

TEST_CASE("in-memory engines share nothing and keep nothing", "[engine]") {
  EngineOptions options;
  options.kind = EngineOptions::Kind::kInMemory;
  auto one = Engine::Open(options).value();
  auto two = Engine::Open(options).value();
  REQUIRE(one->GetOrCreateCollection("t", "c", true).ok());
  CHECK(two->ListDatabaseNames().empty());
  CHECK(one->GetOrCreateCollection("t", "c$", false).status().code() ==
        ErrorCodes::InvalidNamespace);
  DatabaseStats stats = one->GetDatabaseStats("t");
  CHECK(stats.collections == 1);
  CHECK(stats.indexes == 1);
}
