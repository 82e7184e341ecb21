// OP_MSG decoding: valid frames, and every malformation mongod distinguishes,
// with the code, message and connection outcome mongod gives.
#include <catch2/catch.hpp>
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

// Raw bytes, for frames the encoder would never produce.
struct Bytes {
  std::vector<uint8_t> v;
  Bytes& U8(uint8_t b) {
    v.push_back(b);
    return *this;
  }
  Bytes& I32(int32_t x) {
    for (int i = 0; i < 4; ++i)
      v.push_back(static_cast<uint8_t>(static_cast<uint32_t>(x) >> (8 * i)));
    return *this;
  }
  Bytes& Raw(std::string_view s) {
    v.insert(v.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& CStr(std::string_view s) { return Raw(s).U8(0); }
  Bytes& Doc(const Bson& d) {
    v.insert(v.end(), d.data(), d.data() + d.size());
    return *this;
  }
};

std::vector<uint8_t> Frame(const std::vector<uint8_t>& body, int32_t op = 2013) {
  Bytes b;
  b.I32(static_cast<int32_t>(body.size() + 16)).I32(42).I32(0).I32(op);
  b.v.insert(b.v.end(), body.begin(), body.end());
  return b.v;
}

void RequireReplyError(DecodeResult& result, int code, const std::string& message) {
  REQUIRE_FALSE(result.ok());
  const DecodeError& e = result.error();
  CHECK(e.action == DecodeAction::kReplyError);
  CHECK(e.status.code() == code);
  CHECK(e.status.reason() == message);
  CHECK(e.reply.format == ReplyFormat::kOpMsg);
  CHECK(e.reply.response_to == 42);
  // The reply body is mongod's error document.
  bson_iter_t it;
  REQUIRE(bson_iter_init_find(&it, e.reply_body.get(), "errmsg"));
  CHECK(Utf8Of(&it) == message);
  REQUIRE(bson_iter_init_find(&it, e.reply_body.get(), "code"));
  CHECK(bson_iter_int32(&it) == code);
}

void RequireClose(DecodeResult& result, int code, const std::string& message) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().action == DecodeAction::kCloseConnection);
  CHECK(result.error().status.code() == code);
  CHECK(result.error().status.reason() == message);
}

const std::string kNoCtx = " in element with field name '?' in object with unknown _id";

TEST_CASE("OP_MSG with only a body decodes", "[protocol][op_msg]") {
  Bson body = Doc(R"({"ping": 1, "$db": "admin"})");
  auto result = DecodeFrame(EncodeOpMsg(42, 0, body.get()));
  REQUIRE(result.ok());
  Request& r = result.value();
  CHECK(r.op_code() == OpCode::kMsg);
  CHECK(r.request_id() == 42);
  CHECK(r.flags() == 0);
  CHECK_FALSE(r.checksum_present());
  CHECK_FALSE(r.more_to_come());
  CHECK(r.command_name() == "ping");
  CHECK(bson_equal(r.body(), body.get()));
  CHECK(r.sequences().empty());
  CHECK(r.legacy_query() == nullptr);
  CHECK_FALSE(r.compressor().has_value());
  CHECK(r.reply_context().format == ReplyFormat::kOpMsg);
  CHECK(r.reply_context().response_to == 42);
  CHECK_FALSE(r.reply_context().checksum);
}

