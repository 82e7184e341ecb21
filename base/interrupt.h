// Interruption of the operation running on this thread (killOp). The command
// layer installs the operation's kill flag for the duration of a command; long
// loops in lower layers poll it where they poll the maxTimeMS deadline, without
// knowing which operation they serve.
#pragma once

#include <atomic>

#include "base/status.h"

namespace basalt {

// Makes `killed` this thread's kill flag until destroyed; nests (restores the previous flag).
class InterruptScope {
 public:
  explicit InterruptScope(const std::atomic<bool>* killed);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  const std::atomic<bool>* previous_;
};

// OK, or 11601 Interrupted "operation was interrupted" once the current operation is killed.
Status CheckForInterrupt();

}  // namespace basalt
