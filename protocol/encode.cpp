#include "protocol/encode.h"

#include <cstring>

#include "protocol/crc32c.h"

namespace basalt::protocol {
namespace {

void Append(std::vector<uint8_t>* out, const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

void AppendInt32(std::vector<uint8_t>* out, int32_t value) {
  uint8_t buf[4];
  StoreInt32(buf, value);
  Append(out, buf, 4);
}

void AppendDoc(std::vector<uint8_t>* out, const bson_t* doc) {
  Append(out, bson_get_data(doc), doc->len);
}

// Writes the header once the size is known.
void FinishHeader(std::vector<uint8_t>* out, int32_t request_id, int32_t response_to, OpCode op) {
  MsgHeader header;
  header.message_length = static_cast<int32_t>(out->size());
  header.request_id = request_id;
  header.response_to = response_to;
  header.op_code = static_cast<int32_t>(op);
  WriteHeader(header, out->data());
}

}  // namespace

std::vector<uint8_t> EncodeOpMsg(int32_t request_id, int32_t response_to, const bson_t* body,
                                 uint32_t flags, std::span<const OutgoingSequence> sequences) {
  std::vector<uint8_t> out(kHeaderSize);
  AppendInt32(&out, static_cast<int32_t>(flags));
  for (const OutgoingSequence& sequence : sequences) {
    out.push_back(1);
    const size_t size_at = out.size();
    AppendInt32(&out, 0);
    Append(&out, sequence.identifier.c_str(), sequence.identifier.size() + 1);
    for (const DocView& doc : sequence.documents) Append(&out, doc.data(), doc.size());
    StoreInt32(out.data() + size_at, static_cast<int32_t>(out.size() - size_at));
  }
  out.push_back(0);
  AppendDoc(&out, body);
  const bool checksum = (flags & kChecksumPresent) != 0;
  if (checksum) AppendInt32(&out, 0);
  FinishHeader(&out, request_id, response_to, OpCode::kMsg);
  if (checksum) {
    // Covers everything before it, the final length included.
    const uint32_t crc = Crc32c(out.data(), out.size() - 4);
    StoreInt32(out.data() + out.size() - 4, static_cast<int32_t>(crc));
  }
  return out;
}

std::vector<uint8_t> EncodeOpReply(int32_t request_id, int32_t response_to, int32_t response_flags,
                                   const bson_t* body) {
  std::vector<uint8_t> out(kHeaderSize);
  out.reserve(kHeaderSize + 20 + body->len);
  AppendInt32(&out, response_flags);
  AppendInt32(&out, 0);  // cursorID, 8 bytes.
  AppendInt32(&out, 0);
  AppendInt32(&out, 0);  // startingFrom.
  AppendInt32(&out, 1);  // numberReturned.
  AppendDoc(&out, body);
  FinishHeader(&out, request_id, response_to, OpCode::kReply);
  return out;
}

std::vector<uint8_t> EncodeOpQuery(int32_t request_id, int32_t flags,
                                   std::string_view full_collection_name, int32_t number_to_skip,
                                   int32_t number_to_return, const bson_t* query,
                                   const bson_t* return_fields_selector) {
  std::vector<uint8_t> out(kHeaderSize);
  AppendInt32(&out, flags);
  Append(&out, full_collection_name.data(), full_collection_name.size());
  out.push_back(0);
  AppendInt32(&out, number_to_skip);
  AppendInt32(&out, number_to_return);
  AppendDoc(&out, query);
  if (return_fields_selector) AppendDoc(&out, return_fields_selector);
  FinishHeader(&out, request_id, 0, OpCode::kQuery);
  return out;
}

std::vector<uint8_t> EncodeReply(const ReplyContext& context, int32_t request_id,
                                 const bson_t* body) {
  std::vector<uint8_t> out =
      context.format == ReplyFormat::kOpMsg
          ? EncodeOpMsg(request_id, context.response_to, body,
                        context.checksum ? kChecksumPresent : 0)
          : EncodeOpReply(request_id, context.response_to, context.op_reply_flags, body);
  // mongod checksums the uncompressed reply, then compresses it.
  if (context.compressor) out = CompressMessage(std::move(out), *context.compressor);
  return out;
}

Bson ErrorReplyBody(const Status& status) {
  Bson body;
  bson_append_double(body.get(), "ok", 2, 0.0);
  AppendUtf8(body.get(), "errmsg", status.reason());
  bson_append_int32(body.get(), "code", 4, status.code());
  AppendUtf8(body.get(), "codeName", status.codeName());
  if (const bson_t* extra = status.extraInfo()) bson_concat(body.get(), extra);
  return body;
}

}  // namespace basalt::protocol
