#include "base/interrupt.h"

namespace basalt {
namespace {

thread_local const std::atomic<bool>* current_kill_flag = nullptr;

}  // namespace

InterruptScope::InterruptScope(const std::atomic<bool>* killed) : previous_(current_kill_flag) {
  current_kill_flag = killed;
}

InterruptScope::~InterruptScope() { current_kill_flag = previous_; }

Status CheckForInterrupt() {
  if (current_kill_flag && current_kill_flag->load(std::memory_order_relaxed)) {
    return Status(ErrorCodes::Interrupted, "operation was interrupted");
  }
  return Status::OK();
}

}  // namespace basalt
