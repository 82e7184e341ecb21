// Randomized robustness: mutated and truncated versions of valid frames must
// decode to a Request whose documents are all valid, or to a DecodeError,
// never crash or hang. The seed is fixed so a failure reproduces.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
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

std::vector<std::vector<uint8_t>> SeedFrames() {
  Bson body = Doc(R"({"insert": "c", "ordered": true, "$db": "test", "lsid": {"id": 1}})");
  Bson d1 = Doc(R"({"_id": 1, "a": [1, "x", {"b": null}], "s": "hello"})");
  Bson d2 = Doc(R"({"_id": {"$oid": "0123456789abcdef01234567"}, "f": 1.5, "t": true})");
  Bson hello = Doc(R"({"isMaster": 1, "helloOk": true, "client": {"app": "x"}})");
  std::vector<OutgoingSequence> seqs = {{"documents", {DocView(d1.get()), DocView(d2.get())}},
                                        {"other", {DocView(d2.get())}}};
  std::vector<std::vector<uint8_t>> seeds;
  seeds.push_back(EncodeOpMsg(1, 0, body.get()));
  seeds.push_back(EncodeOpMsg(2, 0, body.get(), kChecksumPresent, seqs));
  seeds.push_back(EncodeOpMsg(3, 0, body.get(), kMoreToCome, seqs));
  seeds.push_back(EncodeOpQuery(4, 0, "admin.$cmd", 0, -1, hello.get()));
  for (CompressorId id :
       {CompressorId::kNoop, CompressorId::kSnappy, CompressorId::kZlib, CompressorId::kZstd}) {
    seeds.push_back(CompressMessage(EncodeOpMsg(5, 0, body.get(), 0, seqs), id));
  }
  return seeds;
}

void FixLength(std::vector<uint8_t>* frame) {
  if (frame->size() >= 4) StoreInt32(frame->data(), static_cast<int32_t>(frame->size()));
}

// Checks the decoder's promises for one frame.
void CheckDecodes(const std::vector<uint8_t>& frame, const DecodeOptions& options) {
  DecodeResult result = DecodeFrame(frame, options);
  if (result.ok()) {
    Request& r = result.value();
    REQUIRE(bson_validate(r.body(), BSON_VALIDATE_NONE, nullptr));
    (void)r.command_name();
    for (const DocumentSequence& sequence : r.sequences()) {
      for (const DocView& doc : sequence.documents) {
        BsonView view = doc.bson();
        REQUIRE(bson_validate(view.get(), BSON_VALIDATE_NONE, nullptr));
      }
    }
    if (const LegacyQuery* legacy = r.legacy_query()) {
      BsonView query = legacy->query.bson();
      REQUIRE(bson_validate(query.get(), BSON_VALIDATE_NONE, nullptr));
    }
    auto reply = EncodeReply(r.reply_context(), 1, r.body());
    REQUIRE(reply.size() >= 16);
    return;
  }
  const DecodeError& error = result.error();
  REQUIRE_FALSE(error.status.ok());
  if (error.action == DecodeAction::kReplyError) {
    auto reply = EncodeReply(error.reply, 1, error.reply_body.get());
    REQUIRE(reply.size() >= 16);
  }
}

TEST_CASE("every truncation of a valid frame is handled", "[protocol][fuzz]") {
  DecodeOptions options;
  const std::vector<CompressorId> all = {CompressorId::kNoop, CompressorId::kSnappy,
                                         CompressorId::kZlib, CompressorId::kZstd};
  options.compressors = all;
  for (const auto& seed : SeedFrames()) {
    REQUIRE(DecodeFrame(seed, options).ok());
    for (size_t len = 16; len < seed.size(); ++len) {
      std::vector<uint8_t> cut(seed.begin(), seed.begin() + static_cast<ptrdiff_t>(len));
      FixLength(&cut);
      CheckDecodes(cut, options);
      // Every seed ends in a document (or compressed data), so no cut is valid.
      CHECK_FALSE(DecodeFrame(cut, options).ok());
    }
  }
}

TEST_CASE("randomly mutated frames never crash the decoder", "[protocol][fuzz]") {
  DecodeOptions options;
  const std::vector<CompressorId> all = {CompressorId::kNoop, CompressorId::kSnappy,
                                         CompressorId::kZlib, CompressorId::kZstd};
  options.compressors = all;
  const auto seeds = SeedFrames();
  const int32_t interesting[] = {0, 1, 4, 5, -1, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, INT32_MIN, 16, 2013};
  // BASALT_FUZZ_ITERATIONS runs a longer campaign (e.g. under ASan).
  const char* env = std::getenv("BASALT_FUZZ_ITERATIONS");
  const long iterations = env ? std::atol(env) : 40000;
  const auto seed = static_cast<unsigned>(env && std::getenv("BASALT_FUZZ_SEED")
                                              ? std::atol(std::getenv("BASALT_FUZZ_SEED"))
                                              : 20240611);
  std::mt19937 rng(seed);
  int decoded = 0, errors = 0;
  for (long iteration = 0; iteration < iterations; ++iteration) {
    std::vector<uint8_t> frame = seeds[rng() % seeds.size()];
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !frame.empty(); ++m) {
      const size_t at = rng() % frame.size();
      switch (rng() % 6) {
        case 0:
          frame[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          frame[at] = static_cast<uint8_t>(interesting[rng() % 12]);
          break;
        case 2:
          if (at + 4 <= frame.size()) StoreInt32(frame.data() + at, interesting[rng() % 12]);
          break;
        case 3:
          frame.resize(std::max<size_t>(16, at));
          break;
        case 4: {
          const size_t n = 1 + rng() % 16;
          std::vector<uint8_t> junk(n);
          for (auto& b : junk) b = static_cast<uint8_t>(rng());
          frame.insert(frame.begin() + static_cast<ptrdiff_t>(at), junk.begin(), junk.end());
          break;
        }
        case 5: {
          const size_t n = std::min(frame.size() - at, 1 + rng() % 32);
          std::vector<uint8_t> chunk(frame.begin() + static_cast<ptrdiff_t>(at),
                                     frame.begin() + static_cast<ptrdiff_t>(at + n));
          frame.insert(frame.end(), chunk.begin(), chunk.end());
          break;
        }
      }
    }
    // Usually keep the header honest so the mutation reaches the body parser.
    if (rng() % 8 != 0) FixLength(&frame);
    CheckDecodes(frame, options);
    (DecodeFrame(frame, options).ok() ? decoded : errors)++;
  }
  // Both outcomes occur: the mutations are neither all harmless nor all fatal.
  CHECK(decoded > iterations / 400);
  CHECK(errors > iterations / 4);
}

}  // namespace
}  // namespace basalt::protocol
