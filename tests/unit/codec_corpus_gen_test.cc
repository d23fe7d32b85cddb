// Writes the codec's fuzz seed corpora (fuzz/corpus/{frame,command,message}_fuzz/) and the two
// synthetic capture files (tests/testdata/codec/synthetic/). Not a test: disabled, run on demand
// after a format change, then review and commit the files:
//   build/debug/tests/ferry_unit_tests --gtest_also_run_disabled_tests
//       --gtest_filter='CodecSeedCorpus.*'
// Crash reproducers found by fuzzing are added to the corpus directories by hand and are never
// rewritten here.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "ferry/codec/message.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::codec {
namespace {

namespace fs = std::filesystem;
using testing::makeFrame;

const fs::path kSourceRoot = fs::path(FERRY_TESTDATA_DIR).parent_path().parent_path();

void writeFile(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string encoded(const RemotingCommand& c) {
  std::string out;
  EXPECT_TRUE(encodeFrame(c, out));
  return out;
}

// Java-style JSON headers, written out literally (not produced by our encoder).
constexpr std::string_view kQueryOffsetRequest =
    R"({"code":14,"extFields":{"consumerGroup":"G","queueId":"0","topic":"T"},"flag":0,)"
    R"("language":"JAVA","opaque":12,"serializeTypeCurrentRPC":"JSON","version":479})";
constexpr std::string_view kUpdateOffsetResponse =
    R"({"code":0,"flag":1,"language":"JAVA","opaque":13,"serializeTypeCurrentRPC":"JSON",)"
    R"("version":409})";
constexpr std::string_view kPullResponseHeader =
    R"({"code":0,"extFields":{"suggestWhichBrokerId":"0","maxOffset":"3","nextBeginOffset":"3",)"
    R"("minOffset":"0"},"flag":1,"language":"JAVA","opaque":21,"remark":"FOUND",)"
    R"("serializeTypeCurrentRPC":"JSON","version":479})";
constexpr std::string_view kSendV2Request =
    R"({"code":310,"extFields":{"a":"PG","b":"T","c":"TBW102","d":"4","e":"1","f":"0",)"
    R"("g":"1700000000000","h":"0","i":"KEYS\u0001k1\u0002UNIQ_KEY\u0001C0A800010001000000000000000A\u0002WAIT\u0001true\u0002",)"
    R"("j":"0","k":"false","m":"false"},"flag":0,"language":"JAVA","opaque":22,)"
    R"("serializeTypeCurrentRPC":"JSON","version":479})";

std::string pullBody() {
  std::string body;
  StoredMessage m;
  m.topic = "TopicA";
  m.queue_id = QueueId(1);
  m.queue_offset = QueueOffset(0);
  m.commit_log_offset = 4096;
  m.born_timestamp = StoreTime::fromMillis(1700000000000);
  m.store_timestamp = StoreTime::fromMillis(1700000000005);
  m.born_host = HostAddress::ipv4({192, 168, 0, 10}, 51000);
  m.store_host = HostAddress::ipv4({192, 168, 0, 1}, 10911);
  m.properties = Properties{{"KEYS", "order-1"},
                            {"TAGS", "tagA"},
                            {"UNIQ_KEY", "C0A8000A1F2A0000000000000001"},
                            {"WAIT", "true"}};
  m.body = "{\"order\":1}";
  EXPECT_TRUE(appendStoredMessage(m, body));

  m.queue_offset = m.queue_offset.next();
  m.commit_log_offset += 300;
  m.sys_flag = kSysFlagBornHostV6 | kSysFlagStoreHostV6;
  m.born_host = HostAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, 1);
  m.store_host =
      HostAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 10911);
  m.magic_code = kMagicCodeV2;
  m.body = "second";
  EXPECT_TRUE(appendStoredMessage(m, body));

  m.queue_offset = m.queue_offset.next();
  m.commit_log_offset += 300;
  m.sys_flag = kSysFlagCompressed | 0x300;
  m.magic_code = kMagicCodeV1;
  m.born_host = HostAddress::ipv4({10, 0, 0, 2}, 1);
  m.store_host = HostAddress::ipv4({10, 0, 0, 1}, 10911);
  std::string plain;
  for (int i = 0; i < 200; ++i) {
    plain += "compressible line " + std::to_string(i) + "\n";
  }
  m.body.clear();
  EXPECT_TRUE(compressZlib(plain, 5, m.body));
  m.body_crc = bodyCrc(m.body);
  EXPECT_TRUE(appendStoredMessage(m, body));
  return body;
}

