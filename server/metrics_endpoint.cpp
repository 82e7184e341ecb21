#include "server/metrics_endpoint.h"

#include "base/log.h"
#include "commands/prometheus.h"

namespace basalt::server {
namespace {

constexpr size_t kMaxRequestHead = 8 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(10);

std::string Response(const std::string& status, const std::string& content_type,
                     const std::string& body, const std::string& extra_headers = "") {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
         "Connection: close\r\n\r\n" + body;
}

// One HTTP connection: read the request head, answer, close.
class MetricsConnection : public std::enable_shared_from_this<MetricsConnection> {
 public:
  MetricsConnection(asio::ip::tcp::socket socket, const commands::ServiceContext& service)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), service_(service) {}

  void Start() {
    auto self = shared_from_this();
    timer_.expires_after(kRequestTimeout);
    timer_.async_wait([self](asio::error_code ec) {
      if (!ec) self->Close();
    });
    asio::async_read_until(socket_, asio::dynamic_buffer(head_, kMaxRequestHead), "\r\n\r\n",
                           [self](asio::error_code ec, size_t) {
                             if (ec == asio::error::not_found) {
                               return self->Reply(Response("431 Request Header Fields Too Large",
                                                           "text/plain", "request too large\n"));
                             }
                             if (ec) return self->Close();
                             self->Reply(MetricsHttpResponse(self->head_, self->service_));
                           });
  }

 private:
  void Reply(std::string response) {
    out_ = std::move(response);
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_),
                      [self](asio::error_code, size_t) { self->Close(); });
  }

  void Close() {
    asio::error_code ignored;
    timer_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const commands::ServiceContext& service_;
  std::string head_;
  std::string out_;
};

}  // namespace

std::string MetricsHttpResponse(const std::string& request_head,
                                const commands::ServiceContext& service) {
  std::string line = request_head.substr(0, request_head.find("\r\n"));
  size_t first_space = line.find(' ');
  size_t second_space = line.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos ||
      line.compare(second_space + 1, 5, "HTTP/") != 0) {
    return Response("400 Bad Request", "text/plain", "bad request\n");
  }
  std::string method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, second_space - first_space - 1);
  std::string path = target.substr(0, target.find('?'));
  if (path != "/metrics") return Response("404 Not Found", "text/plain", "not found\n");
  if (method != "GET" && method != "HEAD") {
    return Response("405 Method Not Allowed", "text/plain", "method not allowed\n",
                    "Allow: GET, HEAD\r\n");
  }
  std::string body = commands::RenderPrometheusMetrics(service);
  std::string response = Response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body);
  if (method == "HEAD") response.resize(response.size() - body.size());
  return response;
}

MetricsEndpoint::MetricsEndpoint(asio::io_context& io, const commands::ServiceContext& service)
    : io_(io), service_(service) {}

Status MetricsEndpoint::Listen(const std::vector<std::string>& addresses, int port) {
  for (const std::string& host : addresses) {
    std::string name = host == "localhost" ? "127.0.0.1" : host;
    asio::error_code ec;
    asio::ip::address address = asio::ip::make_address(name, ec);
    if (ec) return Status(ErrorCodes::BadValue, "Invalid bind address: " + host);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    // Several addresses with port 0 share the first one's ephemeral port.
    asio::ip::tcp::endpoint endpoint(address,
                                     static_cast<uint16_t>(bound_port_ ? bound_port_ : port));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status(ErrorCodes::OperationFailed, "Failed to set up the metrics listener on " +
                                                     name + ":" + std::to_string(port) + ": " +
                                                     ec.message());
    }
    bound_port_ = acceptor->local_endpoint().port();
    Bson attr;
    AppendUtf8(attr.get(), "address", name);
    BSON_APPEND_INT32(attr.get(), "port", bound_port_);
    log::Info("NETWORK", 23016, "listener", "Serving Prometheus metrics on /metrics", attr.get());
    acceptors_.push_back(std::move(acceptor));
  }
  return Status::OK();
}

void MetricsEndpoint::Start() {
  for (auto& acceptor : acceptors_) Accept(*acceptor);
}

void MetricsEndpoint::Stop() {
  asio::error_code ignored;
  for (auto& acceptor : acceptors_) acceptor->close(ignored);
}

void MetricsEndpoint::Accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept(
      asio::make_strand(io_), [this, &acceptor](asio::error_code ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) std::make_shared<MetricsConnection>(std::move(socket), service_)->Start();
        Accept(acceptor);
      });
}

}  // namespace basalt::server
