// N writers racing on one unique key: exactly one wins, every other gets
// DuplicateKey, and the indexes agree with the records afterwards.
#include <bson/bson.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "tests/unit/storage/email_index.h"

using namespace basalt;
using namespace basalt::storage;

namespace {

constexpr int kThreads = 8;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/basalt-race-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

Bson MakeDoc(int id, const std::string& email) {
  Bson doc;
  BSON_APPEND_INT32(doc.get(), "_id", id);
  AppendUtf8(doc.get(), "email", email);
  return doc;
}

void AddUniqueEmailIndex(Collection& coll) {
  Bson spec = testing::UniqueEmailIndexSpec();
  REQUIRE(coll.CreateIndex(spec.get(), false).ok());
}

// Insert outcomes tallied across the racing threads.
struct Outcomes {
  std::atomic<int> ok{0}, dup{0}, other{0};
  void Count(const Status& st) {
    if (st.ok()) {
      ++ok;
    } else if (st.code() == ErrorCodes::DuplicateKey) {
      ++dup;
    } else {
      ++other;
    }
  }
};

// `keys` contested keys, each attempted by every thread: one insert won each,
// the others got DuplicateKey, and records and the email index agree.
void CheckOneWinnerPerKey(Collection& coll, const Outcomes& outcomes, int keys) {
  CHECK(outcomes.ok == keys);
  CHECK(outcomes.dup == keys * (kThreads - 1));
  CHECK(outcomes.other == 0);
  CHECK(coll.Count() == keys);
  ValidateResults results = coll.Validate();
  for (const auto& e : results.errors) UNSCOPED_INFO(e);
  CHECK(results.valid);
  REQUIRE(results.keys_per_index.size() == 2);
  CHECK(results.keys_per_index[1].second == keys);
}

// Each round every thread inserts a document of its own _id with the
// round's email; in odd rounds they all use the same _id instead.
void Race(Engine* engine, int rounds) {
  auto coll = engine->GetOrCreateCollection("test", "race", false).value();
  AddUniqueEmailIndex(*coll);

  Outcomes outcomes;
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < rounds; ++round) {
        const bool same_id = round % 2 == 1;
        Bson doc = MakeDoc(same_id ? 1'000'000 + round : round * kThreads + t,
                           "user" + std::to_string(round) + "@example.com");
        sync.arrive_and_wait();
        outcomes.Count(coll->Insert(doc.get(), false));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CheckOneWinnerPerKey(*coll, outcomes, rounds);
}

// Every thread inserts the same keys, each starting at its own place in the
// list: kThreads - 1 through InsertMany in groups of `group`, one through
// single inserts. Even documents share an email under distinct _ids, odd ones
// share their _id: each key must end up with exactly one document.
void RaceMany(Engine* engine, const std::string& name, int rounds, int docs, size_t group) {
  auto coll = engine->GetOrCreateCollection("test", name, false).value();
  AddUniqueEmailIndex(*coll);

  Outcomes outcomes;
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < rounds; ++round) {
        std::vector<Bson> mine;
        for (int k = 0; k < docs; ++k) {
          const int i = (k + t * docs / kThreads) % docs;
          const int base = round * docs + i;
          const int id = i % 2 == 0 ? (base * kThreads + t) * 2 : base * 2 + 1;
          mine.push_back(MakeDoc(id, "many" + std::to_string(base) + "@example.com"));
        }
        std::vector<const bson_t*> views;
        for (const auto& doc : mine) views.push_back(doc.get());
        sync.arrive_and_wait();
        std::vector<Status> results;
        if (t == 0) {
          for (const bson_t* doc : views) results.push_back(coll->Insert(doc, false));
        } else {
          results = coll->InsertMany(views, false, false, group);
        }
        for (const Status& st : results) outcomes.Count(st);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CheckOneWinnerPerKey(*coll, outcomes, rounds * docs);
}

}  // namespace

TEST_CASE("InsertMany racing itself and single inserts: one document per key (memory)", "[race]") {
  EngineOptions options;
  options.kind = EngineOptions::Kind::kInMemory;
  auto engine = Engine::Open(options).value();
  RaceMany(engine.get(), "groups", 40, 64, 8);
}

TEST_CASE("InsertMany racing itself and single inserts: one document per key (rocksdb)", "[race]") {
  TempDir dir;
  EngineOptions options;
  options.db_path = dir.path;
  auto engine = Engine::Open(options);
  REQUIRE(engine.ok());
  RaceMany(engine.value().get(), "big_groups", 20, 256, Collection::kInsertGroupDocs);
  RaceMany(engine.value().get(), "small_groups", 20, 64, 4);
  REQUIRE(engine.value()->Close().ok());
}

TEST_CASE("8 writers of one unique key: one wins, 7 get DuplicateKey (memory)", "[race]") {
  EngineOptions options;
  options.kind = EngineOptions::Kind::kInMemory;
  auto engine = Engine::Open(options).value();
  Race(engine.get(), 400);
}

TEST_CASE("8 writers of one unique key: one wins, 7 get DuplicateKey (rocksdb)", "[race]") {
  TempDir dir;
  EngineOptions options;
  options.db_path = dir.path;
  auto engine = Engine::Open(options);
  REQUIRE(engine.ok());
  Race(engine.value().get(), 200);
  REQUIRE(engine.value()->Close().ok());
}

TEST_CASE("replacements racing for one unique key: one wins", "[race]") {
  EngineOptions options;
  options.kind = EngineOptions::Kind::kInMemory;
  auto engine = Engine::Open(options).value();
  auto coll = engine->GetOrCreateCollection("test", "swap", false).value();
  AddUniqueEmailIndex(*coll);
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(coll->Insert(MakeDoc(t, "own" + std::to_string(t)).get(), false).ok());
  }
  constexpr int kRounds = 200;
  Outcomes outcomes;
  std::barrier sync(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        Bson doc = MakeDoc(t, "shared" + std::to_string(round));
        sync.arrive_and_wait();
        outcomes.Count(coll->Replace(nullptr, doc.get(), false));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(outcomes.ok == kRounds);
  CHECK(outcomes.dup == kRounds * (kThreads - 1));
  CHECK(outcomes.other == 0);
  CHECK(coll->Validate().valid);
}
