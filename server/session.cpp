#include "server/session.h"

#include "base/log.h"
#include "commands/dispatcher.h"
#include "protocol/request.h"
#include "server/server.h"
#include "server/tls_context.h"

namespace basalt::server {
namespace {

// Bodies are read in pieces that grow with what actually arrives, so a client
// that announces a large message but sends little never makes us allocate it.
constexpr size_t kFirstReadChunk = 16 * 1024;

std::string EndpointString(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::atomic<int32_t> next_message_id{1};

// A client hanging up, over plain TCP or TLS (with or without close_notify), is not worth a log line.
bool IsEndOfStream(const asio::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

int32_t NextMessageId() { return next_message_id.fetch_add(1, std::memory_order_relaxed); }

Session::Session(asio::ip::tcp::socket socket, commands::ServiceContext& service,
                 const commands::Dispatcher& dispatcher, SessionRegistry& registry, int64_t id)
    : socket_(std::move(socket)), service_(service), dispatcher_(dispatcher), registry_(registry) {
  state_.id = id;
  asio::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) state_.remote = EndpointString(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) state_.local = EndpointString(local);
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
  registry_.Remove(this);
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

void Session::Start() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
    if (self->tls_context_) return self->DetectTls();
    self->ReadHeader();
  });
}

void Session::DetectTls() {
  // Waiting for readability holds no buffer, so an idle connection stays cheap.
  socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](
                                                           asio::error_code ec) {
    if (ec) return self->Close(ec == asio::error::eof ? "" : ec.message());
    std::array<uint8_t, protocol::kHeaderSize> start{};
    size_t n = self->socket_.receive(asio::buffer(start), asio::socket_base::message_peek, ec);
    if (ec || n == 0) return self->Close(ec && ec != asio::error::eof ? ec.message() : "");
    if (LooksLikeTlsClientHello(start.data(), n)) return self->StartTlsHandshake();
    if (self->tls_required_) {
      Bson attr;
      AppendUtf8(attr.get(), "remote", self->state_.remote);
      AppendUtf8(attr.get(), "error",
                 "SSLHandshakeFailed: The server is configured to only allow SSL connections");
      log::Info("NETWORK", 22988, self->Ctx(),
                "Error receiving request from client. Ending connection from remote", attr.get());
      return self->Close("");
    }
    self->ReadHeader();
  });
}

void Session::StartTlsHandshake() {
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
  tls_->async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](
                                                            asio::error_code ec) {
    if (ec) {
      Bson attr;
      AppendUtf8(attr.get(), "remote", self->state_.remote);
      AppendUtf8(attr.get(), "error", "SSLHandshakeFailed: " + ec.message());
      log::Info("NETWORK", 22988, self->Ctx(),
                "Error receiving request from client. Ending connection from remote", attr.get());
      return self->Close("");
    }
    if (!log::Quiet()) {
      SSL* ssl = self->tls_->native_handle();
      Bson attr;
      AppendUtf8(attr.get(), "remote", self->state_.remote);
      AppendUtf8(attr.get(), "protocol", SSL_get_version(ssl));
      AppendUtf8(attr.get(), "cipher", SSL_get_cipher_name(ssl));
      X509* peer = SSL_get1_peer_certificate(ssl);
      if (peer) {
        char subject[512] = {};
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
        AppendUtf8(attr.get(), "peerSubject", subject);
        X509_free(peer);
      }
      log::Info("NETWORK", 23838, self->Ctx(), "Accepted TLS connection", attr.get());
    }
    self->ReadHeader();
  });
}

void Session::RequestStop() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // Idle between requests: nothing to finish. Mid-request: OnRequest closes after replying.
    if (!self->busy_) self->Close("server shutting down");
  });
}

void Session::ReadHeader() {
  // Idle from here until a header arrives: a shutdown may close us now. Until
  // then (reading the body, running the command, writing the reply) it waits.
  busy_ = false;
  if (stopping_) return Close("server shutting down");
  WithStream([this](auto& stream) {
    asio::async_read(stream, asio::buffer(header_bytes_),
                     [self = shared_from_this()](asio::error_code ec, size_t bytes) {
                       if (ec) return self->Close(IsEndOfStream(ec) ? "" : ec.message());
                       self->OnHeader(bytes);
                     });
  });
}

