// The in-memory KvStore: an ordered map of multi-versioned values.
//
// Each key holds its versions oldest first, each stamped with the sequence
// number of the batch that wrote it (a delete writes a tombstone). A snapshot
// is a sequence number; a read at snapshot S sees, per key, the newest version
// stamped <= S. Versions no live snapshot can see are pruned when their key is
// next written (or soon after the last snapshot is released), so memory stays
// proportional to the data plus what open snapshots pin.
//
// Locking: mu_ (shared_mutex) guards map_ and seq_: readers and iterators
// take it shared for one lookup at a time (never across calls), Write() takes
// it exclusive. snapshots_mu_ guards live_snapshots_; it is taken inside mu_
// (shared or exclusive) or alone, never the other way round.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>

#include "storage/kv.h"

namespace basalt::storage {
namespace {

constexpr uint64_t kLatest = std::numeric_limits<uint64_t>::max();

struct Version {
  uint64_t seq;
  bool deleted;
  std::string value;
};
using Versions = std::vector<Version>;
using Map = std::map<std::string, Versions, std::less<>>;

// The version visible at `seq`, or nullptr if the key is absent there.
const Version* Visible(const Versions& versions, uint64_t seq) {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->seq <= seq) return it->deleted ? nullptr : &*it;
  }
  return nullptr;
}

class MemoryKvStore;

class MemorySnapshot : public KvSnapshot {
 public:
  MemorySnapshot(MemoryKvStore* store, uint64_t seq) : store_(store), seq_(seq) {}
  ~MemorySnapshot() override;
  uint64_t seq() const { return seq_; }

 private:
  MemoryKvStore* store_;
  uint64_t seq_;
};

class MemoryKvStore : public KvStore {
 public:
  StatusWith<bool> Get(std::string_view key, std::string* value,
                       const KvSnapshot* snapshot) override {
    const uint64_t seq = SeqOf(snapshot);
    std::shared_lock lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    const Version* v = Visible(it->second, seq);
    if (v == nullptr) return false;
    value->assign(v->value);
    return true;
  }

