// Collection: the document write path (insert/replace/delete with index
// maintenance and unique checks) and reads. Index DDL and validation live in
// collection_indexes.cpp.
#include "storage/collection.h"

#include <algorithm>
#include <cstring>

#include "base/bson_shell.h"
#include "storage/engine.h"
#include "storage/key_layout.h"
#include "storage/key_string.h"

namespace basalt::storage {
namespace {

// Replace/Delete retry on this when the document changed between their
// unlocked read and their locked re-check (and the caller set no `expected`).
constexpr int kMaxRetries = 100;

bool SameBytes(const bson_t* a, std::string_view stored) {
  return a->len == stored.size() && std::memcmp(bson_get_data(a), stored.data(), a->len) == 0;
}

}  // namespace

bool Collection::FirstIsId(const bson_t* doc, bson_iter_t* id) {
  return bson_iter_init(id, doc) && bson_iter_next(id) && KeyOf(id) == "_id";
}

std::string Collection::RecordIdOf(const bson_iter_t* id) {
  std::string rid;
  AppendKeyValue(&rid, id, false);
  return rid;
}

Collection::Collection(Engine* engine, std::string db, std::string name, Uuid uuid, uint64_t id,
                       Bson options, IndexList indexes)
    : engine_(engine),
      kv_(engine->kv()),
      uuid_(uuid),
      id_(id),
      record_prefix_(layout::DataPrefix(id)),
      options_(std::move(options)),
      db_(std::move(db)),
      name_(std::move(name)),
      indexes_(std::make_shared<const IndexList>(std::move(indexes))) {}

std::string Collection::db() const {
  std::lock_guard lock(names_mu_);
  return db_;
}

std::string Collection::name() const {
  std::lock_guard lock(names_mu_);
  return name_;
}

std::string Collection::ns() const {
  std::lock_guard lock(names_mu_);
  return db_ + "." + name_;
}

Status Collection::Usable() const {
  if (dropped_) return Status(ErrorCodes::NamespaceNotFound, "collection " + ns() + " was dropped");
  return Status::OK();
}

Status Collection::DuplicateKey(const IndexSpec& spec, const Bson& key_value) const {
  // mongod's buildDupKeyErrorStatus: the values come from the key being
  // written (so inserting {_id: 1.0} over {_id: 1} reports `{ _id: 1.0 }`).
  std::string msg = "E11000 duplicate key error collection: " + ns() + " index: " + spec.name() +
                    " dup key: " + DupKeyShellString(key_value.get());
  Bson extra;
  BSON_APPEND_DOCUMENT(extra.get(), "keyPattern", spec.key_pattern());
  BSON_APPEND_DOCUMENT(extra.get(), "keyValue", key_value.get());
  return Status(ErrorCodes::DuplicateKey, std::move(msg), std::move(extra));
}

Status Collection::CheckIndexable(const IndexState& index, const bson_t* doc,
                                  IndexKeys* keys) const {
  if (index.filter && !index.filter->Matches(doc)) {
    *keys = IndexKeys();
    return Status::OK();
  }
  return GenerateIndexKeys(*index.spec, doc, keys);
}

Status Collection::Insert(const bson_t* doc, bool durable) {
  bson_iter_t id;
  if (!FirstIsId(doc, &id)) {
    return Status(ErrorCodes::BadValue, "document to insert must have _id as its first field");
  }
  std::shared_lock lock(mu_);
  Status st = Usable();
  if (!st.ok()) return st;
  return WriteDocument(RecordIdOf(&id), nullptr, doc, &id, *indexes_, durable);
}

StatusWith<std::optional<Bson>> Collection::FindById(const bson_iter_t* id) const {
  std::string value;
  auto found = kv_->Get(RecordKey(RecordIdOf(id)), &value);
  if (!found.ok()) return found.status();
  if (!found.value()) return std::optional<Bson>();
  return std::optional<Bson>(Bson::CopyBytes(reinterpret_cast<const uint8_t*>(value.data()),
                                             static_cast<uint32_t>(value.size())));
}

Status Collection::Replace(const bson_t* expected, const bson_t* new_doc, bool durable) {
  bson_iter_t id;
  if (!FirstIsId(new_doc, &id)) {
    return Status(ErrorCodes::BadValue, "replacement document must have _id as its first field");
  }
  const std::string rid = RecordIdOf(&id);
  std::shared_lock lock(mu_);
  Status st = Usable();
  if (!st.ok()) return st;
  // The caller read `expected`: WriteDocument checks, under the stripe locks,
  // that it is still what is stored, so there is nothing to read first.
  if (expected) return WriteDocument(rid, expected, new_doc, &id, *indexes_, durable);
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    std::string current;
    auto found = kv_->Get(RecordKey(rid), &current);
    if (!found.ok()) return found.status();
    if (!found.value()) return Status(ErrorCodes::NoSuchKey, "no document with that _id");
    BsonView old_doc = BsonView(reinterpret_cast<const uint8_t*>(current.data()),
                            static_cast<uint32_t>(current.size()));
    st = WriteDocument(rid, old_doc.get(), new_doc, &id, *indexes_, durable);
    if (st.code() != ErrorCodes::WriteConflict) return st;
  }
  return Status(ErrorCodes::WriteConflict, "too many concurrent changes to one document");
}