TEST_CASE("OP_MSG with a body and two document sequences", "[protocol][op_msg]") {
  Bson body = Doc(R"({"insert": "c", "$db": "test"})");
  Bson d1 = Doc(R"({"_id": 1})"), d2 = Doc(R"({"_id": 2, "x": "y"})"), u = Doc(R"({"q": {}})");
  // One sequence before the body and one after it: sections may come in any order.
  Bytes b;
  b.I32(0).U8(1).I32(static_cast<int32_t>(4 + 10 + d1.size() + d2.size())).CStr("documents");
  b.Doc(d1).Doc(d2);
  b.U8(0).Doc(body);
  b.U8(1).I32(static_cast<int32_t>(4 + 8 + u.size())).CStr("updates").Doc(u);
  auto result = DecodeFrame(Frame(b.v));
  REQUIRE(result.ok());
  Request& r = result.value();
  CHECK(r.command_name() == "insert");
  REQUIRE(r.sequences().size() == 2);
  const DocumentSequence* docs = r.FindSequence("documents");
  REQUIRE(docs != nullptr);
  REQUIRE(docs->documents.size() == 2);
  BsonView first = docs->documents[0].bson();
  BsonView second = docs->documents[1].bson();
  CHECK(bson_equal(first.get(), d1.get()));
  CHECK(bson_equal(second.get(), d2.get()));
  REQUIRE(r.FindSequence("updates") != nullptr);
  CHECK(r.FindSequence("updates")->documents.size() == 1);
  CHECK(r.FindSequence("deletes") == nullptr);

  // The views survive moving the request.
  Request moved = std::move(r);
  CHECK(bson_equal(moved.body(), body.get()));
  BsonView again = moved.FindSequence("documents")->documents[1].bson();
  CHECK(bson_equal(again.get(), d2.get()));
}

TEST_CASE("OP_MSG encoder round-trips sequences; an empty sequence is allowed",
          "[protocol][op_msg]") {
  Bson body = Doc(R"({"insert": "c", "$db": "test"})");
  Bson d1 = Doc(R"({"a": 1})");
  std::vector<OutgoingSequence> seqs = {{"documents", {DocView(d1.get()), DocView(d1.get())}},
                                        {"empty", {}}};
  auto result = DecodeFrame(EncodeOpMsg(1, 0, body.get(), 0, seqs));
  REQUIRE(result.ok());
  CHECK(result.value().FindSequence("documents")->documents.size() == 2);
  REQUIRE(result.value().FindSequence("empty") != nullptr);
  CHECK(result.value().FindSequence("empty")->documents.empty());
}

TEST_CASE("OP_MSG flags: checksum, moreToCome, exhaustAllowed, optional bits",
          "[protocol][op_msg]") {
  Bson body = Doc(R"({"ping": 1, "$db": "admin"})");
  SECTION("a correct checksum is accepted and asked for in the reply") {
    auto frame = EncodeOpMsg(42, 0, body.get(), kChecksumPresent);
    auto result = DecodeFrame(frame);
    REQUIRE(result.ok());
    CHECK(result.value().checksum_present());
    CHECK(result.value().reply_context().checksum);
    CHECK(bson_equal(result.value().body(), body.get()));
  }
  SECTION("moreToCome and exhaustAllowed are reported") {
    auto result = DecodeFrame(EncodeOpMsg(42, 0, body.get(), kMoreToCome | kExhaustAllowed));
    REQUIRE(result.ok());
    CHECK(result.value().more_to_come());
    CHECK(result.value().exhaust_allowed());
  }
  SECTION("unknown optional bits (16-31) are ignored") {
    auto result = DecodeFrame(EncodeOpMsg(42, 0, body.get(), 1u << 20));
    REQUIRE(result.ok());
    CHECK(result.value().flags() == (1u << 20));
  }
  SECTION("an unknown required bit closes the connection") {
    auto result = DecodeFrame(EncodeOpMsg(42, 0, body.get(), 1u << 2));
    RequireClose(result, ErrorCodes::IllegalOpMsgFlag,
                 "Message contains illegal flags value: Ob00000000000000000000000000000100");
  }
}

TEST_CASE("OP_MSG checksum mismatch closes the connection", "[protocol][op_msg]") {
  Bson body = Doc(R"({"ping": 1, "$db": "admin"})");
  auto frame = EncodeOpMsg(42, 0, body.get(), kChecksumPresent);
  SECTION("corrupted checksum") { frame.back() ^= 0x01; }
  SECTION("corrupted content that is still valid BSON") {
    frame[frame.size() - 8] = 'b';  // "admin" -> "admbn": the body stays valid.
  }
  SECTION("changed header field") { frame[4] ^= 0x01; }  // requestID is covered too.
  auto result = DecodeFrame(frame);
  RequireClose(result, ErrorCodes::ChecksumMismatch, "OP_MSG checksum does not match contents");
}

