// The createIndexes spec the storage race, crash and bench tests share:
// {key: {email: 1}, name: "email_1", unique: true}.
#pragma once

#include <bson/bson.h>

#include "base/bson.h"

namespace basalt::storage::testing {

inline Bson UniqueEmailIndexSpec() {
  Bson spec;
  bson_t key;
  BSON_APPEND_DOCUMENT_BEGIN(spec.get(), "key", &key);
  BSON_APPEND_INT32(&key, "email", 1);
  bson_append_document_end(spec.get(), &key);
  BSON_APPEND_UTF8(spec.get(), "name", "email_1");
  BSON_APPEND_BOOL(spec.get(), "unique", true);
  return spec;
}

}  // namespace basalt::storage::testing
