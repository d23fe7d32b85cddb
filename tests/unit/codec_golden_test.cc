// Captured frames checked in both directions (docs/protocol.md section 10 "Golden frames").
//
// tests/testdata/codec/golden/*.bin are captures from real brokers (added when the sandbox can
// record them); tests/testdata/codec/synthetic/*.bin are hand-written Java-style frames that keep
// this loader exercised. Each file holds one or more complete frames, length prefix included.
// Every frame must decode, and re-encoding it must give back the captured bytes; bodies of PULL
// responses and SEND_BATCH_MESSAGE requests must decode (and re-encode) as well.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "codec_test_util.h"
#include "ferry/codec/message.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::codec {
namespace {

namespace fs = std::filesystem;
using testing::bytesOf;

constexpr std::int32_t kSendBatchMessage = 320;

std::vector<fs::path> captures(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) {
    return files;
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".bin") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Java writes "extFields":{} for a custom header whose fields are all null; Ferry omits the key
// for an empty map. The difference carries no information, so it is normalised away.
std::string normaliseJson(std::string frame) {
  constexpr std::string_view kEmpty = R"("extFields":{},)";
  const std::size_t at = frame.find(kEmpty);
  if (at == std::string::npos) {
    return frame;
  }
  frame.erase(at, kEmpty.size());
  const auto load = [&](std::size_t pos) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      v = v << 8 | static_cast<std::uint8_t>(frame[pos + i]);
    }
    return v;
  };
  const auto store = [&](std::size_t pos, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) {
      frame[pos + i] = static_cast<char>(v >> (24 - 8 * i));
    }
  };
  const auto removed = static_cast<std::uint32_t>(kEmpty.size());
  store(0, load(0) - removed);
  store(4, load(4) - removed);  // the serialize type in the top byte is unaffected
  return frame;
}

void checkBodies(const RemotingCommand& c, const std::string& where) {
  if (c.isResponse() && c.code == 0 && c.ext_fields.contains("nextBeginOffset") && !c.body.empty()) {
    auto views = decodeStoredMessages(c.body);
    ASSERT_TRUE(views) << where << ": pull body: " << views.error().toString();
    std::string again;
    std::string scratch;
    for (const auto& v : *views) {
      ASSERT_TRUE(appendStoredMessage(v, again)) << where;
      auto plain = v.plainBody(scratch);
      EXPECT_TRUE(plain || plain.error().code == Errc::kUnsupported)
          << where << ": " << plain.error().toString();
      if (plain && v.isInnerBatch()) {
        EXPECT_TRUE(unwrapInnerBatch(v, *plain)) << where;
      }
    }
    EXPECT_TRUE(again == c.body) << where << ": pull body does not re-encode to the same bytes";
  }
  if (!c.isResponse() && c.code == kSendBatchMessage) {
    auto views = decodeBatch(c.body);
    ASSERT_TRUE(views) << where << ": batch body: " << views.error().toString();
    std::string again;
    for (const auto& v : *views) {
      ASSERT_TRUE(appendBatchRecord(v.flag, v.body, v.properties.raw(), again)) << where;
    }
    EXPECT_TRUE(again == c.body) << where << ": batch body does not re-encode to the same bytes";
  }
}

// Returns the number of frames checked.
std::size_t checkCapture(const fs::path& path) {
  const std::string bytes = readFile(path);
  const std::string name = path.filename().string();
  FrameDecoder decoder;
  decoder.feed(bytesOf(bytes));
  std::size_t offset = 0;
  std::size_t frames = 0;
  while (true) {
    auto next = decoder.next();
    EXPECT_TRUE(next) << name << ": " << next.error().toString();
    if (!next || !*next) {
      break;
    }
    const RemotingCommand& c = **next;
    const std::string where = name + " frame " + std::to_string(frames) + " at byte " +
                              std::to_string(offset);
    std::string again;
    EXPECT_TRUE(encodeFrame(c, again)) << where;
    const std::string original = bytes.substr(offset, again.size());
    offset += again.size();
    const std::string expected =
        c.serialize_type == SerializeType::kJson ? normaliseJson(original) : original;
    if (again != expected) {
      const auto diff = std::mismatch(again.begin(), again.end(), expected.begin(), expected.end());
      ADD_FAILURE() << where << ": re-encoding differs at byte " << (diff.first - again.begin())
                    << " of the frame";
    }
    checkBodies(c, where);
    ++frames;
  }
  EXPECT_EQ(decoder.buffered(), 0U) << name << ": trailing bytes after the last frame";
  EXPECT_GT(frames, 0U) << name << ": no frame";
  return frames;
}

TEST(CodecGolden, SyntheticCapturesDecodeAndReEncode) {
  const auto files = captures(fs::path(FERRY_TESTDATA_DIR) / "codec" / "synthetic");
  ASSERT_FALSE(files.empty()) << "tests/testdata/codec/synthetic is missing";
  std::size_t frames = 0;
  for (const auto& f : files) {
    frames += checkCapture(f);
  }
  EXPECT_GE(frames, files.size());
}

TEST(CodecGolden, BrokerCapturesDecodeAndReEncode) {
  const auto files = captures(fs::path(FERRY_TESTDATA_DIR) / "codec" / "golden");
  if (files.empty()) {
    GTEST_SKIP() << "no captures in tests/testdata/codec/golden yet";
  }
  for (const auto& f : files) {
    checkCapture(f);
  }
}

}  // namespace
}  // namespace ferry::codec
