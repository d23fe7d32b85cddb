// Big-endian byte readers and writers for the codec (docs/protocol.md, "Conventions").
//
// All RocketMQ integers are big-endian. ByteReader is a cursor over a borrowed byte range that
// never reads past its end: every read is preceded by a bounds check whose failure the caller
// turns into an Error naming the field and the byte offset. Writers append to a std::string, the
// buffer type the codec hands to the transport, or patch a value already reserved in it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "ferry/base/error.h"

namespace ferry::codec {

namespace detail {

template <class T>
inline T loadBigEndian(const char* p) {
  static_assert(std::is_integral_v<T>);
  std::make_unsigned_t<T> v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    if constexpr (sizeof(T) == 2) {
      v = static_cast<std::uint16_t>(__builtin_bswap16(v));
    } else if constexpr (sizeof(T) == 4) {
      v = __builtin_bswap32(v);
    } else {
      v = __builtin_bswap64(v);
    }
  }
  return static_cast<T>(v);
}

template <class T>
inline void storeBigEndian(char* p, T value) {
  static_assert(std::is_integral_v<T>);
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    if constexpr (sizeof(T) == 2) {
      v = static_cast<std::uint16_t>(__builtin_bswap16(v));
    } else if constexpr (sizeof(T) == 4) {
      v = __builtin_bswap32(v);
    } else {
      v = __builtin_bswap64(v);
    }
  }
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace detail

inline std::string_view asChars(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
inline std::span<const std::byte> asBytes(std::string_view chars) {
  return {reinterpret_cast<const std::byte*>(chars.data()), chars.size()};
}

// Appends a big-endian integer.
template <class T>
inline void appendBigEndian(std::string& out, T value) {
  char buf[sizeof(T)];
  detail::storeBigEndian(buf, value);
  out.append(buf, sizeof(T));
}

// Overwrites sizeof(T) bytes at `pos` (which the caller reserved earlier) with a big-endian value.
template <class T>
inline void patchBigEndian(std::string& out, std::size_t pos, T value) {
  detail::storeBigEndian(out.data() + pos, value);
}

// Cursor over a borrowed byte range. `base` is the offset of data[0] within the buffer the caller
// reports errors against (e.g. the frame or the whole pull body), so error messages can name
// absolute offsets. A reader over the whole input reports overruns as kTruncated (the bytes ran
// out); a reader over a region whose size an enclosing length announced (a header, a record)
// reports them as kMalformed (the lengths contradict each other), naming the region.
class ByteReader {
 public:
  explicit ByteReader(std::string_view data, std::size_t base = 0) : data_(data), base_(base) {}
  ByteReader(std::string_view data, std::size_t base, std::string_view region)
      : data_(data), base_(base), region_(region) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  // Offset of the cursor in the caller's coordinates.
  std::size_t offset() const { return base_ + pos_; }
  bool atEnd() const { return pos_ == data_.size(); }

  // The read* functions must only be called after has(n) returned true for their size.
  bool has(std::size_t n) const { return remaining() >= n; }
  template <class T>
  T read() {
    T v = detail::loadBigEndian<T>(data_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::string_view readView(std::size_t n) {
    std::string_view v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  void skip(std::size_t n) { pos_ += n; }

  // Checked variants: the value, or kTruncated naming `what` and the offset where it starts.
  template <class T>
  Result<T> get(std::string_view what) {
    if (!has(sizeof(T))) {
      return truncated(what, sizeof(T));
    }
    return read<T>();
  }
  Result<std::string_view> getView(std::size_t n, std::string_view what) {
    if (!has(n)) {
      return truncated(what, n);
    }
    return readView(n);
  }
  // A field preceded by its signed big-endian length of type LenT: the field's bytes, or
  // kTruncated / kMalformed ("negative <what> length N at offset X") naming `what`.
  template <class LenT>
  Result<std::string_view> getSized(std::string_view what) {
    const std::size_t at = offset();
    if (!has(sizeof(LenT))) {
      return truncated(fmt::format("{} length", what), sizeof(LenT));  // formatted only on error
    }
    const LenT len = read<LenT>();
    if (len < 0) {
      return makeError(Errc::kMalformed,
                       fmt::format("negative {} length {} at offset {}", what, len, at));
    }
    return getView(static_cast<std::size_t>(len), what);
  }

  tl::unexpected<Error> truncated(std::string_view what, std::size_t needed) const {
    if (region_.empty()) {
      return makeError(Errc::kTruncated, fmt::format("{} at offset {} needs {} bytes, only {} left",
                                                     what, offset(), needed, remaining()));
    }
    return makeError(Errc::kMalformed,
                     fmt::format("{} at offset {} needs {} bytes, only {} left in the {}", what,
                                 offset(), needed, remaining(), region_));
  }

 private:
  std::string_view data_;
  std::size_t base_;
  std::string_view region_;  // empty: the reader covers the whole input
  std::size_t pos_ = 0;
};

}  // namespace ferry::codec
