// libFuzzer target for the message layouts. Byte 0 selects what the rest is decoded as:
//   0: a PULL body (stored records), including decompression and inner-batch unwrapping
//   1: a SEND_BATCH_MESSAGE body
//   2: a properties string
//   3: a compressed body (bytes 1-4 are the sysFlag) and the message id parsers
// Properties checked: no crash, over-read or unbounded allocation; decoded records re-encode to
// the very bytes they came from; parsed properties and ids re-encode consistently.
#include "ferry/codec/message.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

#include "fuzz_support.h"

namespace {

using namespace ferry::codec;

constexpr std::size_t kMaxInflate = 1 << 20;

void require(bool ok, const char* what) {
  ferry::fuzz::require(ok, "message_fuzz", what);
}

void checkProperties(std::string_view raw) {
  const PropertiesView view(raw);
  std::size_t pairs = 0;
  for (const auto& [name, value] : view) {
    require(!name.empty() && !value.empty(), "pairs have a name and a value");
    require(name.find('\x01') == std::string_view::npos, "names have no 0x01");
    require(value.find('\x02') == std::string_view::npos, "values have no 0x02");
    ++pairs;
  }
  // get() has its own scanner: it must agree with the iterator (the last pair of a name wins).
  for (auto it = view.begin(); it != view.end(); ++it) {
    std::string_view last = it->second;
    for (auto later = std::next(it); later != view.end(); ++later) {
      if (later->first == it->first) {
        last = later->second;
      }
    }
    require(view.get(it->first) == last, "get() agrees with iteration");
  }
  const Properties parsed = Properties::parse(raw);
  require(parsed.size() <= pairs, "parse keeps at most one entry per pair");
  std::string encoded;
  if (appendProperties(parsed, encoded)) {
    require(Properties::parse(encoded) == parsed, "encoded properties parse back");
  }
}

void fuzzPullBody(std::string_view body) {
  StoredMessageReader reader(body);
  MessageView view;
  std::string scratch;
  while (true) {
    auto more = reader.next(view);
    if (!more || !*more) {
      break;
    }
    std::string again;
    require(appendStoredMessage(view, again).has_value(), "a decoded record re-encodes");
    require(again == body.substr(view.record_offset, static_cast<std::size_t>(view.store_size)),
            "a re-encoded record equals its bytes");
    (void)view.msgId();
    checkProperties(view.properties.raw());
    auto plain = view.plainBody(scratch, kMaxInflate);
    if (plain && view.isInnerBatch()) {
      auto inner = unwrapInnerBatch(view, *plain);
      if (inner) {
        for (const auto& m : *inner) {
          (void)m.msgId();
        }
      }
    }
    auto owned = toStoredMessage(view, true, kMaxInflate);
    if (owned) {
      std::string encoded;
      (void)appendStoredMessage(*owned, encoded);
    }
  }
}

void fuzzBatch(std::string_view body) {
  BatchMessageReader reader(body);
  BatchMessageView view;
  while (true) {
    auto more = reader.next(view);
    if (!more || !*more) {
      break;
    }
    std::string again;
    require(appendBatchRecord(view.flag, view.body, view.properties.raw(), again).has_value(),
            "a decoded batch record re-encodes");
    std::string original(
        body.substr(view.record_offset, static_cast<std::size_t>(view.total_size)));
    std::memset(original.data() + 4, 0, 8);  // MAGICCODE and BODYCRC are written as 0
    require(again == original, "a re-encoded batch record equals its bytes");
    checkProperties(view.properties.raw());
  }
  (void)decodeBatchMessages(body);
}

void fuzzBodyAndIds(std::string_view input) {
  if (input.size() >= 4) {
    std::int32_t sys_flag = 0;
    for (int i = 0; i < 4; ++i) {
      sys_flag = static_cast<std::int32_t>(
          static_cast<std::uint32_t>(sys_flag) << 8
          | static_cast<unsigned char>(input[static_cast<std::size_t>(i)]));
    }
    std::string out;
    auto r = decompressBody(input.substr(4), sys_flag, out, kMaxInflate);
    require(r ? out.size() <= kMaxInflate : out.empty(), "decompression output is bounded");
  }
  if (auto id = parseOffsetMessageId(input)) {
    std::string upper(input);
    for (char& c : upper) {
      if (c >= 'a' && c <= 'f') {
        c = static_cast<char>(c - 'a' + 'A');
      }
    }
    require(offsetMessageId(id->store_host, id->commit_log_offset) == upper,
            "offset msgId round trip");
  }
  if (auto parts = parseClientMessageId(input)) {
    std::string again;
    appendClientMessageId({parts->ip.data(), parts->ip_length}, parts->pid,
                          parts->class_loader_hash, parts->millis_in_month, parts->counter, again);
    require(again.size() == input.size(), "client msgId round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: fuzzPullBody(input); break;
    case 1: fuzzBatch(input); break;
    case 2: checkProperties(input); break;
    default: fuzzBodyAndIds(input); break;
  }
  return 0;
}