  // One lock for every key: the reads see a single state, as RocksDB's do.
  Status MultiGet(const std::vector<std::string_view>& keys, std::vector<std::string>* values,
                  std::vector<bool>* found, const KvSnapshot* snapshot) override {
    const uint64_t seq = SeqOf(snapshot);
    values->resize(keys.size());
    found->assign(keys.size(), false);
    std::shared_lock lock(mu_);
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = map_.find(keys[i]);
      const Version* v = it == map_.end() ? nullptr : Visible(it->second, seq);
      if (v == nullptr) continue;
      (*values)[i].assign(v->value);
      (*found)[i] = true;
    }
    return Status::OK();
  }

  Status Write(const KvWriteBatch& batch, bool /*sync*/) override {
    std::unique_lock lock(mu_);
    if (closed_) return Status(ErrorCodes::ShutdownInProgress, "storage engine is closed");
    const uint64_t seq = seq_ + 1;
    const uint64_t oldest = OldestLiveSnapshot();
    for (const auto& op : batch.ops()) {
      switch (op.type) {
        case KvWriteBatch::OpType::kPut: {
          auto it = map_.try_emplace(op.key).first;
          AddVersion(it, seq, false, op.value, oldest);
          break;
        }
        case KvWriteBatch::OpType::kDelete: {
          auto it = map_.find(op.key);
          if (it != map_.end() && Visible(it->second, kLatest) != nullptr) {
            AddVersion(it, seq, true, {}, oldest);
          }
          break;
        }
        case KvWriteBatch::OpType::kDeleteRange: {
          auto it = map_.lower_bound(op.key);
          while (it != map_.end() && it->first < op.value) {
            auto next = std::next(it);
            if (Visible(it->second, kLatest) != nullptr) AddVersion(it, seq, true, {}, oldest);
            it = next;
          }
          break;
        }
      }
    }
    seq_ = seq;
    SweepSome(oldest);
    return Status::OK();
  }

  std::shared_ptr<const KvSnapshot> GetSnapshot() override {
    std::shared_lock lock(mu_);
    std::lock_guard snap_lock(snapshots_mu_);
    live_snapshots_.insert(seq_);
    return std::make_shared<MemorySnapshot>(this, seq_);
  }

  std::unique_ptr<KvIterator> NewIterator(std::shared_ptr<const KvSnapshot> snapshot,
                                          std::string lower, std::string upper) override;

  Status SyncWal() override { return Status::OK(); }
  uint64_t WalSyncCount() const override { return 0; }  // nothing to sync

  uint64_t ApproximateSize() override { return bytes_.load(std::memory_order_relaxed); }

  Status Close() override {
    std::unique_lock lock(mu_);
    closed_ = true;
    return Status::OK();
  }

  void ReleaseSnapshot(uint64_t seq) {
    std::lock_guard snap_lock(snapshots_mu_);
    live_snapshots_.erase(live_snapshots_.find(seq));
  }

  static uint64_t SeqOf(const KvSnapshot* snapshot) {
    return snapshot ? static_cast<const MemorySnapshot*>(snapshot)->seq() : kLatest;
  }

  // Iterator support: each call positions on the first visible key at or
  // after (`forward`) / at or before `target`, within [lower, upper).
  bool Position(uint64_t seq, std::string_view target, bool forward, bool exclusive,
                const std::string& lower, const std::string& upper, std::string* key,
                std::string* value) {
    std::shared_lock lock(mu_);
    if (forward) {
      auto it = exclusive ? map_.upper_bound(target) : map_.lower_bound(target);
      if (it != map_.end() && it->first < lower) it = map_.lower_bound(lower);
      for (; it != map_.end(); ++it) {
        if (!upper.empty() && it->first >= upper) return false;
        if (const Version* v = Visible(it->second, seq)) {
          key->assign(it->first);
          value->assign(v->value);
          return true;
        }
      }
      return false;
    }
    // Backward: the last key <= target (or < target when exclusive); an
    // empty target means "from the end".
    auto it = target.empty() ? map_.end()
              : exclusive    ? map_.lower_bound(target)
                             : map_.upper_bound(target);
    if (!upper.empty() && (target.empty() || target >= upper)) it = map_.lower_bound(upper);
    while (it != map_.begin()) {
      --it;
      if (it->first < lower) return false;
      if (const Version* v = Visible(it->second, seq)) {
        key->assign(it->first);
        value->assign(v->value);
        return true;
      }
    }
    return false;
  }

 private:
  uint64_t OldestLiveSnapshot() {
    std::lock_guard snap_lock(snapshots_mu_);
    return live_snapshots_.empty() ? kLatest : *live_snapshots_.begin();
  }

  void AddVersion(Map::iterator it, uint64_t seq, bool deleted, const std::string& value,
                  uint64_t oldest) {
    Versions& versions = it->second;
    if (!versions.empty() && versions.back().seq == seq) {
      // Written twice in one batch: the later operation wins.
      bytes_ -= versions.back().value.size();
      versions.pop_back();
    } else if (versions.empty()) {
      bytes_ += it->first.size();
    }
    versions.push_back({seq, deleted, value});
    bytes_ += value.size();
    Prune(it, oldest);
  }

  // Drops the versions no snapshot at or after `oldest` can see; erases the
  // key when only an invisible tombstone is left. Returns true if erased.
  bool Prune(Map::iterator it, uint64_t oldest) {
    Versions& versions = it->second;
    // The newest version with seq <= oldest is the one the oldest snapshot
    // sees; everything before it is dead.
    size_t keep_from = 0;
    for (size_t i = versions.size(); i-- > 0;) {
      if (versions[i].seq <= oldest) {
        keep_from = i;
        break;
      }
    }
    for (size_t i = 0; i < keep_from; ++i) bytes_ -= versions[i].value.size();
    versions.erase(versions.begin(), versions.begin() + static_cast<ptrdiff_t>(keep_from));
    // A lone tombstone hides nothing from anyone: no snapshot sees an older value.
    if (versions.size() == 1 && versions[0].deleted) {
      bytes_ -= it->first.size();
      map_.erase(it);
      return true;
    }
    if (versions.size() > 1 || versions[0].deleted) dirty_.insert(it->first);
    return false;
  }

  // Once snapshots that pinned old versions are gone, reclaim them a few keys
  // per write so that no single write pays for the whole sweep.
  void SweepSome(uint64_t oldest) {
    constexpr int kKeysPerWrite = 32;
    for (int i = 0; i < kKeysPerWrite && !dirty_.empty(); ++i) {
      auto node = dirty_.extract(dirty_.begin());
      auto it = map_.find(node.value());
      if (it == map_.end()) continue;
      if (!Prune(it, oldest) && oldest != kLatest) {
        // Still pinned by a snapshot: stop, it will be retried later.
        break;
      }
    }
  }

  std::shared_mutex mu_;
  Map map_;                        // guarded by mu_
  uint64_t seq_ = 0;               // guarded by mu_
  bool closed_ = false;            // guarded by mu_
  std::set<std::string> dirty_;    // keys holding dead versions; guarded by mu_ (exclusive)
  std::atomic<int64_t> bytes_{0};  // written under mu_ exclusive
  std::mutex snapshots_mu_;
  std::multiset<uint64_t> live_snapshots_;  // guarded by snapshots_mu_
};

