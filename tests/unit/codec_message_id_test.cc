// Offset msgIds, client msgIds (UNIQ_KEY) and host addresses (docs/protocol.md section 9).
#include <array>
#include <cstdint>

#include <gtest/gtest.h>

#include "ferry/codec/message_id.h"

namespace ferry::codec {
namespace {

// 2024-03-01T00:00:00Z and 2024-02-29T12:00:00Z in ms since the epoch.
constexpr std::int64_t kMarch2024 = 1709251200000;
constexpr std::int64_t kLeapDayNoon = 1709208000000;
constexpr std::int64_t kFeb2024 = 1706745600000;

TEST(CodecOffsetMessageId, FormatsAndParses) {
  const HostAddress host = HostAddress::ipv4({10, 0, 0, 1}, 10911);
  EXPECT_EQ(offsetMessageId(host, 0x1234), "0A00000100002A9F0000000000001234");
  auto parsed = parseOffsetMessageId("0a00000100002a9f0000000000001234");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->store_host, host);
  EXPECT_EQ(parsed->commit_log_offset, 0x1234);

  const HostAddress v6 =
      HostAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 10911);
  const std::string id = offsetMessageId(v6, -1);
  EXPECT_EQ(id,
            "20010DB8000000000000000000000001"
            "00002A9F"
            "FFFFFFFFFFFFFFFF");
  auto back = parseOffsetMessageId(id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->store_host, v6);
  EXPECT_EQ(back->commit_log_offset, -1);

  EXPECT_EQ(parseOffsetMessageId("0A00").error().code, Errc::kMalformed);
  auto bad = parseOffsetMessageId("0A00000100002A9F000000000000123G");
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
  EXPECT_NE(bad.error().message.find("offset 31"), std::string::npos);
}

TEST(CodecClientMessageId, LayoutMatchesJava) {
  std::string id;
  const std::array<std::uint8_t, 4> ip = {192, 168, 0, 1};
  appendClientMessageId(ip, 1234, 0x12345678, 0xABCD, 7, id);
  EXPECT_EQ(id,
            "C0A80001"
            "04D2"
            "12345678"
            "0000ABCD"
            "0007");
  auto parts = parseClientMessageId(id);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->ip_length, 4);
  EXPECT_EQ(parts->ip[0], 192);
  EXPECT_EQ(parts->pid, 1234);
  EXPECT_EQ(parts->class_loader_hash, 0x12345678);
  EXPECT_EQ(parts->millis_in_month, 0xABCDU);
  EXPECT_EQ(parts->counter, 7);

  std::string v6;
  std::array<std::uint8_t, 16> ip6{};
  ip6[15] = 1;
  appendClientMessageId(ip6, -1, -1, 0xFFFFFFFF, 0xFFFF, v6);
  EXPECT_EQ(v6,
            "00000000000000000000000000000001"
            "FFFF"
            "FFFFFFFF"
            "FFFFFFFF"
            "FFFF");
  EXPECT_EQ(parseClientMessageId(v6)->pid, -1);
}

TEST(CodecClientMessageId, StartOfMonthInUtc) {
  EXPECT_EQ(startOfMonthUtcMillis(kLeapDayNoon), kFeb2024);
  EXPECT_EQ(startOfMonthUtcMillis(kMarch2024), kMarch2024);
  EXPECT_EQ(startOfMonthUtcMillis(kMarch2024 - 1), kFeb2024);
  EXPECT_EQ(startOfMonthUtcMillis(0), 0);
  EXPECT_EQ(startOfMonthUtcMillis(-1), -2678400000);  // 1969-12-01
}

TEST(CodecClientMessageId, GeneratorCountsAndFollowsTheMonth) {
  const std::array<std::uint8_t, 4> ip = {10, 1, 2, 3};
  auto gen = ClientMessageIdGenerator::create(ip, 42, 0x0BADCAFE);
  ASSERT_TRUE(gen);
  const std::string a = gen->next(kLeapDayNoon);
  const std::string b = gen->next(kLeapDayNoon);
  EXPECT_EQ(a,
            "0A010203"
            "002A"
            "0BADCAFE"
                + std::string("92C53E00") + "0000");  // 28.5 days
  EXPECT_EQ(parseClientMessageId(b)->counter, 1);
  // 28.5 days = 2462400000 ms, which is past INT32_MAX: Java writes the low 32 bits.
  EXPECT_EQ(parseClientMessageId(a)->millis_in_month, 2462400000U);
  const std::string c = gen->next(kMarch2024 + 5);
  EXPECT_EQ(parseClientMessageId(c)->millis_in_month, 5U);
  // A small step back of the clock (before the cached month start) gives 0.
  const std::string d = gen->next(kMarch2024 - 10);
  EXPECT_EQ(parseClientMessageId(d)->millis_in_month, 0U);
  EXPECT_EQ(parseClientMessageId(d)->counter, 3);
}

TEST(CodecClientMessageId, CounterWrapsAt16Bits) {
  const std::array<std::uint8_t, 4> ip = {1, 2, 3, 4};
  auto gen = ClientMessageIdGenerator::create(ip, 1, 1);
  ASSERT_TRUE(gen);
  std::string last;
  for (int i = 0; i < 65537; ++i) {
    last = gen->next(kMarch2024);
  }
  EXPECT_EQ(parseClientMessageId(last)->counter, 0);
  EXPECT_EQ(ClientMessageIdGenerator::create(std::array<std::uint8_t, 5>{}, 1, 1).error().code,
            Errc::kInvalidArgument);
}

TEST(CodecHostAddress, FormatsIpv4AndRfc5952Ipv6) {
  EXPECT_EQ(HostAddress::ipv4({127, 0, 0, 1}, 9876).toString(), "127.0.0.1:9876");
  auto v6 = [](std::array<std::uint8_t, 16> ip) {
    return HostAddress::ipv6(ip, 1).toString();
  };
  EXPECT_EQ(v6({}), "[::]:1");
  EXPECT_EQ(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "[::1]:1");
  EXPECT_EQ(v6({0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "[1::]:1");
  EXPECT_EQ(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}),
            "[2001:db8:0:1:1:1:1:1]:1");
  EXPECT_EQ(v6({0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}), "[2001:0:0:1::1]:1");
  EXPECT_EQ(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}),
            "[2001:db8::1:0:0:1]:1");
}

}  // namespace
}  // namespace ferry::codec