TEST_CASE("OP_MSG section errors are answered with mongod's codes", "[protocol][op_msg]") {
  Bson body = Doc(R"({"insert": "c", "$db": "test"})");
  Bson d = Doc(R"({"_id": 1})");
  SECTION("missing body") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).v));
    RequireReplyError(result, 40587, "OP_MSG messages must have a body");
    CHECK(result.error().status.codeName() == "Location40587");
  }
  SECTION("only a sequence, no body") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(1).I32(4 + 2 + d.size()).CStr("d").Doc(d).v));
    RequireReplyError(result, 40587, "OP_MSG messages must have a body");
  }
  SECTION("two bodies") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).Doc(body).U8(0).Doc(body).v));
    RequireReplyError(result, 40430, "Multiple body sections in message");
  }
  SECTION("unknown section kind") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).Doc(body).U8(3).v));
    RequireReplyError(result, 40432, "Unknown section kind 3");
  }
  SECTION("security token section") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(2).CStr("token").U8(0).Doc(body).v));
    RequireReplyError(result, ErrorCodes::Unauthorized, "Unsupported Security Token provided");
  }
  SECTION("duplicate sequence") {
    Bytes b;
    b.I32(0).U8(0).Doc(body);
    b.U8(1).I32(4 + 2 + d.size()).CStr("d").Doc(d);
    b.U8(1).I32(4 + 2 + d.size()).CStr("d").Doc(d);
    auto result = DecodeFrame(Frame(b.v));
    RequireReplyError(result, 40431, "Duplicate document sequence: d");
  }
  SECTION("a third sequence closes the connection") {
    Bytes b;
    b.I32(0).U8(0).Doc(body);
    for (const char* name : {"a", "b", "c"}) b.U8(1).I32(4 + 2 + d.size()).CStr(name).Doc(d);
    auto result = DecodeFrame(Frame(b.v));
    RequireClose(result, ErrorCodes::TooManyDocumentSequences,
                 "Too many document sequences in OP_MSG");
  }
  SECTION("sequence named like a body field") {
    Bson with_docs = Doc(R"({"insert": "c", "documents": [], "$db": "test"})");
    auto result = DecodeFrame(Frame(Bytes()
                                        .I32(0)
                                        .U8(0)
                                        .Doc(with_docs)
                                        .U8(1)
                                        .I32(4 + 10 + d.size())
                                        .CStr("documents")
                                        .Doc(d)
                                        .v));
    RequireReplyError(result, 40433,
                      "Duplicate field between body and document sequence documents");
  }
}

TEST_CASE("OP_MSG body/sequence overlap follows dotted paths and arrays", "[protocol][op_msg]") {
  Bson d = Doc(R"({"x": 1})");
  auto decode = [&](const char* body_json) {
    Bson body = Doc(body_json);
    return DecodeFrame(
        Frame(Bytes().I32(0).U8(0).Doc(body).U8(1).I32(4 + 4 + d.size()).CStr("a.b").Doc(d).v));
  };
  auto nested = decode(R"({"cmd": 1, "a": {"b": 1}})");
  RequireReplyError(nested, 40433, "Duplicate field between body and document sequence a.b");
  auto array = decode(R"({"cmd": 1, "a": [1]})");
  RequireReplyError(array, 40433, "Duplicate field between body and document sequence a.b");
  CHECK(decode(R"({"cmd": 1, "a": {"c": 1}})").ok());
  CHECK(decode(R"({"cmd": 1, "a": 5})").ok());
}

