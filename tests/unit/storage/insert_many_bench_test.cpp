// The measurement behind Collection::kInsertGroupDocs, hidden from
// the default run:   unit_storage "[.bench]"
// For several group sizes, on RocksDB: InsertMany of batches of 10,000 small
// documents (10% repeating an email, as bench W4) into a collection with a
// unique email index, alone and then beside a writer of single documents
// whose latency shows how long groups hold their stripe locks.
#include <bson/bson.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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

constexpr int kBatch = 10000;
constexpr int kBatches = 10;

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Bson User(int64_t id, const std::string& email) {
  Bson doc;
  BSON_APPEND_INT64(doc.get(), "_id", id);
  AppendUtf8(doc.get(), "email", email);
  BSON_APPEND_UTF8(doc.get(), "name", "batch user");
  BSON_APPEND_INT64(doc.get(), "n", 0);
  return doc;
}

// Batch `b`: distinct _ids, every tenth email repeating an earlier one, shuffled.
std::vector<Bson> Batch(int b) {
  std::vector<Bson> docs;
  for (int i = 0; i < kBatch; ++i) {
    const int64_t id = int64_t{b} * kBatch + i;
    const int64_t key = i % 10 == 9 ? id - 1 : id;
    docs.push_back(User(id, "batch" + std::to_string(key) + "@example.com"));
  }
  std::vector<size_t> order(docs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = (i * 7919) % order.size();
  std::vector<Bson> shuffled;
  for (size_t i : order) shuffled.push_back(std::move(docs[i]));
  return shuffled;
}

void Run(size_t group, bool with_writer) {
  char tmpl[] = "/tmp/basalt-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  EngineOptions options;
  options.db_path = dir;
  auto engine = Engine::Open(options).value();
  auto coll = engine->GetOrCreateCollection("bench", "c", false).value();
  Bson spec = testing::UniqueEmailIndexSpec();
  REQUIRE(coll->CreateIndex(spec.get(), false).ok());

  std::vector<std::vector<Bson>> batches;
  for (int b = 0; b < kBatches; ++b) batches.push_back(Batch(b));

  std::atomic<bool> done{false};
  std::atomic<int> writer_failures{0};  // Catch2's assertions are for the main thread
  std::vector<double> latencies_us;
  std::thread writer;
  if (with_writer) {
    writer = std::thread([&] {
      for (int64_t i = 0; !done.load(); ++i) {
        Bson doc = User(-1 - i, "single" + std::to_string(i) + "@example.com");
        const auto t0 = std::chrono::steady_clock::now();
        if (!coll->Insert(doc.get(), false).ok()) ++writer_failures;
        latencies_us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
      }
    });
  }
  double cpu = 0;
  const auto wall0 = std::chrono::steady_clock::now();
  for (const auto& batch : batches) {
    std::vector<const bson_t*> docs;
    for (const auto& d : batch) docs.push_back(d.get());
    const double cpu0 = ThreadCpuSeconds();
    auto results = coll->InsertMany(docs, false, false, group);
    cpu += ThreadCpuSeconds() - cpu0;
    REQUIRE(results.size() == docs.size());
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  done = true;
  if (writer.joinable()) writer.join();
  CHECK(writer_failures == 0);
  const double n = double{kBatch} * kBatches;
  std::printf("group=%5zu writer=%d  %8.0f docs/s  %5.2f us CPU/doc", group, with_writer, n / wall,
              cpu / n * 1e6);
  if (!latencies_us.empty()) {
    std::sort(latencies_us.begin(), latencies_us.end());
    auto at = [&](double q) {
      return latencies_us[static_cast<size_t>(q * (latencies_us.size() - 1))];
    };
    std::printf("  single insert p50 %6.0f us  p99 %6.0f us  max %6.0f us", at(0.5), at(0.99),
                latencies_us.back());
  }
  std::printf("\n");
  coll.reset();
  REQUIRE(engine->Close().ok());
  std::filesystem::remove_all(dir);
}

}  // namespace

TEST_CASE("InsertMany group sizes: throughput and stall of a concurrent writer",
          "[.bench]") {
  for (size_t group : {size_t{1}, size_t{64}, size_t{256}, size_t{512}, size_t{1024}, size_t{4096},
                       size_t{kBatch}}) {
    Run(group, false);
    Run(group, true);
  }
}
