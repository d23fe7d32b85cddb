// Stored-message records (PULL bodies), compression and 5.x inner batches
// (docs/protocol.md sections 5 and 8).
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "ferry/codec/message.h"

namespace ferry::codec {
namespace {

using testing::ByteBuilder;

constexpr std::string_view kProps =
    "TAGS\x01"
    "a\x02UNIQ_KEY\x01"
    "ABC\x02";

struct RecordSpec {
  std::uint32_t magic = kMagicCodeV1;
  std::int32_t sys_flag = 0;
  std::string body = "hello";
  std::string topic = "TopicA";
  std::string props = std::string(kProps);
  std::int64_t queue_offset = 100;
  bool v6 = false;  // both hosts IPv6 (sysFlag must carry 0x30)
};

// A stored record written field by field, independently of appendStoredMessage().
std::string record(const RecordSpec& spec) {
  const bool born_v6 = (spec.sys_flag & kSysFlagBornHostV6) != 0;
  const bool store_v6 = (spec.sys_flag & kSysFlagStoreHostV6) != 0;
  const bool v2 = spec.magic == kMagicCodeV2;
  const std::size_t size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + (born_v6 ? 20 : 8) + 8
                           + (store_v6 ? 20 : 8) + 4 + 8 + 4 + spec.body.size() + (v2 ? 2 : 1)
                           + spec.topic.size() + 2 + spec.props.size();
  ByteBuilder b;
  b.be32(static_cast<std::uint32_t>(size)).be32(spec.magic).be32(0x11223344).be32(3).be32(0x10);
  b.be64(static_cast<std::uint64_t>(spec.queue_offset)).be64(0x1234);
  b.be32(static_cast<std::uint32_t>(spec.sys_flag)).be64(1700000000000);
  if (born_v6) {
    b.be64(0x20010DB800000000).be64(1).be32(50000);  // 2001:db8::1
  } else {
    b.u8(192).u8(168).u8(1).u8(2).be32(50000);
  }
  b.be64(1700000000123);
  if (store_v6) {
    b.be64(0xFE80000000000000).be64(0x0000000000000042).be32(10911);  // fe80::42
  } else {
    b.u8(10).u8(0).u8(0).u8(1).be32(10911);
  }
  b.be32(2).be64(0);
  b.be32(static_cast<std::uint32_t>(spec.body.size())).raw(spec.body);
  if (v2) {
    b.be16(static_cast<std::uint16_t>(spec.topic.size()));
  } else {
    b.u8(static_cast<std::uint8_t>(spec.topic.size()));
  }
  b.raw(spec.topic);
  b.be16(static_cast<std::uint16_t>(spec.props.size())).raw(spec.props);
  EXPECT_EQ(b.size(), size);
  return b.str();
}

// `bytes` must outlive the returned view (it points into them).
MessageView decodeOne(const std::string& bytes) {
  StoredMessageReader reader(bytes);
  MessageView view;
  auto r = reader.next(view);
  EXPECT_TRUE(r && *r) << (r ? "end" : r.error().toString());
  auto end = reader.next(view);
  EXPECT_TRUE(end && !*end);
  return view;
}

Error decodeError(const std::string& bytes) {
  auto r = decodeStoredMessages(bytes);
  EXPECT_FALSE(r) << "accepted";
  return r ? Error{} : r.error();
}

TEST(CodecStoredMessage, DecodesEveryFieldOfAV1Record) {
  const std::string bytes = record({});
  MessageView v = decodeOne(bytes);
  EXPECT_EQ(v.record_offset, 0U);
  EXPECT_EQ(static_cast<std::size_t>(v.store_size), bytes.size());
  EXPECT_EQ(v.magic_code, kMagicCodeV1);
  EXPECT_EQ(v.body_crc, 0x11223344);
  EXPECT_EQ(v.queue_id, QueueId(3));
  EXPECT_EQ(v.flag, 0x10);
  EXPECT_EQ(v.queue_offset, QueueOffset(100));
  EXPECT_EQ(v.commit_log_offset, 0x1234);
  EXPECT_EQ(v.sys_flag, 0);
  EXPECT_EQ(v.born_timestamp, StoreTime::fromMillis(1700000000000));
  EXPECT_EQ(v.born_host, HostAddress::ipv4({192, 168, 1, 2}, 50000));
  EXPECT_EQ(v.store_timestamp, StoreTime::fromMillis(1700000000123));
  EXPECT_EQ(v.store_host, HostAddress::ipv4({10, 0, 0, 1}, 10911));
  EXPECT_EQ(v.reconsume_times, 2);
  EXPECT_EQ(v.prepared_transaction_offset, 0);
  EXPECT_EQ(v.body, "hello");
  EXPECT_EQ(v.topic, "TopicA");
  EXPECT_EQ(v.properties.raw(), kProps);
  EXPECT_EQ(v.properties.get("TAGS"), "a");
  EXPECT_EQ(v.uniqKey(), "ABC");
  EXPECT_EQ(v.offsetMsgId(), "0A00000100002A9F0000000000001234");
  EXPECT_EQ(v.msgId(), "ABC");
  EXPECT_FALSE(v.isCompressed());
  EXPECT_FALSE(v.isInnerBatch());
  // Views point into the input buffer, no copies.
  EXPECT_GE(v.body.data(), bytes.data());
  EXPECT_LT(v.body.data(), bytes.data() + bytes.size());
}

TEST(CodecStoredMessage, MsgIdFallsBackToOffsetId) {
  RecordSpec spec;
  spec.props = "TAGS\x01x\x02";
  const std::string bytes1 = record(spec);
  MessageView v = decodeOne(bytes1);
  EXPECT_EQ(v.uniqKey(), std::nullopt);
  EXPECT_EQ(v.msgId(), "0A00000100002A9F0000000000001234");
}

TEST(CodecStoredMessage, DecodesV2RecordWithLongTopic) {
  RecordSpec spec;
  spec.magic = kMagicCodeV2;
  spec.topic = std::string(300, 't');
  const std::string bytes2 = record(spec);
  MessageView v = decodeOne(bytes2);
  EXPECT_EQ(v.magic_code, kMagicCodeV2);
  EXPECT_EQ(v.topic, spec.topic);
  EXPECT_EQ(v.body, "hello");
  EXPECT_EQ(v.properties.raw(), kProps);
}

TEST(CodecStoredMessage, DecodesIpv6Hosts) {
  RecordSpec spec;
  spec.sys_flag = kSysFlagBornHostV6 | kSysFlagStoreHostV6;
  const std::string bytes3 = record(spec);
  MessageView v = decodeOne(bytes3);
  EXPECT_TRUE(v.born_host.isV6());
  EXPECT_EQ(v.born_host.toString(), "[2001:db8::1]:50000");
  EXPECT_EQ(v.store_host.toString(), "[fe80::42]:10911");
  EXPECT_EQ(v.offsetMsgId(),
            "FE800000000000000000000000000042"
            "00002A9F"
            "0000000000001234");
  EXPECT_EQ(v.offsetMsgId().size(), 56U);
  EXPECT_EQ(v.body, "hello");

  spec.sys_flag = kSysFlagBornHostV6;  // only one of the two
  const std::string bytes4 = record(spec);
  v = decodeOne(bytes4);
  EXPECT_TRUE(v.born_host.isV6());
  EXPECT_FALSE(v.store_host.isV6());
  EXPECT_EQ(v.topic, "TopicA");
}

std::string threeRecords() {
  RecordSpec a;
  RecordSpec b;
  b.sys_flag = kSysFlagStoreHostV6;
  b.body = "";
  b.props = "";
  b.queue_offset = 101;
  RecordSpec c;
  c.magic = kMagicCodeV2;
  c.body = std::string(1024, 'x');
  c.queue_offset = 102;
  return record(a) + record(b) + record(c);
}

TEST(CodecStoredMessage, IteratesConcatenatedRecords) {
  const std::string body = threeRecords();
  auto views = decodeStoredMessages(body);
  ASSERT_TRUE(views) << views.error().toString();
  ASSERT_EQ(views->size(), 3U);
  EXPECT_EQ((*views)[0].queue_offset, QueueOffset(100));
  EXPECT_EQ((*views)[1].queue_offset, QueueOffset(101));
  EXPECT_EQ((*views)[1].body, "");
  EXPECT_TRUE((*views)[1].properties.raw().empty());
  EXPECT_EQ((*views)[1].record_offset, static_cast<std::size_t>((*views)[0].store_size));
  EXPECT_EQ((*views)[2].body.size(), 1024U);
  EXPECT_TRUE(decodeStoredMessages("")->empty());
}

TEST(CodecStoredMessage, ReEncodingAViewGivesTheSameBytes) {
  const std::string body = threeRecords();
  auto views = decodeStoredMessages(body);
  ASSERT_TRUE(views);
  std::string again;
  for (const auto& v : *views) {
    ASSERT_TRUE(appendStoredMessage(v, again));
  }
  EXPECT_EQ(again, body);
}

TEST(CodecStoredMessage, OwningRoundTrip) {
  StoredMessage m;
  m.topic = "T";
  m.queue_id = QueueId(1);
  m.sys_flag = kSysFlagBornHostV6;
  m.born_host = HostAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1);
  m.store_host = HostAddress::ipv4({127, 0, 0, 1}, 10911);
  m.properties.set("KEYS", "k1 k2");
  m.properties.set(property::kUniqKey, "ID");
  m.body = "payload";
  std::string bytes;
  ASSERT_TRUE(appendStoredMessage(m, bytes));
  auto views = decodeStoredMessages(bytes);
  ASSERT_TRUE(views);
  auto back = toStoredMessage(views->front());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->msgId(), "ID");
}

