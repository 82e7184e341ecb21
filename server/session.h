// One client connection: reads framed requests, runs each command on the
// thread that read it, writes the reply, and repeats. All of a session's
// handlers run through its strand, so a session is never touched by two
// threads at once; the session keeps itself alive through shared_from_this
// while an operation is pending.
#pragma once

#include <asio.hpp>

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

  void Start();
  // Asks the session to close once its current request is answered. Safe from any thread.
  void RequestStop();

 private:
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

  asio::ip::tcp::socket socket_;
  commands::ServiceContext& service_;
  const commands::Dispatcher& dispatcher_;
  SessionRegistry& registry_;
  commands::ConnectionState state_;

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
