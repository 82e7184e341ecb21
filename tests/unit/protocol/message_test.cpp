// Header parsing, CRC-32C, the reply encoders, and the opcodes mongod no
// longer serves.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "protocol/crc32c.h"
#include "protocol/request.h"

namespace basalt::protocol {
namespace {

Bson Doc(const char* json) {
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  REQUIRE(parsed != nullptr);
  Bson out = Bson::Copy(parsed);
  bson_destroy(parsed);
  return out;
}

std::vector<uint8_t> HeaderBytes(int32_t length, int32_t op) {
  std::vector<uint8_t> h(16);
  StoreInt32(h.data(), length);
  StoreInt32(h.data() + 4, 1);
  StoreInt32(h.data() + 8, 2);
  StoreInt32(h.data() + 12, op);
  return h;
}

TEST_CASE("ParseHeader accepts mongod's range and nothing else", "[protocol][header]") {
  auto ok = ParseHeader(HeaderBytes(100, 2013).data());
  REQUIRE(ok.ok());
  CHECK(ok.value().message_length == 100);
  CHECK(ok.value().request_id == 1);
  CHECK(ok.value().response_to == 2);
  CHECK(ok.value().op_code == 2013);
  CHECK(ParseHeader(HeaderBytes(16, 2013).data()).ok());
  CHECK(ParseHeader(HeaderBytes(kMaxMessageSizeBytes, 2013).data()).ok());
  // Unknown opcodes are the decoder's business, not the header's.
  CHECK(ParseHeader(HeaderBytes(20, 777).data()).ok());

  auto check_bad = [](int32_t length, const std::string& shown) {
    auto bad = ParseHeader(HeaderBytes(length, 2013).data());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == ErrorCodes::ProtocolError);
    CHECK(bad.status().reason() ==
          "recv(): message msgLen " + shown + " is invalid. Min 16 Max: 48000000");
  };
  check_bad(15, "15");
  check_bad(0, "0");
  check_bad(kMaxMessageSizeBytes + 1, "48000001");
  // mongod prints a negative length as the size_t it becomes.
  check_bad(-1, "18446744073709551615");
  check_bad(INT32_MIN, "18446744071562067968");
}

TEST_CASE("ParseHeader recognizes HTTP", "[protocol][header]") {
  const uint8_t get[16] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  CHECK(IsHttpGet(get));
  auto result = ParseHeader(get);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().reason() == "Client sent an HTTP request over a native MongoDB connection");
  const std::string body =
      "It looks like you are trying to access MongoDB over HTTP on the native driver port.\r\n";
  CHECK(HttpGetResponse() ==
        "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n"
        "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK_FALSE(IsHttpGet(HeaderBytes(100, 2013).data()));
}

TEST_CASE("CRC-32C matches the published test vectors", "[protocol][crc32c]") {
  const std::string digits = "123456789";
  const auto* d = reinterpret_cast<const uint8_t*>(digits.data());
  CHECK(Crc32c(d, digits.size()) == 0xE3069283u);
  CHECK(Crc32cPortable(d, digits.size()) == 0xE3069283u);
  CHECK(Crc32c(d, 0) == 0u);
  // RFC 3720 (iSCSI) B.4.
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<uint8_t>(i);
    down[i] = static_cast<uint8_t>(31 - i);
  }
  CHECK(Crc32c(zeros.data(), 32) == 0x8A9136AAu);
  CHECK(Crc32c(ones.data(), 32) == 0x62A8AB43u);
  CHECK(Crc32c(up.data(), 32) == 0x46DD794Eu);
  CHECK(Crc32c(down.data(), 32) == 0x113FDB5Cu);
}

TEST_CASE("CRC-32C hardware and table paths agree, also in pieces", "[protocol][crc32c]") {
  std::mt19937 rng(1234);
  std::vector<uint8_t> data(4099);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t size : {0, 1, 7, 8, 9, 63, 64, 65, 1000, 4099}) {
    const uint32_t whole = Crc32cPortable(data.data(), size);
    CHECK(Crc32c(data.data(), size) == whole);
    const size_t cut = size / 3;
    CHECK(Crc32c(data.data() + cut, size - cut, Crc32c(data.data(), cut)) == whole);
    CHECK(Crc32cPortable(data.data() + cut, size - cut, Crc32cPortable(data.data(), cut)) == whole);
  }
}

TEST_CASE("EncodeOpMsg lays out header, flags, kind 0 and checksum", "[protocol][encode]") {
  Bson body = Doc(R"({"ok": 1.0})");
  auto bytes = EncodeOpMsg(5, 9, body.get());
  REQUIRE(bytes.size() == 16 + 4 + 1 + body.size());
  CHECK(LoadInt32(bytes.data()) == static_cast<int32_t>(bytes.size()));
  CHECK(LoadInt32(bytes.data() + 4) == 5);
  CHECK(LoadInt32(bytes.data() + 8) == 9);
  CHECK(LoadInt32(bytes.data() + 12) == 2013);
  CHECK(LoadInt32(bytes.data() + 16) == 0);
  CHECK(bytes[20] == 0);
  CHECK(std::equal(bytes.begin() + 21, bytes.end(), body.data()));

  auto summed = EncodeOpMsg(5, 9, body.get(), kChecksumPresent);
  REQUIRE(summed.size() == bytes.size() + 4);
  CHECK(LoadInt32(summed.data()) == static_cast<int32_t>(summed.size()));
  CHECK(LoadUint32(summed.data() + 16) == kChecksumPresent);
  CHECK(LoadUint32(summed.data() + summed.size() - 4) == Crc32c(summed.data(), summed.size() - 4));
}

