// The KvStore contract, run against both implementations.
#include "storage/kv.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace basalt;
using namespace basalt::storage;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/basalt-kv-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string GetOr(KvStore* kv, const std::string& key, const KvSnapshot* snap = nullptr) {
  std::string value;
  auto found = kv->Get(key, &value, snap);
  REQUIRE(found.ok());
  return found.value() ? value : "<absent>";
}

std::vector<std::string> Keys(KvIterator* it, bool forward) {
  std::vector<std::string> out;
  if (forward) {
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->key());
  } else {
    for (it->SeekToLast(); it->Valid(); it->Prev()) out.emplace_back(it->key());
  }
  return out;
}

void CheckContract(KvStore* kv) {
  KvWriteBatch batch;
  for (const char* k : {"a1", "a2", "a3", "b1", "b2"}) batch.Put(k, std::string("v") + k);
  REQUIRE(kv->Write(batch, true).ok());
  CHECK(GetOr(kv, "a2") == "va2");
  CHECK(GetOr(kv, "zz") == "<absent>");

  auto snap = kv->GetSnapshot();
  KvWriteBatch change;
  change.Put("a2", "new");
  change.Delete("b1");
  change.Put("a0", "va0");
  REQUIRE(kv->Write(change, false).ok());
  // The snapshot is frozen; the latest state has the whole batch.
  CHECK(GetOr(kv, "a2", snap.get()) == "va2");
  CHECK(GetOr(kv, "b1", snap.get()) == "vb1");
  CHECK(GetOr(kv, "a0", snap.get()) == "<absent>");
  CHECK(GetOr(kv, "a2") == "new");
  CHECK(GetOr(kv, "b1") == "<absent>");

  // Bounded iteration, both ways, at the snapshot and now.
  auto old_it = kv->NewIterator(snap, "a", "b");
  CHECK(Keys(old_it.get(), true) == std::vector<std::string>{"a1", "a2", "a3"});
  CHECK(Keys(old_it.get(), false) == std::vector<std::string>{"a3", "a2", "a1"});
  auto now_it = kv->NewIterator(nullptr, "a", "");
  CHECK(Keys(now_it.get(), true) == std::vector<std::string>{"a0", "a1", "a2", "a3", "b2"});
  CHECK(Keys(now_it.get(), false) == std::vector<std::string>{"b2", "a3", "a2", "a1", "a0"});
  now_it->Seek("a15");
  REQUIRE(now_it->Valid());
  CHECK(now_it->key() == "a2");
  CHECK(now_it->value() == "new");
  now_it->SeekForPrev("a15");
  REQUIRE(now_it->Valid());
  CHECK(now_it->key() == "a1");

  // Range delete, under a snapshot that must still see the range.
  auto before_range = kv->GetSnapshot();
  KvWriteBatch range;
  range.DeleteRange("a1", "a3");
  REQUIRE(kv->Write(range, true).ok());
  auto after = kv->NewIterator(nullptr, "a", "b");
  CHECK(Keys(after.get(), true) == std::vector<std::string>{"a0", "a3"});
  auto before = kv->NewIterator(before_range, "a", "b");
  CHECK(Keys(before.get(), true) == std::vector<std::string>{"a0", "a1", "a2", "a3"});

  // An iterator keeps its snapshot while writes go on.
  auto live = kv->NewIterator(nullptr, "a", "b");
  live->SeekToFirst();
  KvWriteBatch more;
  more.Put("a00", "x");
  more.Delete("a3");
  REQUIRE(kv->Write(more, false).ok());
  std::vector<std::string> seen;
  for (; live->Valid(); live->Next()) seen.emplace_back(live->key());
  CHECK(seen == std::vector<std::string>{"a0", "a3"});

  // A batch writing one key twice keeps the later value.
  KvWriteBatch twice;
  twice.Put("t", "1");
  twice.Put("t", "2");
  REQUIRE(kv->Write(twice, false).ok());
  CHECK(GetOr(kv, "t") == "2");
}

}  // namespace

TEST_CASE("memory kv store honours the KvStore contract", "[kv]") {
  auto kv = NewMemoryKvStore();
  CheckContract(kv.get());
  REQUIRE(kv->Close().ok());
}

TEST_CASE("rocksdb kv store honours the KvStore contract and persists", "[kv]") {
  TempDir dir;
  {
    auto kv = OpenRocksKvStore(dir.path.string());
    REQUIRE(kv.ok());
    CheckContract(kv.value().get());
    REQUIRE(kv.value()->Close().ok());
  }
  auto kv = OpenRocksKvStore(dir.path.string());
  REQUIRE(kv.ok());
  CHECK(GetOr(kv.value().get(), "a00") == "x");
  CHECK(GetOr(kv.value().get(), "a2") == "<absent>");
}

TEST_CASE("rocksdb kv store groups concurrent durable writes into shared syncs", "[kv]") {
  TempDir dir;
  auto kv = OpenRocksKvStore(dir.path.string());
  REQUIRE(kv.ok());
  KvStore* store = kv.value().get();
  constexpr int kThreads = 16, kWritesEach = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWritesEach; ++i) {
        KvWriteBatch batch;
        batch.Put("k" + std::to_string(t) + "-" + std::to_string(i), "v");
        if (!store->Write(batch, /*sync=*/true).ok()) failures++;
      }
    });
  }
  for (auto& w : writers) w.join();
  REQUIRE(failures == 0);
  const uint64_t syncs = store->WalSyncCount();
  INFO("syncs for " << kThreads * kWritesEach << " durable writes: " << syncs);
  CHECK(syncs >= 1);
  // One sync per write would mean no grouping at all.
  CHECK(syncs < kThreads * kWritesEach / 2);
  // Everything is durable already: a further sync finds nothing to do.
  REQUIRE(store->SyncWal().ok());
  CHECK(store->WalSyncCount() == syncs);
  REQUIRE(store->Close().ok());
}

TEST_CASE("memory kv store reclaims versions once snapshots are released", "[kv]") {
  auto kv = NewMemoryKvStore();
  {
    auto snap = kv->GetSnapshot();
    for (int i = 0; i < 100; ++i) {
      KvWriteBatch put;
      put.Put("k" + std::to_string(i), std::string(1000, 'x'));
      REQUIRE(kv->Write(put, false).ok());
      KvWriteBatch del;
      del.Delete("k" + std::to_string(i));
      REQUIRE(kv->Write(del, false).ok());
    }
    CHECK(kv->ApproximateSize() >= 100 * 1000);
  }
  for (int i = 0; i < 10; ++i) {
    KvWriteBatch b;
    b.Put("other", "y");
    REQUIRE(kv->Write(b, false).ok());
  }
  CHECK(kv->ApproximateSize() < 1000);
}
