// Crash safety: a child process writes with durable=true and reports each
// acknowledged write through a pipe; it is SIGKILLed at a random moment. The
// data directory is then reopened: every acknowledged write must be there,
// and the indexes must agree with the records.
#include <bson/bson.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "storage/engine.h"
#include "tests/unit/storage/email_index.h"

using namespace basalt;
using namespace basalt::storage;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/basalt-crash-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// One acknowledged write: a document `id` holding `version`.
struct Ack {
  int32_t id;
  int32_t version;
};

Bson MakeDoc(int32_t id, int32_t version) {
  Bson doc;
  BSON_APPEND_INT32(doc.get(), "_id", id);
  // The unique key moves with each version, so replacements churn the index.
  std::string email = "u" + std::to_string(id) + "v" + std::to_string(version);
  AppendUtf8(doc.get(), "email", email);
  BSON_APPEND_INT32(doc.get(), "version", version);
  BSON_APPEND_UTF8(doc.get(), "pad", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  return doc;
}

[[noreturn]] void ChildWriter(const std::string& path, int fd, int32_t first_id) {
  EngineOptions options;
  options.db_path = path;
  auto engine = Engine::Open(options);
  if (!engine.ok()) _exit(2);
  auto coll = engine.value()->GetOrCreateCollection("test", "crash", true);
  if (!coll.ok()) _exit(3);
  Bson spec = testing::UniqueEmailIndexSpec();
  Status st = coll.value()->CreateIndex(spec.get(), true);
  if (!st.ok() && st.code() != ErrorCodes::IndexAlreadyExists) _exit(4);
  for (int32_t id = first_id;; ++id) {
    Ack ack{id, 0};
    if (!coll.value()->Insert(MakeDoc(id, 0).get(), true).ok()) _exit(5);
    if (::write(fd, &ack, sizeof ack) != sizeof ack) _exit(6);
    if (id % 3 == 0 && id > first_id) {
      // Replace an earlier document of this run with its next version.
      Ack re{id - 1, 1};
      if (!coll.value()->Replace(nullptr, MakeDoc(re.id, re.version).get(), true).ok()) _exit(7);
      if (::write(fd, &re, sizeof re) != sizeof re) _exit(8);
    }
  }
}

}  // namespace

TEST_CASE("acknowledged durable writes survive SIGKILL and indexes stay in step", "[crash]") {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  std::map<int32_t, int32_t> acked;  // id -> latest acknowledged version
  int32_t next_id = 1;
  for (int cycle = 0; cycle < 4; ++cycle) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildWriter(dir.path, fds[1], next_id);
    }
    ::close(fds[1]);
    const auto kill_at = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(std::uniform_int_distribution<>(80, 400)(rng));
    auto drain = [&](int timeout_ms) {
      pollfd pfd{fds[0], POLLIN, 0};
      if (::poll(&pfd, 1, timeout_ms) <= 0) return false;
      Ack ack;
      ssize_t n = ::read(fds[0], &ack, sizeof ack);
      if (n != sizeof ack) return false;
      acked[ack.id] = std::max(acked.count(ack.id) ? acked[ack.id] : 0, ack.version);
      next_id = std::max(next_id, ack.id + 1);
      return true;
    };
    while (std::chrono::steady_clock::now() < kill_at) drain(5);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    // Acks written before the kill are still in the pipe.
    while (drain(0)) {
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    ::close(fds[0]);
    ++next_id;  // an unacknowledged insert may have landed; skip its id

    EngineOptions options;
    options.db_path = dir.path;
    auto engine = Engine::Open(options);
    REQUIRE(engine.ok());
    auto coll = engine.value()->GetCollection("test", "crash");
    if (acked.empty()) {
      coll.reset();
      REQUIRE(engine.value()->Close().ok());
      continue;
    }
    REQUIRE(coll);
    for (const auto& [id, version] : acked) {
      Bson holder;
      BSON_APPEND_INT32(holder.get(), "_id", id);
      bson_iter_t it;
      bson_iter_init(&it, holder.get());
      bson_iter_next(&it);
      auto found = coll->FindById(&it);
      REQUIRE(found.ok());
      INFO("id " << id);
      REQUIRE(found.value().has_value());
      bson_iter_t v;
      REQUIRE(bson_iter_init_find(&v, found.value()->get(), "version"));
      CHECK(bson_iter_int32(&v) >= version);
    }
    CHECK(coll->Count() >= static_cast<int64_t>(acked.size()));
    ValidateResults results = coll->Validate();
    for (const auto& e : results.errors) UNSCOPED_INFO(e);
    CHECK(results.valid);
    coll.reset();
    REQUIRE(engine.value()->Close().ok());
  }
  CHECK(acked.size() > 10);
}

TEST_CASE("non-durable writes become durable within the commit interval", "[crash]") {
  TempDir dir;
  constexpr int kDocs = 500;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    EngineOptions options;
    options.db_path = dir.path;
    options.commit_interval = std::chrono::milliseconds(20);
    auto engine = Engine::Open(options);
    if (!engine.ok()) _exit(2);
    auto coll = engine.value()->GetOrCreateCollection("test", "lazy", false);
    if (!coll.ok()) _exit(3);
    for (int32_t id = 0; id < kDocs; ++id) {
      if (!coll.value()->Insert(MakeDoc(id, 0).get(), false).ok()) _exit(4);
    }
    char done = 1;
    if (::write(fds[1], &done, 1) != 1) _exit(5);
    ::pause();
    _exit(0);
  }
  ::close(fds[1]);
  char done = 0;
  REQUIRE(::read(fds[0], &done, 1) == 1);
  ::close(fds[0]);
  // Several commit intervals, then a crash: the flusher must have synced.
  ::usleep(200 * 1000);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);

  EngineOptions options;
  options.db_path = dir.path;
  auto engine = Engine::Open(options);
  REQUIRE(engine.ok());
  auto coll = engine.value()->GetCollection("test", "lazy");
  REQUIRE(coll);
  CHECK(coll->Count() == kDocs);
  coll.reset();
  REQUIRE(engine.value()->Close().ok());
}
