#include "server/metrics_endpoint.h"

#include <catch2/catch.hpp>

using namespace basalt;
using namespace basalt::server;

TEST_CASE("the metrics endpoint answers GET /metrics and refuses the rest") {
  commands::ServiceContext service;
  service.network.num_requests.store(7);
  struct Row {
    const char* request;
    const char* status_line;
  };
  for (Row row : {
           Row{"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n"},
           Row{"GET /metrics?x=1 HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\n"},
           Row{"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n"},
           Row{"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n"},
           Row{"POST /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n"},
           Row{"garbage\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
           Row{"GET /metrics\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
       }) {
    std::string response = MetricsHttpResponse(row.request, service);
    INFO(row.request);
    CHECK(response.rfind(row.status_line, 0) == 0);
    CHECK(response.find("Connection: close\r\n") != std::string::npos);
  }
  std::string ok = MetricsHttpResponse("GET /metrics HTTP/1.1\r\n\r\n", service);
  CHECK(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  std::string body = ok.substr(ok.find("\r\n\r\n") + 4);
  CHECK(ok.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
  CHECK(body.find("basalt_network_requests_total 7\n") != std::string::npos);
  std::string head = MetricsHttpResponse("HEAD /metrics HTTP/1.1\r\n\r\n", service);
  CHECK(head.substr(head.find("\r\n\r\n") + 4).empty());
}
