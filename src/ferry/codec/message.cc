#include "ferry/codec/message.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "ferry/codec/bytes.h"

namespace ferry::codec {
namespace {

constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// Bytes of a stored record before BODYLEN: TOTALSIZE .. SYSFLAG (40), BORNTIMESTAMP (8),
// BORNHOST (8|20), STORETIMESTAMP (8), STOREHOST (8|20), RECONSUMETIMES (4), PREPARED (8).
constexpr std::size_t kSysFlagPosition = 36;
constexpr std::size_t fixedPrefixSize(std::int32_t sys_flag) {
  return 40 + 8 + ((sys_flag & kSysFlagBornHostV6) != 0 ? 20 : 8) + 8
         + ((sys_flag & kSysFlagStoreHostV6) != 0 ? 20 : 8) + 4 + 8;
}
constexpr std::size_t kMinStoredRecord = fixedPrefixSize(0) + 4 + 1 + 2;  // empty body/topic/props

// Batch record: TOTALSIZE, MAGICCODE, BODYCRC, FLAG, BODYLEN + body, PROPLEN + properties.
constexpr std::size_t kBatchFixed = 4 + 4 + 4 + 4 + 4 + 2;

// memchr for the short runs of a properties string (segments of tens of bytes), where the call
// and set-up cost of the library memchr dominates: 8 bytes per step (SWAR), no call.
std::size_t findByte(const char* data, std::size_t from, std::size_t size, char c) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    const std::uint64_t pattern = kOnes * static_cast<std::uint8_t>(c);
    std::size_t i = from;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t v = 0;
      std::memcpy(&v, data + i, 8);
      v ^= pattern;
      // The lowest flagged byte is the first zero byte (false positives only sit above a zero).
      const std::uint64_t zeros = (v - kOnes) & ~v & kHighs;
      if (zeros != 0) {
        return i + static_cast<std::size_t>(std::countr_zero(zeros) >> 3);
      }
    }
    for (; i < size; ++i) {
      if (data[i] == c) {
        return i;
      }
    }
    return size;
  } else {
    const void* hit = std::memchr(data + from, c, size - from);
    return hit != nullptr ? static_cast<std::size_t>(static_cast<const char*>(hit) - data) : size;
  }
}

std::string hexFlag(std::int32_t v) {
  return fmt::format("0x{:X}", static_cast<std::uint32_t>(v));
}

HostAddress readHost(ByteReader& in, bool v6) {
  HostAddress host;
  host.ip_length = v6 ? 16 : 4;
  std::memcpy(host.ip.data(), in.readView(host.ip_length).data(), host.ip_length);
  host.port = in.read<std::int32_t>();
  return host;
}

void writeHost(std::string& out, const HostAddress& host) {
  out.append(reinterpret_cast<const char*>(host.ip.data()), host.ip_length);
  appendBigEndian(out, host.port);
}

// Rejects what Java's properties parser would not give back unchanged.
Result<void> checkPropertyText(std::string_view text, std::string_view what,
                               std::string_view name) {
  if (text.empty()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("property {} '{}' is empty (Java's parser drops it)", what, name));
  }
  if (text.find_first_of(std::string_view("\x01\x02", 2)) != std::string_view::npos) {
    return makeError(
        Errc::kInvalidArgument,
        fmt::format("property {} '{}' contains a 0x01/0x02 separator byte", what, name));
  }
  return {};
}

