// Unit tests of the admin server's pure helpers (control/admin_server.h): listen address parsing,
// the loopback rule that decides whether a token is mandatory, and the token comparison.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/control/admin_server.h"

namespace ferry::control {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddress, ParsesHostPortAndBracketedIpv6) {
  auto v4 = parseListenAddress("127.0.0.1:7780");
  ASSERT_TRUE(v4) << v4.error().toString();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 7780);
  EXPECT_EQ(v4->toString(), "127.0.0.1:7780");

  auto v6 = parseListenAddress("[::1]:0");
  ASSERT_TRUE(v6) << v6.error().toString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->toString(), "[::1]:0");

  auto name = parseListenAddress("localhost:65535");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  EXPECT_EQ(name->port, 65535);
}

TEST(ListenAddress, RejectsWhatIsNotHostPort) {
  for (const char* bad :
       {"", "7780", "127.0.0.1", "127.0.0.1:", ":7780", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:77x", "::1:7780", "[::1]", "[::1]7780", "[::1:7780", "[]:7780"}) {
    auto parsed = parseListenAddress(bad);
    ASSERT_FALSE(parsed) << "'" << bad << "' parsed as " << parsed->toString();
    EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(parsed.error().message, HasSubstr("listen address"));
  }
}

TEST(ListenAddress, LoopbackIsOnlyWhatThisMachineAloneReaches) {
  EXPECT_TRUE(isLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(isLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(isLoopbackHost("::1"));
  EXPECT_TRUE(isLoopbackHost("localhost"));
  EXPECT_FALSE(isLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(isLoopbackHost("::"));
  EXPECT_FALSE(isLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(isLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(isLoopbackHost("::ffff:127.0.0.1"));  // dual-stack wildcard forms are not trusted
  EXPECT_FALSE(isLoopbackHost("localhost.example.com"));
  EXPECT_FALSE(isLoopbackHost("admin.internal"));
}

TEST(Token, MatchesOnlyTheSameBytes) {
  EXPECT_TRUE(tokenMatches("s3cret", "s3cret"));
  EXPECT_FALSE(tokenMatches("s3cret", "s3creT"));
  EXPECT_FALSE(tokenMatches("s3cre", "s3cret"));
  EXPECT_FALSE(tokenMatches("s3crett", "s3cret"));
  EXPECT_FALSE(tokenMatches("", "s3cret"));
  EXPECT_FALSE(tokenMatches(std::string("s3cret\0x", 8), "s3cret"));
}

}  // namespace
}  // namespace ferry::control
