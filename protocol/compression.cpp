#include "protocol/compression.h"

#include <snappy.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_decompressBound.
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>

namespace basalt::protocol {
namespace {

constexpr size_t kCompressionHeaderSize = 9;  // originalOpcode, uncompressedSize, compressorId.

Status BadValue(std::string reason) { return Status(ErrorCodes::BadValue, std::move(reason)); }

Status Corrupted() { return BadValue("Compressed message was invalid or corrupted"); }

Status ZstdError(ZSTD_ErrorCode code) {
  return BadValue(std::string("Could not decompress message: ") + ZSTD_getErrorString(code));
}

size_t MaxCompressedSize(CompressorId id, size_t input) {
  switch (id) {
    case CompressorId::kSnappy:
      return snappy::MaxCompressedLength(input);
    case CompressorId::kZlib:
      return compressBound(static_cast<uLong>(input));
    case CompressorId::kZstd:
      return ZSTD_compressBound(input);
    case CompressorId::kNoop:
      break;
  }
  return input;
}

// Compresses into `out`, which holds MaxCompressedSize bytes; returns the
// compressed size, or nullopt when the library fails.
std::optional<size_t> CompressInto(CompressorId id, const uint8_t* in, size_t size, uint8_t* out,
                                   size_t capacity) {
  switch (id) {
    case CompressorId::kSnappy: {
      size_t written = 0;
      snappy::RawCompress(reinterpret_cast<const char*>(in), size, reinterpret_cast<char*>(out),
                          &written);
      return written;
    }
    case CompressorId::kZlib: {
      uLongf written = capacity;
      if (compress2(out, &written, in, static_cast<uLong>(size), Z_DEFAULT_COMPRESSION) != Z_OK) {
        return std::nullopt;
      }
      return written;
    }
    case CompressorId::kZstd: {
      const size_t written = ZSTD_compress(out, capacity, in, size, ZSTD_CLEVEL_DEFAULT);
      if (ZSTD_isError(written)) return std::nullopt;
      return written;
    }
    case CompressorId::kNoop:
      break;
  }
  if (size > 0) std::memcpy(out, in, size);
  return size;
}

// mongod's getMaxDecompressedSize: what the compressed stream itself says it
// expands to, when the format records it.
std::optional<size_t> ClaimedSize(CompressorId id, std::span<const uint8_t> in) {
  if (id == CompressorId::kSnappy) {
    size_t length = 0;
    if (snappy::GetUncompressedLength(reinterpret_cast<const char*>(in.data()), in.size(),
                                      &length)) {
      return length;
    }
  } else if (id == CompressorId::kZstd) {
    const unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
    if (size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR) return size;
  }
  return std::nullopt;
}

Status DecompressSnappy(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t expected) {
  const char* src = reinterpret_cast<const char*>(in.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(src, in.size(), &length) || length != expected) {
    return Corrupted();
  }
  // The validation pass walks the whole stream without output, so a frame
  // whose data cannot back its length costs no allocation.
  if (!snappy::IsValidCompressedBuffer(src, in.size())) return Corrupted();
  out->resize(expected);
  if (expected > 0 &&
      !snappy::RawUncompress(src, in.size(), reinterpret_cast<char*>(out->data()))) {
    return Corrupted();
  }
  return Status::OK();
}

// Inflates in chunks so memory grows with what the data really produces, not
// with what the header claims.
Status DecompressZlib(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t expected) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return Corrupted();
  stream.next_in = const_cast<Bytef*>(in.data());
  stream.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  int rc = Z_OK;
  // One byte of headroom past `expected` detects a stream that is too long.
  const size_t limit = expected + 1;
  while (rc == Z_OK) {
    if (produced == out->size()) {
      if (out->size() >= limit) break;
      out->resize(std::min(limit, std::max<size_t>(out->size() * 2, 64 * 1024)));
    }
    stream.next_out = out->data() + produced;
    stream.avail_out = static_cast<uInt>(out->size() - produced);
    rc = inflate(&stream, Z_NO_FLUSH);
    produced = out->size() - stream.avail_out;
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // Truncated stream.
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END || produced > expected) return Corrupted();
  out->resize(produced);
  if (produced != expected) {
    return BadValue("Decompressing message returned less data than expected");
  }
  return Status::OK();
}

Status DecompressZstd(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t expected) {
  // ZSTD_decompressBound walks every frame and block header, so a truncated
  // or corrupt stream fails here, and a declared size its blocks cannot
  // produce is refused before the output buffer exists.
  const size_t first = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (ZSTD_isError(first)) return ZstdError(ZSTD_getErrorCode(first));
  const unsigned long long bound = ZSTD_decompressBound(in.data(), in.size());
  if (bound == ZSTD_CONTENTSIZE_ERROR) return ZstdError(ZSTD_error_srcSize_wrong);
  if (bound < expected) {
    return BadValue("Uncompressed message size does not match expected size");
  }
  out->resize(expected);
  const size_t written = ZSTD_decompress(out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(written)) return ZstdError(ZSTD_getErrorCode(written));
  if (written != expected) {
    return BadValue("Decompressing message returned less data than expected");
  }
  return Status::OK();
}

}  // namespace

std::string_view CompressorName(CompressorId id) {
  switch (id) {
    case CompressorId::kNoop:
      return "noop";
    case CompressorId::kSnappy:
      return "snappy";
    case CompressorId::kZlib:
      return "zlib";
    case CompressorId::kZstd:
      return "zstd";
  }
  return "unknown";
}

