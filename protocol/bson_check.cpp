#include "protocol/bson_check.h"


#include <cstdio>
#include <cstring>
#include <vector>

#include "base/bson_shell.h"
#include "base/escape.h"
#include "protocol/message.h"

namespace basalt::protocol {
namespace {

// BSONElement::toString: "name: value".
std::string ElementString(const bson_iter_t* it) {
  return std::string(bson_iter_key(it), bson_iter_key_len(it)) + ": " + ShellValueString(it);
}

// The element types whose value is a fixed number of bytes; -1 marks types
// that need their own handling. Index is the type byte (0x01..0x13).
constexpr int kFixedSize[20] = {-1, 8,  -1, -1, -1, -1, 0, 12, -1, 8,
                                0,  -1, -1, -1, -1, -1, 4, 8,  8,  16};

// A port of mongod's precise ValidateBuffer: the same walk, the same checks in
// the same order, the same messages, so a client sees mongod's error. Offsets
// are size_t so that no length a client writes can overflow the arithmetic.
class Validator {
 public:
  Validator(const uint8_t* data, size_t available)
      : data_(data), available_(available), frames_(kMaxBsonDepth + 1) {}

  Status Run() {
    if (!Check(available_ >= 5, ErrorCodes::InvalidBSON, "BSON data has to be at least 5 bytes"))
      return error_;
    const int32_t len = LoadInt32(data_);
    if (!Check(len >= 5, ErrorCodes::InvalidBSON, "BSON data has to be at least 5 bytes") ||
        !Check(static_cast<size_t>(len) <= available_, ErrorCodes::InvalidBSON,
               "Incorrect BSON length"))
      return error_;
    end_ = static_cast<size_t>(len);
    frames_[0].end = end_;
    if (!Check(data_[end_ - 1] == 0, ErrorCodes::InvalidBSON,
               "BSON object not terminated with EOO"))
      return error_;
    Iterate(4);
    return error_;
  }

 private:
  struct Frame {
    size_t end = 0;       // Where this object's EOO must end.
    size_t elem = kNone;  // The element that opened it (the _id element for frame 0).
    size_t elem_end = 0;  // End of `elem`, for printing the _id.
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);

  bool Check(bool condition, int code, const char* reason) {
    if (condition || !error_.ok()) return condition && error_.ok();
    error_ = Status(code, std::string(reason) + " " + Context());
    return false;
  }

  // Cursor moves; like mongod's, every skip must leave at least one byte (an
  // EOO) before the end of the top-level object.
  bool Skip(size_t* pos, size_t len) {
    *pos += len;
    return Check(*pos < end_, ErrorCodes::InvalidBSON, "BSON size is larger than buffer size");
  }
  bool SkipString(size_t* pos) {
    size_t start = *pos;
    if (!Skip(pos, 4)) return false;
    const uint32_t len = LoadUint32(data_ + start);
    if (!Skip(pos, len)) return false;
    return Check(data_[*pos - 1] == 0 && len > 0, ErrorCodes::InvalidBSON,
                 "Not null terminated string");
  }
  size_t StrLen(size_t pos) const {
    // Safe: the top-level object ends in a NUL and pos < end_.
    return std::strlen(reinterpret_cast<const char*>(data_ + pos));
  }

  bool PushFrame(size_t* pos) {
    if (current_ + 1 >= frames_.size()) {
      current_ = frames_.size();  // Past the last frame, as mongod's iterator ends up.
      return Check(false, ErrorCodes::Overflow, "BSONObj exceeds maximum nested object depth");
    }
    ++current_;
    const size_t obj = *pos;
    if (!Skip(pos, 4)) return false;
    const int32_t len = LoadInt32(data_ + obj);
    if (!Check(len >= 5, ErrorCodes::InvalidBSON, "Nested BSON object has to be at least 5 bytes"))
      return false;
    frames_[current_].end = obj + static_cast<size_t>(len);
    frames_[current_].elem = elem_;
    return true;
  }

  bool ValidateSpecial(size_t* pos, uint8_t type) {
    switch (type) {
      case BSON_TYPE_BINARY: {
        const size_t at = *pos;
        if (!Skip(pos, 4)) return false;
        const uint32_t count = LoadUint32(data_ + at);
        if (!Skip(pos, 1)) return false;
        // Subtype 7 (BSONColumn) gets a deeper check in mongod; clients do not send it.
        return Skip(pos, count);
      }
      case BSON_TYPE_BOOL: {
        const size_t at = *pos;
        if (!Skip(pos, 1)) return false;
        return Check(data_[at] <= 1, ErrorCodes::InvalidBSON,
                     "BSON bool is neither false nor true");
      }
      case BSON_TYPE_REGEX:
        return Skip(pos, 0) && Skip(pos, StrLen(*pos) + 1) && Skip(pos, StrLen(*pos) + 1);
      case BSON_TYPE_DBPOINTER:
        return SkipString(pos) && Skip(pos, 12);
      case BSON_TYPE_MINKEY:
      case BSON_TYPE_MAXKEY:
        return Skip(pos, 0);
      default:
        return Check(false, ErrorCodes::InvalidBSON,
                     ("Unrecognized BSON type " + std::to_string(type)).c_str());
    }
  }

