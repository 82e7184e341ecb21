// OP_COMPRESSED: round trips for every compressor, mongod's rejections (all of
// which close the connection), and the hello `compression` negotiation.
#include "protocol/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

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

const std::vector<CompressorId> kAll = {CompressorId::kNoop, CompressorId::kSnappy,
                                        CompressorId::kZlib, CompressorId::kZstd};

// An OP_COMPRESSED frame with a hand-written header and payload.
std::vector<uint8_t> CompressedFrame(int32_t original_op, int32_t uncompressed_size, uint8_t id,
                                     const std::vector<uint8_t>& payload) {
  // Sized up front: GCC 12 warns (falsely) on inserting into a fresh vector at -O2.
  std::vector<uint8_t> frame(16 + 9 + payload.size());
  std::copy(payload.begin(), payload.end(), frame.begin() + 25);
  StoreInt32(frame.data(), static_cast<int32_t>(16 + 9 + payload.size()));
  StoreInt32(frame.data() + 4, 11);
  StoreInt32(frame.data() + 12, 2012);
  StoreInt32(frame.data() + 16, original_op);
  StoreInt32(frame.data() + 20, uncompressed_size);
  frame[24] = id;
  return frame;
}

std::vector<uint8_t> Snappy(const std::vector<uint8_t>& in) {
  std::string out;
  snappy::Compress(reinterpret_cast<const char*>(in.data()), in.size(), &out);
  return {out.begin(), out.end()};
}

std::vector<uint8_t> Zlib(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(compressBound(in.size()));
  uLongf len = out.size();
  REQUIRE(compress2(out.data(), &len, in.data(), in.size(), 6) == Z_OK);
  out.resize(len);
  return out;
}

std::vector<uint8_t> Zstd(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  size_t len = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(len));
  out.resize(len);
  return out;
}

void RequireClose(DecodeResult& result, int code, const std::string& message) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().action == DecodeAction::kCloseConnection);
  CHECK(result.error().status.code() == code);
  CHECK(result.error().status.reason() == message);
}

TEST_CASE("OP_COMPRESSED round trip for every compressor", "[protocol][compression]") {
  Bson body =
      Doc(R"({"insert": "c", "pad": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "$db": "t"})");
  Bson d = Doc(R"({"x": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})");
  std::vector<OutgoingSequence> seqs = {{"documents", {DocView(d.get()), DocView(d.get())}}};
  DecodeOptions options;
  options.compressors = kAll;
  for (CompressorId id : kAll) {
    INFO(CompressorName(id));
    for (uint32_t flags : {0u, kChecksumPresent}) {
      auto plain = EncodeOpMsg(9, 0, body.get(), flags, seqs);
      auto compressed = CompressMessage(plain, id);
      REQUIRE(LoadInt32(compressed.data() + 12) == 2012);
      CHECK(LoadInt32(compressed.data() + 4) == 9);
      CHECK(LoadInt32(compressed.data() + 16) == 2013);
      CHECK(LoadInt32(compressed.data() + 20) == static_cast<int32_t>(plain.size() - 16));
      CHECK(compressed[24] == static_cast<uint8_t>(id));
      if (id != CompressorId::kNoop) CHECK(compressed.size() < plain.size());

      auto result = DecodeFrame(compressed, options);
      REQUIRE(result.ok());
      Request& r = result.value();
      CHECK(r.op_code() == OpCode::kMsg);
      CHECK(r.compressor() == id);
      CHECK(r.checksum_present() == (flags != 0));
      CHECK(r.reply_context().compressor == id);
      CHECK(bson_equal(r.body(), body.get()));
      REQUIRE(r.FindSequence("documents") != nullptr);
      CHECK(r.FindSequence("documents")->documents.size() == 2);

      // The reply goes back compressed the same way, and decodes.
      auto reply = EncodeReply(r.reply_context(), 10, body.get());
      CHECK(reply[24] == static_cast<uint8_t>(id));
      auto decoded_reply = DecodeFrame(reply, options);
      REQUIRE(decoded_reply.ok());
      CHECK(decoded_reply.value().checksum_present() == (flags != 0));
      CHECK(LoadInt32(reply.data() + 8) == 9);  // responseTo survives compression.
    }
  }
}

TEST_CASE("OP_COMPRESSED OP_QUERY handshake and legacy replies are compressed",
          "[protocol][compression]") {
  Bson query = Doc(R"({"isMaster": 1})");
  auto frame =
      CompressMessage(EncodeOpQuery(5, 0, "admin.$cmd", 0, -1, query.get()), CompressorId::kZlib);
  auto result = DecodeFrame(frame);
  REQUIRE(result.ok());
  CHECK(result.value().op_code() == OpCode::kQuery);
  CHECK(result.value().reply_context().compressor == CompressorId::kZlib);
  auto rejected = DecodeFrame(
      CompressMessage(EncodeOpQuery(5, 0, "db.coll", 0, -1, query.get()), CompressorId::kZstd));
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.error().reply.compressor == CompressorId::kZstd);
  CHECK(rejected.error().reply.op_reply_flags == kResultFlagErrSet);
}

