// The blocking sort. Documents are held as (key, sequence number, BSON);
// ordering by (key, seq) makes the sort stable. Past the memory limit, with
// allowDiskUse, the held documents are sorted and written to a run file; at
// the end the runs and what is left in memory are merged.
//
// Run file format: a sequence of records, each
//   uint32 key length | uint32 document length | uint64 seq | key | document
// in host byte order (the file never outlives the process that wrote it).

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <queue>

#include "query/sort.h"

namespace basalt::query {

struct Sorter::Entry {
  std::string data;  // key bytes, then the document's bytes
  uint32_t key_len = 0;
  uint64_t seq = 0;

  std::string_view key() const { return std::string_view(data).substr(0, key_len); }
  std::string_view doc() const { return std::string_view(data).substr(key_len); }
  // What the entry costs while held: its bytes plus the bookkeeping.
  uint64_t memory() const { return data.capacity() + sizeof(Entry); }
  bool operator<(const Entry& other) const {
    const int c = key().compare(other.key());
    return c != 0 ? c < 0 : seq < other.seq;
  }
};

namespace {

Status IoError(const std::string& what, const std::string& path) {
  const int err = errno;
  return Status(err == ENOSPC ? ErrorCodes::OutOfDiskSpace : ErrorCodes::InternalError,
                "Sort spill: cannot " + what + " " + path + ": " + std::strerror(err));
}

std::atomic<uint64_t> g_run_counter{0};

}  // namespace

// One sorted run on disk, read one record at a time.
struct Sorter::Run {
  std::string path;
  std::FILE* file = nullptr;
  Entry current;

  ~Run() {
    if (file != nullptr) std::fclose(file);
  }
  // Reads the next record into `current`; false at the end of the file.
  StatusWith<bool> Advance() {
    uint32_t lens[2];
    uint64_t seq = 0;
    if (std::fread(lens, sizeof lens, 1, file) != 1) {
      if (std::feof(file)) return false;
      return IoError("read", path);
    }
    if (std::fread(&seq, sizeof seq, 1, file) != 1) return IoError("read", path);
    current.key_len = lens[0];
    current.seq = seq;
    current.data.resize(static_cast<size_t>(lens[0]) + lens[1]);
    if (!current.data.empty() &&
        std::fread(current.data.data(), current.data.size(), 1, file) != 1) {
      return IoError("read", path);
    }
    return true;
  }
};

// Merges the runs and the sorted in-memory remainder, smallest (key, seq)
// first.
class Sorter::Merger {
 public:
  Merger(std::vector<std::unique_ptr<Run>> runs, std::vector<Entry> memory)
      : runs_(std::move(runs)), memory_(std::move(memory)) {}

  Status Start() {
    for (size_t i = 0; i < runs_.size(); ++i) {
      auto more = runs_[i]->Advance();
      if (!more.ok()) return more.status();
      if (more.value()) heap_.push(i);
    }
    if (memory_pos_ < memory_.size()) heap_.push(kMemory);
    return Status::OK();
  }

  // The next entry, or nullptr at the end. Valid until the next call.
  StatusWith<const Entry*> Next() {
    if (pending_ != kNone) {
      // Advance the source the previous entry came from.
      const size_t source = pending_;
      pending_ = kNone;
      if (source == kMemory) {
        if (++memory_pos_ < memory_.size()) heap_.push(kMemory);
      } else {
        auto more = runs_[source]->Advance();
        if (!more.ok()) return more.status();
        if (more.value()) heap_.push(source);
      }
    }
    if (heap_.empty()) return static_cast<const Entry*>(nullptr);
    pending_ = heap_.top();
    heap_.pop();
    return &Current(pending_);
  }

 private:
  static constexpr size_t kMemory = static_cast<size_t>(-1);
  static constexpr size_t kNone = static_cast<size_t>(-2);

  const Entry& Current(size_t source) const {
    return source == kMemory ? memory_[memory_pos_] : runs_[source]->current;
  }
  struct Greater {
    const Merger* merger;
    bool operator()(size_t a, size_t b) const { return merger->Current(b) < merger->Current(a); }
  };

