// Origin stamp (model/origin_stamp.h): exact round trips through the properties string, strict
// parsing with errors that name the property, legal property names.
#include <cctype>
#include <limits>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "ferry/model/origin_stamp.h"

namespace ferry::model {
namespace {

OriginStamp sampleStamp() {
  return OriginStamp{"east", SourceQueue("orders", "broker-a", QueueId(3)),
                     SourceOffset(QueueOffset(123456789)), StoreTime::fromMillis(1795613848545)};
}

// Encodes the stamp into a properties string and parses it back as a consumer would see it.
Result<std::optional<OriginStamp>> roundTrip(const OriginStamp& stamp, codec::Properties props) {
  if (auto r = encodeOriginStamp(stamp, props); !r) {
    return makeError(std::move(r.error()));
  }
  auto raw = codec::encodeProperties(props);
  if (!raw) {
    return makeError(std::move(raw.error()));
  }
  const std::string copy = *raw;
  return parseOriginStamp(codec::PropertiesView(copy));
}

std::string raw(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [n, v] : pairs) {
    out.append(n).push_back('\x01');
    out.append(v).push_back('\x02');
  }
  return out;
}

std::string validStampRaw(std::string_view offset = "5", std::string_view queue_id = "0") {
  return raw({{stamp::kCluster, "east"},
              {stamp::kTopic, "orders"},
              {stamp::kBroker, "broker-a"},
              {stamp::kQueueId, queue_id},
              {stamp::kOffset, offset},
              {stamp::kStoreTime, "1000"}});
}

TEST(ModelOriginStamp, RoundTripsThroughThePropertiesString) {
  const OriginStamp stamp = sampleStamp();
  auto parsed = roundTrip(stamp, codec::Properties{{"TAGS", "a"}, {"color", "blue"}});
  ASSERT_TRUE(parsed) << parsed.error().toString();
  ASSERT_TRUE(parsed->has_value());
  EXPECT_EQ(**parsed, stamp);
}

TEST(ModelOriginStamp, RoundTripsExtremeValues) {
  for (const auto& stamp :
       {OriginStamp{"c", SourceQueue("t", "b", QueueId(0)), SourceOffset(QueueOffset(0)),
                    StoreTime()},
        OriginStamp{
            "cluster-with.dots:and-üñí",
            SourceQueue("%RETRY%g", "broker b", QueueId(std::numeric_limits<std::int32_t>::max())),
            SourceOffset(QueueOffset(std::numeric_limits<std::int64_t>::max())),
            StoreTime::fromMillis(std::numeric_limits<std::int64_t>::max())}}) {
    auto parsed = roundTrip(stamp, {});
    ASSERT_TRUE(parsed) << parsed.error().toString();
    ASSERT_TRUE(parsed->has_value());
    EXPECT_EQ(**parsed, stamp);
  }
}

TEST(ModelOriginStamp, EncodesCanonicalDecimalValues) {
  codec::Properties props;
  ASSERT_TRUE(encodeOriginStamp(sampleStamp(), props));
  EXPECT_EQ(props.get(stamp::kCluster), "east");
  EXPECT_EQ(props.get(stamp::kTopic), "orders");
  EXPECT_EQ(props.get(stamp::kBroker), "broker-a");
  EXPECT_EQ(props.get(stamp::kQueueId), "3");
  EXPECT_EQ(props.get(stamp::kOffset), "123456789");
  EXPECT_EQ(props.get(stamp::kStoreTime), "1795613848545");
  EXPECT_EQ(props.size(), 6U);
  auto parsed = parseOriginStamp(props);
  ASSERT_TRUE(parsed && parsed->has_value());
  EXPECT_EQ(**parsed, sampleStamp());
}

TEST(ModelOriginStamp, EncodingReplacesAnEarlierHopsStamp) {
  codec::Properties props{{"KEYS", "k"}};
  ASSERT_TRUE(encodeOriginStamp(OriginStamp{"west", SourceQueue("x", "broker-z", QueueId(9)),
                                            SourceOffset(QueueOffset(7)), StoreTime::fromMillis(1)},
                                props));
  ASSERT_TRUE(encodeOriginStamp(sampleStamp(), props));
  EXPECT_EQ(props.size(), 7U);
  EXPECT_EQ(props.get("KEYS"), "k");
  auto parsed = parseOriginStamp(props);
  ASSERT_TRUE(parsed && parsed->has_value());
  EXPECT_EQ(**parsed, sampleStamp());
}

TEST(ModelOriginStamp, RefusesStampsThatCannotBeEncoded) {
  const auto refuse = [](OriginStamp stamp, std::string_view what) {
    codec::Properties props{{"KEYS", "k"}};
    auto r = encodeOriginStamp(stamp, props);
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    EXPECT_EQ(props, (codec::Properties{{"KEYS", "k"}})) << "properties must stay unchanged";
  };
  OriginStamp s = sampleStamp();
  s.cluster.clear();
  refuse(s, "cluster id is empty");
  s = sampleStamp();
  s.cluster = "ea\x01st";
  refuse(s, "cluster id");
  s = sampleStamp();
  s.queue = SourceQueue("", "broker-a", QueueId(0));
  refuse(s, "topic is empty");
  s = sampleStamp();
  s.queue = SourceQueue("t", "b\x02", QueueId(0));
  refuse(s, "broker name");
  s = sampleStamp();
  s.queue = SourceQueue("t", "b", QueueId(-1));
  refuse(s, "queue id is negative");
  s = sampleStamp();
  s.offset = SourceOffset(QueueOffset(-1));
  refuse(s, "queue offset is negative");
  s = sampleStamp();
  s.store_time = StoreTime::fromMillis(-5);
  refuse(s, "store timestamp is negative");
}

TEST(ModelOriginStamp, NoStampPropertiesMeansNotReplicated) {
  const std::string props = raw({{"TAGS", "a"}, {"UNIQ_KEY", "ABC"}});
  auto parsed = parseOriginStamp(codec::PropertiesView(props));
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->has_value());
  auto empty = parseOriginStamp(codec::PropertiesView());
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->has_value());
}

