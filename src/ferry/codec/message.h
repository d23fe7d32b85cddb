// RocketMQ message layouts (sans-I/O): the stored-message records a PULL returns, the properties
// string, the send encodings (single message and SEND_BATCH_MESSAGE body) and the 5.x inner batch.
//
// Implements docs/protocol.md sections 5 "Stored message record", 6 "Properties", 7 "Sending:
// single message and batch body" and 8 "Compression" (ids: message_id.h, section 9).
//
// Decoding is built for throughput: StoredMessageReader walks a pull body and fills a MessageView
// per record -- fixed fields copied out, topic/body/properties as string_views into the caller's
// buffer, properties parsed only when asked. The buffer must outlive the views. StoredMessage and
// Message are the owning forms. Every length is checked against the bytes present; bad bytes give
// kTruncated (the input ends early), kMalformed (lengths or values contradict each other) or
// kUnsupported, with the byte offset in the message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/base/error.h"
#include "ferry/base/identity.h"
#include "ferry/codec/compression.h"
#include "ferry/codec/message_id.h"

namespace ferry::codec {

// MessageSysFlag bits (C/sysflag/MessageSysFlag.java).
inline constexpr std::int32_t kSysFlagCompressed = 0x1;
inline constexpr std::int32_t kSysFlagMultiTags = 0x2;
inline constexpr std::int32_t kSysFlagTransactionMask = 0xC;
inline constexpr std::int32_t kSysFlagTransactionPrepared = 0x4;
inline constexpr std::int32_t kSysFlagTransactionCommit = 0x8;
inline constexpr std::int32_t kSysFlagTransactionRollback = 0xC;
inline constexpr std::int32_t kSysFlagBornHostV6 = 0x10;
inline constexpr std::int32_t kSysFlagStoreHostV6 = 0x20;
inline constexpr std::int32_t kSysFlagNeedUnwrap = 0x40;
inline constexpr std::int32_t kSysFlagInnerBatch = 0x80;
inline constexpr std::int32_t kSysFlagCompressionMask = 0x700;  // 0x100 LZ4, 0x200 ZSTD, 0x300 ZLIB

// MAGICCODE of stored records: V1 has a 1-byte topic length, V2 (5.1+, topics > 127) 2 bytes.
inline constexpr std::uint32_t kMagicCodeV1 = 0xDAA320A7;
inline constexpr std::uint32_t kMagicCodeV2 = 0xDAA320AB;
inline constexpr std::uint32_t kBlankMagicCode = 0xCBD43194;  // end of a commit-log file

inline constexpr std::size_t kMaxPropertiesLength = 32767;  // int16 length field
// Java producers' default maxMessageSize (client Validators) and the broker's default limit.
inline constexpr std::size_t kDefaultMaxBodySize = std::size_t{4} * 1024 * 1024;

inline constexpr char kNameValueSeparator = '\x01';
inline constexpr char kPropertySeparator = '\x02';

// Property names (C/message/MessageConst.java) the codec and the engines refer to.
namespace property {
inline constexpr std::string_view kKeys = "KEYS";
inline constexpr std::string_view kTags = "TAGS";
inline constexpr std::string_view kUniqKey = "UNIQ_KEY";
inline constexpr std::string_view kWaitStoreMsgOk = "WAIT";
inline constexpr std::string_view kDelayTimeLevel = "DELAY";
inline constexpr std::string_view kRetryTopic = "RETRY_TOPIC";
inline constexpr std::string_view kRealTopic = "REAL_TOPIC";
inline constexpr std::string_view kRealQueueId = "REAL_QID";
inline constexpr std::string_view kTransactionPrepared = "TRAN_MSG";
inline constexpr std::string_view kProducerGroup = "PGROUP";
inline constexpr std::string_view kMinOffset = "MIN_OFFSET";
inline constexpr std::string_view kMaxOffset = "MAX_OFFSET";
inline constexpr std::string_view kReconsumeTime = "RECONSUME_TIME";
inline constexpr std::string_view kMaxReconsumeTimes = "MAX_RECONSUME_TIMES";
inline constexpr std::string_view kClusterName = "CLUSTER";
inline constexpr std::string_view kMsgRegion = "MSG_REGION";
inline constexpr std::string_view kTraceSwitch = "TRACE_ON";
inline constexpr std::string_view kInnerNum = "INNER_NUM";
inline constexpr std::string_view kInnerBase = "INNER_BASE";
inline constexpr std::string_view kShardingKey = "__SHARDINGKEY";
inline constexpr std::string_view kTimerDeliverMs = "TIMER_DELIVER_MS";
inline constexpr std::string_view kTimerDelaySec = "TIMER_DELAY_SEC";
inline constexpr std::string_view kTimerDelayMs = "TIMER_DELAY_MS";
inline constexpr std::string_view kCrc32 = "__CRC32#";
}  // namespace property

// ---------------------------------------------------------------------------------------------
// Properties

// A properties string, parsed lazily with Java's rules (MessageDecoder.string2messageProperties):
// split on 0x02; a segment is a pair only if its first 0x01 has at least one byte before and one
// after it (so empty names and values vanish); a value may contain further 0x01 bytes; for a
// repeated name the last one wins. Works on bytes: invalid UTF-8 is kept as is (Java would
// substitute U+FFFD).
class PropertiesView {
 public:
  PropertiesView() = default;
  explicit PropertiesView(std::string_view raw) : raw_(raw) {}

