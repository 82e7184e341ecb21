// The null server's canned replies, built once with libbson, and the rule that picks one for
// a request frame.
#ifndef BENCH_NULL_SERVER_REPLIES_H
#define BENCH_NULL_SERVER_REPLIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *bytes;  // a whole frame; bytes 8..11 (responseTo) are patched per request
  size_t len;
} Reply;

typedef struct {
  Reply legacy_hello;  // OP_REPLY to the OP_QUERY handshake
  Reply hello;         // OP_MSG to hello / isMaster
  Reply fixed;         // OP_MSG to every other command
} Replies;

const Replies *BuildReplies(void);

// The reply for one whole, length-checked request frame, or NULL when the request set
// moreToCome (the client expects nothing back).
const Reply *ChooseReply(const Replies *replies, const uint8_t *frame, size_t len);

#endif
