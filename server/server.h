// The network front end: acceptors on the configured addresses served by one
// event-loop thread (with the timers, signals and the metrics endpoint), a
// thread per connection (server/session.h), and the set of live sessions,
// with a graceful stop (no new connections, in-flight requests answered, then
// close).
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/status.h"
#include "commands/dispatcher.h"
#include "commands/service_context.h"
#include "server/metrics_endpoint.h"
#include "server/options.h"

namespace basalt::server {

class Session;

// Live sessions, so that shutdown can reach them. Thread-safe.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Session>& session);
  void Remove(Session* session);
  std::vector<std::shared_ptr<Session>> Snapshot();
  size_t Size();

 private:
  std::mutex mutex_;
  std::set<Session*> raw_;                       // guarded by mutex_
  std::vector<std::weak_ptr<Session>> weak_;     // guarded by mutex_
};

class Server {
 public:
  Server(const ServerOptions& options, commands::ServiceContext& service,
         const commands::Dispatcher& dispatcher);
  ~Server();

  // The TLS context new connections use (net.tls.mode other than disabled); before Run().
  void SetTlsContext(std::shared_ptr<asio::ssl::context> context) {
    tls_context_ = std::move(context);
  }
  // Binds every listening address; fails (naming the address) if one cannot be bound.
  Status Listen();
  // Serves until Stop(); returns once every session has closed.
  void Run();
  // Starts a graceful stop. Safe from any thread (and from a signal handler's asio callback).
  void Stop();

  // The port actually bound (useful with --port 0).
  int BoundPort() const { return bound_port_; }
  int MetricsPort() const { return metrics_.BoundPort(); }

 private:
  void Accept(asio::ip::tcp::acceptor& acceptor);
  // Hands an accepted connection to a new session and its thread.
  void StartSession(asio::ip::tcp::socket socket);
  void WaitForSessionsToClose();
  // Closes cursors idle past cursorTimeoutMillis, once a minute.
  void ScheduleCursorReaper();
  // SIGUSR1 rotates the log, as with mongod; re-armed after each signal.
  void WaitForRotateSignal();

  const ServerOptions& options_;
  commands::ServiceContext& service_;
  const commands::Dispatcher& dispatcher_;
  asio::io_context io_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  asio::signal_set signals_;
  asio::signal_set rotate_signal_;
  asio::steady_timer stop_deadline_;
  asio::steady_timer drain_timer_;
  asio::steady_timer cursor_reaper_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  SessionRegistry sessions_;
  MetricsEndpoint metrics_;
  std::atomic<int64_t> next_connection_id_{1};
  std::atomic<bool> stopping_{false};
  int bound_port_ = 0;
};

}  // namespace basalt::server
