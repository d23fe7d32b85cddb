#include "ferry/codec/fastjson.h"

#include <string>

#include <gtest/gtest.h>

namespace ferry::codec {
namespace {

using Json = nlohmann::json;

Json parseOk(std::string_view text) {
  auto parsed = parseFastjson(text);
  EXPECT_TRUE(parsed.has_value()) << text << " -> " << parsed.error().toString();
  return parsed.value_or(Json());
}

TEST(Fastjson, StandardJsonParsesLikeNlohmann) {
  const std::string text =
      R"({"a":[1,-2,3.5,1e3,true,false,null],"b":{"c":"d\n\u00e9"},"e":9223372036854775807})";
  EXPECT_EQ(parseOk(text), Json::parse(text));
}

TEST(Fastjson, ObjectKeysBecomeTheirCompactText) {
  const Json j =
      parseOk(R"({"offsetTable":{{"brokerName":"broker-b","queueId":1,"topic":"GoLang"}:9260,)"
              R"({"brokerName":"broker-b","queueId":2,"topic":"GoLang"}:9184}})");
  const auto& table = j.at("offsetTable");
  ASSERT_EQ(table.size(), 2U);
  EXPECT_EQ(table.at(R"({"brokerName":"broker-b","queueId":1,"topic":"GoLang"})"), 9260);
  EXPECT_EQ(table.at(R"({"brokerName":"broker-b","queueId":2,"topic":"GoLang"})"), 9184);
}

TEST(Fastjson, KeyObjectMembersAreSortedAndCompacted) {
  const Json j = parseOk(R"({ { "topic" : "T", "queueId" : 0 , "brokerName":"b" } : 1 })");
  EXPECT_TRUE(j.contains(R"({"brokerName":"b","queueId":0,"topic":"T"})")) << j.dump();
}

TEST(Fastjson, UnquotedIntegerKeys) {
  const Json j = parseOk(R"({"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"x":{-1:2}})");
  EXPECT_EQ(j.at("brokerAddrs").at("0"), "127.0.0.1:10911");
  EXPECT_EQ(j.at("brokerAddrs").at("1"), "127.0.0.1:10921");
  EXPECT_EQ(j.at("x").at("-1"), 2);
}

TEST(Fastjson, NestedNonStandardValues) {
  const Json j = parseOk(
      R"({"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:)"
      R"({"brokerOffset":100,"consumerOffset":90,"lastTimestamp":1700000000000,"pullOffset":95}}})");
  const auto& row = j.at("offsetTable").at(R"({"brokerName":"broker-a","queueId":0,"topic":"T"})");
  EXPECT_EQ(row.at("lastTimestamp").get<std::int64_t>(), 1700000000000);
  EXPECT_TRUE(j.at("consumeTps").is_number_float());
}

TEST(Fastjson, ToleratesBareIdentifierKeysSingleQuotesAndTrailingCommas) {
  const Json j = parseOk(R"({a:1,'b':'x\'y',"c":[1,2,],})");
  EXPECT_EQ(j.at("a"), 1);
  EXPECT_EQ(j.at("b"), "x'y");
  EXPECT_EQ(j.at("c"), Json::array({1, 2}));
}

TEST(Fastjson, LiteralKeysAndLargeNumbers) {
  const Json j = parseOk(R"({true:1,null:2,18446744073709551615:3,"big":18446744073709551615})");
  EXPECT_EQ(j.at("true"), 1);
  EXPECT_EQ(j.at("null"), 2);
  EXPECT_EQ(j.at("18446744073709551615"), 3);
  EXPECT_TRUE(j.at("big").is_number_unsigned());
}

TEST(Fastjson, LastDuplicateKeyWins) {
  EXPECT_EQ(parseOk(R"({"a":1,"a":2})").at("a"), 2);
}

TEST(Fastjson, SurrogatesAndInvalidUtf8AreReplaced) {
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").get<std::string>(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseOk(R"("\ud83dx")").get<std::string>(), "\xEF\xBF\xBDx");
  EXPECT_EQ(parseOk(R"("\ude00")").get<std::string>(), "\xEF\xBF\xBD");
  const std::string bad = "\"a\xFF\xC3\"";
  const Json j = parseOk(bad);
  EXPECT_EQ(j.get<std::string>(), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_NO_THROW((void)j.dump());
}

TEST(Fastjson, ErrorsNameTheByteOffset) {
  auto missing_colon = parseFastjson(R"({"a" 1})");
  ASSERT_FALSE(missing_colon);
  EXPECT_EQ(missing_colon.error().code, Errc::kMalformed);
  EXPECT_EQ(missing_colon.error().message, "fastjson: expected ':' after object key at byte 5");

  auto truncated = parseFastjson(R"({"a":[1,2)");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, Errc::kTruncated);
  EXPECT_EQ(truncated.error().message, "fastjson: unexpected end of input at byte 9");

  auto garbage = parseFastjson("{\"a\":1} x");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message, "fastjson: unexpected trailing data at byte 8");

  auto bad_char = parseFastjson("[1,#]");
  ASSERT_FALSE(bad_char);
  EXPECT_EQ(bad_char.error().message, "fastjson: unexpected character '#' at byte 3");

  auto cut_literal = parseFastjson("[tru");
  ASSERT_FALSE(cut_literal);
  EXPECT_EQ(cut_literal.error().code, Errc::kTruncated);

  EXPECT_FALSE(parseFastjson(""));
  EXPECT_FALSE(parseFastjson("   "));
  EXPECT_FALSE(parseFastjson("\"\\q\""));
  EXPECT_FALSE(parseFastjson("-"));
  EXPECT_FALSE(parseFastjson("1."));
  EXPECT_FALSE(parseFastjson("\"\\u12\""));
}

TEST(Fastjson, NestingIsBounded) {
  std::string deep(100000, '[');
  auto result = parseFastjson(deep);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "fastjson: nesting deeper than 64 at byte 64");

  std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parseFastjson(ok));
  std::string too_deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_FALSE(parseFastjson(too_deep));
  // Key objects count too.
  std::string keys;
  for (int i = 0; i < 100; ++i) {
    keys += "{";
  }
  EXPECT_FALSE(parseFastjson(keys));
}

TEST(Fastjson, DumpFastjsonMapWritesRawKeys) {
  Json entries = Json::array();
  entries.push_back(Json::array({Json{{"brokerName", "b"}, {"queueId", 0}, {"topic", "T"}}, 7}));
  entries.push_back(Json::array({0, "127.0.0.1:10911"}));
  const std::string text = dumpFastjsonMap(entries);
  EXPECT_EQ(text, R"({{"brokerName":"b","queueId":0,"topic":"T"}:7,0:"127.0.0.1:10911"})");
  const Json back = parseOk(text);
  EXPECT_EQ(back.at(R"({"brokerName":"b","queueId":0,"topic":"T"})"), 7);
  EXPECT_EQ(back.at("0"), "127.0.0.1:10911");
}

}  // namespace
}  // namespace ferry::codec
