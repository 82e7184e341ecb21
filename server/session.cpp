#include "server/session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <system_error>
#include <thread>

#include "base/log.h"
#include "commands/dispatcher.h"
#include "protocol/request.h"
#include "server/server.h"
#include "server/tls_context.h"

namespace basalt::server {
namespace {

constexpr size_t kFirstReadChunk = 16 * 1024;

std::atomic<int32_t> next_message_id{1};

// "host:port" of a socket address, IPv6 hosts in brackets as mongod logs them.
std::string AddressString(const sockaddr_storage& address) {
  char host[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address);
  inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(in4->sin_port));
}

std::string PeerAddress(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "";
  return AddressString(address);
}

std::string LocalAddress(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "";
  return AddressString(address);
}

}  // namespace

int32_t NextMessageId() { return next_message_id.fetch_add(1, std::memory_order_relaxed); }

Session::Session(int fd, commands::ServiceContext& service, const commands::Dispatcher& dispatcher,
                 SessionRegistry& registry, int64_t id)
    : stream_(fd), service_(service), dispatcher_(dispatcher), registry_(registry) {
  state_.id = id;
  state_.remote = PeerAddress(fd);
  state_.local = LocalAddress(fd);
  int64_t count = service_.connections.current.fetch_add(1) + 1;
  service_.connections.total_created.fetch_add(1);
  if (!log::Quiet()) {
    Bson attr;
    AppendUtf8(attr.get(), "remote", state_.remote);
    BSON_APPEND_INT64(attr.get(), "connectionId", id);
    BSON_APPEND_INT64(attr.get(), "connectionCount", count);
    log::Info("NETWORK", 22943, "listener", "Connection accepted", attr.get());
  }
}

Session::~Session() {
  int64_t count = service_.connections.current.fetch_sub(1) - 1;
  if (!log::Quiet()) {
    Bson attr;
    AppendUtf8(attr.get(), "remote", state_.remote);
    BSON_APPEND_INT64(attr.get(), "connectionId", state_.id);
    BSON_APPEND_INT64(attr.get(), "connectionCount", count);
    log::Info("NETWORK", 22944, Ctx(), "Connection ended", attr.get());
  }
}

void Session::EnableTls(std::shared_ptr<asio::ssl::context> context, bool required) {
  tls_context_ = std::move(context);
  tls_required_ = required;
}

bool Session::Start() {
  try {
    std::thread([self = shared_from_this()]() mutable {
      std::string why = self->Serve();
      self->Close(why);
      SessionRegistry& registry = self->registry_;
      Session* key = self.get();
      // Unregistered last, once this thread no longer touches the session:
      // the server waits for an empty registry before it closes storage.
      self.reset();
      registry.Remove(key);
    }).detach();
    return true;
  } catch (const std::system_error& e) {
    Bson attr;
    AppendUtf8(attr.get(), "error", e.what());
    log::Warning("EXECUTOR", 22948, Ctx(), "Failed to create a thread for the connection",
                 attr.get());
    Close("");
    registry_.Remove(this);
    return false;
  }
}

void Session::RequestStop() {
  std::lock_guard lock(state_mu_);
  stopping_ = true;
  // Idle between requests: wake the blocked read. Mid-request: Serve() stops after replying.
  if (!busy_ && !closed_) stream_.Shutdown();
}

void Session::Abort() {
  std::lock_guard lock(state_mu_);
  stopping_ = true;
  if (!closed_) stream_.Shutdown();
}

bool Session::EnterIdle() {
  std::lock_guard lock(state_mu_);
  busy_ = false;
  return !stopping_;
}

void Session::LeaveIdle() {
  std::lock_guard lock(state_mu_);
  busy_ = true;
}

std::string Session::Serve() {
  if (tls_context_ && !NegotiateTls()) return "";
  for (;;) {
    if (!EnterIdle()) return "server shutting down";
    IoResult read = stream_.ReadExactly(header_bytes_.data(), header_bytes_.size());
    if (!read.ok()) return read.message;  // empty at end of stream: nothing to log
    LeaveIdle();
    service_.network.bytes_in.fetch_add(static_cast<int64_t>(header_bytes_.size()));
    if (!tls_context_ && LooksLikeTlsClientHello(header_bytes_.data(), header_bytes_.size())) {
      return "SSL handshake received but server is started without SSL support";
    }
    auto header = protocol::ParseHeader(header_bytes_.data());
    if (!header.ok()) {
      if (protocol::IsHttpGet(header_bytes_.data())) {
        // mongod answers HTTP on its port with a short explanation, then closes.
        auto text = protocol::HttpGetResponse();
        stream_.WriteAll(text.data(), text.size());
        return "HTTP request";
      }
      return header.status().reason();
    }
    header_ = header.value();
    IoResult body = ReadBody();
    if (!body.ok()) return body.message;
    std::string why;
    if (!HandleRequest(&why)) return why;
  }
}

