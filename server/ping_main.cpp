// basalt-ping: sends {ping: 1} to a server and exits 0 if it answers ok: 1.
// The container's HEALTHCHECK uses it, since the runtime image has no shell
// client. Usage: basalt-ping [--host 127.0.0.1] [--port 27017] [--timeout-ms 5000]
#include <array>
#include <asio.hpp>
#include <iostream>
#include <string>

#include "base/bson.h"
#include "protocol/encode.h"
#include "protocol/message.h"
#include "protocol/request.h"

using namespace basalt;

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::string port = "27017";
  int timeout_ms = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--host")
      host = argv[i + 1];
    else if (flag == "--port")
      port = argv[i + 1];
    else if (flag == "--timeout-ms")
      timeout_ms = std::stoi(argv[i + 1]);
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::vector<uint8_t> reply;
  asio::error_code failure;
  asio::steady_timer timer(io, std::chrono::milliseconds(timeout_ms));
  timer.async_wait([&](asio::error_code ec) {
    if (!ec) socket.close();
  });
  asio::ip::tcp::resolver resolver(io);
  Bson ping;
  BSON_APPEND_INT32(ping.get(), "ping", 1);
  BSON_APPEND_UTF8(ping.get(), "$db", "admin");
  std::vector<uint8_t> request = protocol::EncodeOpMsg(1, 0, ping.get());
  std::array<uint8_t, protocol::kHeaderSize> header{};
  asio::async_connect(
      socket, resolver.resolve(host, port),
      [&](asio::error_code ec, const asio::ip::tcp::endpoint&) {
        if (ec) return void(failure = ec);
        asio::async_write(socket, asio::buffer(request), [&](asio::error_code ec, size_t) {
          if (ec) return void(failure = ec);
          asio::async_read(socket, asio::buffer(header), [&](asio::error_code ec, size_t) {
            if (ec) return void(failure = ec);
            auto parsed = protocol::ParseHeader(header.data());
            if (!parsed.ok()) return void(failure = asio::error::invalid_argument);
            reply.resize(parsed.value().message_length - protocol::kHeaderSize);
            asio::async_read(socket, asio::buffer(reply), [&](asio::error_code ec, size_t) {
              if (ec) failure = ec;
              timer.cancel();
            });
          });
        });
      });
  io.run();
  if (failure || reply.empty()) {
    std::cerr << "no answer from " << host << ":" << port << ": "
              << (failure ? failure.message() : "timed out") << "\n";
    return 1;
  }
  auto parsed = protocol::ParseHeader(header.data());
  auto decoded = protocol::DecodeRequest(parsed.value(), std::move(reply));
  if (!decoded.ok()) {
    std::cerr << "unreadable reply: " << decoded.error().status.reason() << "\n";
    return 1;
  }
  bson_iter_t ok;
  if (bson_iter_init_find(&ok, decoded.value().body(), "ok") && IsTruthy(&ok)) return 0;
  std::cerr << "ping failed: " << ToJson(decoded.value().body()) << "\n";
  return 1;
}