TEST(ModelOriginStamp, IncompleteStampNamesTheMissingProperty) {
  for (std::string_view missing : stamp::kPropertyNames) {
    std::string props;
    for (std::string_view name : stamp::kPropertyNames) {
      if (name != missing) {
        const bool numeric =
            name == stamp::kQueueId || name == stamp::kOffset || name == stamp::kStoreTime;
        props += raw({{name, numeric ? "1" : "x"}});
      }
    }
    auto parsed = parseOriginStamp(codec::PropertiesView(props));
    ASSERT_FALSE(parsed) << missing;
    EXPECT_EQ(parsed.error().code, Errc::kMalformed);
    EXPECT_NE(parsed.error().message.find(missing), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("5 of 6"), std::string::npos) << parsed.error().message;
  }
}

TEST(ModelOriginStamp, EmptyValueCountsAsMissingAsInJava) {
  // Java's parser drops a pair with an empty value, so the stamp is incomplete.
  std::string props = validStampRaw();
  props.replace(props.find("broker-a"), 8, "");
  auto parsed = parseOriginStamp(codec::PropertiesView(props));
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("FERRY_SRC_BROKER is missing"), std::string::npos)
      << parsed.error().message;
}

TEST(ModelOriginStamp, RejectsNonCanonicalNumbers) {
  for (std::string_view bad : {"-1", "+1", "01", "00", "1x", " 1", "1 ", "0x10", "1.0",
                               "9223372036854775808", "99999999999999999999"}) {
    const std::string props = validStampRaw(bad);
    auto parsed = parseOriginStamp(codec::PropertiesView(props));
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, Errc::kMalformed);
    EXPECT_NE(parsed.error().message.find("FERRY_SRC_OFFSET"), std::string::npos)
        << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(std::string(bad)), std::string::npos)
        << parsed.error().message;
  }
  const std::string max = validStampRaw("9223372036854775807");
  auto ok = parseOriginStamp(codec::PropertiesView(max));
  ASSERT_TRUE(ok && ok->has_value());
  EXPECT_EQ((*ok)->offset.value(), std::numeric_limits<std::int64_t>::max());
}

