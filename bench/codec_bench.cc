// Codec throughput (numbers and how to read them: docs/protocol.md section 12).
//
// Single-threaded, so every rate is per core. Each figure is printed next to a reference measured
// in the same run on the same bytes, so the numbers stay interpretable on any machine:
//   * pull-body decode (1 KiB messages, 32 per body, realistic properties) vs a plain memcpy of
//     every record, the least any consumer of those bytes must pay;
//   * the hand-written JSON header decoder vs nlohmann::json parsing the same header;
//   * send-request frame encode/decode (SEND_MESSAGE_V2, 1 KiB body) in both header encodings.
// Run: cmake --preset release && cmake --build --preset release --target codec_bench &&
//      build/release/bin/codec_bench --benchmark_repetitions=5
// Rates are items per CPU second, i.e. per core.
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "ferry/codec/message.h"
#include "ferry/codec/remoting_command.h"

namespace {

using namespace ferry::codec;

constexpr int kMessagesPerPull = 32;
constexpr std::size_t kBodySize = 1024;

std::string makeBody(std::size_t size, unsigned seed) {
  std::string body;
  body.reserve(size);
  std::uint32_t x = seed * 2654435761U + 7;
  while (body.size() < size) {
    x = x * 1103515245U + 12345U;
    body.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  return body;
}

// A PULL response body as a 5.x broker returns it: 32 stored records of 1 KiB each.
const std::string& pullBody() {
  static const std::string body = [] {
    std::string out;
    auto gen = ClientMessageIdGenerator::create(std::array<std::uint8_t, 4>{10, 1, 2, 3}, 4242,
                                                0x1B6D3586);
    for (int i = 0; i < kMessagesPerPull; ++i) {
      StoredMessage m;
      m.topic = "orders-topic";
      m.queue_id = ferry::QueueId(3);
      m.queue_offset = ferry::QueueOffset(1000000 + i);
      m.commit_log_offset = 123456789 + i * 1300;
      m.born_timestamp = ferry::StoreTime::fromMillis(1700000000000 + i);
      m.store_timestamp = ferry::StoreTime::fromMillis(1700000000002 + i);
      m.born_host = HostAddress::ipv4({10, 1, 2, 3}, 53211);
      m.store_host = HostAddress::ipv4({10, 0, 0, 1}, 10911);
      m.properties = Properties{{"KEYS", "order-" + std::to_string(70000 + i) + " customer-77"},
                                {"TAGS", "TagA"},
                                {"UNIQ_KEY", gen->next(1700000000000 + i)},
                                {"WAIT", "true"},
                                {"CLUSTER", "DefaultCluster"},
                                {"MSG_REGION", "DefaultRegion"},
                                {"TRACE_ON", "true"}};
      m.body = makeBody(kBodySize, static_cast<unsigned>(i));
      m.body_crc = bodyCrc(m.body);
      if (!appendStoredMessage(m, out)) {
        std::abort();
      }
    }
    return out;
  }();
  return body;
}

void setCounters(benchmark::State& state, std::size_t messages_per_iteration, std::size_t bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations())
                          * static_cast<std::int64_t>(messages_per_iteration));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations())
                          * static_cast<std::int64_t>(bytes));
}

