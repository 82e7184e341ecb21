#include "base/status.h"

namespace basalt {

Status::Status(int code, std::string reason)
    : rep_(std::make_shared<const Rep>(Rep{code, std::move(reason), std::nullopt})) {}

Status::Status(int code, std::string reason, Bson extra_info)
    : rep_(std::make_shared<const Rep>(Rep{code, std::move(reason), std::move(extra_info)})) {}

const std::string& Status::reason() const {
  static const std::string kEmpty;
  return rep_ ? rep_->reason : kEmpty;
}

const bson_t* Status::extraInfo() const {
  return rep_ && rep_->extra ? rep_->extra->get() : nullptr;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return codeName() + ": " + rep_->reason;
}

}  // namespace basalt