  std::string_view raw() const { return raw_; }
  // The value of the last pair named `name`.
  std::optional<std::string_view> get(std::string_view name) const;

  // Iterates the pairs Java keeps, in wire order (repeated names appear repeatedly).
  class Iterator {
   public:
    using value_type = std::pair<std::string_view, std::string_view>;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    const value_type& operator*() const { return pair_; }
    const value_type* operator->() const { return &pair_; }
    Iterator& operator++() {
      advance();
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      advance();
      return old;
    }
    bool operator==(const Iterator& other) const { return pos_ == other.pos_; }

   private:
    friend class PropertiesView;
    Iterator(std::string_view raw, std::size_t pos) : raw_(raw), pos_(pos) { advance(); }
    void advance();
    std::string_view raw_;
    std::size_t pos_ = std::string_view::npos;  // start of the next segment; npos = end
    value_type pair_;
  };
  Iterator begin() const { return raw_.empty() ? Iterator() : Iterator(raw_, 0); }
  Iterator end() const { return Iterator(); }

 private:
  std::string_view raw_;
};

// Owning, insertion-ordered properties (a message typically has fewer than 16, so lookups are
// linear scans). set() replaces an existing name in place.
class Properties {
 public:
  using Entry = std::pair<std::string, std::string>;

  Properties() = default;
  Properties(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  // Parses with PropertiesView's rules; a repeated name keeps its first position, last value.
  static Properties parse(std::string_view raw);

  void set(std::string_view name, std::string value);
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  bool erase(std::string_view name);
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  bool operator==(const Properties& other) const = default;

 private:
  std::vector<Entry> entries_;
};

// Appends the properties string: "name 0x01 value 0x02" per pair (also after the last one).
// kInvalidArgument when a name or value is empty or contains 0x01/0x02 (it would not survive
// Java's parser), or the result exceeds 32767 bytes. On error `out` is left as it was.
Result<void> appendProperties(const Properties& properties, std::string& out);
Result<std::string> encodeProperties(const Properties& properties);

// ---------------------------------------------------------------------------------------------
// Stored message records (PULL body)

// One stored record. Fixed fields are copied; topic, body and properties view the decoded buffer.
struct MessageView {
  std::size_t record_offset = 0;  // where the record starts in the decoded buffer
  std::int32_t store_size = 0;    // TOTALSIZE
  std::uint32_t magic_code = kMagicCodeV1;
  std::int32_t body_crc = 0;
  QueueId queue_id{0};
  std::int32_t flag = 0;  // the user flag
  QueueOffset queue_offset{0};
  std::int64_t commit_log_offset = 0;  // PHYSICALOFFSET
  std::int32_t sys_flag = 0;
  StoreTime born_timestamp;  // the producer's clock
  HostAddress born_host;
  StoreTime store_timestamp;  // the broker's clock
  HostAddress store_host;
  std::int32_t reconsume_times = 0;
  std::int64_t prepared_transaction_offset = 0;
  std::string_view body;  // as stored: compressed when isCompressed()
  std::string_view topic;
  PropertiesView properties;

