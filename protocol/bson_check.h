// Validation of BSON documents arriving off the wire, with mongod's error
// codes and messages.
//
// Contract: ReadDocument either returns the exact size of a document that
// starts at `data`, fits in `available` bytes, is structurally valid the way
// mongod's validateBSON (src/mongo/bson/bson_validate.cpp, precise mode)
// checks it, is at most kMaxBsonInternalSize bytes, and that libbson can
// iterate safely; or it returns the Status mongod would raise (InvalidBSON,
// Overflow for nesting deeper than 200, BSONObjectTooLarge 10334). It reads
// no byte outside [data, data + available) and allocates nothing.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace basalt::protocol {

// mongod's maxBSONDepth default: objects nest at most this deep.
inline constexpr int kMaxBsonDepth = 200;

// mongod's validateBSON(data, available): the structural checks only.
Status ValidateBson(const uint8_t* data, size_t available);

// mongod's read<Validated<BSONObj>>: ValidateBson, then the size limit, then a
// libbson cross-check. Returns the document's length.
StatusWith<uint32_t> ReadDocument(const uint8_t* data, size_t available);


}  // namespace basalt::protocol