TEST(CodecStoredMessage, EncoderRejectsInconsistentRecords) {
  StoredMessage m;
  m.topic = "T";
  std::string out = "keep";
  m.sys_flag = kSysFlagBornHostV6;  // but born_host is IPv4
  EXPECT_EQ(appendStoredMessage(m, out).error().code, Errc::kInvalidArgument);
  m.sys_flag = 0;
  m.topic = std::string(128, 't');  // too long for V1
  EXPECT_EQ(appendStoredMessage(m, out).error().code, Errc::kInvalidArgument);
  m.magic_code = kMagicCodeV2;
  EXPECT_TRUE(appendStoredMessage(m, out));
  m.magic_code = 0x1234;
  EXPECT_EQ(appendStoredMessage(m, out).error().code, Errc::kInvalidArgument);
}

TEST(CodecStoredMessage, EveryPrefixIsTruncatedOrEndsAtARecordBoundary) {
  const std::string body = threeRecords();
  auto all = decodeStoredMessages(body);
  ASSERT_TRUE(all);
  std::vector<std::size_t> boundaries = {0};
  for (const auto& v : *all) {
    boundaries.push_back(v.record_offset + static_cast<std::size_t>(v.store_size));
  }
  for (std::size_t n = 0; n <= body.size(); ++n) {
    auto r = decodeStoredMessages(std::string_view(body).substr(0, n));
    const auto at = std::find(boundaries.begin(), boundaries.end(), n);
    if (at != boundaries.end()) {
      ASSERT_TRUE(r) << n;
      EXPECT_EQ(r->size(), static_cast<std::size_t>(at - boundaries.begin()));
    } else {
      ASSERT_FALSE(r) << n;
      EXPECT_EQ(r.error().code, Errc::kTruncated) << n << ": " << r.error().message;
    }
  }
}

