// Builds the null server's three canned frames. The fixed reply carries every field the load
// generator's workloads read (n, nModified, a cursor with one document, value,
// lastErrorObject), so each of them sees success without the server parsing the command.
#include "replies.h"

#include <bson/bson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kOpReply = 1, kOpQuery = 2004, kOpMsg = 2013, kMoreToCome = 1 << 1 };

static void PutInt32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

static int32_t GetInt32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

static Reply Frame(int32_t opcode, const uint8_t *prefix, size_t prefix_len, const bson_t *doc) {
  Reply r;
  r.len = 16 + prefix_len + doc->len;
  r.bytes = malloc(r.len);
  if (!r.bytes) abort();
  PutInt32(r.bytes, (int32_t)r.len);
  PutInt32(r.bytes + 4, 1);  // requestID: nobody reads it
  PutInt32(r.bytes + 8, 0);  // responseTo: patched per request
  PutInt32(r.bytes + 12, opcode);
  memcpy(r.bytes + 16, prefix, prefix_len);
  memcpy(r.bytes + 16 + prefix_len, bson_get_data(doc), doc->len);
  return r;
}

static Reply OpMsg(const bson_t *doc) {
  const uint8_t prefix[5] = {0, 0, 0, 0, 0};  // flagBits 0, then a kind-0 section
  return Frame(kOpMsg, prefix, sizeof prefix, doc);
}

static Reply OpReply(const bson_t *doc) {
  uint8_t prefix[20] = {0};  // responseFlags, cursorID (8), startingFrom
  PutInt32(prefix + 16, 1);  // numberReturned
  return Frame(kOpReply, prefix, sizeof prefix, doc);
}

// What a standalone mongod 8.0 says about itself, as far as libmongoc's SDAM reads it.
static void AppendHello(bson_t *b) {
  BSON_APPEND_BOOL(b, "helloOk", true);
  BSON_APPEND_BOOL(b, "ismaster", true);
  BSON_APPEND_BOOL(b, "isWritablePrimary", true);
  BSON_APPEND_INT32(b, "maxBsonObjectSize", 16 * 1024 * 1024);
  BSON_APPEND_INT32(b, "maxMessageSizeBytes", 48000000);
  BSON_APPEND_INT32(b, "maxWriteBatchSize", 100000);
  BSON_APPEND_DATE_TIME(b, "localTime", (int64_t)time(NULL) * 1000);
  BSON_APPEND_INT32(b, "logicalSessionTimeoutMinutes", 30);
  BSON_APPEND_INT32(b, "connectionId", 1);
  BSON_APPEND_INT32(b, "minWireVersion", 0);
  BSON_APPEND_INT32(b, "maxWireVersion", 25);
  BSON_APPEND_BOOL(b, "readOnly", false);
  BSON_APPEND_DOUBLE(b, "ok", 1.0);
}

static void AppendUserDoc(bson_t *parent, const char *key) {
  bson_t doc;
  bson_append_document_begin(parent, key, -1, &doc);
  BSON_APPEND_INT64(&doc, "_id", 1);
  BSON_APPEND_UTF8(&doc, "email", "user1@example.com");
  BSON_APPEND_UTF8(&doc, "name", "user 1");
  BSON_APPEND_INT64(&doc, "n", 0);
  bson_append_document_end(parent, &doc);
}

static void AppendFixed(bson_t *b) {
  BSON_APPEND_INT32(b, "n", 1);
  BSON_APPEND_INT32(b, "nModified", 1);
  bson_t cursor, batch, last_error;
  BSON_APPEND_DOCUMENT_BEGIN(b, "cursor", &cursor);
  BSON_APPEND_ARRAY_BEGIN(&cursor, "firstBatch", &batch);
  AppendUserDoc(&batch, "0");
  bson_append_array_end(&cursor, &batch);
  BSON_APPEND_INT64(&cursor, "id", 0);
  BSON_APPEND_UTF8(&cursor, "ns", "bench.users");
  bson_append_document_end(b, &cursor);
  AppendUserDoc(b, "value");
  BSON_APPEND_DOCUMENT_BEGIN(b, "lastErrorObject", &last_error);
  BSON_APPEND_INT32(&last_error, "n", 1);
  BSON_APPEND_BOOL(&last_error, "updatedExisting", true);
  bson_append_document_end(b, &last_error);
  BSON_APPEND_DOUBLE(b, "ok", 1.0);
}

const Replies *BuildReplies(void) {
  static Replies r;
  bson_t hello = BSON_INITIALIZER, fixed = BSON_INITIALIZER;
  AppendHello(&hello);
  AppendFixed(&fixed);
  r.legacy_hello = OpReply(&hello);
  r.hello = OpMsg(&hello);
  r.fixed = OpMsg(&fixed);
  bson_destroy(&hello);
  bson_destroy(&fixed);
  return &r;
}

// True when the OP_MSG's body (its kind-0 section) names hello or isMaster as its command.
static int IsHello(const uint8_t *frame, size_t len) {
  size_t off = 20;  // header + flagBits
  while (off + 1 + 4 <= len) {
    uint8_t kind = frame[off];
    int32_t size = GetInt32(frame + off + 1);
    if (size < 5 || (size_t)size > len - off - 1) return 0;
    if (kind == 0) {
      // A BSON document: int32 length, then the first element's type byte and key.
      const char *key = (const char *)frame + off + 1 + 5;
      size_t room = (size_t)size - 5;
      if (size < 6 || memchr(key, '\0', room) == NULL) return 0;
      return strcmp(key, "hello") == 0 || strcmp(key, "isMaster") == 0 ||
             strcmp(key, "ismaster") == 0;
    }
    off += 1 + (size_t)size;  // a kind-1 section: its size counts itself, not the kind byte
  }
  return 0;
}

const Reply *ChooseReply(const Replies *r, const uint8_t *frame, size_t len) {
  int32_t opcode = GetInt32(frame + 12);
  // libmongoc sends one OP_QUERY: its connection handshake.
  if (opcode == kOpQuery) return &r->legacy_hello;
  if (opcode == kOpMsg && len >= 21) {
    if (GetInt32(frame + 16) & kMoreToCome) return NULL;
    return IsHello(frame, len) ? &r->hello : &r->fixed;
  }
  return &r->fixed;
}
