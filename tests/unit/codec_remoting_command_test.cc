// RemotingCommand frames and both header encodings (docs/protocol.md sections 1-3).
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "ferry/codec/command_header.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::codec {
namespace {

using testing::ByteBuilder;
using testing::bytesOf;
using testing::makeFrame;
using testing::payloadOf;

constexpr std::string_view kJavaPullRequestHeader =
    R"({"code":14,"extFields":{"consumerGroup":"G","queueId":"0","topic":"T"},"flag":0,)"
    R"("language":"JAVA","opaque":12,"serializeTypeCurrentRPC":"JSON","version":479})";

RemotingCommand queryOffsetRequest() {
  RemotingCommand c;
  c.code = 14;
  c.opaque = 12;
  c.version = 479;
  c.ext_fields.set("consumerGroup", "G");
  c.ext_fields.set("queueId", "0");
  c.ext_fields.set("topic", "T");
  return c;
}

RemotingCommand decodeJson(std::string_view header) {
  RemotingCommand c;
  c.version = 0;
  auto r = decodeJsonHeader(header, c);
  EXPECT_TRUE(r.has_value()) << r.error().toString();
  return c;
}

Error jsonError(std::string_view header) {
  RemotingCommand c;
  auto r = decodeJsonHeader(header, c);
  EXPECT_FALSE(r.has_value()) << "accepted: " << header;
  return r ? Error{} : r.error();
}

// ---------------------------------------------------------------------------------------------
// ExtFields

TEST(CodecExtFields, SetReplacesAndGetSeesLastDuplicate) {
  ExtFields f;
  f.append("a", "1");
  f.append("b", "2");
  f.append("a", "3");  // decoders may append duplicates
  EXPECT_EQ(f.get("a"), "3");
  f.set("a", "4");
  EXPECT_EQ(f.size(), 2U);
  EXPECT_EQ(f.begin()->first, "a");  // keeps the first position
  EXPECT_EQ(f.get("a"), "4");
  EXPECT_TRUE(f.erase("b"));
  EXPECT_FALSE(f.erase("b"));
  EXPECT_FALSE(f.contains("b"));
  EXPECT_EQ(f.get("zz"), std::nullopt);
}

TEST(CodecLanguage, NamesRoundTrip) {
  EXPECT_EQ(languageName(LanguageCode::kJava), "JAVA");
  EXPECT_EQ(languageName(LanguageCode::kNodeJs), "NODE_JS");
  EXPECT_EQ(languageName(static_cast<LanguageCode>(99)), "");
  for (int i = 0; i <= 13; ++i) {
    auto code = static_cast<LanguageCode>(i);
    EXPECT_EQ(languageFromName(languageName(code)), code);
  }
  EXPECT_EQ(languageFromName("java"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// JSON header

TEST(CodecJsonHeader, EncodesExactlyWhatJavaSends) {
  std::string out;
  ASSERT_TRUE(appendJsonHeader(queryOffsetRequest(), out));
  EXPECT_EQ(out, kJavaPullRequestHeader);
}

TEST(CodecJsonHeader, EncodesResponseWithRemarkAndEscapes) {
  RemotingCommand c;
  c.code = 0;
  c.flag = kFlagResponse;
  c.opaque = 12;
  c.version = 409;
  c.remark = std::string("a\"b\\c\n\x01\x1f\xc3\xa9");
  c.ext_fields.set("offset", "1234");
  std::string out;
  ASSERT_TRUE(appendJsonHeader(c, out));
  EXPECT_EQ(out,
            R"({"code":0,"extFields":{"offset":"1234"},"flag":1,"language":"JAVA","opaque":12,)"
            R"("remark":"a\"b\\c\n\u0001\u001F)"
            "\xc3\xa9"
            R"(","serializeTypeCurrentRPC":"JSON","version":409})");
  EXPECT_EQ(decodeJson(out).remark, c.remark);
}

TEST(CodecJsonHeader, OmitsEmptyExtFieldsAndWritesUnknownLanguageAsNumber) {
  RemotingCommand c;
  c.code = 106;
  c.language = static_cast<LanguageCode>(42);
  c.opaque = -5;
  c.version = 0;
  std::string out;
  ASSERT_TRUE(appendJsonHeader(c, out));
  EXPECT_EQ(out, R"({"code":106,"flag":0,"language":42,"opaque":-5,)"
                 R"("serializeTypeCurrentRPC":"JSON","version":0})");
  EXPECT_EQ(decodeJson(out).language, static_cast<LanguageCode>(42));
}

TEST(CodecJsonHeader, DecodesJavaRequest) {
  RemotingCommand c = decodeJson(kJavaPullRequestHeader);
  EXPECT_EQ(c.code, 14);
  EXPECT_EQ(c.language, LanguageCode::kJava);
  EXPECT_EQ(c.opaque, 12);
  EXPECT_EQ(c.flag, 0);
  EXPECT_EQ(c.version, 479);
  EXPECT_FALSE(c.remark.has_value());
  ASSERT_EQ(c.ext_fields.size(), 3U);
  EXPECT_EQ(c.ext_fields.get("consumerGroup"), "G");
  EXPECT_EQ(c.ext_fields.get("queueId"), "0");
  EXPECT_EQ(c.ext_fields.get("topic"), "T");
}

TEST(CodecJsonHeader, ToleratesOrderUnknownKeysWhitespaceAndNumbers) {
  RemotingCommand c = decodeJson(
      " {\n\t\"version\" : 453 , \"unknown\": {\"a\":[1,2,{\"b\":\"}]\"}],\"c\":null},"
      "\"language\":9, \"opaque\":\"77\", \"suspended\":false, \"extFields\":{\"n\":5,"
      "\"t\":true,\"nul\":null,\"obj\":{\"x\":[1]},\"neg\":-1.5e3},\"code\":-1,"
      "\"serializeTypeCurrentRPC\":\"ROCKETMQ\",\"flag\":3, \"remark\":null}\r\n");
  EXPECT_EQ(c.version, 453);
  EXPECT_EQ(c.language, LanguageCode::kGo);
  EXPECT_EQ(c.opaque, 77);
  EXPECT_EQ(c.code, -1);
  EXPECT_EQ(c.flag, 3);
  EXPECT_FALSE(c.remark.has_value());
  EXPECT_EQ(c.ext_fields.get("n"), "5");
  EXPECT_EQ(c.ext_fields.get("t"), "true");
  EXPECT_FALSE(c.ext_fields.contains("nul"));
  EXPECT_EQ(c.ext_fields.get("obj"), R"({"x":[1]})");
  EXPECT_EQ(c.ext_fields.get("neg"), "-1.5e3");
}

TEST(CodecJsonHeader, DecodesEscapesIncludingSeparatorsAndSurrogatePairs) {
  RemotingCommand c = decodeJson(
      R"({"code":310,"extFields":{"i":"KEYS\u0001k1\u0002UNIQ_KEY\u0001ID\u0002",)"
      R"("e":"\ud83d\ude00 \u00e9\u4e2d \"q\" \\ \/ \b\f\n\r\t","lone":"x\ud800y\udc00z\ud800\u0041"},)"
      R"("remark":"caf\u00E9"})");
  EXPECT_EQ(c.ext_fields.get("i"), std::string_view("KEYS\x01k1\x02UNIQ_KEY\x01ID\x02"));
  EXPECT_EQ(c.ext_fields.get("e"), "\xF0\x9F\x98\x80 \xC3\xA9\xE4\xB8\xAD \"q\" \\ / \b\f\n\r\t");
  // Lone surrogates become U+FFFD; a high surrogate followed by a non-low escape keeps it.
  EXPECT_EQ(c.ext_fields.get("lone"),
            "x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(c.remark, "caf\xC3\xA9");
}

TEST(CodecJsonHeader, DuplicateKeysLastWinsAndLanguageNameFallback) {
  RemotingCommand c =
      decodeJson(R"({"code":1,"code":2,"extFields":{"a":"1"},"extFields":{"b":"2","b":"3"},)"
                 R"("language":"KOTLIN","remark":"x","remark":"y"})");
  EXPECT_EQ(c.code, 2);
  EXPECT_FALSE(c.ext_fields.contains("a"));
  EXPECT_EQ(c.ext_fields.get("b"), "3");
  EXPECT_EQ(c.language, LanguageCode::kOther);
  EXPECT_EQ(c.remark, "y");
}

TEST(CodecJsonHeader, EmptyObjectKeepsDefaults) {
  RemotingCommand c = decodeJson("{}");
  EXPECT_EQ(c.code, 0);
  EXPECT_TRUE(c.ext_fields.empty());
}

TEST(CodecJsonHeader, RejectsBadInputWithOffsets) {
  struct Case {
    std::string_view header;
    std::string_view message_part;
  };
  const std::vector<Case> cases = {
      {"", "offset 0"},
      {"[]", "expected '{'"},
      {R"({"code":1)", "header ends"},
      {R"({"code":1,})", "expected a string"},
      {R"({"code" 1})", "expected ':'"},
      {R"({"code":1.5})", "'1.5' is not an integer"},
      {R"({"code":2147483648})", "out of range"},
      {R"({"opaque":-2147483649})", "out of range"},
      {R"({"code":"x"})", "not an integer"},
      {R"({"code":})", "expected an integer"},
      {R"({"remark":"abc)", "not terminated"},
      {R"({"remark":"a\qb"})", "invalid escape"},
      {R"({"remark":"\u12G4"})", "not a hex digit"},
      {R"({"remark":"\u12)", "\\u escape"},
      {R"({"remark":5})", "expected a string"},
      {R"({"extFields":[]})", "expected '{'"},
      {R"({"extFields":{"a":"b"})", "header ends"},
      {R"({"extFields":{"a" "b"}})", "expected ':'"},
      {R"({"language":300})", "out of range"},
      {R"({"x":[1,2)", "not closed"},
      {R"({"x":[1,2}]})", "other bracket kind"},
      {R"({} x)", "unexpected bytes"},
  };
  for (const auto& c : cases) {
    Error e = jsonError(c.header);
    EXPECT_EQ(e.code, Errc::kMalformed) << c.header << " -> " << e.toString();
    EXPECT_NE(e.message.find(c.message_part), std::string::npos) << c.header << " -> " << e.message;
    EXPECT_NE(e.message.find("offset"), std::string::npos) << e.message;
  }
}

TEST(CodecJsonHeader, ReportsOffsetsInCallerCoordinates) {
  RemotingCommand c;
  auto r = decodeJsonHeader(R"({"code":x})", c, 8);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("offset 16"), std::string::npos) << r.error().message;
}

TEST(CodecJsonHeader, DeepNestingInUnknownKeyIsAnErrorNotACrash) {
  std::string deep = R"({"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(jsonError(deep).code, Errc::kMalformed);
  std::string ok = R"({"x":)" + std::string(64, '[') + std::string(64, ']') + R"(,"code":5})";
  EXPECT_EQ(decodeJson(ok).code, 5);
}

// ---------------------------------------------------------------------------------------------
// ROCKETMQ binary header

RemotingCommand pullRequest() {
  RemotingCommand c;
  c.code = 11;
  c.version = 479;
  c.opaque = 7;
  c.remark = "ok";
  c.serialize_type = SerializeType::kRocketMq;
  c.ext_fields.set("topic", "T");
  c.ext_fields.set("queueId", "0");
  return c;
}

std::string pullRequestBinaryHeader() {
  ByteBuilder b;
  b.be16(11).u8(0).be16(479).be32(7).be32(0);
  b.be32(2).raw("ok");
  b.be32(26);
  b.be16(5).raw("topic").be32(1).raw("T");
  b.be16(7).raw("queueId").be32(1).raw("0");
  return b.str();
}

TEST(CodecBinaryHeader, EncodesExactLayout) {
  std::string out;
  ASSERT_TRUE(appendBinaryHeader(pullRequest(), out));
  EXPECT_EQ(out, pullRequestBinaryHeader());
}

TEST(CodecBinaryHeader, DecodesExactLayout) {
  RemotingCommand c;
  ASSERT_TRUE(decodeBinaryHeader(pullRequestBinaryHeader(), c));
  RemotingCommand expected = pullRequest();
  c.serialize_type = SerializeType::kRocketMq;
  EXPECT_EQ(c, expected);
}

TEST(CodecBinaryHeader, EmptyStringsAndSignedFields) {
  RemotingCommand c;
  c.code = -1;
  c.version = -2;
  c.flag = kFlagResponse | kFlagOneway;
  c.opaque = -3;
  c.language = static_cast<LanguageCode>(200);
  c.remark = "";  // written as length 0, read back as "no remark" (Java does the same)
  c.ext_fields.append("", "v");
  c.ext_fields.append("k", "");
  std::string out;
  ASSERT_TRUE(appendBinaryHeader(c, out));
  ByteBuilder expected;
  expected.be16(0xFFFF).u8(200).be16(0xFFFE).be32(0xFFFFFFFD).be32(3).be32(0);
  expected.be32(2 + 0 + 4 + 1 + 2 + 1 + 4 + 0);
  expected.be16(0).be32(1).raw("v").be16(1).raw("k").be32(0);
  EXPECT_EQ(out, expected.str());
  RemotingCommand back;
  ASSERT_TRUE(decodeBinaryHeader(out, back));
  EXPECT_EQ(back.code, -1);
  EXPECT_EQ(back.version, -2);
  EXPECT_EQ(back.opaque, -3);
  EXPECT_EQ(back.language, static_cast<LanguageCode>(200));
  EXPECT_FALSE(back.remark.has_value());
  EXPECT_EQ(back.ext_fields, c.ext_fields);
}

TEST(CodecBinaryHeader, RejectsValuesThatDoNotFitInt16) {
  RemotingCommand c;
  c.code = 200050;  // POP_MESSAGE: JSON only
  std::string out = "keep";
  auto r = appendBinaryHeader(c, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("200050"), std::string::npos);
  c.code = 32767;
  c.version = 32768;
  EXPECT_EQ(appendBinaryHeader(c, out).error().code, Errc::kInvalidArgument);
  c.version = 1;
  c.ext_fields.set(std::string(32768, 'k'), "v");
  EXPECT_EQ(appendBinaryHeader(c, out).error().code, Errc::kInvalidArgument);
  c.ext_fields = ExtFields();
  c.ext_fields.set(std::string(32767, 'k'), "v");
  out.clear();
  EXPECT_TRUE(appendBinaryHeader(c, out));
}

TEST(CodecBinaryHeader, RejectsBadLengths) {
  const auto fixed = [] {
    ByteBuilder b;
    b.be16(11).u8(0).be16(479).be32(7).be32(0);
    return b;
  };
  struct Case {
    std::string bytes;
    std::string_view message_part;
  };
  std::vector<Case> cases;
  cases.push_back({std::string("\x00\x0B\x00", 3), "fixed fields"});
  cases.push_back({fixed().str(), "remark length"});
  cases.push_back(
      {fixed().be32(0xFFFFFFFF).be32(0).str(), "negative remark length -1 at offset 13"});
  cases.push_back({fixed().be32(5).raw("ab").str(), "remark at offset 17"});
  cases.push_back({fixed().be32(0).str(), "extFields block length"});
  cases.push_back({fixed().be32(0).be32(0x80000000).str(), "negative extFields block length"});
  cases.push_back({fixed().be32(0).be32(10).be16(1).raw("k").str(), "extFields block"});
  cases.push_back({fixed().be32(0).be32(2).be16(0xFFFF).str(), "negative extFields key length"});
  cases.push_back({fixed().be32(0).be32(3).be16(5).raw("k").str(), "extFields key at offset 23"});
  cases.push_back({fixed().be32(0).be32(7).be16(1).raw("k").be32(0xFFFFFFFE).str(),
                   "negative extFields value length"});
  cases.push_back(
      {fixed().be32(0).be32(8).be16(1).raw("k").be32(2).raw("v").str(), "extFields value"});
  cases.push_back({fixed().be32(0).be32(0).raw("x").str(), "1 unexpected bytes"});
  for (const auto& c : cases) {
    RemotingCommand cmd;
    auto r = decodeBinaryHeader(c.bytes, cmd);
    ASSERT_FALSE(r) << c.message_part;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << r.error().message;
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << r.error().message;
  }
}

// ---------------------------------------------------------------------------------------------
// Frames

TEST(CodecFrame, EncodesJsonFrameLayout) {
  RemotingCommand c = queryOffsetRequest();
  c.body = "BODY";
  std::string out = "prefix";
  ASSERT_TRUE(encodeFrame(c, out));
  EXPECT_EQ(out, "prefix" + makeFrame(0, kJavaPullRequestHeader, "BODY"));
}

TEST(CodecFrame, EncodesBinaryFrameLayout) {
  RemotingCommand c = pullRequest();
  std::string out;
  ASSERT_TRUE(encodeFrame(c, out));
  EXPECT_EQ(out, makeFrame(1, pullRequestBinaryHeader(), ""));
}

TEST(CodecFrame, RoundTripsBothEncodings) {
  for (auto type : {SerializeType::kJson, SerializeType::kRocketMq}) {
    RemotingCommand c = pullRequest();
    c.serialize_type = type;
    c.flag = kFlagResponse;
    c.language = LanguageCode::kCpp;
    c.body = std::string("\x00\x01\xff body", 8);
    c.ext_fields.set("i", std::string("K\x01V\x02", 4));
    std::string frame;
    ASSERT_TRUE(encodeFrame(c, frame));
    auto decoded = decodeCommand(payloadOf(frame));
    ASSERT_TRUE(decoded) << decoded.error().toString();
    EXPECT_EQ(*decoded, c);
    EXPECT_TRUE(decoded->isResponse());
    EXPECT_FALSE(decoded->isOneway());
  }
}

TEST(CodecFrame, EncodeFailuresLeaveOutputUntouched) {
  RemotingCommand c = queryOffsetRequest();
  c.body = std::string(1000, 'b');
  std::string out = "previous";
  auto r = encodeFrame(c, out, 500);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kFrameTooLarge);
  EXPECT_EQ(out, "previous");