TEST_CASE("EncodeReply frames command replies like mongod", "[protocol][encode]") {
  Bson body = Doc(R"({"ismaster": true, "ok": 1.0})");
  ReplyContext op_reply;
  op_reply.format = ReplyFormat::kOpReply;
  op_reply.response_to = 44;
  auto bytes = EncodeReply(op_reply, 3, body.get());
  REQUIRE(bytes.size() == 36 + body.size());
  CHECK(LoadInt32(bytes.data() + 8) == 44);
  CHECK(LoadInt32(bytes.data() + 12) == 1);
  CHECK(LoadInt32(bytes.data() + 16) == kResultFlagAwaitCapable);
  CHECK(LoadInt64(bytes.data() + 20) == 0);
  CHECK(LoadInt32(bytes.data() + 28) == 0);
  CHECK(LoadInt32(bytes.data() + 32) == 1);

  ReplyContext op_msg;
  op_msg.response_to = 44;
  op_msg.checksum = true;
  auto msg = EncodeReply(op_msg, 3, body.get());
  CHECK(LoadInt32(msg.data() + 12) == 2013);
  CHECK(LoadUint32(msg.data() + 16) == kChecksumPresent);
}

TEST_CASE("ErrorReplyBody is {ok: 0.0, errmsg, code, codeName, ...extra}", "[protocol][encode]") {
  CHECK(ToJson(ErrorReplyBody(Status(ErrorCodes::InvalidBSON, "bad")).get()) ==
        R"({ "ok" : 0.0, "errmsg" : "bad", "code" : 22, "codeName" : "InvalidBSON" })");
  CHECK(ToJson(ErrorReplyBody(Status(40430, "x")).get()) ==
        R"({ "ok" : 0.0, "errmsg" : "x", "code" : 40430, "codeName" : "Location40430" })");
  Status with_extra(ErrorCodes::DuplicateKey, "dup", Doc(R"({"keyValue": {"a": 1}})"));
  CHECK(ToJson(ErrorReplyBody(with_extra).get()) ==
        R"({ "ok" : 0.0, "errmsg" : "dup", "code" : 11000, "codeName" : "DuplicateKey", )"
        R"("keyValue" : { "a" : 1 } })");
}

TEST_CASE("removed and unknown opcodes are handled as mongod 7.0/8.0 does", "[protocol][legacy]") {
  auto frame = [](int32_t op, size_t body_size) {
    std::vector<uint8_t> f = HeaderBytes(static_cast<int32_t>(16 + body_size), op);
    f.resize(16 + body_size, 0);
    return f;
  };
  struct Closed {
    int32_t op;
    int code;
    const char* message;
  };
  for (const Closed& c : {Closed{2002, 5745702, "OP_INSERT is no longer supported"},
                          Closed{2001, 5745701, "OP_UPDATE is no longer supported"},
                          Closed{2006, 5745700, "OP_DELETE is no longer supported"},
                          Closed{2007, 5745703, "OP_KILL_CURSORS is no longer supported"}}) {
    auto result = DecodeFrame(frame(c.op, 20));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().action == DecodeAction::kCloseConnection);
    CHECK(result.error().status.code() == c.code);
    CHECK(result.error().status.reason() == c.message);
  }

  auto get_more = DecodeFrame(frame(2005, 20));
  REQUIRE_FALSE(get_more.ok());
  CHECK(get_more.error().action == DecodeAction::kReplyError);
  CHECK(get_more.error().reply.format == ReplyFormat::kOpReply);
  CHECK(get_more.error().reply.op_reply_flags == kResultFlagErrSet);
  CHECK(ToJson(get_more.error().reply_body.get()) ==
        R"({ "$err" : "OP_GET_MORE is no longer supported. The client driver may require an )"
        R"(upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal", )"
        R"("code" : 5739101, "ok" : 0.0 })");

  for (int32_t op : {1, 2010, 2011, 0, -5, 9999}) {
    auto result = DecodeFrame(frame(op, 8));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().action == DecodeAction::kNoReply);
    CHECK(result.error().status.reason() == "Operation is not supported: " + std::to_string(op));
  }
}

TEST_CASE("a body that disagrees with the header closes the connection", "[protocol][legacy]") {
  auto header = ParseHeader(HeaderBytes(30, 2013).data());
  REQUIRE(header.ok());
  auto result = DecodeRequest(header.value(), std::vector<uint8_t>(5));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().action == DecodeAction::kCloseConnection);
  CHECK(result.error().status.code() == ErrorCodes::ProtocolError);
  auto short_frame = DecodeFrame(std::vector<uint8_t>(10));
  REQUIRE_FALSE(short_frame.ok());
  CHECK(short_frame.error().action == DecodeAction::kCloseConnection);
}

}  // namespace
}  // namespace basalt::protocol