TEST_CASE("OP_MSG truncated and overrunning sections", "[protocol][op_msg]") {
  Bson body = Doc(R"({"insert": "c", "$db": "test"})");
  Bson d = Doc(R"({"_id": 1})");
  SECTION("sequence size overruns the message") {
    auto frame = Frame(Bytes().I32(0).U8(0).Doc(body).U8(1).I32(1000).CStr("d").Doc(d).v);
    auto result = DecodeFrame(frame);
    RequireReplyError(result, ErrorCodes::Overflow,
                      "Invalid advance (996) past end of buffer[" + std::to_string(2 + d.size()) +
                          "] at offset: 0");
  }
  SECTION("sequence size below its own 4 bytes") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).Doc(body).U8(1).I32(2).CStr("d").v));
    RequireReplyError(result, ErrorCodes::Overflow,
                      "Invalid advance (4294967294) past end of buffer[2] at offset: 0");
  }
  SECTION("sequence size field cut short") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).Doc(body).U8(1).U8(9).U8(0).v));
    RequireReplyError(result, ErrorCodes::Overflow,
                      "buffer size too small to read (4) bytes out of buffer[2] at offset: 0");
  }
  SECTION("identifier without NUL") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).Doc(body).U8(1).I32(7).Raw("abc").v));
    RequireReplyError(result, ErrorCodes::Overflow,
                      "couldn't locate terminal char (\\u0000) in buffer[3] at offset: 0");
  }
  SECTION("empty sequence section") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).Doc(body).U8(1).I32(4).v));
    RequireReplyError(result, ErrorCodes::Overflow,
                      "couldn't locate terminal char (\\u0000) in buffer[0] at offset: 0");
  }
  SECTION("document longer than its sequence") {
    // The section ends two bytes into the document, inside the message.
    auto frame = Frame(Bytes().I32(0).U8(1).I32(4 + 2 + 2).CStr("d").Doc(d).U8(0).Doc(body).v);
    auto result = DecodeFrame(frame);
    RequireReplyError(result, ErrorCodes::InvalidBSON,
                      "BSON data has to be at least 5 bytes" + kNoCtx);
  }
  SECTION("truncated body") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).U8(20).U8(0).U8(0).v));
    RequireReplyError(result, ErrorCodes::InvalidBSON,
                      "BSON data has to be at least 5 bytes" + kNoCtx);
  }
  SECTION("zero-length document") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).I32(0).U8(0).U8(0).v));
    RequireReplyError(result, ErrorCodes::InvalidBSON,
                      "BSON data has to be at least 5 bytes" + kNoCtx);
  }
  SECTION("document length past the end of the message") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).I32(64).I32(0).U8(0).v));
    RequireReplyError(result, ErrorCodes::InvalidBSON, "Incorrect BSON length" + kNoCtx);
  }
  SECTION("body not terminated by EOO") {
    auto result = DecodeFrame(Frame(Bytes().I32(0).U8(0).I32(5).U8(7).v));
    RequireReplyError(result, ErrorCodes::InvalidBSON,
                      "BSON object not terminated with EOO" + kNoCtx);
  }
}

TEST_CASE("OP_MSG invalid BSON reports the element and _id like mongod", "[protocol][op_msg]") {
  Bson body = Doc(R"({"_id": 1, "a": {"b": true}})");
  std::vector<uint8_t> bytes(body.data(), body.data() + body.size());
  bytes[bytes.size() - 3] = 2;  // The bool's value byte.
  auto result = DecodeFrame(
      Frame(Bytes().I32(0).U8(0).Raw({reinterpret_cast<char*>(bytes.data()), bytes.size()}).v));
  RequireReplyError(result, ErrorCodes::InvalidBSON,
                    "BSON bool is neither false nor true in element with field name 'a.b' in "
                    "object with _id: 1");
}

TEST_CASE("OP_MSG errors in a moreToCome message get no reply", "[protocol][op_msg]") {
  auto result = DecodeFrame(Frame(Bytes().I32(static_cast<int32_t>(kMoreToCome)).v));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().action == DecodeAction::kNoReply);
  CHECK(result.error().status.code() == 40587);
}

