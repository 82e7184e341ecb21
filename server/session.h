// One client connection, served by a thread of its own as mongod's default
// (dedicated) service executor does: the thread reads a request, runs its
// command, writes the reply and repeats. So a command runs on the thread that
// read it, with no hand-off between threads; a slow command delays only its
// own client; and a j:true write waits for the journal without holding up
// anyone else's request, so concurrent durable writes share journal syncs.
//
// The thread owns the session through a shared_ptr; the registry and the
// server only see it through Snapshot()/RequestStop()/Abort(), which are safe
// from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/ssl.hpp>

#include "commands/command.h"
#include "commands/dispatcher.h"
#include "protocol/message.h"
#include "protocol/request.h"
#include "server/connection_stream.h"

namespace basalt::server {

class SessionRegistry;

// The requestID of the next message the server sends; unique process-wide.
int32_t NextMessageId();

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `fd`: the accepted connection, in blocking mode; the session closes it.
  Session(int fd, commands::ServiceContext& service, const commands::Dispatcher& dispatcher,
          SessionRegistry& registry, int64_t id);
  ~Session();

  // Before Start(): serve TLS on this connection when the client opens with a TLS
  // handshake; with `required`, refuse a client that does not (net.tls.mode).
  void EnableTls(std::shared_ptr<asio::ssl::context> context, bool required);
  // Starts the session's thread; false when no thread could be made (the
  // connection is then closed with a log line).
  bool Start();
  // Closes once the current request is answered; at once when idle. Any thread.
  void RequestStop();
  // Cuts the connection now, answered or not (the shutdown deadline). Any thread.
  void Abort();

 private:
  // The thread's body: serves requests until the client leaves, the server
  // stops or an error ends the connection; returns why (empty: nothing to log).
  std::string Serve();
  // TLS modes: tells a TLS ClientHello from a plain message and negotiates TLS;
  // false when the connection must close (already logged).
  bool NegotiateTls();
  // Between requests: false when a stop was requested.
  bool EnterIdle();
  void LeaveIdle();
  // Reads the body announced by header_ into body_, in pieces that grow with
  // what actually arrives, so a client announcing a large message but sending
  // little never makes us allocate it.
  IoResult ReadBody();
  // Decodes and runs one request; false when the connection must close (`why`).
  bool HandleRequest(std::string* why);
  // Runs one decoded request and returns its reply document.
  Bson Execute(const protocol::Request& request);
  IoResult Write(const std::vector<uint8_t>& bytes);
  void LogBadMessage(const Status& status);
  void LogTlsRefused(const std::string& error);
  // Closes the connection (once), logging `why` unless it is empty or we are stopping.
  void Close(const std::string& why);
  std::string Ctx() const { return "conn" + std::to_string(state_.id); }

  ConnectionStream stream_;
  commands::ServiceContext& service_;
  const commands::Dispatcher& dispatcher_;
  SessionRegistry& registry_;
  commands::ConnectionState state_;
  std::shared_ptr<asio::ssl::context> tls_context_;  // null: TLS disabled
  bool tls_required_ = false;

  std::array<uint8_t, protocol::kHeaderSize> header_bytes_{};
  protocol::MsgHeader header_{};
  std::vector<uint8_t> body_;

  // Guards the flags other threads look at; the stream's descriptor stays
  // open (so Shutdown() is safe) while closed_ is false.
  std::mutex state_mu_;
  bool busy_ = false;      // guarded by state_mu_; from a header until its reply is written
  bool stopping_ = false;  // guarded by state_mu_; close after the current request
  bool closed_ = false;    // guarded by state_mu_
};

}  // namespace basalt::server