  bool isCompressed() const { return (sys_flag & kSysFlagCompressed) != 0; }
  // A 5.x inner-batch record whose body holds several messages (unwrapInnerBatch()).
  bool isInnerBatch() const {
    return (sys_flag & kSysFlagInnerBatch) != 0 && (sys_flag & kSysFlagNeedUnwrap) != 0;
  }
  std::optional<std::string_view> uniqKey() const { return properties.get(property::kUniqKey); }
  std::string offsetMsgId() const { return offsetMessageId(store_host, commit_log_offset); }
  // What Java's getMsgId() returns: UNIQ_KEY when present, else the offset msgId.
  std::string msgId() const;
  // The uncompressed body: `body` itself when not compressed (no copy), else the body
  // decompressed into `scratch` (replacing its contents) and a view of it.
  Result<std::string_view> plainBody(std::string& scratch,
                                     std::size_t max_size = kDefaultMaxDecompressedSize) const;
};

// Walks the records of a pull body (concatenated stored records).
// Not copyable across buffers: it views `body`, which must outlive it and the views it fills.
class StoredMessageReader {
 public:
  explicit StoredMessageReader(std::string_view body) : body_(body) {}
  // Fills `view` with the next record and returns true; false at the end of the body. After an
  // error every further call returns the same error.
  Result<bool> next(MessageView& view);
  std::size_t offset() const { return pos_; }

 private:
  std::string_view body_;
  std::size_t pos_ = 0;
  std::optional<Error> failed_;
};

// All records of a pull body.
Result<std::vector<MessageView>> decodeStoredMessages(std::string_view body);

// Owning form of a stored record, e.g. to keep a message after the pull buffer is gone.
struct StoredMessage {
  std::uint32_t magic_code = kMagicCodeV1;
  std::int32_t body_crc = 0;
  QueueId queue_id{0};
  std::int32_t flag = 0;
  QueueOffset queue_offset{0};
  std::int64_t commit_log_offset = 0;
  std::int32_t sys_flag = 0;
  StoreTime born_timestamp;  // the producer's clock
  HostAddress born_host;
  StoreTime store_timestamp;  // the broker's clock
  HostAddress store_host;
  std::int32_t reconsume_times = 0;
  std::int64_t prepared_transaction_offset = 0;
  std::string topic;
  Properties properties;
  std::string body;

