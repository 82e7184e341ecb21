// Open server-side cursors: what find, aggregate and listCollections leave
// behind when their results do not fit in the first batch, continued by
// getMore and closed by killCursors, by exhaustion, by their session ending,
// or after cursorTimeoutMillis (10 minutes) idle, as in mongod.
//
// Thread-safety: all methods are safe from any thread. A cursor is "pinned"
// while a getMore runs on it; a pinned cursor cannot be pinned again (mongod's
// CursorInUse) and is not reaped, and killing it takes effect when it is
// released.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "query/document_stream.h"

namespace basalt::commands {

// Produces a cursor's documents: a query executor, or documents in memory.
using CursorSource = query::DocumentStream;
using VectorSource = query::VectorStream;

// What a cursor remembers between batches.
struct CursorState {
  std::string ns;  // "db.coll" as reported in replies
  std::unique_ptr<CursorSource> source;
  // A document read but not sent because the batch was full.
  std::optional<Bson> carried_over;
  bool no_timeout = false;
  int64_t connection_id = 0;
  std::string lsid;  // the session id's bytes, empty without a session
  // Set by getMore's caller from the original command, e.g. maxTimeMS for tailable cursors.
  std::chrono::steady_clock::time_point last_used;
};

// mongod's batch limits.
inline constexpr int64_t kDefaultFirstBatchSize = 101;
inline constexpr size_t kMaxBatchBytes = 16 * 1024 * 1024;

// Fills `array` (an open BSON array) from `state` with at most `max_docs`
// documents (0: no count limit) and about kMaxBatchBytes, always at least one
// document if any remain. Returns whether the source is exhausted.
StatusWith<bool> FillBatch(CursorState* state, int64_t max_docs, bson_t* array);

class CursorManager {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{10 * 60 * 1000};
  // Past this many open cursors, new ones are refused rather than letting
  // forgotten cursors grow without bound.
  static constexpr size_t kMaxOpenCursors = 100000;

  // Takes ownership; returns the new cursor id (never 0).
  StatusWith<int64_t> Register(CursorState state);

  // Pins cursor `id` for a getMore on `ns`. CursorNotFound "cursor id N not
  // found"; Unauthorized when `ns` differs from the cursor's; CursorInUse when
  // pinned by another getMore.
  StatusWith<CursorState*> Pin(int64_t id, const std::string& ns);
  // Ends a pin; `exhausted` (or a kill during the pin) deletes the cursor.
  void Release(int64_t id, bool exhausted);

  enum class KillResult { kKilled, kNotFound, kAlive };
  // killCursors: a pinned cursor is killed once released (reported killed).
  KillResult Kill(int64_t id, const std::string& ns);

  // Deletes unpinned cursors idle longer than `timeout` (unless noCursorTimeout).
  size_t ReapIdle(std::chrono::steady_clock::time_point now,
                  std::chrono::milliseconds timeout = kDefaultTimeout);
  // Deletes the cursors of logical sessions that ended (endSessions/killSessions).
  void KillSession(const std::string& lsid);

  size_t OpenCount() const;

 private:
  struct Entry {
    CursorState state;
    bool pinned = false;
    bool kill_on_release = false;
  };

  mutable std::mutex mutex_;
  std::map<int64_t, std::unique_ptr<Entry>> cursors_;  // guarded by mutex_
};

}  // namespace basalt::commands
