// Wire frames: any bytes as a complete message (header, OP_MSG sections,
// OP_QUERY, OP_COMPRESSED with every compressor) must decode or be refused,
// never crash, read out of bounds or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  basalt::protocol::DecodeFrame(std::span<const uint8_t>(data, size));
  return 0;
}
