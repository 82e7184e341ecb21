// Preparing a document for storage exactly as mongod's fixDocumentForInsert
// does: size and nesting limits, `_id` rules, `_id` moved (or generated) to
// the front, and top-level Timestamp(0, 0) values filled in.
#pragma once

#include <bson/bson.h>

#include <optional>

#include "base/bson.h"
#include "base/status.h"

namespace basalt::commands {

// mongod's BSONDepth::getMaxDepthForUserStorage(): maxBSONDepth (200) less
// the 20 levels it reserves for its own wrapping.
inline constexpr int kMaxUserDocumentDepth = 180;

// Returns the document to store: `doc` itself (nullopt) when it is already
// fit, or a rebuilt copy with `_id` first. Failures are mongod's write errors:
// BadValue "object to insert too large. size in bytes: N, max size: 16777216",
// Overflow "cannot insert document because it exceeds 180 levels of nesting",
// BadValue "can't use a regex for _id" / "an array" / "a undefined",
// BadValue "can't have multiple _id fields in one document".
StatusWith<std::optional<Bson>> PrepareForInsert(const bson_t* doc);

}  // namespace basalt::commands
