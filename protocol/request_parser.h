// Internal to protocol/: the per-opcode parsers behind DecodeRequest, and the
// helpers that build DecodeErrors. Not for use outside this directory.
#pragma once

#include <optional>
#include <vector>

#include "protocol/request.h"

namespace basalt::protocol {

// A Request's contents. It stays at one heap address for the Request's life,
// which keeps `body` (a bson_init_static view, whose struct points into
// itself) and every DocView valid when the Request moves.
struct Request::State {
  MsgHeader header;
  std::vector<uint8_t> bytes;        // The message body, decompressed.
  std::vector<uint8_t> upconverted;  // OP_QUERY: the derived command document.
  std::optional<CompressorId> compressor;
  uint32_t flags = 0;
  bson_t body;
  std::vector<DocumentSequence> sequences;
  std::optional<LegacyQuery> legacy;
  ReplyContext reply;
};

class RequestParser {
 public:
  // `header` is the message's header (rebuilt from OP_COMPRESSED when the
  // message was compressed); `bytes` the body after it.
  static DecodeResult ParseOpMsg(const MsgHeader& header, std::vector<uint8_t> bytes,
                                 std::optional<CompressorId> compressor);
  static DecodeResult ParseOpQuery(const MsgHeader& header, std::vector<uint8_t> bytes,
                                   std::optional<CompressorId> compressor);

 private:
  static Request Make(std::unique_ptr<Request::State> state) { return Request(std::move(state)); }
};

DecodeError CloseConnection(Status status);
DecodeError NoReply(Status status);
// An error reply with mongod's {ok: 0, errmsg, code, codeName} body.
DecodeError ReplyWithError(Status status, const ReplyContext& context);

// mongod's answer to OP_QUERY outside $cmd and to OP_GET_MORE: an OP_REPLY
// {$err: "<what>. The client driver may require an upgrade...", code: 5739101,
// ok: 0.0} (dbmessage.cpp makeErrorResponseToUnsupportedOpQuery).
DecodeError LegacyUnsupported(std::string_view what, const ReplyContext& context);

// mongod's message for a read past the end of a buffer (BufReader, DataType).
Status ShortReadStatus(size_t wanted, size_t available);

}  // namespace basalt::protocol