  bool ValidateElement(size_t* pos, uint8_t type) {
    if (type > BSON_TYPE_DECIMAL128) return ValidateSpecial(pos, type);
    if (kFixedSize[type] >= 0) return Skip(pos, static_cast<size_t>(kFixedSize[type]));
    switch (type) {
      case BSON_TYPE_UTF8:
      case BSON_TYPE_CODE:
      case BSON_TYPE_SYMBOL:
        return SkipString(pos);
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY:
        return PushFrame(pos);
      case BSON_TYPE_CODEWSCOPE:
        // A frame checks the total size, then the code string, then the scope
        // document opens a frame whose element is the code's terminating NUL.
        if (!PushFrame(pos) || !SkipString(pos)) return false;
        elem_ = *pos - 1;
        return PushFrame(pos);
      default:
        return ValidateSpecial(pos, type);
    }
  }

  void Iterate(size_t pos) {
    do {
      if (!Check(pos < end_, ErrorCodes::InvalidBSON, "BSON size is larger than buffer size"))
        return;
      while (size_t len = StrLen(pos)) {
        const uint8_t type = data_[pos];
        elem_ = pos;
        pos += len + 1;
        if (!ValidateElement(&pos, type)) return;
        if (current_ == 0 &&
            std::strcmp(reinterpret_cast<const char*>(data_ + elem_ + 1), "_id") == 0) {
          frames_[0].elem = elem_;
          frames_[0].elem_end = pos;
        }
      }
      ++pos;  // The EOO byte.
      if (!Check(pos == frames_[current_].end, ErrorCodes::InvalidBSON, "incorrect BSON length"))
        return;
      if (current_ > 0 && frames_[current_ - 1].elem != kNone &&
          data_[frames_[current_ - 1].elem] == BSON_TYPE_CODEWSCOPE) {
        --current_;
        if (!Check(pos == frames_[current_].end, ErrorCodes::InvalidBSON, "incorrect BSON length"))
          return;
      }
    } while (current_-- > 0);
    current_ = 0;
  }

  const char* NameAt(size_t elem) const {
    // A frame not yet given an element, and the CodeWScope scope marker (type
    // byte 0), have no name.
    if (elem == kNone || data_[elem] == 0) return "";
    return reinterpret_cast<const char*>(data_ + elem + 1);
  }

  // mongod's _context(): "in element with field name 'a.b' in object with _id: 1".
  std::string Context() const {
    std::string ctx = "in element with field name '";
    // Frames 1..current_ name the path; all of them after a depth overflow.
    const size_t last = current_ < frames_.size() ? current_ : frames_.size() - 1;
    for (size_t i = 1; i <= last; ++i) ctx += std::string(NameAt(frames_[i].elem)) + ".";
    ctx += elem_ == kNone ? "?" : NameAt(elem_);
    ctx += "' in object with ";
    ctx += IdString();
    return EscapeString(ctx);
  }

  std::string IdString() const {
    const Frame& top = frames_[0];
    if (top.elem == kNone) return "unknown _id";
    // Wrap the (validated) _id element in a one-element document to print it.
    const size_t elem_size = top.elem_end - top.elem;
    std::vector<uint8_t> doc(elem_size + 5);
    StoreInt32(doc.data(), static_cast<int32_t>(doc.size()));
    std::memcpy(doc.data() + 4, data_ + top.elem, elem_size);
    doc.back() = 0;
    bson_t view;
    bson_iter_t it;
    if (!bson_init_static(&view, doc.data(), doc.size()) || !bson_iter_init(&it, &view) ||
        !bson_iter_next(&it)) {
      return "unknown _id";
    }
    return ElementString(&it);
  }

  const uint8_t* data_;
  size_t available_;
  size_t end_ = 0;
  std::vector<Frame> frames_;
  size_t current_ = 0;
  size_t elem_ = kNone;
  Status error_;
};

}  // namespace

Status ValidateBson(const uint8_t* data, size_t available) {
  return Validator(data, available).Run();
}

StatusWith<uint32_t> ReadDocument(const uint8_t* data, size_t available) {
  Status valid = ValidateBson(data, available);
  if (!valid.ok()) return valid;
  const auto size = static_cast<uint32_t>(LoadInt32(data));
  bson_t view;
  if (!bson_init_static(&view, data, size)) {
    return Status(ErrorCodes::InvalidBSON, "invalid BSON document");
  }
  if (size > static_cast<uint32_t>(kMaxBsonInternalSize)) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "%X", size);
    std::string reason = "BSONObj size: " + std::to_string(size) + " (0x" + hex +
                         ") is invalid. Size must be between 0 and " +
                         std::to_string(kMaxBsonInternalSize) + "(" +
                         std::to_string(kMaxBsonInternalSize / (1024 * 1024)) + "MB)";
    bson_iter_t it;
    if (bson_iter_init(&it, &view) && bson_iter_next(&it)) {
      reason += " First element: " + ElementString(&it);
    }
    return Status(ErrorCodes::BSONObjectTooLarge, reason);
  }
  // mongod accepts a few encodings libbson will not walk (e.g. a malformed
  // deprecated binary subtype 2); refuse those rather than hand code above us
  // a document whose iteration would stop short.
  bson_error_t error;
  if (!bson_validate_with_error(&view, BSON_VALIDATE_NONE, &error)) {
    return Status(ErrorCodes::InvalidBSON, std::string("Invalid BSON: ") + error.message);
  }
  return size;
}

}  // namespace basalt::protocol