TEST_CASE("OP_COMPRESSED rejections close the connection", "[protocol][compression]") {
  Bson body = Doc(R"({"ping": 1, "$db": "admin"})");
  auto plain = EncodeOpMsg(9, 0, body.get());
  const std::vector<uint8_t> inner(plain.begin() + 16, plain.end());
  const auto size = static_cast<int32_t>(inner.size());

  SECTION("header shorter than 9 bytes") {
    auto frame = CompressedFrame(2013, size, 1, {});
    frame.resize(16 + 5);
    StoreInt32(frame.data(), 21);
    auto result = DecodeFrame(frame);
    RequireClose(result, ErrorCodes::BadValue, "Invalid compressed message header");
  }
  SECTION("unknown compressor id") {
    auto result = DecodeFrame(CompressedFrame(2013, size, 9, inner));
    RequireClose(result, ErrorCodes::InternalError,
                 "Compression algorithm specified in message is not available");
  }
  SECTION("noop is not enabled by default") {
    auto result = DecodeFrame(CompressedFrame(2013, size, 0, inner));
    RequireClose(result, ErrorCodes::InternalError,
                 "Compression algorithm specified in message is not available");
  }
  SECTION("negative uncompressed size") {
    auto result = DecodeFrame(CompressedFrame(2013, -1, 1, Snappy(inner)));
    RequireClose(result, ErrorCodes::BadValue, "Decompressed message would be negative in size");
  }
  SECTION("uncompressed size over the limit") {
    auto result = DecodeFrame(CompressedFrame(2013, kMaxMessageSizeBytes - 15, 2, Zlib(inner)));
    RequireClose(result, ErrorCodes::BadValue,
                 "Decompressed message would be larger than maximum message size");
  }
  SECTION("size larger than the data, snappy and zstd (recorded in the stream)") {
    auto snappy = DecodeFrame(CompressedFrame(2013, 40'000'000, 1, Snappy(inner)));
    RequireClose(snappy, ErrorCodes::BadValue,
                 "Uncompressed message size does not match expected size");
    auto zstd = DecodeFrame(CompressedFrame(2013, 40'000'000, 3, Zstd(inner)));
    RequireClose(zstd, ErrorCodes::BadValue,
                 "Uncompressed message size does not match expected size");
  }
  SECTION("size larger than the data, zlib") {
    auto result = DecodeFrame(CompressedFrame(2013, 40'000'000, 2, Zlib(inner)));
    RequireClose(result, ErrorCodes::BadValue,
                 "Decompressing message returned less data than expected");
  }
  SECTION("size smaller than the data") {
    auto snappy = DecodeFrame(CompressedFrame(2013, size - 1, 1, Snappy(inner)));
    RequireClose(snappy, ErrorCodes::BadValue, "Compressed message was invalid or corrupted");
    auto zlib = DecodeFrame(CompressedFrame(2013, size - 1, 2, Zlib(inner)));
    RequireClose(zlib, ErrorCodes::BadValue, "Compressed message was invalid or corrupted");
    auto zstd = DecodeFrame(CompressedFrame(2013, size - 1, 3, Zstd(inner)));
    RequireClose(zstd, ErrorCodes::BadValue,
                 "Could not decompress message: Destination buffer is too small");
    DecodeOptions options;
    options.compressors = kAll;
    auto noop = DecodeFrame(CompressedFrame(2013, size - 1, 0, inner), options);
    RequireClose(noop, ErrorCodes::BadValue,
                 "Decompressing message returned less data than expected");
  }
  SECTION("corrupt payloads") {
    auto snappy = Snappy(inner);
    snappy.resize(snappy.size() / 2);
    auto s = DecodeFrame(CompressedFrame(2013, size, 1, snappy));
    RequireClose(s, ErrorCodes::BadValue, "Compressed message was invalid or corrupted");

    auto zlib = Zlib(inner);
    zlib[zlib.size() / 2] ^= 0xFF;
    zlib[zlib.size() / 2 + 1] ^= 0xFF;
    auto z = DecodeFrame(CompressedFrame(2013, size, 2, zlib));
    RequireClose(z, ErrorCodes::BadValue, "Compressed message was invalid or corrupted");
    auto zlib_cut = Zlib(inner);
    zlib_cut.resize(zlib_cut.size() - 3);
    auto zc = DecodeFrame(CompressedFrame(2013, size, 2, zlib_cut));
    RequireClose(zc, ErrorCodes::BadValue, "Compressed message was invalid or corrupted");

    auto zstd = Zstd(inner);
    zstd.resize(zstd.size() - 2);
    auto t = DecodeFrame(CompressedFrame(2013, size, 3, zstd));
    RequireClose(t, ErrorCodes::BadValue, "Could not decompress message: Src size is incorrect");
    auto garbage = DecodeFrame(CompressedFrame(2013, size, 3, {1, 2, 3, 4, 5, 6, 7, 8}));
    RequireClose(garbage, ErrorCodes::BadValue,
                 "Could not decompress message: Unknown frame descriptor");
  }
}

