// Helpers shared by the libFuzzer targets in fuzz/: a property check that aborts (libFuzzer and
// the corpus replay both report an abort as a failure) and the command round trip.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>

#include "ferry/codec/remoting_command.h"

namespace ferry::fuzz {

// Aborts with "<target>: <what>" unless `ok`.
inline void require(bool ok, const char* target, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "%s: %s\n", target, what);
    std::abort();
  }
}

// A decoded command must encode to a frame that decodes to an equal command.
inline void checkCommandRoundTrip(const codec::RemotingCommand& command, const char* target) {
  std::string frame;
  auto encoded = codec::encodeFrame(command, frame, std::numeric_limits<std::size_t>::max());
  require(encoded.has_value(), target, "a decoded command must encode again");
  auto decoded = codec::decodeCommand(
      std::span(reinterpret_cast<const std::byte*>(frame.data()) + 4, frame.size() - 4));
  require(decoded.has_value(), target, "a re-encoded command must decode");
  require(*decoded == command, target, "re-encoded command differs");
}

}  // namespace ferry::fuzz