Status Collection::Delete(const bson_iter_t* id, const bson_t* expected, bool durable,
                          Bson* deleted) {
  const std::string rid = RecordIdOf(id);
  std::shared_lock lock(mu_);
  Status st = Usable();
  if (!st.ok()) return st;
  if (expected) {  // as in Replace: checked under the locks, not read first
    st = WriteDocument(rid, expected, nullptr, nullptr, *indexes_, durable);
    if (st.ok() && deleted) *deleted = Bson::Copy(expected);
    return st;
  }
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    std::string current;
    auto found = kv_->Get(RecordKey(rid), &current);
    if (!found.ok()) return found.status();
    if (!found.value()) return Status(ErrorCodes::NoSuchKey, "no document with that _id");
    BsonView old_doc = BsonView(reinterpret_cast<const uint8_t*>(current.data()),
                            static_cast<uint32_t>(current.size()));
    st = WriteDocument(rid, old_doc.get(), nullptr, nullptr, *indexes_, durable);
    if (st.ok() && deleted) *deleted = Bson::Copy(old_doc.get());
    if (st.code() != ErrorCodes::WriteConflict) return st;
  }
  return Status(ErrorCodes::WriteConflict, "too many concurrent changes to one document");
}

Status Collection::WriteDocument(const std::string& rid, const bson_t* old_doc,
                                 const bson_t* new_doc, const bson_iter_t* new_id,
                                 const IndexList& indexes, bool durable) {
  const std::string record_key = RecordKey(rid);
  // Keys first, outside any lock: a document an index cannot hold (parallel
  // arrays) fails before anything is locked or written.
  const size_t n = indexes.size();
  std::vector<IndexKeys> old_keys(old_doc ? n : 0);
  std::vector<IndexKeys> new_keys(new_doc ? n : 0);
  for (size_t i = 0; i < n; ++i) {
    if (old_doc) {
      Status st = CheckIndexable(indexes[i], old_doc, &old_keys[i]);
      if (!st.ok()) return st;
    }
    if (new_doc) {
      Status st = CheckIndexable(indexes[i], new_doc, &new_keys[i]);
      if (!st.ok()) return st;
    }
  }

  // Per index: entries to remove (old only) and to add (new only); a key both
  // documents hold stays as it is. Key lists are sorted, so a merge does it.
  struct Change {
    std::vector<size_t> removed;  // positions in old_keys[i]
    std::vector<size_t> added;    // positions in new_keys[i]
  };
  std::vector<Change> changes(n);
  std::vector<size_t> stripes;
  stripes.push_back(StripeLocks::StripeOf(record_key));
  std::string scratch;
  for (size_t i = 0; i < n; ++i) {
    const size_t no = old_doc ? old_keys[i].size() : 0;
    const size_t nn = new_doc ? new_keys[i].size() : 0;
    size_t a = 0, b = 0;
    while (a < no || b < nn) {
      int cmp = a == no ? 1 : b == nn ? -1 : old_keys[i].key(a).compare(new_keys[i].key(b));
      if (cmp < 0) {
        changes[i].removed.push_back(a++);
      } else if (cmp > 0) {
        changes[i].added.push_back(b++);
      } else {
        ++a;
        ++b;
      }
    }
    if (!indexes[i].spec->unique()) continue;
    // Removals are locked too: a writer adding a key this write removes must
    // wait for the removal rather than see the key still taken.
    for (size_t k : changes[i].removed) {
      scratch = indexes[i].prefix;
      scratch.append(old_keys[i].key(k));
      stripes.push_back(StripeLocks::StripeOf(scratch));
    }
    for (size_t k : changes[i].added) {
      scratch = indexes[i].prefix;
      scratch.append(new_keys[i].key(k));
      stripes.push_back(StripeLocks::StripeOf(scratch));
    }
  }

  StripeGuard guard(engine_->stripes(), std::move(stripes));

  std::string value;
  auto found = kv_->Get(record_key, &value);
  if (!found.ok()) return found.status();
  if (old_doc == nullptr) {
    if (found.value()) {
      Bson key_value;
      bson_append_iter(key_value.get(), "_id", 3, new_id);
      return DuplicateKey(*IndexSpec::IdIndex(), key_value);
    }
  } else if (!found.value()) {
    return Status(ErrorCodes::NoSuchKey, "no document with that _id");
  } else if (!SameBytes(old_doc, value)) {
    return Status(ErrorCodes::WriteConflict, "the document changed since it was read");
  }

  // The first document to hold an array on some indexed path makes that
  // index multikey: the flag is set before the write becomes visible (a
  // planner never trusts an index to be flat once it holds arrays) and
  // persisted by the same batch.
  std::unique_lock<std::mutex> multikey_lock(multikey_mu_, std::defer_lock);
  if (new_doc) {
    for (size_t i = 0; i < n; ++i) {
      if (!indexes[i].multikey->WouldGrow(new_keys[i].multikey_paths())) continue;
      if (!multikey_lock.owns_lock()) multikey_lock.lock();
      indexes[i].multikey->Add(new_keys[i].multikey_paths());
    }
  }

  KvWriteBatch batch;
  if (multikey_lock.owns_lock()) {
    Bson entry = CatalogEntry(indexes);
    batch.Put(layout::CollectionKey(db(), name()),
              std::string_view(reinterpret_cast<const char*>(entry.data()), entry.size()));
  }
  for (size_t i = 0; i < n; ++i) {
    const IndexState& index = indexes[i];
    const bool unique = index.spec->unique();
    for (size_t k : changes[i].added) {
      std::string entry = index.prefix;
      entry.append(new_keys[i].key(k));
      if (unique) {
        auto taken = kv_->Get(entry, &value);
        if (!taken.ok()) return taken.status();
        if (taken.value() && value != rid)
          return DuplicateKey(*index.spec, new_keys[i].KeyValue(k));
      } else {
        entry.append(rid);
      }
      batch.Put(entry, rid);
    }
    for (size_t k : changes[i].removed) {
      std::string entry = index.prefix;
      entry.append(old_keys[i].key(k));
      if (!unique) entry.append(rid);
      batch.Delete(entry);
    }
  }
  if (new_doc) {
    batch.Put(record_key, std::string_view(reinterpret_cast<const char*>(bson_get_data(new_doc)),
                                           new_doc->len));
  } else {
    batch.Delete(record_key);
  }
  Status st = kv_->Write(batch, durable);
  if (!st.ok()) return st;
  const int64_t old_size = old_doc ? old_doc->len : 0;
  const int64_t new_size = new_doc ? new_doc->len : 0;
  count_.fetch_add((new_doc ? 1 : 0) - (old_doc ? 1 : 0), std::memory_order_relaxed);
  data_size_.fetch_add(new_size - old_size, std::memory_order_relaxed);
  return Status::OK();
}

