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
#include "fuzz_support.h"

namespace {

using ferry::codec::RemotingCommand;
using ferry::codec::SerializeType;

void require(bool ok, const char* what) {
  ferry::fuzz::require(ok, "command_fuzz", what);
}

void checkRoundTrip(const ferry::codec::RemotingCommand& command) {
  ferry::fuzz::checkCommandRoundTrip(command, "command_fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto command =
      ferry::codec::decodeCommand(std::span(reinterpret_cast<const std::byte*>(data), size));
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
