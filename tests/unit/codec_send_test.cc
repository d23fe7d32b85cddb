// Properties strings, single-message send encoding and SEND_BATCH_MESSAGE bodies
// (docs/protocol.md sections 6 and 7).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "ferry/codec/message.h"

namespace ferry::codec {
namespace {

using testing::ByteBuilder;

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairsOf(std::string_view raw) {
  Pairs out;
  for (const auto& [k, v] : PropertiesView(raw)) {
    out.emplace_back(k, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Properties

TEST(CodecProperties, ParsesWithJavasRules) {
  using namespace std::string_literals;
  EXPECT_EQ(pairsOf(""), Pairs{});
  EXPECT_EQ(pairsOf("a\x01"
                    "b\x02"),
            (Pairs{{"a", "b"}}));
  EXPECT_EQ(pairsOf("a\x01"
                    "b"),
            (Pairs{{"a", "b"}}));  // last separator optional
  EXPECT_EQ(pairsOf("\x01"
                    "b\x02k\x01v\x02"),
            (Pairs{{"k", "v"}}));                                  // empty name dropped
  EXPECT_EQ(pairsOf("a\x01\x02k\x01v\x02"), (Pairs{{"k", "v"}}));  // empty value dropped
  EXPECT_EQ(pairsOf("a\x01"
                    "b\x01"
                    "c\x02"),
            (Pairs{{"a",
                    "b\x01"
                    "c"}}));  // 0x01 in a value
  EXPECT_EQ(pairsOf("noseparator\x02k\x01v"), (Pairs{{"k", "v"}}));
  EXPECT_EQ(pairsOf("\x02\x02\x02"), Pairs{});
  EXPECT_EQ(pairsOf("ab\x02\x01\x02"), Pairs{});
  EXPECT_EQ(pairsOf("k\x01"
                    "1\x02k\x01"
                    "2\x02"),
            (Pairs{{"k", "1"}, {"k", "2"}}));
  EXPECT_EQ(PropertiesView("k\x01"
                           "1\x02j\x01x\x02k\x01"
                           "2\x02")
                .get("k"),
            "2");  // last wins
  EXPECT_EQ(PropertiesView("k\x01"
                           "1")
                .get("j"),
            std::nullopt);
  Properties parsed = Properties::parse(
      "k\x01"
      "1\x02j\x01x\x02k\x01"
      "2\x02");
  ASSERT_EQ(parsed.size(), 2U);
  EXPECT_EQ(parsed.begin()->first, "k");
  EXPECT_EQ(parsed.get("k"), "2");
}

TEST(CodecProperties, EncodesEveryPairWithTrailingSeparator) {
  Properties p{{"KEYS", "k1 k2"}, {"TAGS", "t"}, {"UNIQ_KEY", "ID"}};
  std::string out = "x";
  ASSERT_TRUE(appendProperties(p, out));
  EXPECT_EQ(out, "xKEYS\x01k1 k2\x02TAGS\x01t\x02UNIQ_KEY\x01ID\x02");
  EXPECT_EQ(Properties::parse(out.substr(1)), p);
  EXPECT_EQ(*encodeProperties(Properties{}), "");
}

TEST(CodecProperties, RejectsWhatJavaCannotReadBack) {
  const std::vector<Properties> bad = {
      Properties{{"", "v"}},      Properties{{"k", ""}},       Properties{{"k\x01", "v"}},
      Properties{{"k", "v\x02"}}, Properties{{"k", "v\x01w"}},
  };
  for (const auto& p : bad) {
    std::string out = "keep";
    auto r = appendProperties(p, out);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(out, "keep");
  }
}

TEST(CodecProperties, LimitIs32767Bytes) {
  Properties p{{"k", std::string(32767 - 3, 'v')}};
  EXPECT_EQ(encodeProperties(p)->size(), 32767U);
  p.set("k", std::string(32767 - 2, 'v'));
  EXPECT_EQ(encodeProperties(p).error().code, Errc::kInvalidArgument);
}

TEST(CodecProperties, SetGetErase) {
  Properties p;
  p.set("a", "1");
  p.set("b", "2");
  p.set("a", "3");
  EXPECT_EQ(p.size(), 2U);
  EXPECT_EQ(p.get("a"), "3");
  EXPECT_TRUE(p.erase("a"));
  EXPECT_FALSE(p.contains("a"));
  EXPECT_FALSE(p.erase("a"));
}

// ---------------------------------------------------------------------------------------------
// Single message

TEST(CodecSingleMessage, CarriesFlagPropertiesAndBody) {
  Message m{"T", 7, Properties{{"TAGS", "t"}, {"UNIQ_KEY", "ID"}}, "body"};
  auto e = encodeSingleMessage(m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->flag, 7);
  EXPECT_EQ(e->sys_flag, 0);
  EXPECT_EQ(e->properties, "TAGS\x01t\x02UNIQ_KEY\x01ID\x02");
  EXPECT_EQ(e->body, "body");
}

TEST(CodecSingleMessage, MovesTheBodyWithoutCopying) {
  Message m{"T", 0, {}, std::string(100000, 'b')};
  const char* data = m.body.data();
  auto e = encodeSingleMessage(std::move(m));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->body.data(), data);
}

TEST(CodecSingleMessage, CompressesLargeBodiesWithZlibTypeBits) {
  std::string plain;
  while (plain.size() < 10000) {
    plain += "compressible text ";
  }
  SendOptions options;
  options.compress_threshold = 4096;
  auto e = encodeSingleMessage(Message{"T", 0, {}, plain}, options);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->sys_flag, kSysFlagCompressed | 0x300);
  EXPECT_LT(e->body.size(), plain.size());
  std::string back;
  ASSERT_TRUE(decompressBody(e->body, e->sys_flag, back));
  EXPECT_EQ(back, plain);

  auto small = encodeSingleMessage(Message{"T", 0, {}, "short"}, options);
  EXPECT_EQ(small->sys_flag, 0);
  std::string random;
  std::uint32_t x = 12345;
  while (random.size() < 8000) {
    x = x * 1103515245 + 12345;
    random.push_back(static_cast<char>(x >> 16));
  }
  auto incompressible = encodeSingleMessage(Message{"T", 0, {}, random}, options);
  EXPECT_EQ(incompressible->sys_flag, 0);
  EXPECT_EQ(incompressible->body, random);
}

TEST(CodecSingleMessage, ValidatesBodySizeAndProperties) {
  SendOptions options;
  options.max_body_size = 10;
  EXPECT_EQ(encodeSingleMessage(Message{"T", 0, {}, std::string(11, 'b')}, options).error().code,
            Errc::kInvalidArgument);
  EXPECT_TRUE(encodeSingleMessage(Message{"T", 0, {}, std::string(10, 'b')}, options));
  EXPECT_EQ(encodeSingleMessage(Message{"T", 0, Properties{{"k", ""}}, "b"}).error().code,
            Errc::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Batch body

std::vector<Message> twoMessages() {
  return {Message{"T", 1, Properties{{"UNIQ_KEY", "A"}}, "first"},
          Message{"T", 2, Properties{{"UNIQ_KEY", "B"}, {"KEYS", "k"}}, ""}};
}

std::string twoMessagesBytes() {
  ByteBuilder b;
  const std::string p0 =
      "UNIQ_KEY\x01"
      "A\x02";
  const std::string p1 =
      "UNIQ_KEY\x01"
      "B\x02KEYS\x01k\x02";
  b.be32(static_cast<std::uint32_t>(22 + 5 + p0.size())).be32(0).be32(0).be32(1);
  b.be32(5).raw("first").be16(static_cast<std::uint16_t>(p0.size())).raw(p0);
  b.be32(static_cast<std::uint32_t>(22 + 0 + p1.size())).be32(0).be32(0).be32(2);
  b.be32(0).be16(static_cast<std::uint16_t>(p1.size())).raw(p1);
  return b.str();
}

TEST(CodecBatch, EncodesExactLayout) {
  const auto messages = twoMessages();
  std::string out = "head";
  ASSERT_TRUE(encodeBatch(messages, out));
  EXPECT_EQ(out, "head" + twoMessagesBytes());

  std::string raw;
  ASSERT_TRUE(appendBatchRecord(1, "first",
                                "UNIQ_KEY\x01"
                                "A\x02",
                                raw));
  std::string via_message;
  ASSERT_TRUE(appendBatchMessage(messages[0], via_message));
  EXPECT_EQ(raw, via_message);
  EXPECT_EQ(raw, twoMessagesBytes().substr(0, raw.size()));
}

TEST(CodecBatch, DecodesBackToTheMessages) {
  auto decoded = decodeBatchMessages(twoMessagesBytes());
  ASSERT_TRUE(decoded) << decoded.error().toString();
  auto expected = twoMessages();
  for (auto& m : expected) {
    m.topic.clear();  // the topic travels in the request header, not in the body
  }
  EXPECT_EQ(*decoded, expected);
  const std::string bytes = twoMessagesBytes();  // the views point into it
  auto views = decodeBatch(bytes);
  ASSERT_TRUE(views);
  EXPECT_EQ((*views)[1].record_offset, 22U + 5 + 11);
  EXPECT_EQ((*views)[1].properties.get("KEYS"), "k");
}

TEST(CodecBatch, RejectsWhatJavaAndTheBrokerReject) {
  struct Case {
    std::vector<Message> messages;
    std::string message_part;
  };
  std::vector<Case> cases;
  cases.push_back({{}, "at least one"});
  auto mixed = twoMessages();
  mixed[1].topic = "U";
  cases.push_back({mixed, "topic 'U'"});
  auto retry = twoMessages();
  for (auto& m : retry) {
    m.topic = "%RETRY%G";
  }
  cases.push_back({retry, "retry topic"});
  auto delayed = twoMessages();
  delayed[1].properties.set("DELAY", "3");
  cases.push_back({delayed, "DELAY"});
  auto bad_props = twoMessages();
  bad_props[1].properties.set("k", "");
  cases.push_back({bad_props, "batch message 1"});
  for (const auto& c : cases) {
    std::string out = "keep";
    auto r = encodeBatch(c.messages, out);
    ASSERT_FALSE(r) << c.message_part;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << r.error().message;
    EXPECT_EQ(out, "keep");
  }
  SendOptions options;
  options.max_body_size = 40;  // each body fits, the whole batch does not
  std::string out;
  auto r = encodeBatch(twoMessages(), out, options);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("batch body of"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(CodecBatch, EveryPrefixIsTruncatedOrEndsAtARecordBoundary) {
  const std::string bytes = twoMessagesBytes();
  const std::size_t first = 22 + 5 + 11;
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    auto r = decodeBatch(std::string_view(bytes).substr(0, n));
    if (n == 0 || n == first || n == bytes.size()) {
      ASSERT_TRUE(r) << n;
    } else {
      ASSERT_FALSE(r) << n;
      EXPECT_EQ(r.error().code, Errc::kTruncated) << n << ": " << r.error().message;
    }
  }
}

TEST(CodecBatch, RejectsBadLengths) {
  const std::string good = twoMessagesBytes();
  auto patched = [&](std::size_t at, std::string_view bytes) {
    std::string r = good;
    r.replace(at, bytes.size(), bytes);
    return r;
  };
  struct Case {
    std::string bytes;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {patched(0, std::string("\x00\x00\x00\x05", 4)), "TOTALSIZE 5"},
      {patched(16, std::string("\xFF\xFF\xFF\xFF", 4)), "negative BODYLEN -1 at offset 16"},
      {patched(25, std::string("\xFF\xFF", 2)), "negative PROPLEN -1 at offset 25"},
  };
  for (const auto& c : cases) {
    auto r = decodeBatch(c.bytes);
    ASSERT_FALSE(r) << c.message_part;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << r.error().message;
  }
  auto huge = decodeBatch(patched(16, std::string("\x7F\xFF\xFF\xFF", 4)));
  EXPECT_EQ(huge.error().code, Errc::kTruncated);
}

}  // namespace
}  // namespace ferry::codec
