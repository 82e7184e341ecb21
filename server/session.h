// One client connection: reads framed requests, runs each command on the
// thread that read it, writes the reply, and repeats. All of a session's
// handlers run through its strand, so a session is never touched by two
// threads at once; the session keeps itself alive through shared_from_this
// while an operation is pending.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "commands/command.h"
#include "commands/dispatcher.h"
#include "protocol/message.h"
#include "protocol/request.h"

namespace basalt::server {

class SessionRegistry;

// The requestID of the next message the server sends; unique process-wide.
int32_t NextMessageId();

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket socket, commands::ServiceContext& service,
          const commands::Dispatcher& dispatcher, SessionRegistry& registry, int64_t id);
  ~Session();

  // Before Start(): serve TLS on this connection when the client opens with a TLS
  // handshake; with `required`, refuse a client that does not (net.tls.mode).
  void EnableTls(std::shared_ptr<asio::ssl::context> context, bool required);
  void Start();
  // Asks the session to close once its current request is answered. Safe from any thread.
  void RequestStop();

 private:
  // TLS modes: peeks at the first bytes to tell a TLS ClientHello from a plain message.
  void DetectTls();
  void StartTlsHandshake();
  void ReadHeader();
  void OnHeader(size_t bytes);
  void ReadBody();
  void OnRequest();
  // Runs one decoded request and returns its reply document.
  Bson Execute(const protocol::Request& request);
  void LogBadMessage(const Status& status);
  void Write(std::vector<uint8_t> bytes);
  void Close(std::string_view why);
  std::string Ctx() const { return "conn" + std::to_string(state_.id); }
  // Runs `op` on the byte stream the client speaks: TLS once negotiated, else the socket.
  template <typename Op>
  void WithStream(Op&& op) {
    if (tls_) {
      op(*tls_);
    } else {
      op(socket_);
    }
  }

  asio::ip::tcp::socket socket_;
  commands::ServiceContext& service_;
  const commands::Dispatcher& dispatcher_;
  SessionRegistry& registry_;
  commands::ConnectionState state_;
  std::shared_ptr<asio::ssl::context> tls_context_;  // null: TLS disabled
  bool tls_required_ = false;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;  // set once TLS is chosen

  std::array<uint8_t, protocol::kHeaderSize> header_bytes_{};
  protocol::MsgHeader header_{};
  // The body read so far; grown as bytes arrive, never to more than was sent.
  std::vector<uint8_t> body_;
  size_t body_filled_ = 0;
  std::vector<uint8_t> out_;

  bool busy_ = false;      // from a complete header until its reply is written
  bool stopping_ = false;  // close after the current request
  bool closed_ = false;
};

}  // namespace basalt::server
