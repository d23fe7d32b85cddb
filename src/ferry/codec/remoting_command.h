// RocketMQ remoting commands and their frames (sans-I/O).
//
// Implements docs/protocol.md sections 1 "Framing", 2 "JSON header" and 3 "ROCKETMQ binary
// header" (the encodings themselves live in command_header.h): a frame is
//   int32 length | int32 (serializeType << 24 | headerLength) | header | body
// with the header in either JSON (type 0) or the binary ROCKETMQ encoding (type 1). Everything here
// is a pure function on bytes: no sockets, no clock, no logging. Every length read from the wire is
// bounds-checked; malformed input yields an Error (codec codes), never an assert, crash, over-read
// or an allocation larger than the input justifies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/base/error.h"

namespace ferry::codec {

// Largest frame (including the 4-byte length prefix) the Java peers accept: 16 MiB.
inline constexpr std::size_t kDefaultMaxFrameSize = std::size_t{16} * 1024 * 1024;

enum class SerializeType : std::uint8_t { kJson = 0, kRocketMq = 1 };

// LanguageCode (wire byte in ROCKETMQ headers, enum name in JSON headers).
enum class LanguageCode : std::uint8_t {
  kJava = 0,
  kCpp = 1,
  kDotnet = 2,
  kPython = 3,
  kDelphi = 4,
  kErlang = 5,
  kRuby = 6,
  kOther = 7,
  kHttp = 8,
  kGo = 9,
  kPhp = 10,
  kOms = 11,
  kRust = 12,
  kNodeJs = 13,
};
std::string_view languageName(LanguageCode code);                     // "JAVA", "CPP", ...
std::optional<LanguageCode> languageFromName(std::string_view name);  // inverse; nullopt if unknown

// MQVersion ordinal Ferry announces: V5_3_3. >= 401 makes NameServers answer standard JSON routes.
inline constexpr std::int32_t kFerryVersion = 479;

inline constexpr std::int32_t kFlagResponse = 1;  // bit 0: this command is a response
inline constexpr std::int32_t kFlagOneway = 2;    // bit 1: the receiver must not answer

// The custom header fields of a command: string keys to string values, insertion-ordered.
// Small (typically < 16 entries), so lookups are linear scans.
class ExtFields {
 public:
  using Entry = std::pair<std::string, std::string>;

  // Sets key to value, replacing an existing entry with that key.
  void set(std::string_view key, std::string value);
  std::optional<std::string_view> get(std::string_view key) const;
  bool contains(std::string_view key) const { return get(key).has_value(); }
  bool erase(std::string_view key);
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  // Appends without checking for an existing key (decoders use it; last one wins on get()).
  void append(std::string key, std::string value) {
    entries_.emplace_back(std::move(key), std::move(value));
  }
  bool operator==(const ExtFields& other) const = default;

 private:
  std::vector<Entry> entries_;
};

struct RemotingCommand {
  std::int32_t code = 0;  // request code, or response code in a response
  LanguageCode language = LanguageCode::kJava;
  std::int32_t version = kFerryVersion;
  std::int32_t opaque = 0;
  std::int32_t flag = 0;
  std::optional<std::string> remark;
  ExtFields ext_fields;
  std::string body;  // raw body bytes (may be empty)
  // How the header was encoded when decoded; how encodeFrame() encodes it when not overridden.
  SerializeType serialize_type = SerializeType::kJson;

  bool isResponse() const { return (flag & kFlagResponse) != 0; }
  bool isOneway() const { return (flag & kFlagOneway) != 0; }
  bool operator==(const RemotingCommand& other) const = default;
};

// Appends one complete frame (length prefix included) for `command` to `out`, encoding the header
// as command.serialize_type. Fails when the header exceeds 24 bits or the frame exceeds max_frame.
Result<void> encodeFrame(const RemotingCommand& command, std::string& out,
                         std::size_t max_frame = kDefaultMaxFrameSize);

// Reads the 4-byte big-endian length prefix and returns the number of bytes that follow it.
// Fails with kFrameTooLarge when the announced frame (prefix included) exceeds max_frame, and with
// kMalformed when the length is negative or leaves no room for the 4-byte header-length word.
Result<std::uint32_t> decodeFrameLength(std::span<const std::byte, 4> prefix,
                                        std::size_t max_frame = kDefaultMaxFrameSize);

// Decodes a frame's payload: everything after the length prefix (header-length word, header,
// body). The body bytes are copied into the command. Error messages give byte offsets counted
// from the start of the frame (length prefix included), as in a hex dump of a captured frame.
Result<RemotingCommand> decodeCommand(std::span<const std::byte> payload);

// Incremental decoder: feed bytes in any chunking, take complete commands out.
// After an error the decoder stays failed (the stream cannot be re-synchronised).
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame = kDefaultMaxFrameSize) : max_frame_(max_frame) {}
  void feed(std::span<const std::byte> bytes);
  // A complete command, std::nullopt when more bytes are needed, or the decoding error.
  Result<std::optional<RemotingCommand>> next();
  std::size_t buffered() const { return buffer_.size() - read_pos_; }

 private:
  std::size_t max_frame_;
  std::vector<std::byte> buffer_;
  std::size_t read_pos_ = 0;
  std::uint64_t stream_offset_ = 0;  // stream position of buffer_[0], for error messages
  std::optional<Error> failed_;
};

}  // namespace ferry::codec