void Session::OnHeader(size_t bytes) {
  service_.network.bytes_in.fetch_add(static_cast<int64_t>(bytes));
  if (!tls_context_ && LooksLikeTlsClientHello(header_bytes_.data(), header_bytes_.size())) {
    return Close("SSL handshake received but server is started without SSL support");
  }
  auto header = protocol::ParseHeader(header_bytes_.data());
  if (!header.ok()) {
    if (protocol::IsHttpGet(header_bytes_.data())) {
      // mongod answers HTTP on its port with a short explanation, then closes.
      auto text = protocol::HttpGetResponse();
      auto self = shared_from_this();
      WithStream([&](auto& stream) {
        asio::async_write(stream, asio::buffer(text.data(), text.size()),
                          [self](asio::error_code, size_t) { self->Close("HTTP request"); });
      });
      return;
    }
    return Close(header.status().reason());
  }
  header_ = header.value();
  busy_ = true;
  body_.clear();
  body_filled_ = 0;
  ReadBody();
}

void Session::ReadBody() {
  size_t total = static_cast<size_t>(header_.message_length - protocol::kHeaderSize);
  if (body_filled_ == total) return OnRequest();
  if (body_filled_ == body_.size()) {
    size_t grown = std::max(kFirstReadChunk, body_.size() * 2);
    body_.resize(std::min(total, grown));
  }
  WithStream([this](auto& stream) {
    stream.async_read_some(
        asio::buffer(body_.data() + body_filled_, body_.size() - body_filled_),
        [self = shared_from_this()](asio::error_code ec, size_t bytes) {
          if (ec) return self->Close(IsEndOfStream(ec) ? "" : ec.message());
          self->service_.network.bytes_in.fetch_add(static_cast<int64_t>(bytes));
          self->body_filled_ += bytes;
          self->ReadBody();
        });
  });
}

void Session::OnRequest() {
  service_.network.num_requests.fetch_add(1);
  protocol::DecodeOptions options{service_.compressors};
  protocol::DecodeResult decoded = protocol::DecodeRequest(header_, std::move(body_), options);
  body_ = {};
  if (!decoded.ok()) {
    protocol::DecodeError& error = decoded.error();
    switch (error.action) {
      case protocol::DecodeAction::kReplyError:
        return Write(protocol::EncodeReply(error.reply, NextMessageId(), error.reply_body.get()));
      case protocol::DecodeAction::kNoReply:
        LogBadMessage(error.status);
        return ReadHeader();
      case protocol::DecodeAction::kCloseConnection:
        return Close(error.status.reason());
    }
  }
  protocol::Request& request = decoded.value();
  service_.connections.active.fetch_add(1);
  Bson reply = Execute(request);
  service_.connections.active.fetch_sub(1);
  if (request.more_to_come()) return ReadHeader();  // the client expects no reply
  Write(protocol::EncodeReply(request.reply_context(), NextMessageId(), reply.get()));
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

void Session::LogBadMessage(const Status& status) {
  Bson attr;
  AppendUtf8(attr.get(), "remote", state_.remote);
  AppendUtf8(attr.get(), "error", status.ToString());
  log::Warning("NETWORK", 22967, Ctx(), "Ignoring a message the server cannot process", attr.get());
}

void Session::Write(std::vector<uint8_t> bytes) {
  out_ = std::move(bytes);
  service_.network.bytes_out.fetch_add(static_cast<int64_t>(out_.size()));
  WithStream([this](auto& stream) {
    asio::async_write(stream, asio::buffer(out_),
                      [self = shared_from_this()](asio::error_code ec, size_t) {
                        if (ec) return self->Close(ec.message());
                        self->out_.clear();
                        self->ReadHeader();
                      });
  });
}

void Session::Close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  if (!why.empty() && !stopping_) {
    Bson attr;
    AppendUtf8(attr.get(), "remote", state_.remote);
    AppendUtf8(attr.get(), "reason", why);
    log::Info("NETWORK", 22989, Ctx(), "Closing connection", attr.get());
  }
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace basalt::server
