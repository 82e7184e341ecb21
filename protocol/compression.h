// OP_COMPRESSED: compressor ids and names, wrapping a message, unwrapping one,
// and the per-connection `compression` negotiation of hello/isMaster, all as
// mongod does them (src/mongo/transport/message_compressor_*.cpp).
//
// OP_COMPRESSED body: int32 originalOpcode, int32 uncompressedSize (the inner
// message without its header), uint8 compressorId, compressed bytes. The inner
// message reuses the outer header's requestID and responseTo.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "protocol/message.h"

namespace basalt::protocol {

enum class CompressorId : uint8_t {
  kNoop = 0,
  kSnappy = 1,
  kZlib = 2,
  kZstd = 3,
};

// "noop", "snappy", "zlib", "zstd".
std::string_view CompressorName(CompressorId id);
std::optional<CompressorId> CompressorByName(std::string_view name);

// mongod's default net.compression.compressors: "snappy,zstd,zlib". The noop
// compressor is available only when configured, as in mongod.
const std::vector<CompressorId>& DefaultCompressors();

// Parses a net.compression.compressors value: "disabled" or a list split on
// ',' and ' ' (empty pieces included, as mongod's boost::split makes them).
// BadValue "Invalid network message compressor specified in configuration: X".
StatusWith<std::vector<CompressorId>> ParseCompressorList(std::string_view config);

// Wraps a complete encoded message (header included) in OP_COMPRESSED with
// compressor `id`. Like mongod, returns `message` unchanged when the
// compressed frame could exceed kMaxMessageSizeBytes.
std::vector<uint8_t> CompressMessage(std::vector<uint8_t> message, CompressorId id);

// The message inside an OP_COMPRESSED frame.
struct DecompressedMessage {
  MsgHeader header;           // Outer ids, original opcode, length 16 + body size.
  std::vector<uint8_t> body;  // Exactly uncompressedSize bytes.
  CompressorId compressor = CompressorId::kNoop;
};

// Unwraps an OP_COMPRESSED body. Every failure is one mongod answers by
// closing the connection (BadValue, or InternalError for a compressor that is
// not in `enabled`). Never allocates more than kMaxMessageSizeBytes, and for
// snappy and zlib never more than the compressed bytes can actually produce.
StatusWith<DecompressedMessage> DecompressMessage(const MsgHeader& header,
                                                  std::span<const uint8_t> body,
                                                  std::span<const CompressorId> enabled);

// mongod's serverNegotiate for a hello that carries `compression`: the
// offered names, in the client's order, that are in `enabled`; unknown names
// are skipped and duplicates kept. Empty means the reply omits the field.
std::vector<CompressorId> NegotiateCompressors(std::span<const std::string_view> offered,
                                               std::span<const CompressorId> enabled);

// The `compression` field of hello/isMaster for one connection, kept as
// mongod's MessageCompressorManager::serverNegotiate keeps it: the client's
// names, in the client's order, that the server has enabled (unknown names
// skipped, duplicates kept). A hello without the field reports the last
// result; an empty or fully unknown list negotiates nothing. Not thread-safe:
// one per connection.
class CompressionNegotiator {
 public:
  explicit CompressionNegotiator(std::vector<CompressorId> enabled = DefaultCompressors());

  // `offered` is the hello's `compression` array, or nullopt when the field is
  // absent. Returns the names for the reply's `compression` array; an empty
  // result means the reply leaves the field out.
  std::vector<std::string> Negotiate(const std::optional<std::vector<std::string_view>>& offered);

  const std::vector<CompressorId>& negotiated() const { return negotiated_; }

 private:
  std::vector<CompressorId> enabled_;
  std::vector<CompressorId> negotiated_;
};

}  // namespace basalt::protocol
