// Collection::InsertMany: every document gets exactly the outcome inserting
// the documents one at a time would give, whatever the group size, and a
// group is written whole or not at all.
#include <bson/bson.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/bson_shell.h"
#include "storage/engine.h"

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
  return std::move(Engine::Open(options).value());
}

// A fresh collection "test.c" with `indexes` (createIndexes specs) built
// and `existing` inserted.
std::shared_ptr<Collection> MakeCollection(Engine* engine, const std::vector<std::string>& indexes,
                                           const std::vector<std::string>& existing) {
  auto coll = engine->GetOrCreateCollection("test", "c", false).value();
  for (const auto& spec : indexes) {
    Bson parsed = Json(spec);
    REQUIRE(coll->CreateIndex(parsed.get(), false).ok());
  }
  for (const auto& doc : existing) {
    Bson parsed = Json(doc);
    REQUIRE(coll->Insert(parsed.get(), false).ok());
  }
  return coll;
}

// "ok", or "<code> <reason>" (DuplicateKey adds its keyValue).
std::string Outcome(const Status& st) {
  if (st.ok()) return "ok";
  std::string out = std::to_string(st.code()) + " " + st.reason();
  if (st.extraInfo()) out += " " + ShellString(st.extraInfo());
  return out;
}

std::vector<std::string> Outcomes(const std::vector<Status>& results) {
  std::vector<std::string> out;
  for (const auto& st : results) out.push_back(Outcome(st));
  return out;
}

std::vector<std::string> ScanAll(Collection* coll) {
  auto cursor = coll->Scan(true);
  std::vector<std::string> out;
  std::vector<Bson> batch;
  for (bool more = true; more;) {
    batch.clear();
    auto next = cursor->NextBatch(100, 1 << 20, &batch);
    REQUIRE(next.ok());
    more = next.value();
    for (const auto& doc : batch) out.push_back(ShellString(doc.get()));
  }
  return out;
}

void RequireValid(Collection* coll) {
  ValidateResults results = coll->Validate();
  for (const auto& e : results.errors) UNSCOPED_INFO(e);
  REQUIRE(results.valid);
}

std::string Dup(const std::string& index, const std::string& key) {
  return "11000 E11000 duplicate key error collection: test.c index: " + index + " dup key: " + key;
}

struct Case {
  const char* name;
  std::vector<std::string> indexes;
  std::vector<std::string> existing;
  std::vector<std::string> docs;
  bool ordered;
  // Each outcome's start ("ok", or the code and message without extra info).
  std::vector<std::string> expected;
};

const std::string kEmail = R"({"key": {"email": 1}, "name": "email_1", "unique": true})";
const std::string kNoId = "2 document to insert must have _id as its first field";