// Reference: copy every record of the pull body once, record by record (the least any consumer
// of the messages pays). Record boundaries are precomputed, so this is pure memcpy.
void BM_PullBody_Memcpy(benchmark::State& state) {
  const std::string& body = pullBody();
  std::vector<std::pair<std::size_t, std::size_t>> records;
  const auto views = decodeStoredMessages(body);
  for (const auto& v : *views) {
    records.emplace_back(v.record_offset, static_cast<std::size_t>(v.store_size));
  }
  std::string copy(body.size(), '\0');
  for (auto _ : state) {
    for (const auto& [at, size] : records) {
      std::memcpy(copy.data() + at, body.data() + at, size);
    }
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  setCounters(state, kMessagesPerPull, body.size());
}
BENCHMARK(BM_PullBody_Memcpy);

// Decode every record to a view and read what a replicator needs per message: its msgId
// (UNIQ_KEY property, parsed lazily), tags, topic and body.
void BM_PullBody_DecodeViews(benchmark::State& state) {
  const std::string& body = pullBody();
  for (auto _ : state) {
    StoredMessageReader reader(body);
    MessageView view;
    std::size_t total = 0;
    while (true) {
      auto more = reader.next(view);
      if (!more || !*more) {
        break;
      }
      auto uniq = view.uniqKey();
      auto tags = view.properties.get("TAGS");
      total += view.body.size() + view.topic.size() + (uniq ? uniq->size() : 0)
               + (tags ? tags->size() : 0);
    }
    benchmark::DoNotOptimize(total);
  }
  setCounters(state, kMessagesPerPull, body.size());
}
BENCHMARK(BM_PullBody_DecodeViews);

// Decode to owning StoredMessages (copies topic, body and parsed properties).
void BM_PullBody_DecodeOwned(benchmark::State& state) {
  const std::string& body = pullBody();
  std::vector<StoredMessage> messages;
  messages.reserve(kMessagesPerPull);
  for (auto _ : state) {
    messages.clear();
    StoredMessageReader reader(body);
    MessageView view;
    while (true) {
      auto more = reader.next(view);
      if (!more || !*more) {
        break;
      }
      messages.push_back(*toStoredMessage(view));
    }
    benchmark::DoNotOptimize(messages.data());
  }
  setCounters(state, kMessagesPerPull, body.size());
}
BENCHMARK(BM_PullBody_DecodeOwned);

// Re-encode the 32 messages as a SEND_BATCH_MESSAGE body (the replication send path).
void BM_Batch_EncodeFromViews(benchmark::State& state) {
  const std::string& body = pullBody();
  auto views = *decodeStoredMessages(body);
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const auto& v : views) {
      if (!appendBatchRecord(v.flag, v.body, v.properties.raw(), out)) {
        std::abort();
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state, kMessagesPerPull, body.size());
}
BENCHMARK(BM_Batch_EncodeFromViews);

// A SEND_MESSAGE_V2 request as the Java client builds it, with a 1 KiB body.
RemotingCommand sendRequest(SerializeType type) {
  RemotingCommand c;
  c.code = 310;
  c.opaque = 123456;
  c.serialize_type = type;
  c.ext_fields.set("a", "replicator-producer-group");
  c.ext_fields.set("b", "orders-topic");
  c.ext_fields.set("c", "TBW102");
  c.ext_fields.set("d", "4");
  c.ext_fields.set("e", "3");
  c.ext_fields.set("f", "0");
  c.ext_fields.set("g", "1700000000000");
  c.ext_fields.set("h", "0");
  c.ext_fields.set("i",
                   "KEYS\x01order-70001 customer-77\x02TAGS\x01TagA\x02UNIQ_KEY\x01"
                   "0A0102031092A1B6D358600000F4240000\x02WAIT\x01true\x02");
  c.ext_fields.set("j", "0");
  c.ext_fields.set("k", "false");
  c.ext_fields.set("m", "false");
  c.ext_fields.set("n", "broker-a");
  c.body = makeBody(kBodySize, 99);
  return c;
}

void BM_SendFrame_Encode(benchmark::State& state) {
  const RemotingCommand c = sendRequest(static_cast<SerializeType>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!encodeFrame(c, out)) {
      std::abort();
    }
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state, 1, out.size());
}
BENCHMARK(BM_SendFrame_Encode)->ArgName("rocketmq")->Arg(0)->Arg(1);

void BM_SendFrame_Decode(benchmark::State& state) {
  std::string frame;
  if (!encodeFrame(sendRequest(static_cast<SerializeType>(state.range(0))), frame)) {
    std::abort();
  }
  const std::span payload(reinterpret_cast<const std::byte*>(frame.data()) + 4, frame.size() - 4);
  for (auto _ : state) {
    auto c = decodeCommand(payload);
    benchmark::DoNotOptimize(c);
  }
  setCounters(state, 1, frame.size());
}
BENCHMARK(BM_SendFrame_Decode)->ArgName("rocketmq")->Arg(0)->Arg(1);

