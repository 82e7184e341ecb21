// Status and StatusWith<T>: how every layer reports failure. No exception
// crosses a layer boundary; a Status carries mongod's error code, the message
// a client sees, and optional extra fields (e.g. keyPattern/keyValue for
// DuplicateKey) that go into the error reply beside errmsg/code/codeName.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/bson.h"
#include "base/error_codes.h"

namespace basalt {

class Status {
 public:
  Status() = default;  // OK
  Status(int code, std::string reason);
  Status(int code, std::string reason, Bson extra_info);

  static Status OK() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  int code() const { return rep_ ? rep_->code : ErrorCodes::OK; }
  std::string codeName() const { return ErrorCodes::Name(code()); }
  const std::string& reason() const;
  // Extra fields for the error reply, or nullptr.
  const bson_t* extraInfo() const;

  // "CodeName: reason", for logs.
  std::string ToString() const;

 private:
  struct Rep {
    int code;
    std::string reason;
    std::optional<Bson> extra;
  };
  // Shared so that copying a Status is cheap; never mutated once made.
  std::shared_ptr<const Rep> rep_;
};

template <typename T>
class StatusWith {
 public:
  StatusWith(Status status) : status_(std::move(status)) { assert(!status_.ok()); }
  StatusWith(T value) : value_(std::move(value)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace basalt
