// Sliding windows against a brute-force reference: random partitions and
// values, several documents windows, each document's window recomputed
// from scratch in the test and compared with what the incremental states
// ($sum, $min, $max, $count, $push) give.

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "tests/unit/query/pipeline_test_util.h"

using namespace basalt;
using namespace basalt::test;

namespace {

struct Sample {
  int id, group, t, x;
};

std::string Reference(const std::vector<Sample>& rows, int lower, int upper) {
  // Sorted as the stage sorts: by group, then t (unique within the data).
  std::vector<Sample> sorted = rows;
  std::sort(sorted.begin(), sorted.end(), [](const Sample& a, const Sample& b) {
    return a.group != b.group ? a.group < b.group : a.t < b.t;
  });
  std::string out = "[";
  for (size_t i = 0; i < sorted.size(); ++i) {
    int64_t sum = 0, count = 0;
    int min = 0, max = 0;
    std::string push = "[";
    for (int64_t j = static_cast<int64_t>(i) + lower; j <= static_cast<int64_t>(i) + upper; ++j) {
      if (j < 0 || j >= static_cast<int64_t>(sorted.size())) continue;
      if (sorted[j].group != sorted[i].group) continue;
      const int x = sorted[j].x;
      min = count == 0 ? x : std::min(min, x);
      max = count == 0 ? x : std::max(max, x);
      sum += x;
      push += (count++ == 0 ? "" : ", ") + std::to_string(x);
    }
    push += "]";
    const std::string none = "null";
    out += (i == 0 ? "" : ", ") + std::string("{_id: ") + std::to_string(sorted[i].id) +
           ", s: " + std::to_string(sum) + ", lo: " + (count ? std::to_string(min) : none) +
           ", hi: " + (count ? std::to_string(max) : none) + ", n: " + std::to_string(count) +
           ", p: " + push + "}";
  }
  return out + "]";
}

}  // namespace

TEST_CASE("$setWindowFields sliding windows match a brute-force reference", "[aggregate][window]") {
  std::mt19937 random(20261124);
  std::vector<Sample> rows;
  std::vector<std::string> input;
  for (int i = 0; i < 300; ++i) {
    Sample row{i, static_cast<int>(random() % 4), static_cast<int>(random() % 1000000) * 300 + i,
            static_cast<int>(random() % 200) - 100};
    rows.push_back(row);
    input.push_back("{_id: " + std::to_string(row.id) + ", g: " + std::to_string(row.group) +
                    ", t: " + std::to_string(row.t) + ", x: " + std::to_string(row.x) + "}");
  }
  for (auto [lower, upper] :
       std::vector<std::pair<int, int>>{{-3, 2}, {0, 5}, {-7, -1}, {2, 9}, {-40, 40}, {0, 0}}) {
    const std::string window =
        "window: {documents: [" + std::to_string(lower) + ", " + std::to_string(upper) + "]}";
    const std::string pipeline =
        "[{$setWindowFields: {partitionBy: \"$g\", sortBy: {t: 1}, output: {"
        "s: {$sum: \"$x\", " +
        window + "}, lo: {$min: \"$x\", " + window + "}, hi: {$max: \"$x\", " + window +
        "}, n: {$count: {}, " + window + "}, p: {$push: \"$x\", " + window +
        "}}}}, {$project: {s: 1, lo: 1, hi: 1, n: 1, p: 1}}]";
    INFO("window [" << lower << ", " << upper << "]");
    CheckRows({{input, pipeline, Reference(rows, lower, upper)}});
  }
}
