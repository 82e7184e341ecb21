// A throwaway timing of the insert path, hidden from the default run:
//   unit_storage "[.bench]"
// Inserts small documents into a collection with one unique secondary index,
// 1 and 2 threads, in memory and on RocksDB (non-durable writes, as the
// default write concern), and prints inserts/s and CPU µs per insert.
#include <bson/bson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "tests/unit/storage/email_index.h"

using namespace basalt;
using namespace basalt::storage;

namespace {

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

void Run(EngineOptions::Kind kind, int threads, int per_thread) {
  std::string dir;
  EngineOptions options;
  options.kind = kind;
  if (kind == EngineOptions::Kind::kRocksDb) {
    char tmpl[] = "/tmp/basalt-bench-XXXXXX";
    dir = ::mkdtemp(tmpl);
    options.db_path = dir;
  }
  auto engine = Engine::Open(options).value();
  auto coll = engine->GetOrCreateCollection("bench", "c", false).value();
  Bson spec = testing::UniqueEmailIndexSpec();
  REQUIRE(coll->CreateIndex(spec.get(), false).ok());

  // Documents are built beforehand: only the storage work is timed.
  std::vector<std::vector<Bson>> docs(threads);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < per_thread; ++i) {
      Bson doc;
      bson_oid_t oid;
      bson_oid_init(&oid, nullptr);
      BSON_APPEND_OID(doc.get(), "_id", &oid);
      std::string email = "user" + std::to_string(t) + "-" + std::to_string(i) + "@example.com";
      AppendUtf8(doc.get(), "email", email);
      BSON_APPEND_INT32(doc.get(), "n", i);
      BSON_APPEND_UTF8(doc.get(), "name", "Some Name");
      docs[t].push_back(std::move(doc));
    }
  }
  const double cpu0 = CpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (const auto& doc : docs[t]) REQUIRE(coll->Insert(doc.get(), false).ok());
    });
  }
  for (auto& w : workers) w.join();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = CpuSeconds() - cpu0;
  const double n = static_cast<double>(threads) * per_thread;
  std::printf("%-8s threads=%d  %9.0f inserts/s  %6.2f us CPU/insert  (%0.f docs, %.2fs)\n",
              kind == EngineOptions::Kind::kRocksDb ? "rocksdb" : "memory", threads, n / wall,
              cpu / n * 1e6, n, wall);
  CHECK(coll->Count() == static_cast<int64_t>(n));
  coll.reset();
  REQUIRE(engine->Close().ok());
  if (!dir.empty()) std::filesystem::remove_all(dir);
}

}  // namespace

TEST_CASE("insert throughput with one unique index", "[.bench]") {
  for (auto kind : {EngineOptions::Kind::kInMemory, EngineOptions::Kind::kRocksDb}) {
    Run(kind, 1, 200000);
    Run(kind, 2, 100000);
  }
}
