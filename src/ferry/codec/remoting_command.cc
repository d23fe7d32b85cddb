#include "ferry/codec/remoting_command.h"

#include <algorithm>
#include <array>
#include <limits>

#include <fmt/format.h>

#include "ferry/codec/bytes.h"
#include "ferry/codec/command_header.h"

namespace ferry::codec {
namespace {

// LanguageCode names, indexed by wire byte (R/protocol/LanguageCode.java).
constexpr std::array<std::string_view, 14> kLanguageNames = {
    "JAVA",  "CPP",  "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY",
    "OTHER", "HTTP", "GO",     "PHP",    "OMS",    "RUST",   "NODE_JS",
};

constexpr std::size_t kLengthPrefix = 4;
constexpr std::size_t kHeaderWord = 4;
constexpr std::size_t kMaxHeaderLength = 0x00FFFFFF;  // 24 bits next to the serialize type byte

// Bytes a header of `command` needs at most, so encodeFrame() allocates once.
std::size_t headerSizeHint(const RemotingCommand& command) {
  std::size_t n = 192 + (command.remark ? command.remark->size() : 0);
  for (const auto& [key, value] : command.ext_fields) {
    n += 12 + key.size() + value.size();
  }
  return n;
}

}  // namespace

std::string_view languageName(LanguageCode code) {
  const auto i = static_cast<std::size_t>(code);
  return i < kLanguageNames.size() ? kLanguageNames[i] : std::string_view();
}

std::optional<LanguageCode> languageFromName(std::string_view name) {
  for (std::size_t i = 0; i < kLanguageNames.size(); ++i) {
    if (kLanguageNames[i] == name) {
      return static_cast<LanguageCode>(i);
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// ExtFields

void ExtFields::set(std::string_view key, std::string value) {
  const auto matches = [key](const Entry& e) {
    return e.first == key;
  };
  auto it = std::find_if(entries_.begin(), entries_.end(), matches);
  if (it == entries_.end()) {
    entries_.emplace_back(std::string(key), std::move(value));
    return;
  }
  it->second = std::move(value);
  // Later duplicates (only decoders append them) would shadow the new value in get().
  entries_.erase(std::remove_if(std::next(it), entries_.end(), matches), entries_.end());
}

std::optional<std::string_view> ExtFields::get(std::string_view key) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {  // the last one wins
    if (it->first == key) {
      return std::string_view{it->second};
    }
  }
  return std::nullopt;
}

bool ExtFields::erase(std::string_view key) {
  return std::erase_if(entries_, [&](const Entry& e) { return e.first == key; }) > 0;
}

// ---------------------------------------------------------------------------------------------
// Frames

Result<void> encodeFrame(const RemotingCommand& command, std::string& out, std::size_t max_frame) {
  const std::size_t start = out.size();
  out.reserve(start + kLengthPrefix + kHeaderWord + headerSizeHint(command) + command.body.size());
  out.append(kLengthPrefix + kHeaderWord, '\0');  // patched once the header length is known
  Result<void> header;
  switch (command.serialize_type) {
    case SerializeType::kJson: header = appendJsonHeader(command, out); break;
    case SerializeType::kRocketMq: header = appendBinaryHeader(command, out); break;
    default:
      header = makeError(
          Errc::kInvalidArgument,
          fmt::format("unknown serialize type {}", static_cast<unsigned>(command.serialize_type)));
  }
  if (!header) {
    out.resize(start);
    return header;
  }
  const std::size_t header_len = out.size() - start - kLengthPrefix - kHeaderWord;
  if (header_len > kMaxHeaderLength) {
    out.resize(start);
    return makeError(
        Errc::kFrameTooLarge,
        fmt::format("header of {} bytes does not fit the 24-bit header length", header_len));
  }
  const std::size_t frame_size = kLengthPrefix + kHeaderWord + header_len + command.body.size();
  if (frame_size > max_frame
      || frame_size - kLengthPrefix
             > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    out.resize(start);
    return makeError(Errc::kFrameTooLarge,
                     fmt::format("frame of {} bytes (header {}, body {}) exceeds the maximum of {}",
                                 frame_size, header_len, command.body.size(), max_frame));
  }
  patchBigEndian(out, start, static_cast<std::uint32_t>(frame_size - kLengthPrefix));
  patchBigEndian(out, start + kLengthPrefix,
                 static_cast<std::uint32_t>(static_cast<std::uint32_t>(command.serialize_type) << 24
                                            | header_len));
  out.append(command.body);
  return {};
}

Result<std::uint32_t> decodeFrameLength(std::span<const std::byte, 4> prefix,
                                        std::size_t max_frame) {
  const auto length =
      detail::loadBigEndian<std::int32_t>(reinterpret_cast<const char*>(prefix.data()));
  if (length < 0) {
    return makeError(Errc::kMalformed, fmt::format("negative frame length {} at offset 0", length));
  }
  if (static_cast<std::size_t>(length) < kHeaderWord) {
    return makeError(Errc::kMalformed,
                     fmt::format("frame length {} at offset 0 leaves no room for the 4-byte header "
                                 "length field",
                                 length));
  }
  if (static_cast<std::size_t>(length) + kLengthPrefix > max_frame) {
    return makeError(
        Errc::kFrameTooLarge,
        fmt::format("frame of {} bytes (length field {} at offset 0) exceeds the "
                    "maximum of {}",
                    static_cast<std::size_t>(length) + kLengthPrefix, length, max_frame));
  }
  return static_cast<std::uint32_t>(length);
}

Result<RemotingCommand> decodeCommand(std::span<const std::byte> payload) {
  // Offsets in messages count from the start of the frame, length prefix included, which is
  // what a hex dump of a captured frame shows.
  ByteReader in(asChars(payload), kLengthPrefix);
  auto word = in.get<std::uint32_t>("header length field");
  if (!word) {
    return tl::unexpected(std::move(word.error()));
  }
  const std::uint32_t type = *word >> 24;
  const std::size_t header_len = *word & kMaxHeaderLength;
  if (type > static_cast<std::uint32_t>(SerializeType::kRocketMq)) {
    return makeError(Errc::kMalformed,
                     fmt::format("unknown serialize type {} in the header length field at offset "
                                 "4 (0 = JSON, 1 = ROCKETMQ)",
                                 type));
  }
  if (!in.has(header_len)) {
    return makeError(Errc::kTruncated,
                     fmt::format("header length {} at offset 4 exceeds the {} bytes left in the "
                                 "frame",
                                 header_len, in.remaining()));
  }
  const std::size_t header_at = in.offset();
  const std::string_view header = in.readView(header_len);
  RemotingCommand command;
  command.serialize_type = static_cast<SerializeType>(type);
  command.version = 0;  // a header that omits the version means 0, as for Java's bean
  auto decoded = command.serialize_type == SerializeType::kJson
                     ? decodeJsonHeader(header, command, header_at)
                     : decodeBinaryHeader(header, command, header_at);
  if (!decoded) {
    return tl::unexpected(std::move(decoded.error()));
  }
  const std::string_view body = in.readView(in.remaining());
  command.body.assign(body.data(), body.size());
  return command;
}

// ---------------------------------------------------------------------------------------------
// FrameDecoder

void FrameDecoder::feed(std::span<const std::byte> bytes) {
  if (failed_ || bytes.empty()) {
    return;  // a failed stream is never read again
  }
  // Drop consumed bytes once they are at least half the buffer: amortised O(1) per byte.
  if (read_pos_ > 0 && read_pos_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_pos_));
    stream_offset_ += read_pos_;
    read_pos_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<RemotingCommand>> FrameDecoder::next() {
  if (failed_) {
    return makeError(*failed_);
  }
  const std::size_t available = buffer_.size() - read_pos_;
  if (available < kLengthPrefix) {
    return std::nullopt;
  }
  const std::byte* frame = buffer_.data() + read_pos_;
  auto length = decodeFrameLength(std::span<const std::byte, 4>(frame, 4), max_frame_);
  if (length && available - kLengthPrefix < *length) {
    return std::nullopt;
  }
  Result<RemotingCommand> command =
      length ? decodeCommand(std::span<const std::byte>(frame + kLengthPrefix, *length))
             : Result<RemotingCommand>(tl::unexpected(std::move(length.error())));
  if (!command) {
    failed_ =
        std::move(command.error())
            .withContext(fmt::format("frame at stream offset {}", stream_offset_ + read_pos_));
    return makeError(*failed_);
  }
  read_pos_ += kLengthPrefix + *length;
  if (read_pos_ == buffer_.size()) {
    stream_offset_ += read_pos_;
    buffer_.clear();
    read_pos_ = 0;
  }
  return std::optional<RemotingCommand>(std::move(*command));
}

}  // namespace ferry::codec