MemorySnapshot::~MemorySnapshot() { store_->ReleaseSnapshot(seq_); }

class MemoryIterator : public KvIterator {
 public:
  MemoryIterator(MemoryKvStore* store, std::shared_ptr<const KvSnapshot> snapshot,
                 std::string lower, std::string upper)
      : store_(store),
        snapshot_(std::move(snapshot)),
        seq_(MemoryKvStore::SeqOf(snapshot_.get())),
        lower_(std::move(lower)),
        upper_(std::move(upper)) {}

  void SeekToFirst() override { Seek(lower_); }
  void SeekToLast() override {
    valid_ = store_->Position(seq_, {}, false, false, lower_, upper_, &key_, &value_);
  }
  void Seek(std::string_view target) override {
    std::string_view t = target < std::string_view(lower_) ? std::string_view(lower_) : target;
    valid_ = store_->Position(seq_, t, true, false, lower_, upper_, &key_, &value_);
  }
  void SeekForPrev(std::string_view target) override {
    // An empty target would mean "from the end"; nothing is <= "".
    if (target.empty()) {
      valid_ = false;
      return;
    }
    valid_ = store_->Position(seq_, target, false, false, lower_, upper_, &key_, &value_);
  }
  void Next() override {
    std::string cur = key_;
    valid_ = store_->Position(seq_, cur, true, true, lower_, upper_, &key_, &value_);
  }
  void Prev() override {
    std::string cur = key_;
    // `cur` is never empty here: the empty key cannot be stored by the engine.
    valid_ = store_->Position(seq_, cur, false, true, lower_, upper_, &key_, &value_);
  }
  bool Valid() const override { return valid_; }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return Status::OK(); }

 private:
  MemoryKvStore* store_;
  std::shared_ptr<const KvSnapshot> snapshot_;
  uint64_t seq_;
  std::string lower_;
  std::string upper_;
  bool valid_ = false;
  std::string key_;
  std::string value_;
};

std::unique_ptr<KvIterator> MemoryKvStore::NewIterator(std::shared_ptr<const KvSnapshot> snapshot,
                                                       std::string lower, std::string upper) {
  if (!snapshot) snapshot = GetSnapshot();
  return std::make_unique<MemoryIterator>(this, std::move(snapshot), std::move(lower),
                                          std::move(upper));
}

}  // namespace

std::unique_ptr<KvStore> NewMemoryKvStore() { return std::make_unique<MemoryKvStore>(); }

}  // namespace basalt::storage
