// Ferry's batch send rate against a real broker (docs/benchmarks.md "Batch send: Ferry vs the Java
// producer"). This program measures only Ferry's side; bench/send_ratio runs it next to the
// official Java producer (tools/javadriver produce --quiet) against the same broker, topic and
// queues, with the same batch size, body size and message count, and prints the ratio.
//
// What one run does, on one io_context thread (as the daemon does) and one connection per broker:
//   1. resolves the topic's write queues, sorted by (broker name, queue id) like the Java driver;
//   2. warm-up: sends --warmup messages in the same mode (opens the connection, warms caches and
//   the
//      broker's path for this topic); excluded from the numbers;
//   3. measures --count messages: batch b (of --batch messages) goes to queue b % queues.
//        --mode sync      one batch in flight, awaited before the next is built: what a Java
//                         DefaultMQProducer.send(Collection, MessageQueue) loop does;
//        --mode pipeline  one batch in flight per queue (one coroutine per queue), several on
//                         the same connection: how the replicator sends.
// Every batch is built inside the timed loop, as the Java loop does: per message the same body
// as the Java driver (Bodies.body: "ferry-msg-<i>" padded with a repeating pattern), a fresh
// UNIQ_KEY (ClientMessageIdGenerator, as MessageClientIDSetter) and WAIT=true (what
// new Message(topic, body) carries), then BrokerDataApi::sendMessages (encodeBatch +
// SEND_BATCH_MESSAGE).
//
// Output: one JSON line on stdout with the rates (MB = 10^6 bytes of message bodies), the process
// CPU time of the measured part and, for finding where time goes, per-batch latency percentiles
// and the time spent building messages versus awaiting sendMessages.
//
// Run: build/release/bin/send_bench --namesrv 127.0.0.1:24876 --topic bench --count 64000
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "ferry/base/error.h"
#include "ferry/base/log.h"
#include "ferry/codec/message.h"
#include "ferry/codec/message_id.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rpc/client.h"

namespace {

using namespace ferry;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string namesrv;
  std::string topic;
  std::string mode = "sync";
  std::int64_t count = 64000;
  std::int64_t warmup = -1;  // -1: count / 4, at least 20 batches
  int batch = 32;
  int body_size = 1024;
  std::string body_prefix = "ferry-msg-";
  std::string group = "ferry_bench_producer";
};

std::int64_t epochMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Bodies.body of the Java driver, byte for byte.
void fillBody(const std::string& prefix, std::int64_t index, int size, std::string& out) {
  static constexpr std::string_view kFiller =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string head = prefix + std::to_string(index);
  out.resize(static_cast<std::size_t>(size));
  const std::size_t n = std::min(out.size(), head.size());
  std::copy_n(head.data(), n, out.data());
  for (std::size_t k = n; k < out.size(); ++k) {
    out[k] = kFiller[(k + static_cast<std::size_t>(index)) % kFiller.size()];
  }
}

// Per-phase counters, summed over batches (nanoseconds).
struct Phase {
  std::int64_t messages = 0;
  std::int64_t batches = 0;
  std::int64_t elapsed_ns = 0;
  std::int64_t cpu_ns = 0;    // process CPU time (user + system, all threads)
  std::int64_t build_ns = 0;  // building messages (bodies, UNIQ_KEY, properties)
  std::int64_t send_ns = 0;   // awaiting sendMessages: encode + request + broker round trip
  std::vector<std::int64_t> latency_ns;  // per batch, of sendMessages
};

// State shared by the senders of one phase; everything runs on the io_context thread.
struct Run {
  const Options* options = nullptr;
  rocketmq::Cluster* cluster = nullptr;
  std::vector<rocketmq::QueueAddress> queues;
  codec::ClientMessageIdGenerator* ids = nullptr;
  std::int64_t first_index = 0;  // message index of batch 0 (bodies differ per message)
  std::int64_t messages = 0;
  std::int64_t batches = 0;
  Phase phase;
  std::optional<Error> failure;
  int running = 0;  // pipeline senders still going
};

