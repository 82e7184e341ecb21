// The null server: speaks just enough of MongoDB's wire protocol for libmongoc and answers
// every OP_MSG with a reply built once at start-up. It is the ceiling any real server can
// reach through the same client library and loopback path, so Basalt's benchmark figures are
// quoted as ratios to it. It stores nothing.
//
// Honesty rules: every request frame is read in full and every request that expects a reply
// gets one written back (a hello reply to hello/isMaster, the fixed reply to anything else).
//
// Threads: one per CPU in the process's affinity mask (or -t N). Each thread has its own
// SO_REUSEPORT listener and epoll set, so a connection lives on the thread that accepted it
// and no request ever crosses threads.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "replies.h"

enum { kMaxFrameBytes = 48 * 1000 * 1000 + 16 * 1024 * 1024, kReadChunk = 64 * 1024 };

typedef struct {
  int fd;
  uint8_t *in;  // bytes read but not yet consumed as whole frames
  size_t in_len, in_cap;
  uint8_t *out;  // replies not yet written
  size_t out_len, out_off, out_cap;
} Conn;

static int g_port = 27017;
static const Replies *g_replies;

static void Die(const char *what) {
  perror(what);
  exit(1);
}

static void Reserve(uint8_t **buf, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t cap2 = *cap ? *cap : 4096;
  while (cap2 < need) cap2 *= 2;
  *buf = realloc(*buf, cap2);
  if (!*buf) Die("realloc");
  *cap = cap2;
}

static void CloseConn(int epfd, Conn *c) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
}

// Appends the reply for one complete frame to c->out. Returns 0, or -1 to drop the connection.
static int HandleFrame(Conn *c, const uint8_t *frame, size_t len) {
  const Reply *reply = ChooseReply(g_replies, frame, len);
  if (reply == NULL) return 0;  // moreToCome: the client expects no answer
  Reserve(&c->out, &c->out_cap, c->out_len + reply->len);
  uint8_t *dst = c->out + c->out_len;
  memcpy(dst, reply->bytes, reply->len);
  memcpy(dst + 8, frame + 4, 4);  // responseTo = the request's requestID
  c->out_len += reply->len;
  return 0;
}

// Writes pending output; returns 1 if some remains (wait for EPOLLOUT), 0 if all sent, -1 on
// error.
static int Flush(Conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 1;
      return -1;
    }
    c->out_off += (size_t)n;
  }
  c->out_off = c->out_len = 0;
  return 0;
}

// Reads what the socket has, answers every whole frame, keeps a partial one for later.
static int OnReadable(Conn *c) {
  for (;;) {
    Reserve(&c->in, &c->in_cap, c->in_len + kReadChunk);
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n == 0) return -1;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return -1;
    }
    c->in_len += (size_t)n;
    if ((size_t)n < kReadChunk) break;  // drained; avoids one extra EAGAIN syscall
  }
  size_t off = 0;
  while (c->in_len - off >= 4) {
    int32_t len;
    memcpy(&len, c->in + off, 4);
    if (len < 16 || len > kMaxFrameBytes) return -1;
    if (c->in_len - off < (size_t)len) break;
    if (HandleFrame(c, c->in + off, (size_t)len) != 0) return -1;
    off += (size_t)len;
  }
  memmove(c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
  return 0;
}

static int Listen(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) Die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) Die("SO_REUSEPORT");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) Die("bind");
  if (listen(fd, 1024) != 0) Die("listen");
  return fd;
}

static void Accept(int epfd, int lfd) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Conn *c = calloc(1, sizeof *c);
    if (!c) Die("calloc");
    c->fd = fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) Die("epoll_ctl add");
  }
}

static void *ServeLoop(void *unused) {
  (void)unused;
  int lfd = Listen();
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) Die("epoll_create1");
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};  // NULL marks the listener
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) != 0) Die("epoll_ctl listen");
  struct epoll_event events[64];
  for (;;) {
    int n = epoll_wait(epfd, events, 64, -1);
    for (int i = 0; i < n; i++) {
      Conn *c = events[i].data.ptr;
      if (c == NULL) {
        Accept(epfd, lfd);
        continue;
      }
      int rc = 0;
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) rc = OnReadable(c);
      if (rc == 0) rc = Flush(c);
      if (rc < 0) {
        CloseConn(epfd, c);
        continue;
      }
      // Ask for EPOLLOUT only while output is pending, so idle connections cost no wakeups.
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (rc == 1 ? EPOLLOUT : 0),
                               .data.ptr = c};
      epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    }
  }
  return NULL;
}

static int CpusInMask(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

int main(int argc, char **argv) {
  int threads = CpusInMask();
  int opt;
  while ((opt = getopt(argc, argv, "p:t:")) != -1) {
    if (opt == 'p')
      g_port = atoi(optarg);
    else if (opt == 't')
      threads = atoi(optarg);
    else {
      fprintf(stderr, "usage: %s [-p port] [-t threads]\n", argv[0]);
      return 2;
    }
  }
  if (threads < 1 || g_port <= 0 || g_port > 65535) {
    fprintf(stderr, "null_server: bad -p or -t\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  g_replies = BuildReplies();
  pthread_t tid;
  for (int i = 1; i < threads; i++) {
    if (pthread_create(&tid, NULL, ServeLoop, NULL) != 0) Die("pthread_create");
  }
  fprintf(stderr, "null_server: listening on 127.0.0.1:%d with %d threads\n", g_port, threads);
  ServeLoop(NULL);
  return 0;
}
