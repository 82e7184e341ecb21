// OP_COMPRESSED bodies (original opcode, uncompressed size, compressor id,
// compressed bytes), with every compressor enabled. Decompression must fail
// cleanly on lies about sizes and on corrupt streams.
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/compression.h"
#include "protocol/message.h"

using namespace basalt::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const CompressorId kAll[] = {CompressorId::kNoop, CompressorId::kSnappy,
                                      CompressorId::kZlib, CompressorId::kZstd};
  MsgHeader header;
  header.message_length = static_cast<int32_t>(size + kHeaderSize);
  header.request_id = 1;
  header.response_to = 0;
  header.op_code = static_cast<int32_t>(OpCode::kCompressed);
  DecompressMessage(header, std::span<const uint8_t>(data, size), kAll);
  return 0;
}
