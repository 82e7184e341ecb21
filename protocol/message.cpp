#include "protocol/message.h"

#include <string>

namespace basalt::protocol {

StatusWith<MsgHeader> ParseHeader(const uint8_t* header_bytes) {
  if (IsHttpGet(header_bytes)) {
    return Status(ErrorCodes::ProtocolError,
                  "Client sent an HTTP request over a native MongoDB connection");
  }
  MsgHeader header;
  header.message_length = LoadInt32(header_bytes);
  header.request_id = LoadInt32(header_bytes + 4);
  header.response_to = LoadInt32(header_bytes + 8);
  header.op_code = LoadInt32(header_bytes + 12);
  // mongod converts the signed length to size_t before comparing, so a
  // negative length is reported as a huge unsigned number; keep that text.
  const auto length = static_cast<size_t>(static_cast<int64_t>(header.message_length));
  if (length < static_cast<size_t>(kHeaderSize) ||
      length > static_cast<size_t>(kMaxMessageSizeBytes)) {
    return Status(ErrorCodes::ProtocolError, "recv(): message msgLen " + std::to_string(length) +
                                                 " is invalid. Min " + std::to_string(kHeaderSize) +
                                                 " Max: " + std::to_string(kMaxMessageSizeBytes));
  }
  return header;
}

bool IsHttpGet(const uint8_t* header_bytes) { return std::memcmp(header_bytes, "GET ", 4) == 0; }

std::string_view HttpGetResponse() {
  static const std::string kResponse = [] {
    const std::string message =
        "It looks like you are trying to access MongoDB over HTTP on the native driver port.\r\n";
    return "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(message.size()) + "\r\n\r\n" + message;
  }();
  return kResponse;
}

void WriteHeader(const MsgHeader& header, uint8_t* out) {
  StoreInt32(out, header.message_length);
  StoreInt32(out + 4, header.request_id);
  StoreInt32(out + 8, header.response_to);
  StoreInt32(out + 12, header.op_code);
}

}  // namespace basalt::protocol
