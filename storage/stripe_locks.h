// The concurrency primitive behind unique checks: a fixed table of mutexes
// indexed by a hash of the keys a write checks (its record key and every
// unique index key it adds). A writer locks the stripes of all its keys, in
// ascending stripe order so that two writers can never wait on each other,
// and holds them across "check absent" and "write": two writers of one key
// are thereby serialized, and the second sees the first's committed entry.
// Distinct keys sharing a stripe only cost a little waiting.
//
// Locking: each stripe is an independent std::mutex. StripeGuard holds a set
// of them from construction to destruction. Thread-safe.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace basalt::storage {

class StripeLocks {
 public:
  static constexpr size_t kStripes = 1024;

  static size_t StripeOf(std::string_view key) {
    return std::hash<std::string_view>{}(key) % kStripes;
  }

  std::mutex& stripe(size_t i) { return mutexes_[i]; }

 private:
  std::array<std::mutex, kStripes> mutexes_;
};

// Locks the stripes of a set of keys (deduplicated, ascending) until destroyed.
class StripeGuard {
 public:
  StripeGuard(StripeLocks* locks, std::vector<size_t> stripes)
      : locks_(locks), stripes_(std::move(stripes)) {
    std::sort(stripes_.begin(), stripes_.end());
    stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
    for (size_t s : stripes_) locks_->stripe(s).lock();
  }
  ~StripeGuard() {
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) locks_->stripe(*it).unlock();
  }
  StripeGuard(const StripeGuard&) = delete;
  StripeGuard& operator=(const StripeGuard&) = delete;

 private:
  StripeLocks* locks_;
  std::vector<size_t> stripes_;
};

}  // namespace basalt::storage
