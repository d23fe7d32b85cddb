// libFuzzer target for decodeCommand() and the two header decoders on their own. Any input must
// give a command or an Error; every decoded command must re-encode and decode to an equal one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "ferry/codec/command_header.h"
#include "ferry/codec/remoting_command.h"

namespace {

using ferry::codec::RemotingCommand;
using ferry::codec::SerializeType;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "command_fuzz: %s\n", what);
    std::abort();
  }
}

void checkRoundTrip(const RemotingCommand& command) {
  std::string frame;
  auto encoded =
      ferry::codec::encodeFrame(command, frame, std::numeric_limits<std::size_t>::max());
  require(encoded.has_value(), "a decoded command must encode again");
  auto decoded = ferry::codec::decodeCommand(
      std::span(reinterpret_cast<const std::byte*>(frame.data()) + 4, frame.size() - 4));
  require(decoded.has_value(), "a re-encoded command must decode");
  require(*decoded == command, "re-encoded command differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto command = ferry::codec::decodeCommand(std::span(reinterpret_cast<const std::byte*>(data), size));
  if (command) {
    checkRoundTrip(*command);
  } else {
    require(!command.error().message.empty(), "errors carry a message");
  }

  // The same bytes as a bare header of either kind.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RemotingCommand json;
  if (ferry::codec::decodeJsonHeader(text, json)) {
    json.serialize_type = SerializeType::kJson;
    checkRoundTrip(json);
  }
  RemotingCommand binary;
  if (ferry::codec::decodeBinaryHeader(text, binary)) {
    binary.serialize_type = SerializeType::kRocketMq;
    checkRoundTrip(binary);
  }
  return 0;
}
