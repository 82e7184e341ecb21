#include "base/interrupt.h"

#include <catch2/catch.hpp>

using namespace basalt;

TEST_CASE("CheckForInterrupt follows the kill flag of the innermost scope") {
  CHECK(CheckForInterrupt().ok());  // no operation on this thread
  std::atomic<bool> outer{false};
  {
    InterruptScope outer_scope(&outer);
    CHECK(CheckForInterrupt().ok());
    outer.store(true);
    Status killed = CheckForInterrupt();
    CHECK(killed.code() == 11601);
    CHECK(killed.codeName() == "Interrupted");
    CHECK(killed.reason() == "operation was interrupted");
    std::atomic<bool> inner{false};
    {
      InterruptScope inner_scope(&inner);
      CHECK(CheckForInterrupt().ok());  // a nested operation has its own flag
    }
    CHECK_FALSE(CheckForInterrupt().ok());
  }
  CHECK(CheckForInterrupt().ok());
}
