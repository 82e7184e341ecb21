// The RocksDB KvStore: one database, default column family, write-ahead log
// on. RocksDB is thread-safe; this wrapper holds no locks of its own except
// around Close(), and catches every exception RocksDB or the standard library
// may throw so that none crosses into the engine.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <exception>
#include <shared_mutex>

#include "storage/kv.h"

namespace basalt::storage {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  return Status(ErrorCodes::InternalError, std::string(what) + ": " + s.ToString());
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

class RocksSnapshot : public KvSnapshot {
 public:
  RocksSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snap) : db_(db), snap_(snap) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snap_); }
  const rocksdb::Snapshot* get() const { return snap_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

class RocksIterator : public KvIterator {
 public:
  RocksIterator(rocksdb::DB* db, std::shared_ptr<const KvSnapshot> snapshot, std::string lower,
                std::string upper)
      : snapshot_(std::move(snapshot)), lower_(std::move(lower)), upper_(std::move(upper)) {
    rocksdb::ReadOptions ro;
    ro.snapshot = static_cast<const RocksSnapshot*>(snapshot_.get())->get();
    // The bounds let RocksDB skip whole files and stop at the range end
    // instead of walking into the next collection's keys.
    lower_slice_ = ToSlice(lower_);
    ro.iterate_lower_bound = &lower_slice_;
    if (!upper_.empty()) {
      upper_slice_ = ToSlice(upper_);
      ro.iterate_upper_bound = &upper_slice_;
    }
    it_.reset(db->NewIterator(ro));
  }

  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  void SeekForPrev(std::string_view target) override { it_->SeekForPrev(ToSlice(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  Status status() const override { return FromRocks(it_->status(), "iterator"); }

 private:
  std::shared_ptr<const KvSnapshot> snapshot_;
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksKvStore : public KvStore {
 public:
  explicit RocksKvStore(rocksdb::DB* db) : db_(db) {}
  ~RocksKvStore() override { Close(); }

  StatusWith<bool> Get(std::string_view key, std::string* value,
                       const KvSnapshot* snapshot) override {
    try {
      std::shared_lock lock(close_mu_);
      if (!db_) return Closed();
      rocksdb::ReadOptions ro;
      if (snapshot) ro.snapshot = static_cast<const RocksSnapshot*>(snapshot)->get();
      rocksdb::Status s = db_->Get(ro, ToSlice(key), value);
      if (s.IsNotFound()) return false;
      if (!s.ok()) return FromRocks(s, "get");
      return true;
    } catch (const std::exception& e) {
      return Status(ErrorCodes::InternalError, std::string("get: ") + e.what());
    }
  }

  Status Write(const KvWriteBatch& batch, bool sync) override {
    try {
      std::shared_lock lock(close_mu_);
      if (!db_) return Closed();
      rocksdb::WriteBatch wb;
      for (const auto& op : batch.ops()) {
        rocksdb::Status s;
        switch (op.type) {
          case KvWriteBatch::OpType::kPut:
            s = wb.Put(ToSlice(op.key), ToSlice(op.value));
            break;
          case KvWriteBatch::OpType::kDelete:
            s = wb.Delete(ToSlice(op.key));
            break;
          case KvWriteBatch::OpType::kDeleteRange:
            s = wb.DeleteRange(ToSlice(op.key), ToSlice(op.value));
            break;
        }
        if (!s.ok()) return FromRocks(s, "write batch");
      }
      // With manual_wal_flush a durable write is "write, then flush and fsync
      // the WAL buffer" (which also makes earlier buffered writes durable).
      Status st = FromRocks(db_->Write(rocksdb::WriteOptions(), &wb), "write");
      if (!st.ok()) return st;
      // Numbered once it is in the WAL buffer (see Sync()).
      const uint64_t seq = writes_.fetch_add(1, std::memory_order_acq_rel) + 1;
      return sync ? Sync(seq) : st;
    } catch (const std::exception& e) {
      return Status(ErrorCodes::InternalError, std::string("write: ") + e.what());
    }
  }

  std::shared_ptr<const KvSnapshot> GetSnapshot() override {
    std::shared_lock lock(close_mu_);
    if (!db_) return nullptr;
    return std::make_shared<RocksSnapshot>(db_, db_->GetSnapshot());
  }

  std::unique_ptr<KvIterator> NewIterator(std::shared_ptr<const KvSnapshot> snapshot,
                                          std::string lower, std::string upper) override {
    if (!snapshot) snapshot = GetSnapshot();
    std::shared_lock lock(close_mu_);
    return std::make_unique<RocksIterator>(db_, std::move(snapshot), std::move(lower),
                                           std::move(upper));
  }

  Status SyncWal() override {
    try {
      std::shared_lock lock(close_mu_);
      if (!db_) return Closed();
      return Sync(writes_.load(std::memory_order_acquire));
    } catch (const std::exception& e) {
      return Status(ErrorCodes::InternalError, std::string("sync wal: ") + e.what());
    }
  }

  uint64_t ApproximateSize() override {
    std::shared_lock lock(close_mu_);
    if (!db_) return 0;
    uint64_t sst = 0, mem = 0;
    db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
    db_->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
    return sst + mem;
  }

  Status Close() override {
    std::unique_lock lock(close_mu_);
    if (!db_) return Status::OK();
    Status st;
    try {
      st = FromRocks(db_->FlushWAL(true), "flush wal");
      rocksdb::Status s = db_->Close();
      if (st.ok()) st = FromRocks(s, "close");
    } catch (const std::exception& e) {
      st = Status(ErrorCodes::InternalError, std::string("close: ") + e.what());
    }
    delete db_;
    db_ = nullptr;
    return st;
  }

 private:
  // Makes writes numbered up to `upto` durable; skips the fsync when they
  // already are (an idle engine's flusher then costs nothing). A write is
  // numbered after it reached the WAL buffer, so a FlushWAL that starts
  // after reading writes_ == n covers every write numbered <= n.
  Status Sync(uint64_t upto) {
    if (synced_.load(std::memory_order_acquire) >= upto) return Status::OK();
    const uint64_t covered = writes_.load(std::memory_order_acquire);
    Status st = FromRocks(db_->FlushWAL(true), "flush wal");
    if (!st.ok()) return st;
    uint64_t prev = synced_.load(std::memory_order_relaxed);
    while (prev < covered &&
           !synced_.compare_exchange_weak(prev, covered, std::memory_order_release)) {
    }
    return Status::OK();
  }

  static Status Closed() {
    return Status(ErrorCodes::ShutdownInProgress, "storage engine is closed");
  }

  // Shared by every operation, exclusive for Close(): no call races the
  // deletion of db_. Snapshots and iterators must be released before Close().
  std::shared_mutex close_mu_;
  rocksdb::DB* db_;  // guarded by close_mu_
  // Writes are numbered once buffered; synced_ is the highest number known
  // durable.
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> synced_{0};
};

}  // namespace

StatusWith<std::unique_ptr<KvStore>> OpenRocksKvStore(const std::string& dir) {
  try {
    rocksdb::Options options;
    options.create_if_missing = true;
    // Small machines: modest parallelism, one background thread pair.
    options.IncreaseParallelism(2);
    // The WAL is buffered in the process and written+synced by the engine's
    // flusher every commit interval, or at once by a durable (j:true) write:
    // mongod's journal semantics, and one write() syscall per interval rather
    // than per insert. A killed process loses at most the last interval of
    // non-durable writes, as mongod does.
    options.manual_wal_flush = true;
    // Unique checks mostly look up keys that do not exist; a memtable bloom
    // filter answers those without walking the skiplist.
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.1;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
    if (!s.ok()) return FromRocks(s, "open " + dir);
    return std::unique_ptr<KvStore>(std::make_unique<RocksKvStore>(db));
  } catch (const std::exception& e) {
    return Status(ErrorCodes::InternalError, std::string("open: ") + e.what());
  }
}

}  // namespace basalt::storage
