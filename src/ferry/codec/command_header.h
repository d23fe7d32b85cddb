// The two header encodings of a RemotingCommand (docs/protocol.md sections 2 "JSON header" and
// 3 "ROCKETMQ binary header").
//
// encodeFrame()/decodeCommand() in remoting_command.h dispatch to these; they are public so tests,
// fuzzers and benchmarks can exercise one encoding in isolation. Pure functions: the decoders
// fill the header fields of a command (not the body) and report errors with the byte offset in
// the caller's coordinates (`base_offset` is added to positions inside `header`).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::codec {

// Appends the JSON header exactly as Java's fastjson writes it: keys in alphabetical order
// (code, extFields, flag, language, opaque, remark, serializeTypeCurrentRPC, version), extFields
// in insertion order with string values, remark omitted when absent, language by enum name (or
// by number when the code has no name). Never fails for any command; the Result is for symmetry.
Result<void> appendJsonHeader(const RemotingCommand& command, std::string& out);

// Parses a JSON header into command's header fields. Tolerant like fastjson: any key order,
// unknown keys skipped, duplicate keys (last wins), language as name or number, integers also
// as quoted decimal strings, null meaning absent, extFields values that are numbers/booleans/
// nested JSON kept as their text. Unknown language names decode as LanguageCode::kOther.
Result<void> decodeJsonHeader(std::string_view header, RemotingCommand& command,
                              std::size_t base_offset = 0);

// Appends the ROCKETMQ binary header. Fails with kInvalidArgument when code or version do not
// fit in int16 (Java would silently truncate them) or a key is longer than 32767 bytes.
// An empty remark is written as length 0, which every decoder (Java's too) reads as "no remark".
Result<void> appendBinaryHeader(const RemotingCommand& command, std::string& out);

// Parses a ROCKETMQ binary header; `header` must be exactly the header bytes (the decoder checks
// that every field fits and that nothing is left over). Zero-length ext keys/values decode as
// empty strings (Java: null). Unknown language bytes are kept as their numeric value.
Result<void> decodeBinaryHeader(std::string_view header, RemotingCommand& command,
                                std::size_t base_offset = 0);

}  // namespace ferry::codec
