#include "commands/cursor_manager.h"

#include <random>

namespace basalt::commands {

StatusWith<bool> FillBatch(CursorState* state, int64_t max_docs, bson_t* array) {
  int64_t count = 0;
  size_t bytes = 0;
  char key[16];
  while (max_docs <= 0 || count < max_docs) {
    Bson doc;
    if (state->carried_over) {
      doc = std::move(*state->carried_over);
      state->carried_over.reset();
    } else {
      auto more = state->source->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) return true;
    }
    // mongod stops a batch before the document that would take it past the
    // limit, but never sends an empty batch while documents remain.
    if (count > 0 && bytes + doc.size() > kMaxBatchBytes) {
      state->carried_over = std::move(doc);
      return false;
    }
    const char* name = nullptr;
    size_t len = bson_uint32_to_string(static_cast<uint32_t>(count), &name, key, sizeof key);
    bson_append_document(array, name, static_cast<int>(len), doc.get());
    bytes += doc.size();
    ++count;
  }
  // Exactly max_docs sent: look ahead so an exhausted cursor reports id 0 now,
  // as mongod does when it knows the results ended.
  Bson next;
  auto more = state->source->Next(&next);
  if (!more.ok()) return more.status();
  if (!more.value()) return true;
  state->carried_over = std::move(next);
  return false;
}

StatusWith<int64_t> CursorManager::Register(CursorState state) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mutex_);
  if (cursors_.size() >= kMaxOpenCursors) {
    return Status(ErrorCodes::ExceededMemoryLimit,
                  "too many open cursors (" + std::to_string(kMaxOpenCursors) +
                      "); close cursors with killCursors or read them to the end");
  }
  int64_t id;
  do {
    // Positive and non-zero, like mongod's ids, so they survive every driver's int64 handling.
    id = static_cast<int64_t>(rng() >> 1);
  } while (id == 0 || cursors_.count(id));
  auto entry = std::make_unique<Entry>();
  entry->state = std::move(state);
  entry->state.last_used = std::chrono::steady_clock::now();
  cursors_.emplace(id, std::move(entry));
  return id;
}

StatusWith<CursorState*> CursorManager::Pin(int64_t id, const std::string& ns) {
  std::lock_guard lock(mutex_);
  auto it = cursors_.find(id);
  if (it == cursors_.end() || it->second->kill_on_release) {
    return Status(ErrorCodes::CursorNotFound, "cursor id " + std::to_string(id) + " not found");
  }
  Entry& entry = *it->second;
  if (entry.state.ns != ns) {
    return Status(ErrorCodes::Unauthorized, "Requested getMore on namespace '" + ns +
                                                "', but cursor belongs to a different namespace " +
                                                entry.state.ns);
  }
  if (entry.pinned) {
    return Status(ErrorCodes::CursorInUse,
                  "cursor id " + std::to_string(id) + " is already in use");
  }
  entry.pinned = true;
  return &entry.state;
}

void CursorManager::Release(int64_t id, bool exhausted) {
  std::lock_guard lock(mutex_);
  auto it = cursors_.find(id);
  if (it == cursors_.end()) return;
  if (exhausted || it->second->kill_on_release) {
    cursors_.erase(it);
    return;
  }
  it->second->pinned = false;
  it->second->state.last_used = std::chrono::steady_clock::now();
}

CursorManager::KillResult CursorManager::Kill(int64_t id, const std::string& ns) {
  std::lock_guard lock(mutex_);
  auto it = cursors_.find(id);
  if (it == cursors_.end() || it->second->state.ns != ns || it->second->kill_on_release) {
    return KillResult::kNotFound;
  }
  if (it->second->pinned) {
    it->second->kill_on_release = true;
    return KillResult::kKilled;
  }
  cursors_.erase(it);
  return KillResult::kKilled;
}

size_t CursorManager::ReapIdle(std::chrono::steady_clock::time_point now,
                               std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  size_t reaped = 0;
  for (auto it = cursors_.begin(); it != cursors_.end();) {
    const Entry& entry = *it->second;
    if (!entry.pinned && !entry.state.no_timeout && now - entry.state.last_used > timeout) {
      it = cursors_.erase(it);
      ++reaped;
    } else {
      ++it;
    }
  }
  return reaped;
}

void CursorManager::KillSession(const std::string& lsid) {
  if (lsid.empty()) return;
  std::lock_guard lock(mutex_);
  for (auto it = cursors_.begin(); it != cursors_.end();) {
    if (it->second->state.lsid == lsid) {
      if (it->second->pinned) {
        it->second->kill_on_release = true;
        ++it;
      } else {
        it = cursors_.erase(it);
      }
    } else {
      ++it;
    }
  }
}

size_t CursorManager::OpenCount() const {
  std::lock_guard lock(mutex_);
  return cursors_.size();
}

}  // namespace basalt::commands