std::string batchBody() {
  std::string body;
  const std::vector<Message> messages = {
      Message{"T", 0, Properties{{"UNIQ_KEY", "C0A8000100010000000000000001"}, {"KEYS", "a"}},
              "one"},
      Message{"T", 7, Properties{{"UNIQ_KEY", "C0A8000100010000000000000002"}}, "two"},
  };
  EXPECT_TRUE(encodeBatch(messages, body));
  return body;
}

std::string innerBatchRecord() {
  StoredMessage outer;
  outer.topic = "BatchTopic";
  outer.sys_flag = kSysFlagInnerBatch | kSysFlagNeedUnwrap;
  outer.queue_offset = QueueOffset(10);
  outer.properties = Properties{{"INNER_NUM", "2"}};
  outer.body = batchBody();
  std::string out;
  EXPECT_TRUE(appendStoredMessage(outer, out));
  return out;
}

TEST(CodecSeedCorpus, DISABLED_Write) {
  const fs::path corpus = kSourceRoot / "fuzz" / "corpus";
  const fs::path synthetic = fs::path(FERRY_TESTDATA_DIR) / "codec" / "synthetic";

  RemotingCommand binary;
  binary.code = 11;
  binary.opaque = 5;
  binary.remark = "remark";
  binary.serialize_type = SerializeType::kRocketMq;
  binary.ext_fields.set("consumerGroup", "G");
  binary.ext_fields.set("queueOffset", "42");
  binary.body = "body";
  RemotingCommand binary_response = binary;
  binary_response.flag = kFlagResponse;
  binary_response.remark.reset();
  binary_response.ext_fields = ExtFields();
  binary_response.ext_fields.set("offset", "42");

  const std::string frames[] = {
      makeFrame(0, kQueryOffsetRequest, ""),
      makeFrame(0, kUpdateOffsetResponse, ""),
      makeFrame(0, kSendV2Request, "message body"),
      makeFrame(0, kPullResponseHeader, pullBody()),
      encoded(binary),
      encoded(binary_response),
  };
  const char* names[] = {"json_query_offset",  "json_response",  "json_send_v2",
                         "json_pull_response", "binary_request", "binary_response"};
  for (std::size_t i = 0; i < std::size(frames); ++i) {
    writeFile(corpus / "command_fuzz" / names[i], std::string_view(frames[i]).substr(4));
    writeFile(corpus / "frame_fuzz" / names[i],
              std::string(1, static_cast<char>(i * 37)) + frames[i]);
  }
  writeFile(corpus / "frame_fuzz" / "stream_small_max",
            std::string(1, '\x81') + frames[0] + frames[4] + frames[5]);
  writeFile(corpus / "command_fuzz" / "bare_json_header", kSendV2Request);

  writeFile(corpus / "message_fuzz" / "pull_body", "\x00" + pullBody());
  writeFile(corpus / "message_fuzz" / "inner_batch", "\x00" + innerBatchRecord());
  writeFile(corpus / "message_fuzz" / "batch_body", "\x01" + batchBody());
  writeFile(corpus / "message_fuzz" / "properties",
            "\x02KEYS\x01k1 k2\x02TAGS\x01t\x02UNIQ_KEY\x01ID\x02\x01x\x02y\x01\x02");
  std::string zlib_body("\x03\x00\x00\x03\x01", 5);
  EXPECT_TRUE(compressZlib("hello hello hello hello", 5, zlib_body));
  writeFile(corpus / "message_fuzz" / "zlib_body", zlib_body);
  writeFile(corpus / "message_fuzz" / "offset_msgid",
            "\x03"
            "0A00000100002A9F0000000000001234");
  writeFile(corpus / "message_fuzz" / "client_msgid",
            "\x03"
            "C0A8000104D2123456780000ABCD0007");

  // Synthetic captures for the golden-frame checks (docs/protocol.md section 10): only frames
  // whose header is hand-typed Java-style text. Pull bodies, batch bodies and binary streams are
  // captured from the Java client and servers instead (tests/testdata/codec/golden), never
  // written by Ferry's own encoder.
  writeFile(synthetic / "json_query_offset_request.bin", frames[0]);
  writeFile(synthetic / "json_send_v2_request.bin", frames[2]);
}

}  // namespace
}  // namespace ferry::codec