TEST(CodecStoredMessage, RejectsCorruptRecordsWithOffsets) {
  const std::string good = record({});
  const std::string prefix = record({});  // errors in the second record report its offset
  auto patched = [&](std::size_t at, std::string_view bytes) {
    std::string r = good;
    r.replace(at, bytes.size(), bytes);
    return prefix + r;
  };
  const std::size_t base = prefix.size();
  const std::size_t body_len_at = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8;
  const std::size_t topic_len_at = body_len_at + 4 + 5;
  const std::size_t props_len_at = topic_len_at + 1 + 6;
  struct Case {
    std::string bytes;
    Errc code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {patched(0, std::string("\xFF\xFF\xFF\xFF", 4)), Errc::kMalformed,
       fmt::format("TOTALSIZE -1 at offset {}", base)},
      {patched(0, std::string("\x00\x00\x00\x10", 4)), Errc::kMalformed, "smaller than"},
      {patched(0, std::string("\x00\x00\x10\x00", 4)), Errc::kTruncated, "only"},
      {patched(4, std::string("\xCB\xD4\x31\x94", 4)), Errc::kMalformed, "end-of-file blank"},
      {patched(4, std::string("\x00\x00\x00\x00", 4)), Errc::kMalformed, "MAGICCODE 0x00000000"},
      {patched(body_len_at, std::string("\xFF\xFF\xFF\xFE", 4)), Errc::kMalformed,
       fmt::format("negative BODYLEN -2 at offset {}", base + body_len_at)},
      {patched(body_len_at, std::string("\x00\x00\x00\x40", 4)), Errc::kMalformed,
       "runs past the end of the record"},
      {patched(topic_len_at, "\x80"), Errc::kMalformed, "negative"},
      {patched(topic_len_at, "\x7F"), Errc::kMalformed, "TOPICLEN 127"},
      {patched(props_len_at, std::string("\xFF\xFF", 2)), Errc::kMalformed, "negative PROPLEN"},
      {patched(props_len_at, std::string("\x00\x03", 2)), Errc::kMalformed, "disagrees"},
      // Setting a V6 bit makes the fixed part longer than this record's TOTALSIZE allows.
      {patched(36, std::string("\x00\x00\x00\x30", 4)), Errc::kMalformed, ""},
  };
  for (const auto& c : cases) {
    Error e = decodeError(c.bytes);
    EXPECT_EQ(e.code, c.code) << c.message_part << " -> " << e.toString();
    EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("offset"), std::string::npos) << e.message;
  }
}

