// The Sorter: stability, top-k, mongod's memory limit error and spilling
// sorted runs to disk with allowDiskUse, checked against std::stable_sort.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "query/sort.h"
#include "tests/unit/query/query_test_util.h"

using namespace basalt;
using namespace basalt::query;
using basalt::test::Doc;

namespace {

SortPattern Pattern(const char* spec) {
  auto p = SortPattern::Parse(Doc(spec).get());
  REQUIRE(p.ok());
  return p.value();
}

int IdOf(const Bson& doc) {
  bson_iter_t it;
  REQUIRE(bson_iter_init_find(&it, doc.get(), "_id"));
  return static_cast<int>(NumberAsInt64(&it));
}

}  // namespace

namespace {

// Documents {_id: i, k: <one of 50 values>, pad: <filler>} in a fixed
// pseudo-random order, and their expected sorted _ids (stable on k).
struct Workload {
  std::vector<Bson> docs;
  std::vector<std::pair<int, int>> keyed;  // (k, _id), stable-sorted

  explicit Workload(int n, size_t pad = 100) {
    std::mt19937 rng(42);
    const std::string filler(pad, 'x');
    for (int i = 0; i < n; ++i) {
      const int k = static_cast<int>(rng() % 50);
      Bson d;
      BSON_APPEND_INT32(d.get(), "_id", i);
      BSON_APPEND_INT32(d.get(), "k", k);
      BSON_APPEND_UTF8(d.get(), "pad", filler.c_str());
      docs.push_back(std::move(d));
      keyed.emplace_back(k, i);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<int> ExpectedIds(size_t limit = 0) const {
    std::vector<int> ids;
    for (const auto& [k, id] : keyed) {
      if (limit > 0 && ids.size() == limit) break;
      ids.push_back(id);
    }
    return ids;
  }
};

std::vector<int> Drain(Sorter* sorter) {
  std::vector<int> ids;
  Bson out;
  while (true) {
    auto more = sorter->Next(&out);
    REQUIRE(more.ok());
    if (!more.value()) break;
    ids.push_back(IdOf(out));
  }
  return ids;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path =
        std::filesystem::temp_directory_path() / ("basalt-sort-test-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(std::random_device()()));
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  size_t FileCount() const {
    if (!std::filesystem::exists(path)) return 0;
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path)) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("Sorter sorts in memory, stably", "[sort]") {
  Workload w(2000);
  Sorter sorter(Pattern(R"({k: 1})"), {});
  for (const Bson& d : w.docs) REQUIRE(sorter.Add(d.get()).ok());
  CHECK(Drain(&sorter) == w.ExpectedIds());
  CHECK(sorter.stats().spills == 0);
  CHECK(sorter.stats().total_data_size_sorted > 2000 * 100);
}

TEST_CASE("Sorter top-k keeps only k documents", "[sort]") {
  Workload w(5000);
  for (uint64_t k : {1, 7, 100}) {
    INFO("limit " << k);
    SorterOptions options;
    options.limit = k;
    Sorter sorter(Pattern(R"({k: 1})"), options);
    for (const Bson& d : w.docs) REQUIRE(sorter.Add(d.get()).ok());
    // Memory holds k documents, not 5000.
    CHECK(sorter.stats().peak_memory_bytes < (k + 1) * 400);
    CHECK(Drain(&sorter) == w.ExpectedIds(k));
  }
}

TEST_CASE("Sorter over the memory limit without allowDiskUse fails with 292", "[sort]") {
  Workload w(100);
  SorterOptions options;
  options.max_memory_bytes = 4000;
  Sorter sorter(Pattern(R"({k: 1})"), options);
  Status st;
  for (const Bson& d : w.docs) {
    st = sorter.Add(d.get());
    if (!st.ok()) break;
  }
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == 292);
  CHECK(st.codeName() == "QueryExceededMemoryLimitNoDiskUseAllowed");
  CHECK(st.reason() ==
        "Sort exceeded memory limit of 4000 bytes, but did not opt in to external sorting.");
  // The default limit is mongod's 100 MB.
  CHECK(SorterOptions{}.max_memory_bytes == 104857600);

  // With a limit small enough, top-k stays under it.
  options.limit = 5;
  Sorter top(Pattern(R"({k: 1})"), options);
  for (const Bson& d : w.docs) REQUIRE(top.Add(d.get()).ok());
  CHECK(Drain(&top) == w.ExpectedIds(5));
}

TEST_CASE("Sorter spills sorted runs with allowDiskUse and removes them", "[sort]") {
  Workload w(3000);
  TempDir dir;
  SorterOptions options;
  options.max_memory_bytes = 20000;
  options.allow_disk_use = true;
  options.temp_dir = dir.path.string();
  {
    Sorter sorter(Pattern(R"({k: 1})"), options);
    for (const Bson& d : w.docs) REQUIRE(sorter.Add(d.get()).ok());
    CHECK(sorter.stats().spills > 10);
    CHECK(sorter.stats().used_disk());
    CHECK(dir.FileCount() == sorter.stats().spills);
    CHECK(sorter.memory_bytes() <= options.max_memory_bytes);
    CHECK(Drain(&sorter) == w.ExpectedIds());
    CHECK(dir.FileCount() == 0);
  }
  {
    // Descending, and abandoned half way: the destructor removes the runs.
    Sorter sorter(Pattern(R"({k: -1, _id: 1})"), options);
    for (const Bson& d : w.docs) REQUIRE(sorter.Add(d.get()).ok());
    Bson out;
    REQUIRE(sorter.Next(&out).value());
    bson_iter_t it;
    REQUIRE(bson_iter_init_find(&it, out.get(), "k"));
    CHECK(bson_iter_int32(&it) == w.keyed.back().first);
    CHECK(dir.FileCount() > 0);
  }
  CHECK(dir.FileCount() == 0);
}

TEST_CASE("Sorter top-k with spilling", "[sort]") {
  Workload w(3000);
  TempDir dir;
  SorterOptions options;
  options.max_memory_bytes = 5000;
  options.allow_disk_use = true;
  options.temp_dir = dir.path.string();
  options.limit = 50;
  Sorter sorter(Pattern(R"({k: 1})"), options);
  for (const Bson& d : w.docs) REQUIRE(sorter.Add(d.get()).ok());
  CHECK(sorter.stats().spills > 0);
  CHECK(Drain(&sorter) == w.ExpectedIds(50));
}

TEST_CASE("SortedStream sorts another stream", "[sort]") {
  std::vector<Bson> docs;
  for (const char* d : {R"({_id: 1, a: 3})", R"({_id: 2, a: 1})", R"({_id: 3, a: 2})"}) {
    docs.push_back(Doc(d));
  }
  SortedStream stream(std::make_unique<VectorStream>(std::move(docs)), Pattern(R"({a: -1})"), {});
  std::vector<int> ids;
  Bson out;
  while (stream.Next(&out).value()) ids.push_back(IdOf(out));
  CHECK(ids == std::vector<int>{1, 3, 2});

  // A key error surfaces from Next.
  std::vector<Bson> bad;
  bad.push_back(Doc(R"({_id: 1, a: [1], b: [2]})"));
  SortedStream failing(std::make_unique<VectorStream>(std::move(bad)), Pattern(R"({a: 1, b: 1})"),
                       {});
  auto r = failing.Next(&out);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCodes::BadValue);
}
