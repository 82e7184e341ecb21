#include "commands/service_context.h"

#include <unistd.h>

namespace basalt::commands {

void RecentLog::Add(std::string line) {
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(line));
  if (lines_.size() > kMaxLines) lines_.pop_front();
  ++total_;
}

std::vector<std::string> RecentLog::Lines() const {
  std::lock_guard lock(mutex_);
  return {lines_.begin(), lines_.end()};
}

int64_t RecentLog::TotalLinesWritten() const {
  std::lock_guard lock(mutex_);
  return total_;
}

ServiceContext::ServiceContext()
    : start_time(std::chrono::system_clock::now()),
      start_steady(std::chrono::steady_clock::now()),
      pid(::getpid()) {
  bson_oid_init(&process_id, nullptr);
}

}  // namespace basalt::commands