const std::vector<Case> kCases = {
    {"a duplicate _id within the batch, 1 and 1.0 alike",
     {},
     {},
     {R"({"_id": 1, "a": 1})", R"({"_id": 1.0, "a": 2})", R"({"_id": 2})"},
     false,
     {"ok", Dup("_id_", "{ _id: 1.0 }"), "ok"}},
    {"a unique key taken by a stored document or an earlier one of the batch",
     {kEmail},
     {R"({"_id": 1, "email": "a"})"},
     {R"({"_id": 2, "email": "a"})", R"({"_id": 3, "email": "b"})", R"({"_id": 4, "email": "b"})",
      R"({"_id": 5, "email": "c"})"},
     false,
     {Dup("email_1", R"({ email: "a" })"), "ok", Dup("email_1", R"({ email: "b" })"), "ok"}},
    {"a document that fails claims none of its keys",
     {kEmail},
     {},
     {R"({"_id": 1, "email": "a"})", R"({"_id": 1, "email": "b"})", R"({"_id": 2, "email": "b"})"},
     false,
     {"ok", Dup("_id_", "{ _id: 1 }"), "ok"}},
    {"a failure on a later unique index frees the earlier index's keys",
     {kEmail, R"({"key": {"nick": 1}, "name": "nick_1", "unique": true})"},
     {R"({"_id": 0, "email": "x", "nick": "taken"})"},
     {R"({"_id": 1, "email": "a", "nick": "taken"})", R"({"_id": 2, "email": "a", "nick": "n"})"},
     false,
     {Dup("nick_1", R"({ nick: "taken" })"), "ok"}},
    {"ordered stops at the first failure",
     {kEmail},
     {},
     {R"({"_id": 1, "email": "a"})", R"({"_id": 2, "email": "b"})", R"({"_id": 3, "email": "a"})",
      R"({"_id": 4, "email": "c"})"},
     true,
     {"ok", "ok", Dup("email_1", R"({ email: "a" })")}},
    {"unordered goes on past failures",
     {kEmail},
     {},
     {R"({"_id": 1, "email": "a"})", R"({"_id": 2, "email": "b"})", R"({"_id": 3, "email": "a"})",
      R"({"_id": 4, "email": "c"})"},
     false,
     {"ok", "ok", Dup("email_1", R"({ email: "a" })"), "ok"}},
    {"documents no key can be made of fail alone",
     {R"({"key": {"a": 1, "b": 1}, "name": "ab"})"},
     {},
     {R"({"_id": 1, "a": [1], "b": [2]})", R"({"a": 1, "_id": 2})", R"({"_id": 3, "a": [1, 2]})"},
     false,
     {"171 cannot index parallel arrays [b] [a]", kNoId, "ok"}},
    {"ordered stops at a document that cannot be indexed",
     {R"({"key": {"a": 1, "b": 1}, "name": "ab"})"},
     {},
     {R"({"_id": 0})", R"({"_id": 1, "a": [1], "b": [2]})", R"({"_id": 3})"},
     true,
     {"ok", "171 cannot index parallel arrays [b] [a]"}},
    {"a unique multikey index: one document may repeat a value, two may not share one",
     {R"({"key": {"tags": 1}, "name": "tags_1", "unique": true})"},
     {},
     {R"({"_id": 1, "tags": ["a", "a"]})", R"({"_id": 2, "tags": ["b", "a"]})",
      R"({"_id": 3, "tags": ["b", "c"]})"},
     false,
     {"ok", Dup("tags_1", R"({ tags: "a" })"), "ok"}},
    {"a sparse unique index: documents without the field never collide",
     {R"({"key": {"e": 1}, "name": "e_1", "unique": true, "sparse": true})"},
     {},
     {R"({"_id": 1})", R"({"_id": 2})", R"({"_id": 3, "e": 1})", R"({"_id": 4, "e": 1.0})"},
     false,
     {"ok", "ok", "ok", Dup("e_1", "{ e: 1.0 }")}},
    {"a non-unique index gets an entry for every document",
     {R"({"key": {"g": 1}, "name": "g_1"})"},
     {R"({"_id": 0, "g": 1})"},
     {R"({"_id": 1, "g": 1})", R"({"_id": 2, "g": [1, 2]})", R"({"_id": 1, "g": 2})"},
     false,
     {"ok", "ok", Dup("_id_", "{ _id: 1 }")}},
};

}  // namespace

