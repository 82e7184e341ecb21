// DecodeRequest: the opcode dispatch of mongod's session workflow and
// service entry point (session_workflow.cpp decompressRequest,
// service_entry_point_common.cpp / service_entry_point_shard_role.cpp
// makeOpRunner / runOperation).
#include <string>

#include "protocol/request_parser.h"

namespace basalt::protocol {
namespace {

constexpr int kUnsupportedLegacyOpCode = 5739101;

DecodeResult Decode(const MsgHeader& header, std::vector<uint8_t> body,
                    const DecodeOptions& options, std::optional<CompressorId> compressor) {
  if (body.size() + kHeaderSize != static_cast<size_t>(header.message_length)) {
    return CloseConnection(
        Status(ErrorCodes::ProtocolError, "message body is " + std::to_string(body.size()) +
                                              " bytes but the header announces " +
                                              std::to_string(header.message_length - kHeaderSize)));
  }
  ReplyContext legacy_reply;
  legacy_reply.format = ReplyFormat::kOpReply;
  legacy_reply.response_to = header.request_id;
  legacy_reply.op_reply_flags = kResultFlagErrSet;
  legacy_reply.compressor = compressor;

  switch (static_cast<OpCode>(header.op_code)) {
    case OpCode::kMsg:
      return RequestParser::ParseOpMsg(header, std::move(body), compressor);
    case OpCode::kQuery:
      return RequestParser::ParseOpQuery(header, std::move(body), compressor);
    case OpCode::kCompressed: {
      // A compressed message inside a compressed message reaches mongod's
      // handler as an unknown operation: logged, not answered.
      if (compressor) break;
      auto inner = DecompressMessage(header, body, options.compressors);
      if (!inner.ok()) return CloseConnection(inner.status());
      DecompressedMessage& message = inner.value();
      return Decode(message.header, std::move(message.body), options, message.compressor);
    }
    case OpCode::kGetMore:
      return LegacyUnsupported("OP_GET_MORE is no longer supported", legacy_reply);
    // The removed write opcodes have no reply; mongod fails the operation,
    // which ends the session.
    case OpCode::kKillCursors:
      return CloseConnection(Status(5745703, "OP_KILL_CURSORS is no longer supported"));
    case OpCode::kInsert:
      return CloseConnection(Status(5745702, "OP_INSERT is no longer supported"));
    case OpCode::kUpdate:
      return CloseConnection(Status(5745701, "OP_UPDATE is no longer supported"));
    case OpCode::kDelete:
      return CloseConnection(Status(5745700, "OP_DELETE is no longer supported"));
    case OpCode::kReply:
      break;
  }
  return NoReply(Status(ErrorCodes::ProtocolError,
                        "Operation is not supported: " + std::to_string(header.op_code)));
}

}  // namespace

DecodeError CloseConnection(Status status) {
  DecodeError error;
  error.action = DecodeAction::kCloseConnection;
  error.status = std::move(status);
  return error;
}

DecodeError NoReply(Status status) {
  DecodeError error;
  error.action = DecodeAction::kNoReply;
  error.status = std::move(status);
  return error;
}

DecodeError ReplyWithError(Status status, const ReplyContext& context) {
  DecodeError error;
  error.action = DecodeAction::kReplyError;
  error.reply_body = ErrorReplyBody(status);
  error.status = std::move(status);
  error.reply = context;
  return error;
}

DecodeError LegacyUnsupported(std::string_view what, const ReplyContext& context) {
  const std::string message = std::string(what) +
                              ". The client driver may require an upgrade. For more details see "
                              "https://dochub.mongodb.org/core/legacy-opcode-removal";
  DecodeError error;
  error.action = DecodeAction::kReplyError;
  error.status = Status(kUnsupportedLegacyOpCode, message);
  error.reply = context;
  AppendUtf8(error.reply_body.get(), "$err", message);
  bson_append_int32(error.reply_body.get(), "code", 4, kUnsupportedLegacyOpCode);
  bson_append_double(error.reply_body.get(), "ok", 2, 0.0);
  return error;
}

Request::Request(std::unique_ptr<State> state) : state_(std::move(state)) {}
Request::Request(Request&&) noexcept = default;
Request& Request::operator=(Request&&) noexcept = default;
Request::~Request() = default;

OpCode Request::op_code() const { return static_cast<OpCode>(state_->header.op_code); }
int32_t Request::request_id() const { return state_->header.request_id; }
std::optional<CompressorId> Request::compressor() const { return state_->compressor; }
uint32_t Request::flags() const { return state_->flags; }
const bson_t* Request::body() const { return &state_->body; }
const std::vector<DocumentSequence>& Request::sequences() const { return state_->sequences; }
const ReplyContext& Request::reply_context() const { return state_->reply; }

const LegacyQuery* Request::legacy_query() const {
  return state_->legacy ? &*state_->legacy : nullptr;
}

std::string_view Request::command_name() const {
  bson_iter_t it;
  if (!bson_iter_init(&it, &state_->body) || !bson_iter_next(&it)) return {};
  return KeyOf(&it);
}

const DocumentSequence* Request::FindSequence(std::string_view identifier) const {
  for (const DocumentSequence& sequence : state_->sequences) {
    if (sequence.identifier == identifier) return &sequence;
  }
  return nullptr;
}

DecodeResult DecodeRequest(const MsgHeader& header, std::vector<uint8_t> body,
                           const DecodeOptions& options) {
  return Decode(header, std::move(body), options, std::nullopt);
}

DecodeResult DecodeFrame(std::span<const uint8_t> frame, const DecodeOptions& options) {
  if (frame.size() < static_cast<size_t>(kHeaderSize)) {
    return CloseConnection(Status(ErrorCodes::ProtocolError, "frame shorter than a header"));
  }
  auto header = ParseHeader(frame.data());
  if (!header.ok()) return CloseConnection(header.status());
  std::vector<uint8_t> body(frame.begin() + kHeaderSize, frame.end());
  return DecodeRequest(header.value(), std::move(body), options);
}

}  // namespace basalt::protocol
