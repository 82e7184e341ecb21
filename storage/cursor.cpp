#include "storage/cursor.h"

namespace basalt::storage {
namespace {

void Advance(KvIterator* it, bool forward, bool* started) {
  if (!*started) {
    *started = true;
    if (forward) {
      it->SeekToFirst();
    } else {
      it->SeekToLast();
    }
  } else if (forward) {
    it->Next();
  } else {
    it->Prev();
  }
}

Bson DocFromBytes(std::string_view bytes) {
  return Bson::CopyBytes(reinterpret_cast<const uint8_t*>(bytes.data()),
                         static_cast<uint32_t>(bytes.size()));
}

}  // namespace

RecordCursor::RecordCursor(std::unique_ptr<KvIterator> it, bool forward)
    : it_(std::move(it)), forward_(forward) {}

StatusWith<bool> RecordCursor::Next(Bson* doc) {
  Advance(it_.get(), forward_, &started_);
  if (!it_->Valid()) {
    Status st = it_->status();
    if (!st.ok()) return st;
    return false;
  }
  *doc = DocFromBytes(it_->value());
  return true;
}

StatusWith<bool> RecordCursor::NextBatch(size_t max_docs, size_t max_bytes,
                                         std::vector<Bson>* out) {
  size_t bytes = 0;
  for (size_t n = 0; n < max_docs && (n == 0 || bytes < max_bytes); ++n) {
    Bson doc;
    auto more = Next(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) return false;
    bytes += doc.size();
    out->push_back(std::move(doc));
  }
  return true;
}

IndexCursor::IndexCursor(Kind kind, std::unique_ptr<KvIterator> it, bool forward, KvStore* kv,
                         std::shared_ptr<const KvSnapshot> snapshot, std::string records_prefix,
                         size_t key_prefix_len)
    : kind_(kind),
      it_(std::move(it)),
      forward_(forward),
      kv_(kv),
      snapshot_(std::move(snapshot)),
      records_prefix_(std::move(records_prefix)),
      key_prefix_len_(key_prefix_len) {}

StatusWith<bool> IndexCursor::Next(IndexEntry* entry) {
  Advance(it_.get(), forward_, &started_);
  if (!it_->Valid()) {
    Status st = it_->status();
    if (!st.ok()) return st;
    return false;
  }
  const std::string_view key = it_->key().substr(key_prefix_len_);
  if (kind_ == Kind::kRecords) {
    // The _id index is the record store: key = KeyString(_id), value = document.
    entry->key.assign(key);
    entry->doc = DocFromBytes(it_->value());
    return true;
  }
  // An entry's value is its record id; a non-unique entry's key also ends
  // with it (so that equal keys stay distinct), which is not part of the key.
  const std::string_view rid = it_->value();
  entry->key.assign(kind_ == Kind::kNonUnique ? key.substr(0, key.size() - rid.size()) : key);
  std::string record_key = records_prefix_;
  record_key.append(rid);
  std::string value;
  auto found = kv_->Get(record_key, &value, snapshot_.get());
  if (!found.ok()) return found.status();
  if (!found.value()) {
    return Status(ErrorCodes::InternalError, "index entry without a document");
  }
  entry->doc = DocFromBytes(value);
  return true;
}

StatusWith<bool> IndexCursor::NextBatch(size_t max_docs, size_t max_bytes,
                                        std::vector<IndexEntry>* out) {
  size_t bytes = 0;
  for (size_t n = 0; n < max_docs && (n == 0 || bytes < max_bytes); ++n) {
    IndexEntry entry;
    auto more = Next(&entry);
    if (!more.ok()) return more.status();
    if (!more.value()) return false;
    bytes += entry.doc.size();
    out->push_back(std::move(entry));
  }
  return true;
}

}  // namespace basalt::storage
