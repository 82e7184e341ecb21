// The optional Prometheus endpoint (--metricsPort / net.metrics.port): a
// minimal HTTP/1.1 server on its own port, on the same addresses and
// io_context as the wire-protocol listener. GET /metrics answers the text
// exposition; anything else gets 404 or 405; every response closes the
// connection. Requests are bounded (8 KiB of headers, 10 s to send them).
#pragma once

#include <asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "commands/service_context.h"

namespace basalt::server {

// The response to one raw HTTP request head (request line and headers).
// Exposed for tests.
std::string MetricsHttpResponse(const std::string& request_head,
                                const commands::ServiceContext& service);

class MetricsEndpoint {
 public:
  MetricsEndpoint(asio::io_context& io, const commands::ServiceContext& service);

  // Binds `port` on every address; fails naming the address that cannot be bound.
  Status Listen(const std::vector<std::string>& addresses, int port);
  void Start();
  void Stop();
  int BoundPort() const { return bound_port_; }

 private:
  void Accept(asio::ip::tcp::acceptor& acceptor);

  asio::io_context& io_;
  const commands::ServiceContext& service_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  int bound_port_ = 0;
};

}  // namespace basalt::server
