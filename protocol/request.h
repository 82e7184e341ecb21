// Turning the bytes of one client message into a Request, the way mongod
// does (src/mongo/rpc/op_msg.cpp, legacy_request.cpp, metadata.cpp,
// src/mongo/db/dbmessage.cpp, service_entry_point_*.cpp, session_workflow.cpp).
//
// Use:
//   auto header = ParseHeader(sixteen_bytes);        // error: log, close
//   std::vector<uint8_t> body = ReadExactly(header.value().message_length - kHeaderSize);
//   DecodeResult decoded = DecodeRequest(header.value(), std::move(body));
//   if (!decoded.ok()) {
//     DecodeError& e = decoded.error();
//     switch (e.action) {
//       case DecodeAction::kReplyError:
//         Write(EncodeReply(e.reply, NextRequestId(), e.reply_body.get())); break;
//       case DecodeAction::kNoReply: Log(e.status); break;
//       case DecodeAction::kCloseConnection: Log(e.status); Close(); break;
//     }
//   } else {
//     Request& request = decoded.value();   // dispatch request.body() ...
//     if (!request.more_to_come())
//       Write(EncodeReply(request.reply_context(), NextRequestId(), reply.get()));
//   }
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "protocol/compression.h"
#include "protocol/encode.h"
#include "protocol/message.h"

namespace basalt::protocol {

// An OP_MSG kind-1 section: an identifier (e.g. "documents") and its documents.
struct DocumentSequence {
  std::string_view identifier;
  std::vector<DocView> documents;
};

// The fields of an OP_QUERY as the client sent them.
struct LegacyQuery {
  int32_t flags = 0;
  std::string_view full_collection_name;
  int32_t number_to_skip = 0;
  int32_t number_to_return = 0;
  DocView query;
  std::optional<DocView> return_fields_selector;
};

// One decoded command request. It owns the message bytes and every view it
// hands out points into them; its state lives on the heap, so moving a Request
// keeps those views (and the bson_t of body()) valid. Move-only.
//
// For OP_QUERY, body() is the command mongod derives from the query
// (metadata.cpp upconvertRequest): the query without $queryOptions, a legacy
// read preference appended, and `$db` from the namespace; legacy_query()
// keeps what was sent.
class Request {
 public:
  Request(Request&&) noexcept;
  Request& operator=(Request&&) noexcept;
  ~Request();

  // kMsg or kQuery; an OP_COMPRESSED request reports its inner opcode.
  OpCode op_code() const;
  int32_t request_id() const;
  // The compressor when the request arrived in OP_COMPRESSED.
  std::optional<CompressorId> compressor() const;

  // OP_MSG flag bits (0 for OP_QUERY, as mongod's OpMsg::flags reports).
  uint32_t flags() const;
  bool checksum_present() const { return (flags() & kChecksumPresent) != 0; }
  // The client wants no reply (fire-and-forget).
  bool more_to_come() const { return (flags() & kMoreToCome) != 0; }
  bool exhaust_allowed() const { return (flags() & kExhaustAllowed) != 0; }

  // The command document (read-only, valid while the Request lives); its
  // first field names the command.
  const bson_t* body() const;
  std::string_view command_name() const;
  const std::vector<DocumentSequence>& sequences() const;
  const DocumentSequence* FindSequence(std::string_view identifier) const;
  // Set for OP_QUERY only.
  const LegacyQuery* legacy_query() const;

  // How to frame the reply to this request.
  const ReplyContext& reply_context() const;

 private:
  friend class RequestParser;
  struct State;
  explicit Request(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

// What the session does with a message that did not become a Request.
enum class DecodeAction {
  // Send EncodeReply(reply, id, reply_body); keep reading.
  kReplyError,
  // Send nothing, keep the connection (mongod: unknown opcodes, nested
  // OP_COMPRESSED, and errors in a moreToCome OP_MSG). Log `status`.
  kNoReply,
  // Log `status` and close the connection.
  kCloseConnection,
};

// Why a message did not become a Request, and what to do about it.
struct DecodeError {
  DecodeAction action = DecodeAction::kCloseConnection;
  Status status;       // The error (the reply's errmsg/code, or the log line).
  ReplyContext reply;  // kReplyError only.
  Bson reply_body;     // kReplyError only.
};

// Either a Request or a DecodeError; value() and error() require the matching
// ok(), as StatusWith::value() does.
class DecodeResult {
 public:
  DecodeResult(Request request) : value_(std::move(request)) {}
  DecodeResult(DecodeError error) : value_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<Request>(value_); }
  Request& value() { return std::get<Request>(value_); }
  DecodeError& error() { return std::get<DecodeError>(value_); }
  const DecodeError& error() const { return std::get<DecodeError>(value_); }

 private:
  std::variant<Request, DecodeError> value_;
};

struct DecodeOptions {
  // Compressors the server accepts in OP_COMPRESSED (net.compression.compressors).
  std::span<const CompressorId> compressors = DefaultCompressors();
};

// Decodes one message. `body` is the message_length - kHeaderSize bytes that
// followed `header` (as ParseHeader returned it). Never crashes on any input,
// never reads outside `body`, and never allocates more than
// kMaxMessageSizeBytes (see DecompressMessage for compressed bodies).
DecodeResult DecodeRequest(const MsgHeader& header, std::vector<uint8_t> body,
                           const DecodeOptions& options = {});

// ParseHeader + DecodeRequest over a complete frame; a frame whose length
// disagrees with its header closes the connection.
DecodeResult DecodeFrame(std::span<const uint8_t> frame, const DecodeOptions& options = {});

}  // namespace basalt::protocol
