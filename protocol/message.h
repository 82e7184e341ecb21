// The wire message header, opcodes and size limits, as mongod defines them
// (src/mongo/rpc/message.h, src/mongo/transport/asio/asio_session_impl.cpp).
//
// Every message starts with a 16-byte little-endian header. The session reads
// those 16 bytes, calls ParseHeader, then reads exactly
// `message_length - kHeaderSize` more bytes and hands them to DecodeRequest
// (request.h). ParseHeader rejects any length mongod would reject, so the
// caller never allocates a body larger than kMaxMessageSizeBytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/status.h"

namespace basalt::protocol {

inline constexpr int32_t kHeaderSize = 16;
// mongod's MaxMessageSizeBytes: the largest message it reads or writes.
inline constexpr int32_t kMaxMessageSizeBytes = 48'000'000;
// BSONObjMaxUserSize: the largest document a user may store.
inline constexpr int32_t kMaxBsonObjectSize = 16 * 1024 * 1024;
// BSONObjMaxInternalSize: command bodies may exceed the user limit by 16 KiB of
// command overhead; anything larger in a request is rejected with 10334.
inline constexpr int32_t kMaxBsonInternalSize = kMaxBsonObjectSize + 16 * 1024;
inline constexpr int32_t kMaxWriteBatchSize = 100'000;

// The opcodes mongod knows. A header may carry any int32; unknown values are
// legal input (DecodeRequest answers them the way mongod does).
enum class OpCode : int32_t {
  kReply = 1,
  kUpdate = 2001,
  kInsert = 2002,
  kQuery = 2004,
  kGetMore = 2005,
  kDelete = 2006,
  kKillCursors = 2007,
  kCompressed = 2012,
  kMsg = 2013,
};

// OP_MSG flag bits. Bits 0-15 are "required": a receiver must reject a message
// with a required bit it does not know (IllegalOpMsgFlag); 16-31 are optional.
inline constexpr uint32_t kChecksumPresent = 1u << 0;
inline constexpr uint32_t kMoreToCome = 1u << 1;
inline constexpr uint32_t kExhaustAllowed = 1u << 16;

// OP_REPLY responseFlags.
inline constexpr int32_t kResultFlagCursorNotFound = 1;
inline constexpr int32_t kResultFlagErrSet = 2;
inline constexpr int32_t kResultFlagShardConfigStale = 4;
inline constexpr int32_t kResultFlagAwaitCapable = 8;

// OP_QUERY flags mongod looks at.
inline constexpr int32_t kQueryFlagSecondaryOk = 1 << 2;
inline constexpr int32_t kQueryFlagExhaust = 1 << 6;

// The header fields, in wire order. `op_code` stays an int32 because clients
// may send values outside OpCode.
struct MsgHeader {
  int32_t message_length = 0;
  int32_t request_id = 0;
  int32_t response_to = 0;
  int32_t op_code = 0;
};

// Parses the first kHeaderSize bytes of a message. Fails with ProtocolError
// (mongod's message) when message_length is outside [kHeaderSize,
// kMaxMessageSizeBytes]; the caller then logs the status and closes the
// connection. When the bytes start with "GET " the status says so and the
// caller should first write HttpGetResponse(), as mongod does.
StatusWith<MsgHeader> ParseHeader(const uint8_t* header_bytes);

// True when a client spoke HTTP to the wire-protocol port.
bool IsHttpGet(const uint8_t* header_bytes);
// The HTTP/1.0 answer mongod writes before closing such a connection.
std::string_view HttpGetResponse();

// Writes `header` in wire order into `out[0..16)`.
void WriteHeader(const MsgHeader& header, uint8_t* out);

// Little-endian helpers shared by the encoders and decoders.
inline int32_t LoadInt32(const uint8_t* p) {
  uint32_t v = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
               static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  return static_cast<int32_t>(v);
}
inline uint32_t LoadUint32(const uint8_t* p) { return static_cast<uint32_t>(LoadInt32(p)); }
inline int64_t LoadInt64(const uint8_t* p) {
  return static_cast<int64_t>(static_cast<uint64_t>(LoadUint32(p)) |
                              static_cast<uint64_t>(LoadUint32(p + 4)) << 32);
}
inline void StoreInt32(uint8_t* p, int32_t value) {
  uint32_t v = static_cast<uint32_t>(value);
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
inline void StoreInt64(uint8_t* p, int64_t value) {
  StoreInt32(p, static_cast<int32_t>(static_cast<uint64_t>(value)));
  StoreInt32(p + 4, static_cast<int32_t>(static_cast<uint64_t>(value) >> 32));
}

}  // namespace basalt::protocol