// Every view a reader yields (next(view) -> Result<bool>), or its first error.
template <class Reader, class View>
Result<std::vector<View>> readAll(std::string_view body) {
  std::vector<View> views;
  Reader reader(body);
  View view;
  while (true) {
    auto more = reader.next(view);
    if (!more) {
      return tl::unexpected(std::move(more.error()));
    }
    if (!*more) {
      return views;
    }
    views.push_back(view);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Properties

void PropertiesView::Iterator::advance() {
  while (pos_ < raw_.size()) {
    const std::size_t start = pos_;
    const std::size_t end = findByte(raw_.data(), start, raw_.size(), kPropertySeparator);
    pos_ = end + 1;
    const std::size_t kv = findByte(raw_.data(), start, end, kNameValueSeparator);
    if (kv > start && kv + 1 < end) {
      pair_ = {raw_.substr(start, kv - start), raw_.substr(kv + 1, end - kv - 1)};
      return;
    }
  }
  pos_ = std::string_view::npos;
}

std::optional<std::string_view> PropertiesView::get(std::string_view name) const {
  // Same rules as the iterator, cheaper: a segment matches when it starts with `name` followed
  // by 0x01 (then that 0x01 is the segment's first, because names hold none) and a non-empty
  // value. Every segment is visited because the last match wins.
  std::optional<std::string_view> found;
  if (name.empty()) {
    return found;
  }
  for (const char c : name) {
    if (c == kNameValueSeparator || c == kPropertySeparator) {
      return found;  // no pair can have such a name
    }
  }
  const char* const data = raw_.data();
  const std::size_t size = raw_.size();
  std::size_t start = 0;
  while (start < size) {
    const std::size_t end = findByte(data, start, size, kPropertySeparator);
    const std::size_t value_at = start + name.size() + 1;
    if (value_at < end && data[value_at - 1] == kNameValueSeparator
        && std::memcmp(data + start, name.data(), name.size()) == 0) {
      found = std::string_view(data + value_at, end - value_at);
    }
    start = end + 1;
  }
  return found;
}

Properties::Properties(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  for (const auto& [name, value] : pairs) {
    set(name, std::string(value));
  }
}

Properties Properties::parse(std::string_view raw) {
  Properties parsed;
  parsed.entries_.reserve(
      static_cast<std::size_t>(std::count(raw.begin(), raw.end(), kPropertySeparator)) + 1);
  for (const auto& [name, value] : PropertiesView(raw)) {
    parsed.set(name, std::string(value));
  }
  return parsed;
}

void Properties::set(std::string_view name, std::string value) {
  for (auto& entry : entries_) {
    if (entry.first == name) {
      entry.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Properties::get(std::string_view name) const {
  for (const auto& entry : entries_) {
    if (entry.first == name) {
      return std::string_view{entry.second};
    }
  }
  return std::nullopt;
}

bool Properties::erase(std::string_view name) {
  return std::erase_if(entries_, [&](const Entry& e) { return e.first == name; }) > 0;
}

Result<void> appendProperties(const Properties& properties, std::string& out) {
  std::size_t length = 0;
  for (const auto& [name, value] : properties) {
    if (auto r = checkPropertyText(name, "name", name); !r) {
      return r;
    }
    if (auto r = checkPropertyText(value, "value of", name); !r) {
      return r;
    }
    length += name.size() + value.size() + 2;
  }
  if (length > kMaxPropertiesLength) {
    return makeError(Errc::kInvalidArgument, fmt::format("properties string of {} bytes exceeds {}",
                                                         length, kMaxPropertiesLength));
  }
  out.reserve(out.size() + length);
  for (const auto& [name, value] : properties) {
    out.append(name);
    out.push_back(kNameValueSeparator);
    out.append(value);
    out.push_back(kPropertySeparator);
  }
  return {};
}

Result<std::string> encodeProperties(const Properties& properties) {
  std::string out;
  if (auto r = appendProperties(properties, out); !r) {
    return tl::unexpected(std::move(r.error()));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stored records

std::string MessageView::msgId() const {
  if (auto uniq = uniqKey()) {
    return std::string(*uniq);
  }
  return offsetMsgId();
}

std::string StoredMessage::msgId() const {
  if (auto uniq = uniqKey()) {
    return std::string(*uniq);
  }
  return offsetMsgId();
}

Result<std::string_view> MessageView::plainBody(std::string& scratch, std::size_t max_size) const {
  if (!isCompressed()) {
    return body;
  }
  scratch.clear();
  if (auto r = decompressBody(body, sys_flag, scratch, max_size); !r) {
    return tl::unexpected(std::move(r.error()).withContext(
        fmt::format("body of the record at offset {}", record_offset)));
  }
  return std::string_view{scratch};
}

Result<bool> StoredMessageReader::next(MessageView& view) {
  if (failed_) {
    return makeError(*failed_);
  }
  if (pos_ == body_.size()) {
    return false;
  }
  const std::size_t at = pos_;
  auto fail = [&](Errc code, std::string message) -> Result<bool> {
    failed_ = Error{code, std::move(message), 0, {}};
    return makeError(*failed_);
  };
  const std::size_t left = body_.size() - at;
  if (left < 4) {
    return fail(Errc::kTruncated, fmt::format("record TOTALSIZE at offset {} needs 4 bytes, only "
                                              "{} left",
                                              at, left));
  }
  const char* p = body_.data() + at;
  const auto store_size = detail::loadBigEndian<std::int32_t>(p);
  if (store_size < 0 || static_cast<std::size_t>(store_size) < kMinStoredRecord) {
    return fail(Errc::kMalformed,
                fmt::format("record TOTALSIZE {} at offset {} is smaller than the {} bytes of an "
                            "empty record",
                            store_size, at, kMinStoredRecord));
  }
  if (static_cast<std::size_t>(store_size) > left) {
    return fail(Errc::kTruncated,
                fmt::format("record at offset {} has TOTALSIZE {} but only {} bytes are left", at,
                            store_size, left));
  }
  const auto magic = detail::loadBigEndian<std::uint32_t>(p + 4);
  if (magic != kMagicCodeV1 && magic != kMagicCodeV2) {
    return fail(Errc::kMalformed,
                fmt::format("record at offset {} has MAGICCODE 0x{:08X}{}, expected 0x{:08X} (V1) "
                            "or 0x{:08X} (V2)",
                            at, magic, magic == kBlankMagicCode ? " (end-of-file blank)" : "",
                            kMagicCodeV1, kMagicCodeV2));
  }
  const auto sys_flag = detail::loadBigEndian<std::int32_t>(p + kSysFlagPosition);
  const std::size_t prefix = fixedPrefixSize(sys_flag);
  // The V6 bits can grow the fixed part past a small TOTALSIZE.
  if (prefix + 4 + 1 + 2 > static_cast<std::size_t>(store_size)) {
    return fail(Errc::kMalformed,
                fmt::format("record TOTALSIZE {} at offset {} is smaller than its fixed fields "
                            "with sysFlag {}",
                            store_size, at, hexFlag(sys_flag)));
  }

  ByteReader in(body_.substr(at, static_cast<std::size_t>(store_size)), at, "record");
  in.skip(8);
  view.record_offset = at;
  view.store_size = store_size;
  view.magic_code = magic;
  view.body_crc = in.read<std::int32_t>();
  view.queue_id = QueueId(in.read<std::int32_t>());
  view.flag = in.read<std::int32_t>();
  view.queue_offset = QueueOffset(in.read<std::int64_t>());
  view.commit_log_offset = in.read<std::int64_t>();
  view.sys_flag = in.read<std::int32_t>();
  view.born_timestamp = StoreTime::fromMillis(in.read<std::int64_t>());
  view.born_host = readHost(in, (sys_flag & kSysFlagBornHostV6) != 0);
  view.store_timestamp = StoreTime::fromMillis(in.read<std::int64_t>());
  view.store_host = readHost(in, (sys_flag & kSysFlagStoreHostV6) != 0);
  view.reconsume_times = in.read<std::int32_t>();
  view.prepared_transaction_offset = in.read<std::int64_t>();

  const std::size_t body_len_at = in.offset();
  const auto body_len = in.read<std::int32_t>();
  if (body_len < 0) {
    return fail(Errc::kMalformed,
                fmt::format("negative BODYLEN {} at offset {}", body_len, body_len_at));
  }
  // 3 more bytes at least follow the body: the topic and properties lengths.
  if (static_cast<std::size_t>(body_len) + 3 > in.remaining()) {
    return fail(Errc::kMalformed,
                fmt::format("BODYLEN {} at offset {} runs past the end of the record (TOTALSIZE {} "
                            "at offset {})",
                            body_len, body_len_at, store_size, at));
  }
  view.body = in.readView(static_cast<std::size_t>(body_len));

  const std::size_t topic_len_at = in.offset();
  std::size_t topic_len = 0;
  if (magic == kMagicCodeV1) {
    const auto len = in.read<std::int8_t>();  // signed in Java: 128..255 is an error there too
    if (len < 0) {
      return fail(Errc::kMalformed,
                  fmt::format("V1 TOPICLEN byte 0x{:02X} at offset {} is negative",
                              static_cast<std::uint8_t>(len), topic_len_at));
    }
    topic_len = static_cast<std::uint8_t>(len);
  } else {
    if (!in.has(2 + 2)) {
      return fail(Errc::kMalformed, fmt::format("V2 TOPICLEN at offset {} runs past the end of the "
                                                "record",
                                                topic_len_at));
    }
    const auto len = in.read<std::int16_t>();
    if (len < 0) {
      return fail(Errc::kMalformed,
                  fmt::format("negative V2 TOPICLEN {} at offset {}", len, topic_len_at));
    }
    topic_len = static_cast<std::size_t>(len);
  }
  if (topic_len + 2 > in.remaining()) {
    return fail(Errc::kMalformed,
                fmt::format("TOPICLEN {} at offset {} runs past the end of the record (TOTALSIZE "
                            "{} at offset {})",
                            topic_len, topic_len_at, store_size, at));
  }
  view.topic = in.readView(topic_len);

  const std::size_t props_len_at = in.offset();
  const auto props_len = in.read<std::int16_t>();
  if (props_len < 0) {
    return fail(Errc::kMalformed,
                fmt::format("negative PROPLEN {} at offset {}", props_len, props_len_at));
  }
  if (static_cast<std::size_t>(props_len) != in.remaining()) {
    return fail(Errc::kMalformed,
                fmt::format("PROPLEN {} at offset {} disagrees with TOTALSIZE {} at offset {} "
                            "({} bytes left in the record)",
                            props_len, props_len_at, store_size, at, in.remaining()));
  }
  view.properties = PropertiesView(in.readView(static_cast<std::size_t>(props_len)));
  pos_ = at + static_cast<std::size_t>(store_size);
  return true;
}

Result<std::vector<MessageView>> decodeStoredMessages(std::string_view body) {
  return readAll<StoredMessageReader, MessageView>(body);
}

Result<StoredMessage> toStoredMessage(const MessageView& view, bool decompress,
                                      std::size_t max_body) {
  StoredMessage m;
  m.magic_code = view.magic_code;
  m.body_crc = view.body_crc;
  m.queue_id = view.queue_id;
  m.flag = view.flag;
  m.queue_offset = view.queue_offset;
  m.commit_log_offset = view.commit_log_offset;
  m.sys_flag = view.sys_flag;
  m.born_timestamp = view.born_timestamp;
  m.born_host = view.born_host;
  m.store_timestamp = view.store_timestamp;
  m.store_host = view.store_host;
  m.reconsume_times = view.reconsume_times;
  m.prepared_transaction_offset = view.prepared_transaction_offset;
  m.topic.assign(view.topic);
  m.properties = Properties::parse(view.properties.raw());
  if (decompress && view.isCompressed()) {
    auto plain = view.plainBody(m.body, max_body);
    if (!plain) {
      return tl::unexpected(std::move(plain.error()));
    }
    m.sys_flag &= ~kSysFlagCompressed;
  } else {
    m.body.assign(view.body);
  }
  return m;
}

Result<void> appendStoredMessage(const MessageView& record, std::string& out) {
  if (record.magic_code != kMagicCodeV1 && record.magic_code != kMagicCodeV2) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("unknown MAGICCODE 0x{:08X}", record.magic_code));
  }
  if (record.born_host.isV6() != ((record.sys_flag & kSysFlagBornHostV6) != 0)
      || record.store_host.isV6() != ((record.sys_flag & kSysFlagStoreHostV6) != 0)
      || (record.born_host.ip_length != 4 && record.born_host.ip_length != 16)
      || (record.store_host.ip_length != 4 && record.store_host.ip_length != 16)) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("host address sizes (born {}, store {}) disagree with sysFlag {}",
                                 record.born_host.ip_length, record.store_host.ip_length,
                                 hexFlag(record.sys_flag)));
  }
  const bool v1 = record.magic_code == kMagicCodeV1;
  const std::size_t max_topic = v1 ? 127 : 32767;
  if (record.topic.size() > max_topic) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("topic of {} bytes is too long for a {} record (max {})",
                                 record.topic.size(), v1 ? "V1" : "V2", max_topic));
  }
  const std::string_view props = record.properties.raw();
  if (props.size() > kMaxPropertiesLength) {
    return makeError(Errc::kInvalidArgument, fmt::format("properties of {} bytes exceed {}",
                                                         props.size(), kMaxPropertiesLength));
  }
  const std::size_t size = fixedPrefixSize(record.sys_flag) + 4 + record.body.size() + (v1 ? 1 : 2)
                           + record.topic.size() + 2 + props.size();
  if (size > static_cast<std::size_t>(kInt32Max)) {
    return makeError(Errc::kInvalidArgument, fmt::format("record of {} bytes exceeds 2 GiB", size));
  }
  out.reserve(out.size() + size);
  appendBigEndian(out, static_cast<std::int32_t>(size));
  appendBigEndian(out, record.magic_code);
  appendBigEndian(out, record.body_crc);
  appendBigEndian(out, record.queue_id.value());
  appendBigEndian(out, record.flag);
  appendBigEndian(out, record.queue_offset.value());
  appendBigEndian(out, record.commit_log_offset);
  appendBigEndian(out, record.sys_flag);
  appendBigEndian(out, record.born_timestamp.millis());
  writeHost(out, record.born_host);
  appendBigEndian(out, record.store_timestamp.millis());
  writeHost(out, record.store_host);
  appendBigEndian(out, record.reconsume_times);
  appendBigEndian(out, record.prepared_transaction_offset);
  appendBigEndian(out, static_cast<std::int32_t>(record.body.size()));
  out.append(record.body);
  if (v1) {
    out.push_back(static_cast<char>(record.topic.size()));
  } else {
    appendBigEndian(out, static_cast<std::int16_t>(record.topic.size()));
  }
  out.append(record.topic);
  appendBigEndian(out, static_cast<std::int16_t>(props.size()));
  out.append(props);
  return {};
}

Result<void> appendStoredMessage(const StoredMessage& message, std::string& out) {
  auto props = encodeProperties(message.properties);
  if (!props) {
    return tl::unexpected(std::move(props.error()));
  }
  MessageView v;
  v.magic_code = message.magic_code;
  v.body_crc = message.body_crc;
  v.queue_id = message.queue_id;
  v.flag = message.flag;
  v.queue_offset = message.queue_offset;
  v.commit_log_offset = message.commit_log_offset;
  v.sys_flag = message.sys_flag;
  v.born_timestamp = message.born_timestamp;
  v.born_host = message.born_host;
  v.store_timestamp = message.store_timestamp;
  v.store_host = message.store_host;
  v.reconsume_times = message.reconsume_times;
  v.prepared_transaction_offset = message.prepared_transaction_offset;
  v.topic = message.topic;
  v.body = message.body;
  v.properties = PropertiesView(*props);
  return appendStoredMessage(v, out);
}

// ---------------------------------------------------------------------------------------------
// Sending

Result<SingleMessageEncoding> encodeSingleMessage(Message message, const SendOptions& options) {
  if (message.body.size() > options.max_body_size) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("message body of {} bytes exceeds the maximum of {}",
                                 message.body.size(), options.max_body_size));
  }
  SingleMessageEncoding encoded;
  encoded.flag = message.flag;
  if (auto r = appendProperties(message.properties, encoded.properties); !r) {
    return tl::unexpected(std::move(r.error()));
  }
  if (options.compress_threshold > 0 && message.body.size() >= options.compress_threshold) {
    std::string compressed;
    if (auto r = compressZlib(message.body, options.zlib_level, compressed); !r) {
      return tl::unexpected(std::move(r.error()));
    }
    if (compressed.size() < message.body.size()) {  // Java keeps it even when larger
      encoded.body = std::move(compressed);
      encoded.sys_flag |=
          kSysFlagCompressed | (static_cast<std::int32_t>(CompressionType::kZlib) << 8);
      return encoded;
    }
  }
  encoded.body = std::move(message.body);
  return encoded;
}