TEST_CASE("OP_COMPRESSED wrapping other opcodes", "[protocol][compression]") {
  SECTION("nested OP_COMPRESSED is ignored without a reply") {
    Bson body = Doc(R"({"ping": 1})");
    auto once = CompressMessage(EncodeOpMsg(9, 0, body.get()), CompressorId::kSnappy);
    auto twice = CompressMessage(once, CompressorId::kSnappy);
    auto result = DecodeFrame(twice);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().action == DecodeAction::kNoReply);
    CHECK(result.error().status.reason() == "Operation is not supported: 2012");
  }
  SECTION("a compressed OP_INSERT closes like a plain one") {
    std::vector<uint8_t> insert(16 + 8, 0);
    StoreInt32(insert.data(), 24);
    StoreInt32(insert.data() + 12, 2002);
    auto result = DecodeFrame(CompressMessage(insert, CompressorId::kZstd));
    RequireClose(result, 5745702, "OP_INSERT is no longer supported");
  }
  SECTION("a compressed empty OP_MSG closes") {
    auto result = DecodeFrame(CompressedFrame(2013, 0, 2, Zlib({})));
    RequireClose(result, ErrorCodes::Overflow,
                 "buffer size too small to read (4) bytes out of buffer[0] at offset: 0");
  }
}

TEST_CASE("CompressMessage leaves a message alone when the result could be too large",
          "[protocol][compression]") {
  // Noop's bound is the input itself: 9 + 16 bytes of headers push it past the limit.
  std::vector<uint8_t> huge(static_cast<size_t>(kMaxMessageSizeBytes) - 5, 0);
  StoreInt32(huge.data(), static_cast<int32_t>(huge.size()));
  StoreInt32(huge.data() + 12, 2013);
  auto out = CompressMessage(huge, CompressorId::kNoop);
  CHECK(out.size() == huge.size());
  CHECK(LoadInt32(out.data() + 12) == 2013);
}

TEST_CASE("compression negotiation follows serverNegotiate", "[protocol][compression]") {
  std::vector<std::string_view> offered = {"zlib", "lz4", "snappy", "zlib", "noop"};
  CHECK(NegotiateCompressors(offered, DefaultCompressors()) ==
        std::vector<CompressorId>{CompressorId::kZlib, CompressorId::kSnappy, CompressorId::kZlib});
  CHECK(NegotiateCompressors(offered, kAll).back() == CompressorId::kNoop);
  CHECK(NegotiateCompressors(offered, {}).empty());

  CompressionNegotiator negotiator;
  // No field before anything was negotiated: nothing to report.
  CHECK(negotiator.Negotiate(std::nullopt).empty());
  CHECK(negotiator.Negotiate(std::vector<std::string_view>{"zstd", "snappy"}) ==
        std::vector<std::string>{"zstd", "snappy"});
  // No field afterwards: the last result again.
  CHECK(negotiator.Negotiate(std::nullopt) == std::vector<std::string>{"zstd", "snappy"});
  // An empty list renegotiates to nothing.
  CHECK(negotiator.Negotiate(std::vector<std::string_view>{}).empty());
  CHECK(negotiator.negotiated().empty());
  CHECK(negotiator.Negotiate(std::vector<std::string_view>{"bogus"}).empty());
}

TEST_CASE("net.compression.compressors parsing", "[protocol][compression]") {
  auto defaults = ParseCompressorList("snappy,zstd,zlib");
  REQUIRE(defaults.ok());
  CHECK(defaults.value() == DefaultCompressors());
  auto disabled = ParseCompressorList("disabled");
  REQUIRE(disabled.ok());
  CHECK(disabled.value().empty());
  auto noop = ParseCompressorList("noop");
  REQUIRE(noop.ok());
  CHECK(noop.value() == std::vector<CompressorId>{CompressorId::kNoop});
  auto bad = ParseCompressorList("snappy,lz4");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCodes::BadValue);
  CHECK(bad.status().reason() ==
        "Invalid network message compressor specified in configuration: lz4");
  // mongod splits on both ',' and ' ', so ", " leaves an empty name.
  auto spaced = ParseCompressorList("snappy, zlib");
  REQUIRE_FALSE(spaced.ok());
  CHECK(spaced.status().reason() ==
        "Invalid network message compressor specified in configuration: ");
}

}  // namespace
}  // namespace basalt::protocol
