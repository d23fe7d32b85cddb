// libFuzzer target for FrameDecoder: the input is a byte stream fed in pseudo-random chunks.
// Input layout: byte 0 seeds the chunking (bit 7 also selects a 4 KiB max frame), the rest is
// the stream. Properties checked: no crash or over-read; an error is sticky; every decoded
// command re-encodes and decodes to an equal command.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>

#include "ferry/codec/remoting_command.h"
#include "fuzz_support.h"

namespace {

void require(bool ok, const char* what) {
  ferry::fuzz::require(ok, "frame_fuzz", what);
}

void checkRoundTrip(const ferry::codec::RemotingCommand& command) {
  ferry::fuzz::checkCommandRoundTrip(command, "frame_fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t seed = data[0];
  const auto* stream = reinterpret_cast<const std::byte*>(data + 1);
  const std::size_t length = size - 1;
  ferry::codec::FrameDecoder decoder((seed & 0x80) != 0 ? 4096
                                                        : ferry::codec::kDefaultMaxFrameSize);
  std::uint32_t x = seed * 2654435761U + 1;
  std::size_t pos = 0;
  std::size_t fed = 0;
  while (pos < length) {
    x = x * 1103515245U + 12345U;
    const std::size_t chunk = (x >> 16) % 8 == 0 ? length : 1 + (x >> 16) % 64;
    const std::size_t n = chunk < length - pos ? chunk : length - pos;
    decoder.feed(std::span(stream + pos, n));
    pos += n;
    fed += n;
    while (true) {
      auto next = decoder.next();
      if (!next) {
        require(!next.error().message.empty(), "errors carry a message");
        auto again = decoder.next();
        require(!again && again.error().message == next.error().message, "errors are sticky");
        return 0;
      }
      if (!*next) {
        break;
      }
      checkRoundTrip(**next);
    }
    require(decoder.buffered() <= fed, "buffered more than was fed");
  }
  return 0;
}
