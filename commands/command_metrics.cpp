#include "commands/command_metrics.h"

#include <algorithm>

namespace basalt::commands {

CommandLatencies::Counters& CommandLatencies::For(const std::string& command) {
  std::lock_guard lock(mutex_);
  auto& slot = by_command_[command];
  if (!slot) slot = std::make_unique<Counters>();
  return *slot;  // never freed while the registry lives, so usable outside the lock
}

void CommandLatencies::Record(const std::string& command, std::chrono::nanoseconds duration) {
  Counters& counters = For(command);
  double seconds = std::chrono::duration<double>(duration).count();
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      counters.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  counters.count.fetch_add(1, std::memory_order_relaxed);
  counters.sum_nanos.fetch_add(duration.count(), std::memory_order_relaxed);
}

std::vector<std::pair<std::string, CommandLatencies::Histogram>> CommandLatencies::Snapshot()
    const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, Histogram>> out;
  for (const auto& [name, counters] : by_command_) {
    Histogram h;
    int64_t running = 0;
    for (size_t i = 0; i < kBounds.size(); ++i) {
      running += counters->buckets[i].load(std::memory_order_relaxed);
      h.cumulative[i] = running;
    }
    // Read after the buckets, so count >= every bucket even while samples arrive.
    h.count = std::max(running, counters->count.load(std::memory_order_relaxed));
    h.sum_seconds = static_cast<double>(counters->sum_nanos.load(std::memory_order_relaxed)) / 1e9;
    out.emplace_back(name, h);
  }
  return out;
}

}  // namespace basalt::commands