bool Session::NegotiateTls() {
  // Peeking holds no buffer, so an idle connection stays cheap.
  std::array<uint8_t, protocol::kHeaderSize> start{};
  IoResult peeked = stream_.Peek(start.data(), start.size());
  if (!peeked.ok()) {
    if (!peeked.end_of_stream()) Close(peeked.message);
    return false;
  }
  if (!LooksLikeTlsClientHello(start.data(), peeked.bytes)) {
    if (!tls_required_) return true;
    LogTlsRefused("SSLHandshakeFailed: The server is configured to only allow SSL connections");
    return false;
  }
  IoResult handshake = stream_.StartTls(tls_context_->native_handle());
  if (!handshake.ok()) {
    LogTlsRefused("SSLHandshakeFailed: " + handshake.message);
    return false;
  }
  if (!log::Quiet()) {
    Bson attr;
    AppendUtf8(attr.get(), "remote", state_.remote);
    AppendUtf8(attr.get(), "protocol", stream_.TlsProtocol());
    AppendUtf8(attr.get(), "cipher", stream_.TlsCipher());
    if (std::string subject = stream_.PeerSubject(); !subject.empty()) {
      AppendUtf8(attr.get(), "peerSubject", subject);
    }
    log::Info("NETWORK", 23838, Ctx(), "Accepted TLS connection", attr.get());
  }
  return true;
}

void Session::LogTlsRefused(const std::string& error) {
  Bson attr;
  AppendUtf8(attr.get(), "remote", state_.remote);
  AppendUtf8(attr.get(), "error", error);
  log::Info("NETWORK", 22988, Ctx(),
            "Error receiving request from client. Ending connection from remote", attr.get());
}

IoResult Session::ReadBody() {
  const size_t total = static_cast<size_t>(header_.message_length - protocol::kHeaderSize);
  body_.clear();
  size_t filled = 0;
  while (filled < total) {
    if (filled == body_.size()) {
      size_t grown = std::max(kFirstReadChunk, body_.size() * 2);
      body_.resize(std::min(total, grown));
    }
    IoResult read = stream_.ReadSome(body_.data() + filled, body_.size() - filled);
    if (!read.ok()) return read;
    service_.network.bytes_in.fetch_add(static_cast<int64_t>(read.bytes));
    filled += read.bytes;
  }
  return IoResult::Ok(total);
}

bool Session::HandleRequest(std::string* why) {
  service_.network.num_requests.fetch_add(1);
  protocol::DecodeOptions options{service_.compressors};
  protocol::DecodeResult decoded = protocol::DecodeRequest(header_, std::move(body_), options);
  body_ = {};
  if (!decoded.ok()) {
    protocol::DecodeError& error = decoded.error();
    switch (error.action) {
      case protocol::DecodeAction::kReplyError: {
        IoResult written = Write(
            protocol::EncodeReply(error.reply, NextMessageId(), error.reply_body.get()));
        *why = written.message;
        return written.ok();
      }
      case protocol::DecodeAction::kNoReply:
        LogBadMessage(error.status);
        return true;
      case protocol::DecodeAction::kCloseConnection:
        *why = error.status.reason();
        return false;
    }
  }
  protocol::Request& request = decoded.value();
  service_.connections.active.fetch_add(1);
  Bson reply = Execute(request);
  service_.connections.active.fetch_sub(1);
  if (request.more_to_come()) return true;  // the client expects no reply
  IoResult written =
      Write(protocol::EncodeReply(request.reply_context(), NextMessageId(), reply.get()));
  *why = written.message;
  return written.ok();
}

Bson Session::Execute(const protocol::Request& request) {
  commands::CommandInvocation invocation;
  commands::OperationContext op{service_, state_};
  // For OP_QUERY the protocol layer has already turned the query into a
  // command body with `$db`, as mongod does, so both paths parse alike.
  Status parsed = commands::ParseInvocation(request.body(), &invocation);
  if (!parsed.ok()) return commands::ErrorReply(parsed);
  for (const auto& sequence : request.sequences()) {
    invocation.sequences.push_back({sequence.identifier, sequence.documents});
  }
  if (request.op_code() == protocol::OpCode::kQuery) {
    invocation.via_op_query = true;
    return dispatcher_.RunLegacyHandshake(op, invocation);
  }
  return dispatcher_.Run(op, invocation);
}

IoResult Session::Write(const std::vector<uint8_t>& bytes) {
  service_.network.bytes_out.fetch_add(static_cast<int64_t>(bytes.size()));
  return stream_.WriteAll(bytes.data(), bytes.size());
}

void Session::LogBadMessage(const Status& status) {
  Bson attr;
  AppendUtf8(attr.get(), "remote", state_.remote);
  AppendUtf8(attr.get(), "error", status.ToString());
  log::Warning("NETWORK", 22967, Ctx(), "Ignoring a message the server cannot process", attr.get());
}

void Session::Close(const std::string& why) {
  std::lock_guard lock(state_mu_);
  if (closed_) return;
  closed_ = true;
  if (!why.empty() && !stopping_) {
    Bson attr;
    AppendUtf8(attr.get(), "remote", state_.remote);
    AppendUtf8(attr.get(), "reason", why);
    log::Info("NETWORK", 22989, Ctx(), "Closing connection", attr.get());
  }
  stream_.Shutdown();
}

}  // namespace basalt::server