TEST_CASE("OP_MSG error reply to a checksummed request carries a checksum", "[protocol][op_msg]") {
  Bytes b;
  b.I32(static_cast<int32_t>(kChecksumPresent)).U8(9).I32(0);  // Unknown kind, then a CRC slot.
  auto result = DecodeFrame(Frame(b.v));
  RequireReplyError(result, 40432, "Unknown section kind 9");
  CHECK(result.error().reply.checksum);
  auto reply = EncodeReply(result.error().reply, 5, result.error().reply_body.get());
  // The reply is itself a valid, checksummed OP_MSG.
  auto decoded = DecodeFrame(reply);
  REQUIRE(decoded.ok());
  CHECK(decoded.value().checksum_present());
  CHECK(decoded.value().command_name() == "ok");
}

TEST_CASE("OP_MSG shorter than its flags, or than flags plus checksum", "[protocol][op_msg]") {
  SECTION("no flags: the connection closes") {
    auto result = DecodeFrame(Frame(Bytes().U8(0).U8(0).v));
    RequireClose(result, ErrorCodes::Overflow,
                 "buffer size too small to read (4) bytes out of buffer[2] at offset: 0");
  }
  SECTION("empty body") {
    auto result = DecodeFrame(Frame({}));
    RequireClose(result, ErrorCodes::Overflow,
                 "buffer size too small to read (4) bytes out of buffer[0] at offset: 0");
  }
  SECTION("checksum flag without room for sections") {
    auto result = DecodeFrame(Frame(Bytes().I32(1).I32(0).v));
    RequireReplyError(result, 51252, "Invalid message size for an OpMsg containing a checksum");
  }
}

TEST_CASE("OP_MSG nesting depth and size limits", "[protocol][op_msg]") {
  // {a: {a: ... {}}} with `levels` nested objects below the top level.
  auto nested = [](int levels) {
    std::vector<uint8_t> doc = {5, 0, 0, 0, 0};
    for (int i = 0; i < levels; ++i) {
      // Sized up front: GCC 12 warns (falsely) on push_back into a fresh vector at -O2.
      std::vector<uint8_t> outer(4 + 3 + doc.size() + 1, 0);
      StoreInt32(outer.data(), static_cast<int32_t>(outer.size()));
      outer[4] = 0x03;
      outer[5] = 'a';
      std::copy(doc.begin(), doc.end(), outer.begin() + 7);
      doc = std::move(outer);
    }
    Bytes b;
    b.I32(0).U8(0).v.insert(b.v.end(), doc.begin(), doc.end());
    return Frame(b.v);
  };
  CHECK(DecodeFrame(nested(200)).ok());
  auto deep = DecodeFrame(nested(201));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().action == DecodeAction::kReplyError);
  CHECK(deep.error().status.code() == ErrorCodes::Overflow);
  CHECK(deep.error().status.reason().rfind(
            "BSONObj exceeds maximum nested object depth in element with field name 'a.a.a.", 0) ==
        0);

  // 16 MiB + 16 KiB is the largest command body mongod reads.
  auto sized = [](int32_t total) {
    Bson doc;
    std::string filler(static_cast<size_t>(total - 4 - 1 - 7 - 4 - 1 - 1), 'x');
    AppendUtf8(doc.get(), "insert", filler);
    REQUIRE(doc.size() == static_cast<uint32_t>(total));
    return Frame(Bytes().I32(0).U8(0).Doc(doc).v);
  };
  CHECK(DecodeFrame(sized(kMaxBsonInternalSize)).ok());
  auto big = DecodeFrame(sized(kMaxBsonInternalSize + 1));
  RequireReplyError(big, ErrorCodes::BSONObjectTooLarge,
                    "BSONObj size: 16793601 (0x1004001) is invalid. Size must be between 0 and "
                    "16793600(16MB) First element: insert: \"" +
                        std::string(150, 'x') + "...\"");
}

}  // namespace
}  // namespace basalt::protocol