std::int64_t processCpuNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::int64_t sinceNs(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

// Builds and sends batch `b` to queue b % queues; records its timings.
asio::awaitable<Result<void>> sendBatch(Run* run, std::int64_t b) {
  const Options& o = *run->options;
  const auto& qa =
      run->queues[static_cast<std::size_t>(b % static_cast<std::int64_t>(run->queues.size()))];
  const std::int64_t begin = b * o.batch;
  const std::int64_t n = std::min<std::int64_t>(o.batch, run->messages - begin);

  const auto build_start = Clock::now();
  std::vector<codec::Message> messages(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) {
    auto& m = messages[static_cast<std::size_t>(k)];
    m.topic = qa.queue.topic;
    fillBody(o.body_prefix, run->first_index + begin + k, o.body_size, m.body);
    m.properties.set(codec::property::kWaitStoreMsgOk, "true");
    m.properties.set(codec::property::kUniqKey, run->ids->next(epochMillis()));
  }
  run->phase.build_ns += sinceNs(build_start);

  const auto send_start = Clock::now();
  auto sent = co_await run->cluster->brokerData().sendMessages(qa.addr, o.group, qa.queue,
                                                               std::move(messages));
  const std::int64_t latency = sinceNs(send_start);
  if (!sent) {
    co_return makeError(std::move(sent.error()));
  }
  run->phase.send_ns += latency;
  run->phase.latency_ns.push_back(latency);
  run->phase.messages += n;
  run->phase.batches += 1;
  co_return Result<void>{};
}

// Pipeline sender for queue slot `slot`: batches slot, slot + Q, slot + 2Q, ... one at a time.
asio::awaitable<void> queueSender(Run* run, std::int64_t slot) {
  const auto stride = static_cast<std::int64_t>(run->queues.size());
  for (std::int64_t b = slot; b < run->batches && !run->failure; b += stride) {
    auto ok = co_await sendBatch(run, b);
    if (!ok) {
      run->failure = std::move(ok.error());
    }
  }
  --run->running;
}

asio::awaitable<Result<Phase>> runPhase(const Options& o, rocketmq::Cluster* cluster,
                                        const std::vector<rocketmq::QueueAddress>& queues,
                                        codec::ClientMessageIdGenerator* ids,
                                        std::int64_t first_index, std::int64_t messages) {
  Run run;
  run.options = &o;
  run.cluster = cluster;
  run.queues = queues;
  run.ids = ids;
  run.first_index = first_index;
  run.messages = messages;
  run.batches = (messages + o.batch - 1) / o.batch;
  run.phase.latency_ns.reserve(static_cast<std::size_t>(run.batches));

  const auto start = Clock::now();
  const std::int64_t cpu_start = processCpuNs();
  if (o.mode == "sync") {
    for (std::int64_t b = 0; b < run.batches; ++b) {
      auto ok = co_await sendBatch(&run, b);
      if (!ok) {
        co_return makeError(std::move(ok.error()));
      }
    }
  } else {
    auto executor = co_await asio::this_coro::executor;
    const auto senders =
        std::min<std::int64_t>(static_cast<std::int64_t>(queues.size()), run.batches);
    run.running = static_cast<int>(senders);
    for (std::int64_t slot = 0; slot < senders; ++slot) {
      // Not asio::detached: an exception must end the run as a failure, not leave `running` stuck.
      asio::co_spawn(executor, queueSender(&run, slot), [&run](const std::exception_ptr& e) {
        if (!e) {
          return;
        }
        --run.running;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          if (!run.failure) {
            run.failure = Error{Errc::kInternal, std::string("sender: ") + x.what(), 0, {}};
          }
        } catch (...) {
          if (!run.failure) {
            run.failure = Error{Errc::kInternal, "sender: unknown exception", 0, {}};
          }
        }
      });
    }
    // The senders finish on this thread; poll cheaply (1 ms) instead of adding a channel type.
    asio::steady_timer timer(executor);
    while (run.running > 0) {
      timer.expires_after(std::chrono::milliseconds(1));
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (run.failure) {
      co_return makeError(std::move(*run.failure));
    }
  }
  run.phase.elapsed_ns = sinceNs(start);
  run.phase.cpu_ns = processCpuNs() - cpu_start;
  co_return std::move(run.phase);
}

std::int64_t percentile(std::vector<std::int64_t> values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

nlohmann::json report(const Options& o, std::size_t queues, const Phase& warm, const Phase& p) {
  const double seconds = static_cast<double>(p.elapsed_ns) / 1e9;
  const double msgs = static_cast<double>(p.messages);
  nlohmann::json j;
  j["event"] = "done";
  j["client"] = "ferry";
  j["mode"] = o.mode;
  j["inflight"] = o.mode == "sync" ? 1 : static_cast<std::int64_t>(queues);
  j["queues"] = queues;
  j["batch"] = o.batch;
  j["bodySize"] = o.body_size;
  j["sent"] = p.messages;
  j["batches"] = p.batches;
  j["warmupSent"] = warm.messages;
  j["warmupMs"] = warm.elapsed_ns / 1000000;
  j["elapsedNs"] = p.elapsed_ns;
  j["elapsedMs"] = p.elapsed_ns / 1000000;
  j["cpuNs"] = p.cpu_ns;
  j["msgsPerSec"] = msgs / seconds;
  j["mbPerSec"] = msgs * o.body_size / seconds / 1e6;
  j["buildNsPerBatch"] = p.batches ? p.build_ns / p.batches : 0;
  j["sendNsPerBatch"] = p.batches ? p.send_ns / p.batches : 0;
  j["latencyUsP50"] = percentile(p.latency_ns, 0.50) / 1000;
  j["latencyUsP90"] = percentile(p.latency_ns, 0.90) / 1000;
  j["latencyUsP99"] = percentile(p.latency_ns, 0.99) / 1000;
  j["latencyUsMax"] = percentile(p.latency_ns, 1.0) / 1000;
  return j;
}

asio::awaitable<Result<nlohmann::json>> bench(Options o, rpc::Client* client) {
  rocketmq::ClusterSpec config;
  config.name = "source";
  config.name_servers = {o.namesrv};
  rocketmq::Cluster cluster(config, *client);

  auto queues = co_await cluster.writeQueues(o.topic);
  if (!queues) {
    co_return makeError(std::move(queues.error()));
  }
  if (queues->empty()) {
    co_return makeError(Errc::kNotFound, "topic " + o.topic + " has no write queues");
  }
  std::sort(queues->begin(), queues->end(), [](const auto& a, const auto& b) {
    return std::tie(a.queue.broker_name, a.queue.queue_id)
           < std::tie(b.queue.broker_name, b.queue.queue_id);
  });

  // UNIQ_KEY as the Java client makes it: ip + pid + a per-process hash + time + counter.
  const std::array<std::uint8_t, 4> ip{127, 0, 0, 1};
  auto ids = codec::ClientMessageIdGenerator::create(ip, static_cast<std::int16_t>(::getpid()),
                                                     static_cast<std::int32_t>(epochMillis()));
  if (!ids) {
    co_return makeError(std::move(ids.error()));
  }

  const std::int64_t warmup =
      o.warmup >= 0 ? o.warmup : std::max<std::int64_t>(o.count / 4, std::int64_t{20} * o.batch);
  Phase warm;
  if (warmup > 0) {
    auto w = co_await runPhase(o, &cluster, *queues, &*ids, 0, warmup);
    if (!w) {
      co_return makeError(std::move(w.error()).withContext("warm-up"));
    }
    warm = std::move(*w);
  }
  auto measured = co_await runPhase(o, &cluster, *queues, &*ids, warmup, o.count);
  if (!measured) {
    co_return makeError(std::move(measured.error()));
  }
  co_return report(o, queues->size(), warm, *measured);
}

asio::awaitable<void> main2(Options o, rpc::Client* client, Result<nlohmann::json>* out) {
  *out = co_await bench(std::move(o), client);
  co_await client->shutdown();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Ferry batch send rate against a real broker (see bench/send_ratio)."};
  app.add_option("--namesrv", o.namesrv, "NameServer ip:port")->required();
  app.add_option("--topic", o.topic, "existing topic to send to")->required();
  app.add_option("--mode", o.mode, "sync (one batch in flight) or pipeline (one per queue)")
      ->check(CLI::IsMember({"sync", "pipeline"}));
  app.add_option("--count", o.count, "messages measured")->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup, "messages sent first and not measured (default count/4)");
  app.add_option("--batch", o.batch, "messages per batch")->check(CLI::Range(1, 4096));
  app.add_option("--body-size", o.body_size, "bytes per message body")
      ->check(CLI::Range(1, 4 << 20));
  app.add_option("--body-prefix", o.body_prefix,
                 "body prefix (as the Java driver's --body-prefix)");
  app.add_option("--group", o.group, "producer group in the request header");
  CLI11_PARSE(app, argc, argv);
  log::setLevel("warn");

  rpc::ClientOptions client_options;
  client_options.default_timeout = std::chrono::milliseconds(10000);  // the driver's sendMsgTimeout
  if (const char* ak = std::getenv("FERRY_ACCESS_KEY"); ak != nullptr && *ak != '\0') {
    const char* sk = std::getenv("FERRY_SECRET_KEY");
    client_options.credentials = rpc::Credentials{ak, sk != nullptr ? sk : "", ""};
  }
  if (const char* tls = std::getenv("FERRY_TLS"); tls != nullptr && std::string(tls) == "1") {
    client_options.tls.enabled = true;
  }

  asio::io_context io;
  auto client = rpc::Client::create(io.get_executor(), client_options);
  if (!client) {
    std::fprintf(stderr, "send_bench: %s\n", client.error().toString().c_str());
    return 1;
  }
  Result<nlohmann::json> result = makeError(Errc::kInternal, "did not run");
  asio::co_spawn(io, main2(o, client->get(), &result), [](const std::exception_ptr& e) {
    if (e) {
      std::rethrow_exception(e);
    }
  });
  io.run();
  if (!result) {
    nlohmann::json e{
        {"event", "error"}, {"client", "ferry"}, {"message", result.error().toString()}};
    std::printf("%s\n", e.dump().c_str());
    return 1;
  }
  std::printf("%s\n", result->dump().c_str());
  return 0;
}