TEST(ModelOriginStamp, QueueIdMustFitInt32) {
  const std::string props = validStampRaw("5", "2147483648");
  auto parsed = parseOriginStamp(codec::PropertiesView(props));
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("FERRY_SRC_QID: '2147483648'"), std::string::npos)
      << parsed.error().message;
}

TEST(ModelOriginStamp, LastRepeatedValueWinsAsInJava) {
  const std::string props = validStampRaw("5") + raw({{stamp::kOffset, "6"}});
  auto parsed = parseOriginStamp(codec::PropertiesView(props));
  ASSERT_TRUE(parsed && parsed->has_value());
  EXPECT_EQ((*parsed)->offset.value(), 6);
}

TEST(ModelOriginStamp, PropertyNamesAreLegalAndNotReserved) {
  // MessageConst.STRING_HASH_SET (names Java's putUserProperty refuses) and other system names.
  const std::set<std::string_view> reserved = {"TRACE_ON",
                                               "MSG_REGION",
                                               "KEYS",
                                               "TAGS",
                                               "WAIT",
                                               "DELAY",
                                               "RETRY_TOPIC",
                                               "REAL_TOPIC",
                                               "REAL_QID",
                                               "TRAN_MSG",
                                               "PGROUP",
                                               "MIN_OFFSET",
                                               "MAX_OFFSET",
                                               "BUYER_ID",
                                               "ORIGIN_MESSAGE_ID",
                                               "TRANSFER_FLAG",
                                               "CORRECTION_FLAG",
                                               "MQ2_FLAG",
                                               "RECONSUME_TIME",
                                               "UNIQ_KEY",
                                               "MAX_RECONSUME_TIMES",
                                               "CONSUME_START_TIME",
                                               "POP_CK",
                                               "POP_CK_OFFSET",
                                               "1ST_POP_TIME",
                                               "TRAN_PREPARED_QUEUE_OFFSET",
                                               "DUP_INFO",
                                               "EXTEND_UNIQ_INFO",
                                               "INSTANCE_ID",
                                               "CORRELATION_ID",
                                               "REPLY_TO_CLIENT",
                                               "TTL",
                                               "ARRIVE_TIME",
                                               "PUSH_REPLY_TIME",
                                               "CLUSTER",
                                               "MSG_TYPE",
                                               "INNER_MULTI_QUEUE_OFFSET",
                                               "TIMER_DELAY_SEC",
                                               "TIMER_DELIVER_MS",
                                               "TIMER_ENQUEUE_MS",
                                               "TIMER_DEQUEUE_MS",
                                               "TIMER_ROLL_TIMES",
                                               "TIMER_OUT_MS",
                                               "TIMER_DEL_UNIQKEY",
                                               "TIMER_DELAY_LEVEL",
                                               "__BORNHOST",
                                               "BORN_TIMESTAMP"};
  std::set<std::string_view> seen;
  for (std::string_view name : stamp::kPropertyNames) {
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_FALSE(reserved.contains(name)) << name;
    EXPECT_TRUE(name.starts_with("FERRY_SRC_")) << name;
    for (char c : name) {
      EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c)) || c == '_') << name;
    }
    EXPECT_TRUE(stamp::isStampProperty(name));
  }
  EXPECT_FALSE(stamp::isStampProperty("FERRY_SRC"));
  EXPECT_FALSE(stamp::isStampProperty("TAGS"));
}

TEST(ModelOriginStamp, StampedClusterReadsOnlyTheClusterProperty) {
  const std::string damaged = raw({{stamp::kCluster, "west"}, {stamp::kOffset, "oops"}});
  EXPECT_EQ(stampedCluster(codec::PropertiesView(damaged)), "west");
  EXPECT_FALSE(parseOriginStamp(codec::PropertiesView(damaged)));
  EXPECT_EQ(stampedCluster(codec::PropertiesView()), std::nullopt);
}

}  // namespace
}  // namespace ferry::model