  c.body.clear();
  c.serialize_type = SerializeType::kRocketMq;
  c.code = 100000;
  EXPECT_EQ(encodeFrame(c, out).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(out, "previous");

  c.code = 1;
  c.serialize_type = SerializeType::kJson;
  c.remark = std::string(0x1000000, 'r');  // header beyond 24 bits
  EXPECT_EQ(encodeFrame(c, out, 64U << 20).error().code, Errc::kFrameTooLarge);
  EXPECT_EQ(out, "previous");
}

TEST(CodecFrame, FrameExactlyAtMaximumIsAccepted) {
  RemotingCommand c = queryOffsetRequest();
  std::string frame;
  ASSERT_TRUE(encodeFrame(c, frame));
  const std::size_t size = frame.size();
  frame.clear();
  EXPECT_TRUE(encodeFrame(c, frame, size));
  EXPECT_FALSE(encodeFrame(c, frame, size - 1));
  std::array<std::byte, 4> prefix{};
  std::memcpy(prefix.data(), frame.data(), 4);
  EXPECT_TRUE(decodeFrameLength(prefix, size));
  EXPECT_EQ(decodeFrameLength(prefix, size - 1).error().code, Errc::kFrameTooLarge);
}

TEST(CodecFrame, DecodeFrameLengthRejectsBadValues) {
  auto length = [](std::uint32_t v, std::size_t max = kDefaultMaxFrameSize) {
    ByteBuilder b;
    b.be32(v);
    std::array<std::byte, 4> prefix{};
    std::memcpy(prefix.data(), b.str().data(), 4);
    return decodeFrameLength(prefix, max);
  };
  EXPECT_EQ(*length(4), 4U);
  EXPECT_EQ(length(3).error().code, Errc::kMalformed);
  EXPECT_EQ(length(0).error().code, Errc::kMalformed);
  EXPECT_EQ(length(0xFFFFFFFF).error().code, Errc::kMalformed);  // -1
  EXPECT_NE(length(0x80000000).error().message.find("negative"), std::string::npos);
  EXPECT_EQ(*length(16 * 1024 * 1024 - 4), 16U * 1024 * 1024 - 4);
  EXPECT_EQ(length(16 * 1024 * 1024 - 3).error().code, Errc::kFrameTooLarge);
}

TEST(CodecFrame, DecodeCommandRejectsBadHeaderWord) {
  auto decode = [](const std::string& payload) {
    return decodeCommand(bytesOf(payload));
  };
  EXPECT_EQ(decode("").error().code, Errc::kTruncated);
  EXPECT_EQ(decode(std::string("\x00\x00", 2)).error().code, Errc::kTruncated);
  ByteBuilder bad_type;
  bad_type.be32(0x02000002).raw("{}");
  auto r = decode(bad_type.str());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_NE(r.error().message.find("serialize type 2"), std::string::npos);
  ByteBuilder too_long;
  too_long.be32(10).raw("{}");
  r = decode(too_long.str());
  EXPECT_EQ(r.error().code, Errc::kTruncated);
  EXPECT_NE(r.error().message.find("header length 10 at offset 4"), std::string::npos);
  ByteBuilder empty_json;
  empty_json.be32(0);
  EXPECT_EQ(decode(empty_json.str()).error().code, Errc::kMalformed);
}

TEST(CodecFrame, ErrorOffsetsCountFromTheFrameStart) {
  std::string frame = makeFrame(0, R"({"code":x})", "");
  auto r = decodeCommand(payloadOf(frame));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("offset 16"), std::string::npos) << r.error().message;
}

