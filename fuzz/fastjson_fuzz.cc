// libFuzzer target for the tolerant fastjson reader: any input must give a value or an Error,
// never a crash, and every parsed value must dump and re-parse to the same value.
#include "ferry/codec/fastjson.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ferry::codec::parseFastjson(text);
  if (!parsed) {
    return 0;
  }
  // Round trip: our own compact dump is standard JSON and must parse to an equal value.
  const std::string dumped = ferry::codec::dumpJson(*parsed);
  auto again = ferry::codec::parseFastjson(dumped);
  if (!again || *again != *parsed) {
    std::abort();
  }
  return 0;
}
