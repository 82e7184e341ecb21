// BSON printed in mongo shell notation, exactly as mongod prints values in
// its messages (BSONObj::toString), e.g. the dup key part of an E11000 error:
//   { email: "a@b.c" }   { _id: 1 }   { _id: 1.0 }   { _id: ObjectId('...') }
#pragma once

#include <bson/bson.h>

#include <string>

namespace basalt {

// The whole document: "{ a: 1, b: "x" }", "{}" when empty.
std::string ShellString(const bson_t* doc);

// One element's value: `1`, `1.0`, `"x"`, `ObjectId('...')`, `{ a: 1 }`, `[ 1, 2 ]`.
std::string ShellValueString(const bson_iter_t* it);

}  // namespace basalt
