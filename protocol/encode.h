// Encoders: whole messages as byte vectors, ready to write to a socket.
//
// The server uses EncodeReply with the ReplyContext a decoded Request (or a
// DecodeError) hands it; the lower-level encoders are there for tests, the
// load generator, and anything that speaks to a mongod as a client.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "protocol/compression.h"
#include "protocol/message.h"

namespace basalt::protocol {

// A BSON document by address and size, not owned: inside a Request's bytes
// (valid while the Request lives), or over a bson_t the caller keeps alive.
class DocView {
 public:
  DocView() = default;
  DocView(const uint8_t* data, uint32_t size) : data_(data), size_(size) {}
  explicit DocView(const bson_t* doc) : data_(bson_get_data(doc)), size_(doc->len) {}

  const uint8_t* data() const { return data_; }
  uint32_t size() const { return size_; }
  // A read-only bson_t over the bytes: `BsonView b = view.bson(); use(b.get());`.
  BsonView bson() const { return BsonView(data_, size_); }

 private:
  const uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
};

enum class ReplyFormat {
  kOpMsg,    // Reply to OP_MSG.
  kOpReply,  // Reply to OP_QUERY (and mongod's answer to OP_GET_MORE).
};

// Everything about a reply's framing that comes from the request it answers.
struct ReplyContext {
  ReplyFormat format = ReplyFormat::kOpMsg;
  int32_t response_to = 0;  // The request's requestID.
  // OP_MSG: append a CRC-32C. mongod does so when the request carried one and
  // the connection is not TLS (session_workflow.cpp); Basalt has no TLS.
  bool checksum = false;
  // OP_REPLY responseFlags: AwaitCapable for command replies, ErrSet for the
  // "no longer supported" answers to legacy opcodes.
  int32_t op_reply_flags = kResultFlagAwaitCapable;
  // Set when the request arrived in OP_COMPRESSED: mongod answers with the
  // same compressor.
  std::optional<CompressorId> compressor;
};

// Frames `body` as the reply `context` describes (then compresses it, if the
// request was compressed). `request_id` is the server's id for this message.
std::vector<uint8_t> EncodeReply(const ReplyContext& context, int32_t request_id,
                                 const bson_t* body);

// mongod's error reply body: {ok: 0.0, errmsg, code, codeName} followed by the
// status's extra fields.
Bson ErrorReplyBody(const Status& status);

// A kind-1 section to encode.
struct OutgoingSequence {
  std::string identifier;
  std::vector<DocView> documents;
};

// OP_MSG with `flags`; kind-1 sections first, then the kind-0 body, as
// mongod's OpMsgBuilder orders them. A CRC-32C is appended when `flags` has
// kChecksumPresent.
std::vector<uint8_t> EncodeOpMsg(int32_t request_id, int32_t response_to, const bson_t* body,
                                 uint32_t flags = 0,
                                 std::span<const OutgoingSequence> sequences = {});

// OP_REPLY carrying one document: cursorID 0, startingFrom 0, numberReturned 1.
std::vector<uint8_t> EncodeOpReply(int32_t request_id, int32_t response_to, int32_t response_flags,
                                   const bson_t* body);

// OP_QUERY, as a driver sends its first hello/isMaster.
std::vector<uint8_t> EncodeOpQuery(int32_t request_id, int32_t flags,
                                   std::string_view full_collection_name, int32_t number_to_skip,
                                   int32_t number_to_return, const bson_t* query,
                                   const bson_t* return_fields_selector = nullptr);

}  // namespace basalt::protocol
