// Order-preserving byte encoding of BSON values for index keys (the role
// KeyString plays in mongod). Comparing two encodings with memcmp gives the
// same order as comparing the values with mongod's BSON comparison:
//   MinKey < undefined/null/missing < numbers < strings/symbols < objects < arrays
//   < binData < ObjectId < bool < date < timestamp < regex < dbPointer < code
//   < codeWScope < MaxKey
// Numbers compare by value across int32, int64, double and decimal128, so 1,
// 1L, 1.0 and NumberDecimal("1") encode identically. Each encoded value is
// self-delimiting, so a compound key is the concatenation of its fields'
// encodings and still compares field by field. A descending field's bytes are
// inverted. docs/key_encoding.md describes the format.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace basalt::storage {

// Appends the encoding of the value `it` points at (not its field name).
void AppendKeyValue(std::string* out, const bson_iter_t* it, bool descending);

// Appends the encoding of null, which is also the key of a missing field.
void AppendKeyNull(std::string* out, bool descending);

// Appends keys below/above every value, for open-ended index range bounds.
void AppendKeyMinKey(std::string* out, bool descending);
void AppendKeyMaxKey(std::string* out, bool descending);

// Decodes a key made of `field_names.size()` values back to BSON, appending
// one element per field to `out` under the given names (e.g. for keyValue in
// duplicate-key errors, and returnKey). `descending[i]` as when encoding.
// Numbers come back in a canonical type: int32 if it fits, else int64 if
// integral and fits, else double if exact, else decimal128.
Status DecodeKey(std::string_view key, const std::vector<std::string>& field_names,
                 const std::vector<bool>& descending, bson_t* out);

// mongod's comparison of two BSON values (no collation): <0, 0 or >0. The
// reference the encoding is tested against; also usable by the query layer.
int CompareBsonValues(const bson_iter_t* a, const bson_iter_t* b);

}  // namespace basalt::storage