Result<void> appendBatchRecord(std::int32_t flag, std::string_view body,
                               std::string_view properties, std::string& out) {
  if (properties.size() > kMaxPropertiesLength) {
    return makeError(Errc::kInvalidArgument, fmt::format("properties of {} bytes exceed {}",
                                                         properties.size(), kMaxPropertiesLength));
  }
  const std::size_t size = kBatchFixed + body.size() + properties.size();
  if (size > static_cast<std::size_t>(kInt32Max)) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("batch record of {} bytes exceeds 2 GiB", size));
  }
  out.reserve(out.size() + size);
  appendBigEndian(out, static_cast<std::int32_t>(size));
  appendBigEndian(out, std::int32_t{0});  // MAGICCODE: unused in batches
  appendBigEndian(out, std::int32_t{0});  // BODYCRC: the broker computes it
  appendBigEndian(out, flag);
  appendBigEndian(out, static_cast<std::int32_t>(body.size()));
  out.append(body);
  appendBigEndian(out, static_cast<std::int16_t>(properties.size()));
  out.append(properties);
  return {};
}

Result<void> appendBatchMessage(const Message& message, std::string& out) {
  const std::size_t start = out.size();
  // Reserve the fixed part, write properties in place, then fill in the lengths: no temporary.
  out.resize(start + 20);
  out.append(message.body);
  out.append(2, '\0');
  const std::size_t props_at = out.size();
  if (auto r = appendProperties(message.properties, out); !r) {
    out.resize(start);
    return r;
  }
  const std::size_t size = out.size() - start;
  if (size > static_cast<std::size_t>(kInt32Max)) {
    out.resize(start);
    return makeError(Errc::kInvalidArgument,
                     fmt::format("batch record of {} bytes exceeds 2 GiB", size));
  }
  patchBigEndian(out, start, static_cast<std::int32_t>(size));
  patchBigEndian(out, start + 4, std::int32_t{0});
  patchBigEndian(out, start + 8, std::int32_t{0});
  patchBigEndian(out, start + 12, message.flag);
  patchBigEndian(out, start + 16, static_cast<std::int32_t>(message.body.size()));
  patchBigEndian(out, props_at - 2, static_cast<std::int16_t>(out.size() - props_at));
  return {};
}

