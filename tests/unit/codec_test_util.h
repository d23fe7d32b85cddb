// Helpers shared by the codec unit tests: a byte builder for hand-written expected layouts (kept
// independent of the codec's own writers, so a test compares two separate spellings of a format).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ferry::codec::testing {

class ByteBuilder {
 public:
  ByteBuilder& u8(std::uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  ByteBuilder& be16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xFF); }
  ByteBuilder& be32(std::uint32_t v) {
    return be16(static_cast<std::uint16_t>(v >> 16)).be16(static_cast<std::uint16_t>(v));
  }
  ByteBuilder& be64(std::uint64_t v) {
    return be32(static_cast<std::uint32_t>(v >> 32)).be32(static_cast<std::uint32_t>(v));
  }
  ByteBuilder& raw(std::string_view bytes) {
    s_.append(bytes);
    return *this;
  }
  std::size_t size() const { return s_.size(); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

inline std::span<const std::byte> bytesOf(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A frame from its parts: length prefix, (type << 24 | header length), header, body.
inline std::string makeFrame(std::uint8_t type, std::string_view header, std::string_view body) {
  ByteBuilder b;
  b.be32(static_cast<std::uint32_t>(4 + header.size() + body.size()));
  b.be32(static_cast<std::uint32_t>(type) << 24 | static_cast<std::uint32_t>(header.size()));
  b.raw(header).raw(body);
  return b.str();
}

// The payload of a frame (everything after the length prefix) as decodeCommand() takes it.
inline std::span<const std::byte> payloadOf(const std::string& frame) {
  return bytesOf(std::string_view(frame).substr(4));
}

}  // namespace ferry::codec::testing
