// BSON printed in mongo shell notation, exactly as mongod prints values in
// its messages (BSONObj::toString), e.g. the dup key part of an E11000 error:
//   { email: "a@b.c" }   { _id: 1 }   { _id: 1.0 }   { _id: ObjectId('...') }
// Like mongod, nothing is escaped (a quote inside a string prints as is),
// strings longer than 159 bytes print their first 150 bytes then `..."`,
// code past 79 bytes and binData past 80 bytes are cut the same way, and
// nesting deeper than 100 prints "...".
#pragma once

#include <bson/bson.h>

#include <string>

namespace basalt {

// The whole document: "{ a: 1, b: "x" }", "{}" when empty.
std::string ShellString(const bson_t* doc);

// One element's value: `1`, `1.0`, `"x"`, `ObjectId('...')`, `{ a: 1 }`, `[ 1, 2 ]`.
std::string ShellValueString(const bson_iter_t* it);

// The "dup key: ..." part of an E11000 message for the key values `key_value`
// (named by the index's key pattern), as mongod's buildDupKeyErrorStatus
// prints it: ShellString, except that a top-level string value that is not
// valid UTF-8 (every top-level string when the index has a collation) prints
// as the string "0x<lowercase hex of its bytes>". The keyValue field of the
// error keeps the original values.
std::string DupKeyShellString(const bson_t* key_value, bool has_collation = false);

}  // namespace basalt
