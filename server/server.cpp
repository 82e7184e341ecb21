#include "server/server.h"

#include <fcntl.h>

#include <algorithm>

#include "base/log.h"
#include "server/session.h"

namespace basalt::server {

void SessionRegistry::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  raw_.insert(session.get());
  weak_.push_back(session);
}

void SessionRegistry::Remove(Session* session) {
  std::lock_guard lock(mutex_);
  raw_.erase(session);
  std::erase_if(weak_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
}

std::vector<std::shared_ptr<Session>> SessionRegistry::Snapshot() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Session>> live;
  for (auto& w : weak_) {
    if (auto s = w.lock()) live.push_back(std::move(s));
  }
  return live;
}

size_t SessionRegistry::Size() {
  std::lock_guard lock(mutex_);
  return raw_.size();
}

Server::Server(const ServerOptions& options, commands::ServiceContext& service,
               const commands::Dispatcher& dispatcher)
    : options_(options),
      service_(service),
      dispatcher_(dispatcher),
      signals_(io_, SIGINT, SIGTERM),
      rotate_signal_(io_, SIGUSR1),
      stop_deadline_(io_),
      drain_timer_(io_),
      cursor_reaper_(io_),
      metrics_(io_, service) {}

Server::~Server() = default;

Status Server::Listen() {
  // As mongod without --ipv6, --bind_ip_all means every IPv4 address.
  std::vector<std::string> addresses =
      options_.bind_ip_all ? std::vector<std::string>{"0.0.0.0"} : options_.bind_ip;
  for (const std::string& host : addresses) {
    std::string name = host == "localhost" ? "127.0.0.1" : host;
    asio::error_code ec;
    asio::ip::address address = asio::ip::make_address(name, ec);
    if (ec) return Status(ErrorCodes::BadValue, "Invalid bind address: " + host);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.port));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status(ErrorCodes::OperationFailed, "Failed to set up listener on " + name + ":" +
                                                     std::to_string(options_.port) + ": " +
                                                     ec.message());
    }
    bound_port_ = acceptor->local_endpoint().port();
    Bson attr;
    AppendUtf8(attr.get(), "address", name);
    BSON_APPEND_INT32(attr.get(), "port", bound_port_);
    log::Info("NETWORK", 23016, "listener", "Waiting for connections", attr.get());
    acceptors_.push_back(std::move(acceptor));
  }
  if (options_.metrics_port >= 0) return metrics_.Listen(addresses, options_.metrics_port);
  return Status::OK();
}

void Server::Accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](asio::error_code ec, asio::ip::tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted && !stopping_) {
        Bson attr;
        AppendUtf8(attr.get(), "error", ec.message());
        log::Warning("NETWORK", 22993, "listener", "Error accepting new connection", attr.get());
        Accept(acceptor);
      }
      return;
    }
    if (stopping_) return;
    if (service_.connections.current.load() >= service_.max_incoming_connections) {
      Bson attr;
      BSON_APPEND_INT32(attr.get(), "connectionCount",
                        static_cast<int32_t>(service_.connections.current.load()));
      log::Info("NETWORK", 22942, "listener",
                "Connection refused because there are too many open connections", attr.get());
      asio::error_code ignored;
      socket.close(ignored);
    } else {
      StartSession(std::move(socket));
    }
    Accept(acceptor);
  });
}

void Server::StartSession(asio::ip::tcp::socket socket) {
  asio::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  // The session's own thread does blocking I/O on the descriptor, so it leaves
  // this event loop (which would otherwise wake on every request) for good.
  const int fd = socket.release(ec);
  if (ec) {
    Bson attr;
    AppendUtf8(attr.get(), "error", ec.message());
    log::Warning("NETWORK", 22993, "listener", "Error accepting new connection", attr.get());
    return;
  }
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  auto session =
      std::make_shared<Session>(fd, service_, dispatcher_, sessions_, next_connection_id_++);
  sessions_.Add(session);
  if (tls_context_) {
    session->EnableTls(tls_context_, options_.tls_mode == ServerOptions::TlsMode::kRequireTls);
  }
  session->Start();
}

void Server::ScheduleCursorReaper() {
  cursor_reaper_.expires_after(std::chrono::minutes(1));
  cursor_reaper_.async_wait([this](asio::error_code ec) {
    if (ec) return;
    service_.cursors.ReapIdle(std::chrono::steady_clock::now());
    ScheduleCursorReaper();
  });
}

void Server::WaitForRotateSignal() {
  rotate_signal_.async_wait([this](asio::error_code ec, int) {
    if (ec) return;
    if (Status s = log::Rotate(); !s.ok()) {
      Bson attr;
      AppendUtf8(attr.get(), "error", s.reason());
      log::Warning("CONTROL", 23168, "SignalHandler", "Log rotation failed", attr.get());
    }
    WaitForRotateSignal();
  });
}

void Server::Run() {
  for (auto& acceptor : acceptors_) Accept(*acceptor);
  metrics_.Start();
  ScheduleCursorReaper();
  WaitForRotateSignal();
  signals_.async_wait([this](asio::error_code ec, int signal) {
    if (ec) return;
    Bson attr;
    BSON_APPEND_INT32(attr.get(), "signal", signal);
    log::Info("CONTROL", 23377, "SignalHandler", "Received signal", attr.get());
    Stop();
  });
  // This thread only accepts, keeps time and serves /metrics; every
  // connection has its own thread (server/session.h).
  io_.run();
}

void Server::Stop() {
  asio::post(io_, [this] {
    if (stopping_.exchange(true)) return;
    log::Info("CONTROL", 4784901, "SignalHandler", "Shutting down the network listener");
    asio::error_code ignored;
    for (auto& acceptor : acceptors_) acceptor->close(ignored);
    signals_.cancel(ignored);
    rotate_signal_.cancel(ignored);
    metrics_.Stop();
    cursor_reaper_.cancel();
    for (auto& session : sessions_.Snapshot()) session->RequestStop();
    // In-flight requests get a bounded time to finish; then every connection
    // is cut. Commands still running are waited for: storage closes only
    // once no session can touch it.
    stop_deadline_.expires_after(std::chrono::seconds(10));
    stop_deadline_.async_wait([this](asio::error_code ec) {
      if (ec) return;
      for (auto& session : sessions_.Snapshot()) session->Abort();
    });
    WaitForSessionsToClose();
  });
}

// Polls the registry rather than having sessions signal the server, which
// keeps the shutdown sequence in one place.
void Server::WaitForSessionsToClose() {
  if (sessions_.Size() == 0) {
    stop_deadline_.cancel();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(10));
  drain_timer_.async_wait([this](asio::error_code ec) {
    if (!ec) WaitForSessionsToClose();
  });
}

}  // namespace basalt::server
