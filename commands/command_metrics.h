// Per-command latency histograms for the Prometheus endpoint, with fixed
// bucket bounds so that recording is a lookup and a few atomic adds.
// Command names come from the registry, so the set is bounded. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace basalt::commands {

class CommandLatencies {
 public:
  // Upper bounds (seconds) of the cumulative buckets; +Inf is implied.
  static constexpr std::array<double, 12> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

  struct Histogram {
    std::array<int64_t, kBounds.size()> cumulative{};  // count of samples <= kBounds[i]
    int64_t count = 0;
    double sum_seconds = 0;
  };

  void Record(const std::string& command, std::chrono::nanoseconds duration);
  // Every command seen so far with its histogram, sorted by name.
  std::vector<std::pair<std::string, Histogram>> Snapshot() const;

 private:
  struct Counters {
    std::array<std::atomic<int64_t>, kBounds.size()> buckets{};  // not cumulative
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> sum_nanos{0};
  };
  Counters& For(const std::string& command);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Counters>> by_command_;  // guarded by mutex_
};

}  // namespace basalt::commands
