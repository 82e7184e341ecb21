#include "commands/insert_document.h"

#include <atomic>
#include <chrono>
#include <vector>

#include "commands/server_version.h"

namespace basalt::commands {
namespace {

Status CheckDepth(const bson_t* doc) {
  // Iterative walk: a document nested thousands deep must not overflow our stack.
  std::vector<bson_iter_t> frames(1);
  bson_iter_init(&frames[0], doc);
  while (!frames.empty()) {
    if (!bson_iter_next(&frames.back())) {
      frames.pop_back();
      continue;
    }
    bson_type_t type = bson_iter_type(&frames.back());
    if (type != BSON_TYPE_DOCUMENT && type != BSON_TYPE_ARRAY) continue;
    if (frames.size() == static_cast<size_t>(kMaxUserDocumentDepth)) {
      return Status(ErrorCodes::Overflow, "cannot insert document because it exceeds " +
                                              std::to_string(kMaxUserDocumentDepth) +
                                              " levels of nesting");
    }
    bson_iter_t child;
    bson_iter_recurse(&frames.back(), &child);
    frames.push_back(child);
  }
  return Status::OK();
}

bool IsZeroTimestamp(const bson_iter_t* it) {
  if (bson_iter_type(it) != BSON_TYPE_TIMESTAMP) return false;
  uint32_t t = 0, i = 0;
  bson_iter_timestamp(it, &t, &i);
  return t == 0 && i == 0;
}

// mongod fills a top-level Timestamp(0, 0) with the next cluster time; a
// standalone's cluster time is the wall clock plus a counter.
void AppendCurrentTimestamp(bson_t* out, std::string_view key) {
  static std::atomic<uint64_t> last{0};
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count())
                 << 32;
  uint64_t prev = last.load();
  uint64_t next;
  do {
    next = std::max(now | 1, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  bson_append_timestamp(out, key.data(), static_cast<int>(key.size()),
                        static_cast<uint32_t>(next >> 32), static_cast<uint32_t>(next));
}

}  // namespace

StatusWith<std::optional<Bson>> PrepareForInsert(const bson_t* doc) {
  if (doc->len > static_cast<uint32_t>(kMaxBsonObjectSize)) {
    return Status(ErrorCodes::BadValue,
                  "object to insert too large. size in bytes: " + std::to_string(doc->len) +
                      ", max size: " + std::to_string(kMaxBsonObjectSize));
  }
  if (Status s = CheckDepth(doc); !s.ok()) return s;

  bool first_is_id = false;
  bool has_id = false;
  bool has_zero_timestamp = false;
  bson_iter_t it;
  bson_iter_init(&it, doc);
  for (bool first = true; bson_iter_next(&it); first = false) {
    if (IsZeroTimestamp(&it)) has_zero_timestamp = true;
    if (KeyOf(&it) != "_id") continue;
    switch (bson_iter_type(&it)) {
      case BSON_TYPE_REGEX:
        return Status(ErrorCodes::BadValue, "can't use a regex for _id");
      case BSON_TYPE_UNDEFINED:
        return Status(ErrorCodes::BadValue, "can't use a undefined for _id");
      case BSON_TYPE_ARRAY:
        return Status(ErrorCodes::BadValue, "can't use an array for _id");
      default:
        break;
    }
    if (has_id)
      return Status(ErrorCodes::BadValue, "can't have multiple _id fields in one document");
    has_id = true;
    first_is_id = first;
  }
  if (first_is_id && !has_zero_timestamp) return std::optional<Bson>();

  Bson out;
  bson_iter_t id;
  if (has_id && bson_iter_init_find(&id, doc, "_id")) {
    bson_append_iter(out.get(), "_id", 3, &id);
  } else {
    bson_oid_t oid;
    bson_oid_init(&oid, nullptr);
    BSON_APPEND_OID(out.get(), "_id", &oid);
  }
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (key == "_id") continue;
    if (IsZeroTimestamp(&it)) {
      AppendCurrentTimestamp(out.get(), key);
    } else {
      bson_append_iter(out.get(), key.data(), static_cast<int>(key.size()), &it);
    }
  }
  return std::optional<Bson>(std::move(out));
}

}  // namespace basalt::commands