Result<void> encodeBatch(std::span<const Message> messages, std::string& out,
                         const SendOptions& options) {
  if (messages.empty()) {
    return makeError(Errc::kInvalidArgument, "a batch needs at least one message");
  }
  const std::string& topic = messages.front().topic;
  if (topic.starts_with("%RETRY%")) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("retry topic '{}' cannot be sent as a batch", topic));
  }
  const std::size_t start = out.size();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    Result<void> r;
    if (m.topic != topic) {
      r = makeError(
          Errc::kInvalidArgument,
          fmt::format("batch message {} has topic '{}', the batch is for '{}'", i, m.topic, topic));
    } else if (m.properties.contains(property::kDelayTimeLevel)) {
      r = makeError(Errc::kInvalidArgument,
                    fmt::format("batch message {} has a DELAY property: delayed batches are not "
                                "supported",
                                i));
    } else if (m.body.size() > options.max_body_size) {
      r = makeError(Errc::kInvalidArgument,
                    fmt::format("batch message {} body of {} bytes exceeds the maximum of {}", i,
                                m.body.size(), options.max_body_size));
    } else {
      r = appendBatchMessage(m, out);
      if (!r) {
        r = tl::unexpected(std::move(r.error()).withContext(fmt::format("batch message {}", i)));
      }
    }
    if (!r) {
      out.resize(start);
      return r;
    }
  }
  if (out.size() - start > options.max_body_size) {
    const std::size_t size = out.size() - start;
    out.resize(start);
    return makeError(Errc::kInvalidArgument,
                     fmt::format("batch body of {} bytes exceeds the maximum of {}", size,
                                 options.max_body_size));
  }
  return {};
}

