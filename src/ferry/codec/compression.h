// Message body compression (docs/protocol.md section 8 "Compression").
//
// A stored or sent body is compressed when its sysFlag has COMPRESSED (0x1); bits 8-10 name the
// algorithm. Only zlib is implemented (what every Java producer uses by default); LZ4 and ZSTD
// bodies are reported as kUnsupported so callers can skip or park such messages. Decompression
// output is bounded by a caller-given maximum, so a small hostile input cannot make us allocate
// more than that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/base/error.h"

namespace ferry::codec {

enum class CompressionType : std::uint8_t { kLz4 = 1, kZstd = 2, kZlib = 3 };

std::string_view compressionName(CompressionType type);  // "LZ4", "ZSTD", "ZLIB"

// Largest decompressed body accepted by default: 4x the broker's default maxMessageSize, room for
// brokers configured above the default while still bounding memory per message.
inline constexpr std::size_t kDefaultMaxDecompressedSize = std::size_t{16} * 1024 * 1024;

// The algorithm of a COMPRESSED body from its sysFlag: type bits 0 (4.x producers) or 3 = zlib,
// 1 = LZ4, 2 = ZSTD; 4-7 are kMalformed (Java throws "Unknown compress type value").
Result<CompressionType> compressionTypeOf(std::int32_t sys_flag);

// Appends the decompressed `compressed` body to `out`. zlib format (RFC 1950, what
// java.util.zip.Deflater writes); bytes after the end of the zlib stream are ignored, as Java's
// InflaterInputStream does. Errors: kUnsupported (LZ4/ZSTD), kMalformed (bad stream or type
// bits), kTruncated (stream ends early), kFrameTooLarge (output would exceed max_size).
// On error `out` is left as it was.
Result<void> decompressBody(std::string_view compressed, std::int32_t sys_flag, std::string& out,
                            std::size_t max_size = kDefaultMaxDecompressedSize);

// Appends `plain` compressed with zlib at `level` (0-9; Java producers use 5).
Result<void> compressZlib(std::string_view plain, int level, std::string& out);

// BODYCRC as the broker computes it: CRC-32 (zlib polynomial) of the stored body & 0x7FFFFFFF.
std::int32_t bodyCrc(std::string_view body);

}  // namespace ferry::codec