// Reference for the JSON header: the same header parsed by nlohmann::json into a command.
void BM_JsonHeader_Nlohmann(benchmark::State& state) {
  std::string frame;
  if (!encodeFrame(sendRequest(SerializeType::kJson), frame)) {
    std::abort();
  }
  const std::size_t header_len = frame.size() - 8 - kBodySize;
  const std::string header = frame.substr(8, header_len);
  for (auto _ : state) {
    const auto j = nlohmann::json::parse(header);
    RemotingCommand c;
    c.code = j.at("code").get<int>();
    c.flag = j.at("flag").get<int>();
    c.opaque = j.at("opaque").get<int>();
    c.version = j.at("version").get<int>();
    c.language =
        languageFromName(j.at("language").get<std::string>()).value_or(LanguageCode::kOther);
    for (const auto& [k, v] : j.at("extFields").items()) {
      c.ext_fields.append(k, v.get<std::string>());
    }
    benchmark::DoNotOptimize(c);
  }
  setCounters(state, 1, header.size());
}
BENCHMARK(BM_JsonHeader_Nlohmann);

void BM_JsonHeader_Ferry(benchmark::State& state) {
  std::string frame;
  if (!encodeFrame(sendRequest(SerializeType::kJson), frame)) {
    std::abort();
  }
  const std::size_t header_len = frame.size() - 8 - kBodySize;
  // A frame with the header only, so the measurement excludes the body copy.
  std::string header_frame = frame.substr(0, 8 + header_len);
  const std::span payload(reinterpret_cast<const std::byte*>(header_frame.data()) + 4,
                          header_frame.size() - 4);
  for (auto _ : state) {
    auto c = decodeCommand(payload);
    benchmark::DoNotOptimize(c);
  }
  setCounters(state, 1, header_len);
}
BENCHMARK(BM_JsonHeader_Ferry);

// Console output plus the ratios against the in-run references.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    // With --benchmark_repetitions the median is used (the machine may be shared).
    for (const auto& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) {
        continue;
      }
      const std::string name = run.run_name.str();
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        rates_[name] = it->second.value;
        medians_.insert(name);
      } else if (run.run_type == Run::RT_Iteration && medians_.count(name) == 0) {
        rates_[name] = it->second.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const auto rate = [&](const std::string& name) {
      auto it = rates_.find(name);
      return it == rates_.end() ? 0.0 : it->second;
    };
    const double memcpy_rate = rate("BM_PullBody_Memcpy");
    const double views = rate("BM_PullBody_DecodeViews");
    const double owned = rate("BM_PullBody_DecodeOwned");
    const double batch = rate("BM_Batch_EncodeFromViews");
    const double mb_per_msg = static_cast<double>(pullBody().size()) / kMessagesPerPull / 1e6;
    std::printf("\n== Per core, %d x %zu-byte messages per pull body (%zu bytes) ==\n",
                kMessagesPerPull, kBodySize, pullBody().size());
    std::printf("pull decode to views    : %6.2f M msg/s (%6.0f MB/s) = %.2fx the memcpy time\n",
                views / 1e6, views * mb_per_msg, memcpy_rate / views);
    std::printf("pull decode to owned    : %6.2f M msg/s (%6.0f MB/s) = %.2fx the memcpy time\n",
                owned / 1e6, owned * mb_per_msg, memcpy_rate / owned);
    std::printf("batch body from views   : %6.2f M msg/s (%6.0f MB/s) = %.2fx the memcpy time\n",
                batch / 1e6, batch * mb_per_msg, memcpy_rate / batch);
    std::printf("memcpy of every record   : %6.2f M msg/s (%6.0f MB/s) (reference)\n",
                memcpy_rate / 1e6, memcpy_rate * mb_per_msg);
    const double hand = rate("BM_JsonHeader_Ferry");
    const double dom = rate("BM_JsonHeader_Nlohmann");
    std::printf("JSON header decode      : %6.2f M headers/s, %.1fx nlohmann::json (%.2f M/s)\n",
                hand / 1e6, hand / dom, dom / 1e6);
    std::printf("send frame JSON  enc/dec: %6.2f / %6.2f M frames/s\n",
                rate("BM_SendFrame_Encode/rocketmq:0") / 1e6,
                rate("BM_SendFrame_Decode/rocketmq:0") / 1e6);
    std::printf("send frame binary enc/dec: %5.2f / %6.2f M frames/s\n",
                rate("BM_SendFrame_Encode/rocketmq:1") / 1e6,
                rate("BM_SendFrame_Decode/rocketmq:1") / 1e6);
  }

 private:
  std::map<std::string, double> rates_;
  std::set<std::string> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
