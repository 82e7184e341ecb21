// The key-value substrate under the storage engine: an ordered map of byte
// strings with point reads, atomic write batches, consistent snapshots and
// ordered range iteration. Nothing above storage/'s engine and collection
// classes sees which implementation is in use (RocksDB on disk, or the
// in-memory map), so a distributed store can later take its place.
//
// Contract shared by every implementation:
// - Write() applies a whole batch atomically: a reader (snapshot or latest)
//   sees all of its operations or none. Operations apply in batch order.
// - Write(batch, sync=true) returns only once the batch is durable; with
//   sync=false it is durable after the next SyncWal() (or never, for the
//   in-memory store, which has nothing to make durable).
// - A snapshot is a frozen view: reads through it never see later writes.
// - Every method is thread-safe; iterators are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace basalt::storage {

// A consistent point-in-time view; released when the last reference goes.
class KvSnapshot {
 public:
  virtual ~KvSnapshot() = default;
};

// An ordered batch of puts, deletes and range deletes, applied atomically.
class KvWriteBatch {
 public:
  enum class OpType { kPut, kDelete, kDeleteRange };
  struct Op {
    OpType type;
    std::string key;    // for kDeleteRange: the first key removed
    std::string value;  // for kDeleteRange: the end key (exclusive)
  };

  void Put(std::string_view key, std::string_view value) {
    ops_.push_back({OpType::kPut, std::string(key), std::string(value)});
  }
  void Delete(std::string_view key) { ops_.push_back({OpType::kDelete, std::string(key), {}}); }
  // Removes every key in [begin, end).
  void DeleteRange(std::string_view begin, std::string_view end) {
    ops_.push_back({OpType::kDeleteRange, std::string(begin), std::string(end)});
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

 private:
  std::vector<Op> ops_;
};

// Iterates the keys in [lower, upper) of one snapshot, in byte order. Starts
// unpositioned: call Seek/SeekForPrev/SeekToFirst/SeekToLast first.
class KvIterator {
 public:
  virtual ~KvIterator() = default;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual bool Valid() const = 0;
  // Valid until the next positioning call.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK if iteration stopped on an error rather than at the end.
  virtual Status status() const = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  // Reads `key` at `snapshot` (nullptr: the latest committed state). Returns
  // false when the key is absent.
  virtual StatusWith<bool> Get(std::string_view key, std::string* value,
                               const KvSnapshot* snapshot = nullptr) = 0;

  // Reads every key of `keys` at `snapshot` (nullptr: the latest committed
  // state), as one call: key i's value goes to (*values)[i] when (*found)[i].
  // Both vectors are resized to keys.size(). The default reads one key at a
  // time; an implementation may share the per-read setup across keys.
  virtual Status MultiGet(const std::vector<std::string_view>& keys,
                          std::vector<std::string>* values, std::vector<bool>* found,
                          const KvSnapshot* snapshot = nullptr) {
    values->resize(keys.size());
    found->assign(keys.size(), false);
    for (size_t i = 0; i < keys.size(); ++i) {
      auto got = Get(keys[i], &(*values)[i], snapshot);
      if (!got.ok()) return got.status();
      (*found)[i] = got.value();
    }
    return Status::OK();
  }

  virtual Status Write(const KvWriteBatch& batch, bool sync) = 0;

  virtual std::shared_ptr<const KvSnapshot> GetSnapshot() = 0;

  // An iterator over [lower, upper) as of `snapshot` (nullptr: a snapshot
  // taken now and held by the iterator). An empty `upper` means no bound.
  virtual std::unique_ptr<KvIterator> NewIterator(std::shared_ptr<const KvSnapshot> snapshot,
                                                  std::string lower, std::string upper) = 0;

  // Makes every write acknowledged so far durable.
  virtual Status SyncWal() = 0;

  // How many times the log has been synced to disk since the store opened
  // (durable writes share syncs, so this grows slower than they do).
  virtual uint64_t WalSyncCount() const = 0;

  // Bytes the store occupies (approximate), for dbStats/listDatabases.
  virtual uint64_t ApproximateSize() = 0;

  // Flushes and releases resources; later calls fail. Idempotent.
  virtual Status Close() = 0;
};

// An in-memory store: same semantics, no files, nothing survives Close().
std::unique_ptr<KvStore> NewMemoryKvStore();

// A RocksDB store in `dir` (created if missing), write-ahead log on.
StatusWith<std::unique_ptr<KvStore>> OpenRocksKvStore(const std::string& dir);

}  // namespace basalt::storage