TEST(CodecFrame, EveryPrefixOfAFramePayloadIsRejectedOrShortensOnlyTheBody) {
  for (auto type : {SerializeType::kJson, SerializeType::kRocketMq}) {
    RemotingCommand c = pullRequest();
    c.serialize_type = type;
    c.body = "0123456789";
    std::string frame;
    ASSERT_TRUE(encodeFrame(c, frame));
    const std::string payload = frame.substr(4);
    const std::size_t header_end = payload.size() - c.body.size();
    for (std::size_t n = 0; n < payload.size(); ++n) {
      auto r = decodeCommand(bytesOf(std::string_view(payload).substr(0, n)));
      if (n < header_end) {
        ASSERT_FALSE(r) << n;
        EXPECT_EQ(r.error().code, Errc::kTruncated) << n << ": " << r.error().message;
      } else {
        ASSERT_TRUE(r) << n;
        EXPECT_EQ(r->body, c.body.substr(0, n - header_end));
      }
    }
  }
}

TEST(CodecFrame, CorruptingAnyByteNeverCrashes) {
  for (auto type : {SerializeType::kJson, SerializeType::kRocketMq}) {
    RemotingCommand c = pullRequest();
    c.serialize_type = type;
    std::string frame;
    ASSERT_TRUE(encodeFrame(c, frame));
    for (std::size_t i = 4; i < frame.size(); ++i) {
      for (int v : {0x00, 0x7F, 0x80, 0xFF}) {
        std::string bad = frame;
        bad[i] = static_cast<char>(v);
        auto r = decodeCommand(payloadOf(bad));
        if (!r) {
          EXPECT_FALSE(r.error().message.empty());
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// FrameDecoder

std::string twoFrames(std::vector<RemotingCommand>& commands) {
  RemotingCommand a = queryOffsetRequest();
  a.body = "first body";
  RemotingCommand b = pullRequest();
  b.opaque = 8;
  commands = {a, b};
  std::string stream;
  for (const auto& c : commands) {
    EXPECT_TRUE(encodeFrame(c, stream));
  }
  return stream;
}

TEST(CodecFrameDecoder, DecodesAnyChunking) {
  std::vector<RemotingCommand> commands;
  const std::string stream = twoFrames(commands);
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    FrameDecoder decoder;
    std::vector<RemotingCommand> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      decoder.feed(bytesOf(std::string_view(stream).substr(at, chunk)));
      while (true) {
        auto next = decoder.next();
        ASSERT_TRUE(next) << next.error().toString();
        if (!*next) {
          break;
        }
        got.push_back(std::move(**next));
      }
    }
    ASSERT_EQ(got.size(), 2U) << "chunk " << chunk;
    EXPECT_EQ(got[0], commands[0]);
    EXPECT_EQ(got[1], commands[1]);
    EXPECT_EQ(decoder.buffered(), 0U);
  }
}

TEST(CodecFrameDecoder, EveryPrefixNeedsMoreBytes) {
  std::vector<RemotingCommand> commands;
  const std::string stream = twoFrames(commands);
  std::string first;
  ASSERT_TRUE(encodeFrame(commands[0], first));
  for (std::size_t n = 0; n < first.size(); ++n) {
    FrameDecoder decoder;
    decoder.feed(bytesOf(std::string_view(first).substr(0, n)));
    auto next = decoder.next();
    ASSERT_TRUE(next) << n;
    EXPECT_FALSE(next->has_value()) << n;
    EXPECT_EQ(decoder.buffered(), n);
  }
}

TEST(CodecFrameDecoder, FailureIsStickyAndNamesTheStreamOffset) {
  std::vector<RemotingCommand> commands;
  std::string stream = twoFrames(commands);
  std::string first;
  ASSERT_TRUE(encodeFrame(commands[0], first));
  std::string bad = makeFrame(0, R"({"code":})", "");
  FrameDecoder decoder;
  decoder.feed(bytesOf(first + bad + first));
  auto ok = decoder.next();
  ASSERT_TRUE(ok && ok->has_value());
  auto failed = decoder.next();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kMalformed);
  EXPECT_NE(failed.error().message.find(fmt::format("frame at stream offset {}", first.size())),
            std::string::npos)
      << failed.error().message;
  decoder.feed(bytesOf(first));
  auto again = decoder.next();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, failed.error().message);
}

TEST(CodecFrameDecoder, RejectsOversizedAndNegativeLengthsBeforeBuffering) {
  FrameDecoder decoder(1024);
  ByteBuilder big;
  big.be32(1021);
  decoder.feed(bytesOf(big.str()));
  auto r = decoder.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kFrameTooLarge);

  FrameDecoder negative;
  ByteBuilder neg;
  neg.be32(0xFFFFFFF0);
  negative.feed(bytesOf(neg.str()));
  EXPECT_EQ(negative.next().error().code, Errc::kMalformed);
}

TEST(CodecFrameDecoder, LongStreamDoesNotGrowTheBuffer) {
  RemotingCommand c = queryOffsetRequest();
  std::string frame;
  ASSERT_TRUE(encodeFrame(c, frame));
  FrameDecoder decoder;
  // Feed 1.5 frames at a time for many frames: consumed bytes must be dropped.
  std::string stream;
  for (int i = 0; i < 2000; ++i) {
    stream += frame;
  }
  const std::size_t step = frame.size() * 3 / 2;
  std::size_t decoded = 0;
  for (std::size_t at = 0; at < stream.size(); at += step) {
    decoder.feed(bytesOf(std::string_view(stream).substr(at, step)));
    while (true) {
      auto next = decoder.next();
      ASSERT_TRUE(next);
      if (!*next) {
        break;
      }
      ++decoded;
    }
    ASSERT_LT(decoder.buffered(), frame.size());
  }
  EXPECT_EQ(decoded, 2000U);
}

}  // namespace
}  // namespace ferry::codec
