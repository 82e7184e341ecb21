// OP_MSG parsing, in the order mongod's OpMsg::parse (src/mongo/rpc/op_msg.cpp)
// checks things, with its codes and messages. Which errors reply and which
// close the connection follows service_entry_point's receivedCommands: the
// ConnectionFatalMessageParseError codes (IllegalOpMsgFlag,
// TooManyDocumentSequences, ChecksumMismatch) close, the rest reply unless the
// client set moreToCome.
#include <bitset>
#include <cstring>
#include <string>

#include "base/escape.h"
#include "protocol/bson_check.h"
#include "protocol/crc32c.h"
#include "protocol/request_parser.h"

namespace basalt::protocol {
namespace {

constexpr uint32_t kKnownFlags = kChecksumPresent | kMoreToCome;
constexpr uint32_t kRequiredFlagMask = 0xFFFF;
constexpr size_t kCrcSize = 4;

// mongod's extractElementAtPathOrArrayAlongPath(body, path) is not EOO: the
// dotted path names a field, or walks into an array on the way.
bool PathOrArrayAlongPathExists(const bson_t* doc, std::string_view path) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return false;
  while (true) {
    const size_t dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    const std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
    bool found = false;
    while (bson_iter_next(&it)) {
      if (KeyOf(&it) == part) {
        found = true;
        break;
      }
    }
    if (!found) return false;
    if (BSON_ITER_HOLDS_ARRAY(&it) || rest.empty()) return true;
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return false;
    bson_iter_t child;
    if (!bson_iter_recurse(&it, &child)) return false;
    it = child;
    path = rest;
  }
}

}  // namespace

Status ShortReadStatus(size_t wanted, size_t available) {
  return Status(ErrorCodes::Overflow, "buffer size too small to read (" + std::to_string(wanted) +
                                          ") bytes out of buffer[" + std::to_string(available) +
                                          "] at offset: 0");
}

DecodeResult RequestParser::ParseOpMsg(const MsgHeader& header, std::vector<uint8_t> bytes,
                                       std::optional<CompressorId> compressor) {
  ReplyContext reply;
  reply.format = ReplyFormat::kOpMsg;
  reply.response_to = header.request_id;
  reply.compressor = compressor;

  // mongod reads the flags again when building the reply; a body too short
  // for them fails there, outside the error-reply path, and ends the session.
  if (bytes.size() < 4) return CloseConnection(ShortReadStatus(4, bytes.size()));
  const uint32_t flags = LoadUint32(bytes.data());
  if ((flags & ~kKnownFlags & kRequiredFlagMask) != 0) {
    return CloseConnection(
        Status(ErrorCodes::IllegalOpMsgFlag,
               "Message contains illegal flags value: Ob" + std::bitset<32>(flags).to_string()));
  }
  const bool checksum = (flags & kChecksumPresent) != 0;
  reply.checksum = checksum;
  // An error in a fire-and-forget message is answered by silence.
  auto fail = [&](Status status) -> DecodeResult {
    if (flags & kMoreToCome) return NoReply(std::move(status));
    return ReplyWithError(std::move(status), reply);
  };

  size_t end = bytes.size();
  if (checksum) {
    if (bytes.size() <= kCrcSize + 4) {
      return fail(Status(51252, "Invalid message size for an OpMsg containing a checksum"));
    }
    end -= kCrcSize;
  }

  const uint8_t* data = bytes.data();
  size_t pos = 4;
  bool have_body = false;
  DocView body;
  std::vector<DocumentSequence> sequences;
  while (pos < end) {
    const uint8_t kind = data[pos++];
    switch (kind) {
      case 0: {
        if (have_body) return fail(Status(40430, "Multiple body sections in message"));
        have_body = true;
        auto size = ReadDocument(data + pos, end - pos);
        if (!size.ok()) return fail(size.status());
        body = DocView(data + pos, size.value());
        pos += size.value();
        break;
      }
      case 1: {
        if (sequences.size() >= 2) {
          return CloseConnection(Status(ErrorCodes::TooManyDocumentSequences,
                                        "Too many document sequences in OP_MSG"));
        }
        if (end - pos < 4) return fail(ShortReadStatus(4, end - pos));
        // The size counts itself. mongod subtracts in size_t and then narrows
        // to 32 bits, so a size below 4 becomes an advance of nearly 4 GiB.
        const auto remaining =
            static_cast<uint32_t>(static_cast<int64_t>(LoadInt32(data + pos)) - 4);
        pos += 4;
        if (remaining > end - pos) {
          return fail(Status(ErrorCodes::Overflow, "Invalid advance (" + std::to_string(remaining) +
                                                       ") past end of buffer[" +
                                                       std::to_string(end - pos) +
                                                       "] at offset: 0"));
        }
        const size_t section_end = pos + remaining;
        const void* nul = std::memchr(data + pos, 0, remaining);
        if (nul == nullptr) {
          return fail(Status(ErrorCodes::Overflow, "couldn't locate terminal char (" +
                                                       EscapeString(std::string(1, '\0')) +
                                                       ") in buffer[" + std::to_string(remaining) +
                                                       "] at offset: 0"));
        }
        const size_t name_size = static_cast<const uint8_t*>(nul) - (data + pos);
        const std::string_view name(reinterpret_cast<const char*>(data + pos), name_size);
        for (const DocumentSequence& seen : sequences) {
          if (seen.identifier == name) {
            return fail(Status(40431, "Duplicate document sequence: " + std::string(name)));
          }
        }
        pos += name_size + 1;
        DocumentSequence sequence{name, {}};
        while (pos < section_end) {
          auto size = ReadDocument(data + pos, section_end - pos);
          if (!size.ok()) return fail(size.status());
          sequence.documents.emplace_back(data + pos, size.value());
          pos += size.value();
        }
        sequences.push_back(std::move(sequence));
        break;
      }
      case 2:
        // A multitenancy security token; mongod refuses it unless multitenant.
        return fail(Status(ErrorCodes::Unauthorized, "Unsupported Security Token provided"));
      default:
        return fail(Status(40432, "Unknown section kind " + std::to_string(kind)));
    }
  }
  if (!have_body) return fail(Status(40587, "OP_MSG messages must have a body"));

  BsonView body_bson = body.bson();
  for (const DocumentSequence& sequence : sequences) {
    if (PathOrArrayAlongPathExists(body_bson.get(), sequence.identifier)) {
      return fail(Status(40433, "Duplicate field between body and document sequence " +
                                    std::string(sequence.identifier)));
    }
  }

  // mongod verifies the checksum last, over the header and everything up to
  // the checksum itself.
  if (checksum) {
    uint8_t header_bytes[kHeaderSize];
    WriteHeader(header, header_bytes);
    uint32_t crc = Crc32c(header_bytes, kHeaderSize);
    crc = Crc32c(data, bytes.size() - kCrcSize, crc);
    if (crc != LoadUint32(data + bytes.size() - kCrcSize)) {
      return CloseConnection(
          Status(ErrorCodes::ChecksumMismatch, "OP_MSG checksum does not match contents"));
    }
  }

  auto state = std::make_unique<Request::State>();
  state->header = header;
  state->compressor = compressor;
  state->flags = flags;
  // Initialized in place: a static bson_t points into itself and must not be copied.
  bson_init_static(&state->body, body.data(), body.size());
  state->sequences = std::move(sequences);
  state->reply = reply;
  // Moving the vector keeps its buffer, so the views above stay valid.
  state->bytes = std::move(bytes);
  Request request = Make(std::move(state));
  return DecodeResult(std::move(request));
}

}  // namespace basalt::protocol