std::optional<CompressorId> CompressorByName(std::string_view name) {
  for (CompressorId id :
       {CompressorId::kNoop, CompressorId::kSnappy, CompressorId::kZlib, CompressorId::kZstd}) {
    if (CompressorName(id) == name) return id;
  }
  return std::nullopt;
}

const std::vector<CompressorId>& DefaultCompressors() {
  static const std::vector<CompressorId> kDefault = {CompressorId::kSnappy, CompressorId::kZstd,
                                                     CompressorId::kZlib};
  return kDefault;
}

StatusWith<std::vector<CompressorId>> ParseCompressorList(std::string_view config) {
  std::vector<CompressorId> out;
  if (config == "disabled") return out;
  size_t start = 0;
  while (true) {
    const size_t stop = config.find_first_of(", ", start);
    const std::string_view piece = config.substr(start, stop - start);
    auto id = CompressorByName(piece);
    if (!id) {
      return BadValue("Invalid network message compressor specified in configuration: " +
                      std::string(piece));
    }
    if (std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
    if (stop == std::string_view::npos) break;
    start = stop + 1;
  }
  return out;
}

std::vector<uint8_t> CompressMessage(std::vector<uint8_t> message, CompressorId id) {
  if (message.size() < static_cast<size_t>(kHeaderSize)) return message;
  const size_t data_size = message.size() - kHeaderSize;
  const size_t capacity = MaxCompressedSize(id, data_size);
  if (capacity + kCompressionHeaderSize + kHeaderSize > static_cast<size_t>(kMaxMessageSizeBytes)) {
    return message;
  }
  std::vector<uint8_t> out(kHeaderSize + kCompressionHeaderSize + capacity);
  uint8_t* payload = out.data() + kHeaderSize + kCompressionHeaderSize;
  auto written = CompressInto(id, message.data() + kHeaderSize, data_size, payload, capacity);
  if (!written) return message;
  out.resize(kHeaderSize + kCompressionHeaderSize + *written);
  MsgHeader header;
  header.message_length = static_cast<int32_t>(out.size());
  header.request_id = LoadInt32(message.data() + 4);
  header.response_to = LoadInt32(message.data() + 8);
  header.op_code = static_cast<int32_t>(OpCode::kCompressed);
  WriteHeader(header, out.data());
  StoreInt32(out.data() + kHeaderSize, LoadInt32(message.data() + 12));
  StoreInt32(out.data() + kHeaderSize + 4, static_cast<int32_t>(data_size));
  out[kHeaderSize + 8] = static_cast<uint8_t>(id);
  return out;
}

StatusWith<DecompressedMessage> DecompressMessage(const MsgHeader& header,
                                                  std::span<const uint8_t> body,
                                                  std::span<const CompressorId> enabled) {
  if (body.size() < kCompressionHeaderSize) return BadValue("Invalid compressed message header");
  const int32_t original_op = LoadInt32(body.data());
  const int32_t uncompressed_size = LoadInt32(body.data() + 4);
  const auto id = static_cast<CompressorId>(body[8]);
  if (std::find(enabled.begin(), enabled.end(), id) == enabled.end()) {
    return Status(ErrorCodes::InternalError,
                  "Compression algorithm specified in message is not available");
  }
  if (uncompressed_size < 0) return BadValue("Decompressed message would be negative in size");
  const size_t expected = static_cast<size_t>(uncompressed_size);
  if (expected + kHeaderSize > static_cast<size_t>(kMaxMessageSizeBytes)) {
    return BadValue("Decompressed message would be larger than maximum message size");
  }
  const auto input = body.subspan(kCompressionHeaderSize);
  if (auto claimed = ClaimedSize(id, input); claimed && *claimed < expected) {
    return BadValue("Uncompressed message size does not match expected size");
  }

  DecompressedMessage result;
  result.compressor = id;
  Status status = Status::OK();
  switch (id) {
    case CompressorId::kSnappy:
      status = DecompressSnappy(input, &result.body, expected);
      break;
    case CompressorId::kZlib:
      status = DecompressZlib(input, &result.body, expected);
      break;
    case CompressorId::kZstd:
      status = DecompressZstd(input, &result.body, expected);
      break;
    case CompressorId::kNoop:
      // mongod copies the bytes and then insists on the declared length.
      if (input.size() != expected) {
        status = BadValue("Decompressing message returned less data than expected");
      } else {
        result.body.assign(input.begin(), input.end());
      }
      break;
  }
  if (!status.ok()) return status;
  result.header.message_length = static_cast<int32_t>(kHeaderSize + expected);
  result.header.request_id = header.request_id;
  result.header.response_to = header.response_to;
  result.header.op_code = original_op;
  return result;
}

std::vector<CompressorId> NegotiateCompressors(std::span<const std::string_view> offered,
                                               std::span<const CompressorId> enabled) {
  std::vector<CompressorId> negotiated;
  for (std::string_view name : offered) {
    auto id = CompressorByName(name);
    if (id && std::find(enabled.begin(), enabled.end(), *id) != enabled.end()) {
      negotiated.push_back(*id);
    }
  }
  return negotiated;
}

CompressionNegotiator::CompressionNegotiator(std::vector<CompressorId> enabled)
    : enabled_(std::move(enabled)) {}

std::vector<std::string> CompressionNegotiator::Negotiate(
    const std::optional<std::vector<std::string_view>>& offered) {
  if (offered) {
    // A hello with the field renegotiates from scratch.
    negotiated_ = NegotiateCompressors(*offered, enabled_);
  }
  std::vector<std::string> names;
  for (CompressorId id : negotiated_) names.emplace_back(CompressorName(id));
  return names;
}

}  // namespace basalt::protocol