  std::vector<std::unique_ptr<Run>> runs_;
  std::vector<Entry> memory_;
  size_t memory_pos_ = 0;
  size_t pending_ = kNone;
  std::priority_queue<size_t, std::vector<size_t>, Greater> heap_{Greater{this}};
};

Sorter::Sorter(SortPattern pattern, SorterOptions options)
    : pattern_(std::move(pattern)), options_(std::move(options)) {}

Sorter::~Sorter() {
  merger_.reset();  // closes the files
  for (const std::string& path : run_files_) std::remove(path.c_str());
}

Status Sorter::Add(const bson_t* doc) {
  Entry entry;
  Status st = pattern_.AppendKey(doc, &entry.data);
  if (!st.ok()) return st;
  entry.key_len = static_cast<uint32_t>(entry.data.size());
  entry.data.append(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
  entry.seq = next_seq_++;
  stats_.total_data_size_sorted += doc->len;
  return AddEntry(std::move(entry));
}

Status Sorter::AddEntry(Entry entry) {
  if (options_.limit > 0) {
    // Top-k: a max-heap of the best `limit` so far.
    if (cutoff_ && !(entry < *cutoff_)) return Status::OK();
    if (entries_.size() == options_.limit) {
      if (!(entry < entries_.front())) return Status::OK();
      std::pop_heap(entries_.begin(), entries_.end());
      memory_bytes_ -= entries_.back().memory();
      entries_.pop_back();
    }
    memory_bytes_ += entry.memory();
    entries_.push_back(std::move(entry));
    std::push_heap(entries_.begin(), entries_.end());
  } else {
    memory_bytes_ += entry.memory();
    entries_.push_back(std::move(entry));
  }
  stats_.peak_memory_bytes = std::max(stats_.peak_memory_bytes, memory_bytes_);
  if (memory_bytes_ <= options_.max_memory_bytes) return Status::OK();
  if (!options_.allow_disk_use) {
    return Status(ErrorCodes::QueryExceededMemoryLimitNoDiskUseAllowed,
                  "Sort exceeded memory limit of " + std::to_string(options_.max_memory_bytes) +
                      " bytes, but did not opt in to external sorting.");
  }
  return Spill();
}

Status Sorter::Spill() {
  if (options_.limit > 0) {
    std::sort_heap(entries_.begin(), entries_.end());
    // A full top-k run holds `limit` entries at or before its last one:
    // later documents sorting after it can be dropped as they come.
    if (entries_.size() == options_.limit && (!cutoff_ || entries_.back() < *cutoff_)) {
      cutoff_ = std::make_unique<Entry>(entries_.back());
    }
  } else {
    std::sort(entries_.begin(), entries_.end());
  }
  namespace fs = std::filesystem;
  const fs::path dir =
      options_.temp_dir.empty() ? fs::temp_directory_path() : fs::path(options_.temp_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string path = (dir / ("basalt-sort-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(g_run_counter.fetch_add(1)) + ".run"))
                               .string();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return IoError("create", path);
  run_files_.push_back(path);
  for (const Entry& e : entries_) {
    const uint32_t lens[2] = {e.key_len, static_cast<uint32_t>(e.data.size() - e.key_len)};
    if (std::fwrite(lens, sizeof lens, 1, file) != 1 ||
        std::fwrite(&e.seq, sizeof e.seq, 1, file) != 1 ||
        std::fwrite(e.data.data(), e.data.size(), 1, file) != 1) {
      std::fclose(file);
      return IoError("write", path);
    }
  }
  if (std::fclose(file) != 0) return IoError("write", path);
  entries_.clear();
  entries_.shrink_to_fit();
  memory_bytes_ = 0;
  ++stats_.spills;
  return Status::OK();
}

Status Sorter::Finish() {
  finished_ = true;
  if (options_.limit > 0) {
    std::sort_heap(entries_.begin(), entries_.end());
  } else {
    std::sort(entries_.begin(), entries_.end());
  }
  std::vector<std::unique_ptr<Run>> runs;
  for (const std::string& path : run_files_) {
    auto run = std::make_unique<Run>();
    run->path = path;
    run->file = std::fopen(path.c_str(), "rb");
    if (run->file == nullptr) return IoError("open", path);
    runs.push_back(std::move(run));
  }
  merger_ = std::make_unique<Merger>(std::move(runs), std::move(entries_));
  entries_.clear();
  return merger_->Start();
}

StatusWith<bool> Sorter::Next(Bson* out) {
  if (!finished_) {
    Status st = Finish();
    if (!st.ok()) return st;
  }
  if (options_.limit > 0 && returned_ >= options_.limit) return false;
  auto next = merger_->Next();
  if (!next.ok()) return next.status();
  const Entry* entry = next.value();
  if (entry == nullptr) {
    // Everything is out: the runs are no longer needed.
    merger_.reset();
    for (const std::string& path : run_files_) std::remove(path.c_str());
    run_files_.clear();
    return false;
  }
  ++returned_;
  const std::string_view doc = entry->doc();
  *out = Bson::CopyBytes(reinterpret_cast<const uint8_t*>(doc.data()),
                         static_cast<uint32_t>(doc.size()));
  return true;
}

SortedStream::SortedStream(std::unique_ptr<DocumentStream> source, SortPattern pattern,
                           SorterOptions options)
    : source_(std::move(source)), sorter_(std::move(pattern), std::move(options)) {}

StatusWith<bool> SortedStream::Next(Bson* out) {
  if (!drained_) {
    Bson doc;
    while (true) {
      auto more = source_->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      Status st = sorter_.Add(doc.get());
      if (!st.ok()) return st;
    }
    drained_ = true;
    source_.reset();
  }
  return sorter_.Next(out);
}

}  // namespace basalt::query
