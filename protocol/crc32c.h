// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum OP_MSG
// carries when its checksumPresent flag is set. It covers the whole message,
// header included, except the trailing 4 checksum bytes.
//
// Crc32c uses the SSE4.2 crc32 instruction when the CPU has it (checked once
// at run time) and a slice-by-8 table otherwise; both give the same result.
// `crc` lets a caller checksum a message in pieces:
//   Crc32c(b, nb, Crc32c(a, na)) == Crc32c(a ++ b).
#pragma once

#include <cstddef>
#include <cstdint>

namespace basalt::protocol {

uint32_t Crc32c(const uint8_t* data, size_t size, uint32_t crc = 0);

// The table implementation alone, so tests can hold both paths to one answer.
uint32_t Crc32cPortable(const uint8_t* data, size_t size, uint32_t crc = 0);

}  // namespace basalt::protocol