Result<bool> BatchMessageReader::next(BatchMessageView& view) {
  if (failed_) {
    return makeError(*failed_);
  }
  if (pos_ == body_.size()) {
    return false;
  }
  const std::size_t at = pos_;
  auto fail = [&](Error error) -> Result<bool> {
    failed_ = std::move(error);
    return makeError(*failed_);
  };
  ByteReader in(body_.substr(at), base_ + at);
  if (!in.has(kBatchFixed - 2)) {
    return fail(in.truncated("batch record fixed fields", kBatchFixed - 2).value());
  }
  view.record_offset = base_ + at;
  view.total_size = in.read<std::int32_t>();
  view.magic_code = in.read<std::int32_t>();
  view.body_crc = in.read<std::int32_t>();
  view.flag = in.read<std::int32_t>();
  const std::size_t body_len_at = in.offset();
  const auto body_len = in.read<std::int32_t>();
  if (body_len < 0) {
    return fail(Error{Errc::kMalformed,
                      fmt::format("negative BODYLEN {} at offset {}", body_len, body_len_at),
                      0,
                      {}});
  }
  auto body = in.getView(static_cast<std::size_t>(body_len), "batch record body");
  if (!body) {
    return fail(std::move(body.error()));
  }
  const std::size_t props_len_at = in.offset();
  auto props_len = in.get<std::int16_t>("batch record PROPLEN");
  if (!props_len) {
    return fail(std::move(props_len.error()));
  }
  if (*props_len < 0) {
    return fail(Error{Errc::kMalformed,
                      fmt::format("negative PROPLEN {} at offset {}", *props_len, props_len_at),
                      0,
                      {}});
  }
  auto props = in.getView(static_cast<std::size_t>(*props_len), "batch record properties");
  if (!props) {
    return fail(std::move(props.error()));
  }
  const std::size_t size = in.position();
  if (view.total_size < 0 || static_cast<std::size_t>(view.total_size) != size) {
    return fail(Error{Errc::kMalformed,
                      fmt::format("batch record at offset {} has TOTALSIZE {} but its fields "
                                  "take {} bytes",
                                  base_ + at, view.total_size, size),
                      0,
                      {}});
  }
  view.body = *body;
  view.properties = PropertiesView(*props);
  pos_ = at + size;
  return true;
}

