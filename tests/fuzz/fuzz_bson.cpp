// BSON validation: whatever ReadDocument accepts must be safe to walk with
// libbson (every element, nested to any accepted depth) and to print.
#include <cstddef>
#include <cstdint>

#include "base/bson_shell.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  basalt::protocol::ValidateBson(data, size);
  auto doc = basalt::fuzz::DocumentOf(data, size);
  if (!doc) return 0;
  // Cross-check: libbson must agree the document is valid.
  if (!bson_validate(doc->get(), BSON_VALIDATE_NONE, nullptr)) __builtin_trap();
  basalt::ShellString(doc->get());
  return 0;
}