TEST(CodecStoredMessage, ReaderErrorIsSticky) {
  std::string bytes = record({}) + std::string("\x00\x00", 2);
  StoredMessageReader reader(bytes);
  MessageView v;
  ASSERT_TRUE(reader.next(v));
  auto first = reader.next(v);
  ASSERT_FALSE(first);
  auto second = reader.next(v);
  ASSERT_FALSE(second);
  EXPECT_EQ(first.error().message, second.error().message);
}

TEST(CodecStoredMessage, CorruptingAnyByteNeverCrashes) {
  const std::string body = threeRecords();
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (int value : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
      std::string bad = body;
      bad[i] = static_cast<char>(value);
      StoredMessageReader reader(bad);
      MessageView v;
      while (true) {
        auto r = reader.next(v);
        if (!r || !*r) {
          break;
        }
        // Every view must stay inside the buffer.
        ASSERT_GE(v.body.data(), bad.data());
        ASSERT_LE(v.properties.raw().data() + v.properties.raw().size(), bad.data() + bad.size());
        (void)v.properties.get("UNIQ_KEY");
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compression

std::string zlib(std::string_view plain, int level = 5) {
  std::string out;
  EXPECT_TRUE(compressZlib(plain, level, out));
  return out;
}

std::string bigText() {
  std::string s;
  for (int i = 0; s.size() < 20000; ++i) {
    s += "line " + std::to_string(i) + " of a compressible body\n";
  }
  return s;
}

TEST(CodecCompression, DecompressesZlibBodiesWithOldAndNewTypeBits) {
  const std::string plain = bigText();
  for (std::int32_t flag : {kSysFlagCompressed, kSysFlagCompressed | 0x300}) {
    RecordSpec spec;
    spec.sys_flag = flag;
    spec.body = zlib(plain);
    const std::string bytes = record(spec);
    MessageView v = decodeOne(bytes);
    EXPECT_TRUE(v.isCompressed());
    std::string scratch;
    auto body = v.plainBody(scratch);
    ASSERT_TRUE(body) << body.error().toString();
    EXPECT_EQ(*body, plain);
    auto owned = toStoredMessage(v);
    ASSERT_TRUE(owned);
    EXPECT_EQ(owned->body, plain);
    EXPECT_EQ(owned->sys_flag, flag & ~kSysFlagCompressed);  // type bits stay, as in Java
    auto raw = toStoredMessage(v, /*decompress=*/false);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->body, spec.body);
    EXPECT_EQ(raw->sys_flag, flag);
  }
}

TEST(CodecCompression, PlainBodyIsNotCopied) {
  const std::string bytes = record({});
  MessageView v = decodeOne(bytes);
  std::string scratch;
  auto body = v.plainBody(scratch);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->data(), v.body.data());
  EXPECT_TRUE(scratch.empty());
}

TEST(CodecCompression, NamesUnsupportedAndUnknownTypes) {
  std::string out;
  auto lz4 = decompressBody("xx", kSysFlagCompressed | 0x100, out);
  ASSERT_FALSE(lz4);
  EXPECT_EQ(lz4.error().code, Errc::kUnsupported);
  EXPECT_NE(lz4.error().message.find("LZ4"), std::string::npos);
  auto zstd = decompressBody("xx", kSysFlagCompressed | 0x200, out);
  EXPECT_EQ(zstd.error().code, Errc::kUnsupported);
  EXPECT_NE(zstd.error().message.find("ZSTD"), std::string::npos);
  auto unknown = decompressBody("xx", kSysFlagCompressed | 0x500, out);
  EXPECT_EQ(unknown.error().code, Errc::kMalformed);
  EXPECT_NE(unknown.error().message.find("compression type 5"), std::string::npos);
  EXPECT_TRUE(out.empty());

  RecordSpec spec;
  spec.sys_flag = kSysFlagCompressed | 0x100;
  const std::string bytes5 = record(spec);
  MessageView v = decodeOne(bytes5);
  std::string scratch;
  auto r = v.plainBody(scratch);
  EXPECT_EQ(r.error().code, Errc::kUnsupported);
  EXPECT_NE(r.error().message.find("record at offset 0"), std::string::npos);
}

TEST(CodecCompression, RejectsCorruptTruncatedAndOversizedStreams) {
  const std::string plain = bigText();
  const std::string packed = zlib(plain);
  std::string out = "keep";

  auto truncated = decompressBody(std::string_view(packed).substr(0, packed.size() / 2),
                                  kSysFlagCompressed, out);
  EXPECT_EQ(truncated.error().code, Errc::kTruncated);
  EXPECT_EQ(out, "keep");

  std::string corrupt = packed;
  corrupt[0] = '\0';  // bad zlib header
  EXPECT_EQ(decompressBody(corrupt, kSysFlagCompressed, out).error().code, Errc::kMalformed);
  EXPECT_EQ(decompressBody("", kSysFlagCompressed, out).error().code, Errc::kTruncated);

  auto too_big = decompressBody(packed, kSysFlagCompressed, out, plain.size() - 1);
  EXPECT_EQ(too_big.error().code, Errc::kFrameTooLarge);
  EXPECT_EQ(out, "keep");
  ASSERT_TRUE(decompressBody(packed, kSysFlagCompressed, out, plain.size()));
  EXPECT_TRUE(out == "keep" + plain);

  // A tiny input that inflates to a lot is stopped at the limit.
  const std::string bomb = zlib(std::string(8 << 20, '\0'), 9);
  EXPECT_LT(bomb.size(), 20000U);
  EXPECT_EQ(decompressBody(bomb, kSysFlagCompressed, out, 1 << 20).error().code,
            Errc::kFrameTooLarge);

  // Bytes after the end of the stream are ignored, as by Java's InflaterInputStream.
  std::string tail;
  ASSERT_TRUE(decompressBody(packed + "trailing", kSysFlagCompressed, tail));
  EXPECT_TRUE(tail == plain);
}

TEST(CodecCompression, BodyCrcMatchesJava) {
  // CRC-32("123456789") = 0xCBF43926; Java's UtilAll.crc32 masks the sign bit.
  EXPECT_EQ(bodyCrc("123456789"), 0x4BF43926);
  EXPECT_EQ(bodyCrc(""), 0);
}

// ---------------------------------------------------------------------------------------------
// 5.x inner batch

std::string batchRecord(std::int32_t flag, std::string_view body, std::string_view props) {
  ByteBuilder b;
  b.be32(static_cast<std::uint32_t>(22 + body.size() + props.size())).be32(0).be32(0);
  b.be32(static_cast<std::uint32_t>(flag)).be32(static_cast<std::uint32_t>(body.size())).raw(body);
  b.be16(static_cast<std::uint16_t>(props.size())).raw(props);
  return b.str();
}

TEST(CodecInnerBatch, UnwrapsLikeJavaPullApiWrapper) {
  const std::string inner = batchRecord(1, "m0", "UNIQ_KEY\x01U0\x02")
                            + batchRecord(2, "m1", "UNIQ_KEY\x01U1\x02") + batchRecord(3, "m2", "");
  for (bool compressed : {false, true}) {
    RecordSpec spec;
    spec.sys_flag = kSysFlagInnerBatch | kSysFlagNeedUnwrap | (compressed ? kSysFlagCompressed : 0);
    spec.body = compressed ? zlib(inner) : inner;
    spec.props =
        "INNER_NUM\x01"
        "3\x02";
    spec.queue_offset = 500;
    const std::string bytes = record(spec);
    MessageView outer = decodeOne(bytes);
    ASSERT_TRUE(outer.isInnerBatch());
    std::string scratch;
    auto batch_body = outer.plainBody(scratch);
    ASSERT_TRUE(batch_body);
    auto views = unwrapInnerBatch(outer, *batch_body);
    ASSERT_TRUE(views) << views.error().toString();
    ASSERT_EQ(views->size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
      const MessageView& v = (*views)[i];
      EXPECT_EQ(v.queue_offset, QueueOffset(500 + static_cast<std::int64_t>(i)));
      EXPECT_EQ(v.flag, static_cast<std::int32_t>(i + 1));
      EXPECT_EQ(v.body, "m" + std::to_string(i));
      EXPECT_EQ(v.topic, "TopicA");
      EXPECT_EQ(v.queue_id, QueueId(3));
      EXPECT_EQ(v.store_host, outer.store_host);
      EXPECT_EQ(v.commit_log_offset, outer.commit_log_offset);
      EXPECT_FALSE(v.isCompressed());
    }
    EXPECT_EQ((*views)[1].msgId(), "U1");
    EXPECT_EQ((*views)[2].msgId(), outer.offsetMsgId());
  }
}

TEST(CodecInnerBatch, ReportsBadInnerRecords) {
  RecordSpec spec;
  spec.sys_flag = kSysFlagInnerBatch | kSysFlagNeedUnwrap;
  spec.body = batchRecord(1, "m0", "") + "xx";
  const std::string bytes = record(spec);
  MessageView outer = decodeOne(bytes);
  auto r = unwrapInnerBatch(outer, outer.body);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kTruncated);
  EXPECT_NE(r.error().message.find("inner batch of the record at offset 0"), std::string::npos);
}

}  // namespace
}  // namespace ferry::codec