  std::optional<std::string_view> uniqKey() const { return properties.get(property::kUniqKey); }
  std::string offsetMsgId() const { return offsetMessageId(store_host, commit_log_offset); }
  std::string msgId() const;
  bool operator==(const StoredMessage& other) const = default;
};

// Copies a view into an owning message. With `decompress`, a compressed body is inflated and
// COMPRESSED is cleared from sys_flag (Java 5.x clears that bit only, keeping the type bits).
Result<StoredMessage> toStoredMessage(const MessageView& view, bool decompress = true,
                                      std::size_t max_body = kDefaultMaxDecompressedSize);

// Appends a stored record (what a broker returns from PULL): for fakes, tests and tools.
// TOTALSIZE is computed; the topic length is 1 byte for kMagicCodeV1 (topic <= 127 bytes) and 2
// bytes for kMagicCodeV2. Fails with kInvalidArgument when the host address sizes disagree with
// the V6 sysFlag bits, the magic code is unknown, or a field is too long for its length field.
// `view.store_size` and `view.record_offset` are ignored. On error `out` is left as it was.
Result<void> appendStoredMessage(const MessageView& record, std::string& out);
Result<void> appendStoredMessage(const StoredMessage& message, std::string& out);

// ---------------------------------------------------------------------------------------------
// Sending

// A message to send: what a producer controls.
struct Message {
  std::string topic;
  std::int32_t flag = 0;
  Properties properties;
  std::string body;
  bool operator==(const Message& other) const = default;
};

struct SendOptions {
  std::size_t max_body_size = kDefaultMaxBodySize;
  // Compress bodies of at least this many bytes with zlib (0 = never); the compressed form is
  // used only when it is smaller. Java producers use 4096 and level 5. Never applied to batches
  // (Java does not compress them either).
  std::size_t compress_threshold = 0;
  int zlib_level = 5;
};

// What SEND_MESSAGE / SEND_MESSAGE_V2 carry for one message: header fields flag ("h"/"flag"),
// sysFlag ("f"/"sysFlag") and properties ("i"/"properties"); `body` is the request body.
struct SingleMessageEncoding {
  std::int32_t flag = 0;
  std::int32_t sys_flag = 0;
  std::string properties;
  std::string body;
};

// Encodes one message for sending. Takes the message by value so a caller can move the body in
// without a copy. kInvalidArgument for invalid properties or a body over max_body_size.
Result<SingleMessageEncoding> encodeSingleMessage(Message message, const SendOptions& options = {});

// Appends one record of a SEND_BATCH_MESSAGE body: TOTALSIZE, MAGICCODE 0, BODYCRC 0, FLAG,
// BODYLEN + BODY, PROPLEN (int16) + PROPERTIES. The raw form takes an encoded properties string.
// On error `out` is left as it was.
Result<void> appendBatchMessage(const Message& message, std::string& out);
Result<void> appendBatchRecord(std::int32_t flag, std::string_view body,
                               std::string_view properties, std::string& out);

// Appends a whole SEND_BATCH_MESSAGE body. Checks what the Java client and broker check: at
// least one message, one topic for all, not a %RETRY% topic, no DELAY property, each body within
// max_body_size and the whole body within max_body_size (the broker's limit applies to the batch).
// On error `out` is left as it was.
Result<void> encodeBatch(std::span<const Message> messages, std::string& out,
                         const SendOptions& options = {});

// One record of a batch body (also the inner records of a 5.x inner batch).
struct BatchMessageView {
  std::size_t record_offset = 0;
  std::int32_t total_size = 0;
  std::int32_t magic_code = 0;  // 0 from Java producers; not checked (Java ignores it)
  std::int32_t body_crc = 0;    // 0 from Java producers; not checked
  std::int32_t flag = 0;
  std::string_view body;
  PropertiesView properties;
};

// Walks a batch body. Stricter than Java (which ignores TOTALSIZE): TOTALSIZE must match the
// record's fields, so a misframed batch is reported instead of silently misread.
class BatchMessageReader {
 public:
  explicit BatchMessageReader(std::string_view body, std::size_t base_offset = 0)
      : body_(body), base_(base_offset) {}
  Result<bool> next(BatchMessageView& view);
  std::size_t offset() const { return pos_; }

 private:
  std::string_view body_;
  std::size_t base_;
  std::size_t pos_ = 0;
  std::optional<Error> failed_;
};

Result<std::vector<BatchMessageView>> decodeBatch(std::string_view body);
// Owning form of a batch body's messages (topic left empty: it travels in the request header).
Result<std::vector<Message>> decodeBatchMessages(std::string_view body);

// Unwraps a 5.x inner-batch record (outer.isInnerBatch()) as Java's PullAPIWrapper does: one
// view per inner record with topic, queue id, hosts, timestamps, sys flag and commit-log offset
// of the outer record, queue_offset = outer.queue_offset.plus(index), and flag, body and properties
// of the inner record. `batch_body` is outer.body, or its decompressed form when compressed
// (outer.plainBody()); the views point into it.
Result<std::vector<MessageView>> unwrapInnerBatch(const MessageView& outer,
                                                  std::string_view batch_body);

}  // namespace ferry::codec