Result<std::vector<BatchMessageView>> decodeBatch(std::string_view body) {
  return readAll<BatchMessageReader, BatchMessageView>(body);
}

Result<std::vector<Message>> decodeBatchMessages(std::string_view body) {
  auto views = decodeBatch(body);
  if (!views) {
    return tl::unexpected(std::move(views.error()));
  }
  std::vector<Message> messages;
  messages.reserve(views->size());
  for (const auto& v : *views) {
    Message& m = messages.emplace_back();
    m.flag = v.flag;
    m.body.assign(v.body);
    m.properties = Properties::parse(v.properties.raw());
  }
  return messages;
}

Result<std::vector<MessageView>> unwrapInnerBatch(const MessageView& outer,
                                                  std::string_view batch_body) {
  std::vector<MessageView> inner;
  BatchMessageReader reader(batch_body);
  BatchMessageView record;
  while (true) {
    auto more = reader.next(record);
    if (!more) {
      return tl::unexpected(std::move(more.error())
                                .withContext(fmt::format("inner batch of the record at offset {}",
                                                         outer.record_offset)));
    }
    if (!*more) {
      return inner;
    }
    MessageView& v = inner.emplace_back(outer);
    v.store_size = record.total_size;
    v.body_crc = record.body_crc;
    v.flag = record.flag;
    v.queue_offset = outer.queue_offset.plus(static_cast<std::int64_t>(inner.size() - 1));
    v.sys_flag = outer.sys_flag & ~kSysFlagCompressed;  // the inner bodies are plain
    v.body = record.body;
    v.properties = record.properties;
  }
}

}  // namespace ferry::codec