TEST_CASE("InsertMany gives each document the outcome of inserting them one by one",
          "[insert_many]") {
  for (const Case& c : kCases) {
    for (size_t group : {size_t{1}, size_t{2}, size_t{3}, Collection::kInsertGroupDocs}) {
      INFO(c.name << ", groups of " << group);
      std::vector<Bson> docs;
      std::vector<const bson_t*> views;
      for (const auto& json : c.docs) docs.push_back(Json(json));
      for (const auto& doc : docs) views.push_back(doc.get());

      // The reference: one Insert() at a time into a collection of its own.
      auto ref_engine = MemoryEngine();
      auto reference = MakeCollection(ref_engine.get(), c.indexes, c.existing);
      std::vector<std::string> sequential;
      for (const bson_t* doc : views) {
        sequential.push_back(Outcome(reference->Insert(doc, false)));
        if (c.ordered && sequential.back() != "ok") break;
      }

      auto engine = MemoryEngine();
      auto coll = MakeCollection(engine.get(), c.indexes, c.existing);
      const std::vector<std::string> got =
          Outcomes(coll->InsertMany(views, false, c.ordered, group));
      CHECK(got == sequential);
      REQUIRE(got.size() == c.expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        INFO("document " << i << ": " << got[i]);
        CHECK(got[i].rfind(c.expected[i], 0) == 0);
      }
      CHECK(ScanAll(coll.get()) == ScanAll(reference.get()));
      CHECK(coll->Count() == reference->Count());
      CHECK(coll->DataSize() == reference->DataSize());
      RequireValid(coll.get());
    }
  }
}

TEST_CASE("InsertMany duplicate key errors carry keyPattern and keyValue", "[insert_many]") {
  auto engine = MemoryEngine();
  auto coll = MakeCollection(engine.get(), {kEmail}, {});
  Bson a = Json(R"({"_id": 1, "email": "a@b.c"})");
  Bson b = Json(R"({"_id": 2, "email": "a@b.c"})");
  auto results = coll->InsertMany({a.get(), b.get()}, false, true);
  REQUIRE(results.size() == 2);
  CHECK(results[0].ok());
  CHECK(results[1].codeName() == "DuplicateKey");
  REQUIRE(results[1].extraInfo() != nullptr);
  CHECK(ShellString(results[1].extraInfo()) ==
        R"({ keyPattern: { email: 1 }, keyValue: { email: "a@b.c" } })");
}

TEST_CASE("InsertMany over many groups: ordered stops in a later group", "[insert_many]") {
  auto engine = MemoryEngine();
  auto coll = MakeCollection(engine.get(), {kEmail}, {});
  std::vector<Bson> docs;
  for (int i = 0; i < 10; ++i) {
    // Document 7 repeats document 2's email.
    docs.push_back(Json(R"({"_id": )" + std::to_string(i) + R"(, "email": "e)" +
                        std::to_string(i == 7 ? 2 : i) + R"("})"));
  }
  std::vector<const bson_t*> views;
  for (const auto& doc : docs) views.push_back(doc.get());
  auto results = coll->InsertMany(views, false, true, 3);
  REQUIRE(results.size() == 8);
  for (size_t i = 0; i < 7; ++i) CHECK(results[i].ok());
  CHECK(results[7].code() == ErrorCodes::DuplicateKey);
  CHECK(coll->Count() == 7);
  RequireValid(coll.get());
}

TEST_CASE("InsertMany sets the multikey flag of the documents it writes", "[insert_many]") {
  auto engine = MemoryEngine();
  auto coll = MakeCollection(
      engine.get(),
      {R"({"key": {"tags": 1}, "name": "tags_1"})", R"({"key": {"a.b": 1}, "name": "ab"})",
       R"({"key": {"u": 1}, "name": "u_1", "unique": true})"},
      {R"({"_id": 0, "u": 1})"});
  Bson flat = Json(R"({"_id": 1, "tags": "x", "a": {"b": 1}, "u": 10})");
  REQUIRE(coll->InsertMany({flat.get()}, false, true)[0].ok());
  CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{0});
  CHECK(coll->IndexMultikeyPaths("ab") == std::vector<uint64_t>{0});
  // A document refused for a duplicate key leaves the flag alone.
  Bson refused = Json(R"({"_id": 2, "tags": ["a"], "u": 1})");
  CHECK(coll->InsertMany({refused.get()}, false, true)[0].code() == ErrorCodes::DuplicateKey);
  CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{0});
  Bson tags = Json(R"({"_id": 3, "tags": ["a", "b"], "u": 11})");
  Bson nested = Json(R"({"_id": 4, "a": {"b": [1, 2]}, "u": 12})");
  auto results = coll->InsertMany({tags.get(), nested.get()}, false, false);
  CHECK(Outcomes(results) == std::vector<std::string>{"ok", "ok"});
  CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{1});
  CHECK(coll->IndexMultikeyPaths("ab") == std::vector<uint64_t>{2});
  RequireValid(coll.get());
}

