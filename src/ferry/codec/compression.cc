#include "ferry/codec/compression.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace ferry::codec {
namespace {
constexpr std::int32_t kCompressionTypeMask = 0x700;
}

std::string_view compressionName(CompressionType type) {
  switch (type) {
    case CompressionType::kLz4: return "LZ4";
    case CompressionType::kZstd: return "ZSTD";
    case CompressionType::kZlib: return "ZLIB";
  }
  return "UNKNOWN";
}

Result<CompressionType> compressionTypeOf(std::int32_t sys_flag) {
  const int bits = (sys_flag & kCompressionTypeMask) >> 8;
  switch (bits) {
    case 0:  // producers before 5.x set only COMPRESSED, always zlib
    case 3: return CompressionType::kZlib;
    case 1: return CompressionType::kLz4;
    case 2: return CompressionType::kZstd;
    default:
      return makeError(Errc::kMalformed,
                       fmt::format("unknown compression type {} in sysFlag 0x{:X}", bits,
                                   static_cast<std::uint32_t>(sys_flag)));
  }
}

Result<void> decompressBody(std::string_view compressed, std::int32_t sys_flag, std::string& out,
                            std::size_t max_size) {
  auto type = compressionTypeOf(sys_flag);
  if (!type) {
    return tl::unexpected(std::move(type.error()));
  }
  if (*type != CompressionType::kZlib) {
    return makeError(Errc::kUnsupported,
                     fmt::format("body compressed with {} (sysFlag 0x{:X}) cannot be decompressed: "
                                 "only ZLIB is supported",
                                 compressionName(*type), static_cast<std::uint32_t>(sys_flag)));
  }
  if (compressed.size() > std::numeric_limits<uInt>::max()) {
    return makeError(Errc::kFrameTooLarge, "compressed body larger than 4 GiB");
  }

  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) {
    return makeError(Errc::kInternal, "zlib inflateInit failed");
  }
  const std::size_t start = out.size();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  // Output grows geometrically from a guess up to max_size + 1 bytes; producing that extra byte
  // proves the body is too large without inflating any further.
  const std::size_t limit = max_size + 1;
  std::size_t capacity = std::min(limit, std::max<std::size_t>(compressed.size() * 4, 256));
  std::size_t produced = 0;
  Result<void> result;
  while (true) {
    out.resize(start + capacity);
    const std::size_t room =
        std::min<std::size_t>(capacity - produced, std::numeric_limits<uInt>::max());
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + start + produced);
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (produced > max_size) {
        result =
            makeError(Errc::kFrameTooLarge,
                      fmt::format("decompressed body exceeds the maximum of {} bytes", max_size));
      }
      break;
    }
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR) {
      result = makeError(Errc::kMalformed,
                         fmt::format("zlib body of {} bytes is corrupt near input byte {}: {}",
                                     compressed.size(), compressed.size() - zs.avail_in,
                                     zs.msg != nullptr ? zs.msg : "preset dictionary"));
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      result = makeError(Errc::kInternal, fmt::format("zlib inflate failed: {}", zError(rc)));
      break;
    }
    if (zs.avail_out != 0) {  // room left but no stream end: the input ran out
      result = makeError(
          Errc::kTruncated,
          fmt::format("zlib body of {} bytes ends before its stream does ({} bytes inflated)",
                      compressed.size(), produced));
      break;
    }
    if (produced >= limit) {
      result =
          makeError(Errc::kFrameTooLarge,
                    fmt::format("decompressed body exceeds the maximum of {} bytes", max_size));
      break;
    }
    capacity = std::min(limit, capacity * 2);
  }
  inflateEnd(&zs);
  out.resize(result ? start + produced : start);
  return result;
}

Result<void> compressZlib(std::string_view plain, int level, std::string& out) {
  if (level < 0 || level > 9) {
    return makeError(Errc::kInvalidArgument, fmt::format("zlib level {} is not in 0-9", level));
  }
  if (plain.size() > std::numeric_limits<uLong>::max() / 2) {
    return makeError(Errc::kFrameTooLarge, "body too large to compress");
  }
  const std::size_t start = out.size();
  uLongf bound = compressBound(static_cast<uLong>(plain.size()));
  out.resize(start + bound);
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data() + start), &bound,
                           reinterpret_cast<const Bytef*>(plain.data()),
                           static_cast<uLong>(plain.size()), level);
  if (rc != Z_OK) {
    out.resize(start);
    return makeError(Errc::kInternal, fmt::format("zlib compress2 failed: {}", zError(rc)));
  }
  out.resize(start + bound);
  return {};
}

std::int32_t bodyCrc(std::string_view body) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(body.data());
  std::size_t left = body.size();
  while (left > 0) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(left, 1U << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<std::int32_t>(crc & 0x7FFFFFFF);
}

}  // namespace ferry::codec