std::unique_ptr<RecordCursor> Collection::Scan(bool forward) const {
  auto it = kv_->NewIterator(nullptr, record_prefix_, layout::DataPrefixEnd(id_));
  return std::make_unique<RecordCursor>(std::move(it), forward);
}

StatusWith<std::unique_ptr<IndexCursor>> Collection::ScanIndex(std::string_view index_name,
                                                               const IndexBounds& bounds,
                                                               bool forward) const {
  IndexCursor::Kind kind = IndexCursor::Kind::kRecords;
  std::string prefix = record_prefix_;
  uint64_t id = id_;
  if (index_name != "_id_") {
    std::shared_lock lock(mu_);
    const IndexState* found = nullptr;
    for (const auto& index : *indexes_) {
      if (index.spec->name() == index_name) found = &index;
    }
    if (found == nullptr) {
      return Status(ErrorCodes::IndexNotFound,
                    "index not found with name [" + std::string(index_name) + "]");
    }
    kind = found->spec->unique() ? IndexCursor::Kind::kUnique : IndexCursor::Kind::kNonUnique;
    prefix = found->prefix;
    id = found->id;
  }
  // Bounds in KV space: an inclusive end (or exclusive start) takes in (or
  // skips) every key that starts with the bound, including the record id
  // suffix of non-unique entries.
  std::string lower = prefix;
  if (!bounds.start.empty()) {
    lower.append(bounds.start);
    if (!bounds.start_inclusive) lower = layout::PrefixSuccessor(std::move(lower));
  }
  std::string upper;
  if (bounds.end.empty()) {
    upper = layout::DataPrefixEnd(id);
  } else {
    upper = prefix + bounds.end;
    if (bounds.end_inclusive) upper = layout::PrefixSuccessor(std::move(upper));
  }
  auto snapshot = kv_->GetSnapshot();
  auto it = kv_->NewIterator(snapshot, std::move(lower), std::move(upper));
  return std::make_unique<IndexCursor>(kind, std::move(it), forward, kv_, std::move(snapshot),
                                       record_prefix_, prefix.size());
}

}  // namespace basalt::storage