TEST_CASE("InsertMany on a dropped collection fails every document it attempts", "[insert_many]") {
  auto engine = MemoryEngine();
  auto coll = MakeCollection(engine.get(), {}, {});
  REQUIRE(engine->DropCollection("test", "c", false).ok());
  Bson a = Json(R"({"_id": 1})");
  Bson b = Json(R"({"_id": 2})");
  auto unordered = coll->InsertMany({a.get(), b.get()}, false, false);
  REQUIRE(unordered.size() == 2);
  CHECK(unordered[1].code() == ErrorCodes::NamespaceNotFound);
  CHECK(coll->InsertMany({a.get(), b.get()}, false, true).size() == 1);
  CHECK(coll->InsertMany({}, false, true).empty());
}

TEST_CASE("InsertMany's multikey flags and documents survive a restart", "[insert_many]") {
  char tmpl[] = "/tmp/basalt-insert-many-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  EngineOptions options;
  options.db_path = dir;
  {
    auto engine = Engine::Open(options).value();
    auto coll = MakeCollection(engine.get(), {R"({"key": {"tags": 1}, "name": "tags_1"})"}, {});
    Bson a = Json(R"({"_id": 1, "tags": "x"})");
    Bson b = Json(R"({"_id": 2, "tags": ["y", "z"]})");
    CHECK(Outcomes(coll->InsertMany({a.get(), b.get()}, true, true)) ==
          std::vector<std::string>{"ok", "ok"});
    coll.reset();
    REQUIRE(engine->Close().ok());
  }
  {
    auto engine = Engine::Open(options).value();
    auto coll = engine->GetCollection("test", "c");
    REQUIRE(coll);
    CHECK(coll->IndexMultikeyPaths("tags_1") == std::vector<uint64_t>{1});
    CHECK(ScanAll(coll.get()) == std::vector<std::string>{R"({ _id: 1, tags: "x" })",
                                                          R"({ _id: 2, tags: [ "y", "z" ] })"});
    RequireValid(coll.get());
    coll.reset();
    REQUIRE(engine->Close().ok());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("an index built while InsertMany runs covers every document", "[insert_many]") {
  constexpr int kDocs = 20000;
  auto engine = MemoryEngine();
  auto coll = MakeCollection(engine.get(), {kEmail}, {});
  std::vector<Bson> docs;
  for (int i = 0; i < kDocs; ++i) {
    docs.push_back(Json(R"({"_id": )" + std::to_string(i) + R"(, "n": )" + std::to_string(i % 7) +
                        R"(, "email": "e)" + std::to_string(i) + R"("})"));
  }
  std::vector<const bson_t*> views;
  for (const auto& doc : docs) views.push_back(doc.get());
  std::vector<Status> results;
  std::thread writer([&] { results = coll->InsertMany(views, false, true, 8); });
  // Built between two groups: the groups after it must write its entries.
  while (coll->Count() < 400) std::this_thread::yield();
  Bson spec = Json(R"({"key": {"n": 1}, "name": "n_1"})");
  Status built = coll->CreateIndex(spec.get(), false);
  const int64_t inserted_when_built = coll->Count();
  writer.join();
  CHECK(built.ok());
  CHECK(inserted_when_built < kDocs);
  CHECK(results.size() == views.size());
  CHECK(coll->Count() == kDocs);
  ValidateResults validated = coll->Validate();
  for (size_t i = 0; i < validated.errors.size() && i < 5; ++i) UNSCOPED_INFO(validated.errors[i]);
  CHECK(validated.valid);
  REQUIRE(validated.keys_per_index.size() == 3);
  CHECK(validated.keys_per_index[2].second == kDocs);
}
