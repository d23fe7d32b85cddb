#include "it_fixture.h"

#include <array>

#include <openssl/evp.h>

namespace ferry::testing {

std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xF]);
  }
  return out;
}

void ClusterIT::SetUp() {
  env_ = loadSandboxEnv();
  client_ = makeClient(std::nullopt);
  source_ = makeCluster("source", *client_);
}

void ClusterIT::TearDown() {
  source_.reset();
  shutdownClient(client_);
}

void ClusterIT::shutdownClient(std::unique_ptr<rpc::Client>& client) {
  if (client) {
    io_.run(client->shutdown());
    client.reset();
  }
}

std::unique_ptr<rpc::Client> ClusterIT::makeClient(std::optional<rpc::Credentials> credentials,
                                                   bool anonymous) {
  rpc::ClientOptions options;
  if (credentials) {
    options.credentials = std::move(credentials);
  } else if (env_.acl() && !anonymous) {
    options.credentials =
        rpc::Credentials{env_.get("FERRY_ACCESS_KEY"), env_.get("FERRY_SECRET_KEY"), ""};
  }
  options.tls.enabled = env_.get("FERRY_TLS") == "1";
  auto client = rpc::Client::create(io_.context().get_executor(), options);
  if (!client) {
    throw std::runtime_error(client.error().toString());
  }
  return std::move(*client);
}

std::unique_ptr<rocketmq::Cluster> ClusterIT::makeCluster(const std::string& which,
                                                          rpc::Client& client) {
  rocketmq::ClusterSpec config;
  config.name = which;
  config.name_servers = {which == "source" ? env_.sourceNamesrv() : env_.destinationNamesrv()};
  return std::make_unique<rocketmq::Cluster>(config, client);
}

void ClusterIT::createTopic(const std::string& topic, int queues) {
  auto r = javaDriver(
      env_, {"create-topic", "--namesrv", env_.sourceNamesrv(), "--cluster", env_.sourceCluster(),
             "--topic", topic, "--queues", std::to_string(queues)});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
}

namespace {

asio::awaitable<Result<std::vector<ObservedMessage>>> pullQueues(rocketmq::Cluster* cluster,
                                                                 std::string topic) {
  auto queues = co_await cluster->readQueues(topic);
  if (!queues) {
    co_return makeError(queues.error());
  }
  std::vector<ObservedMessage> out;
  for (const auto& qa : *queues) {
    auto max = co_await cluster->brokerData().maxOffset(qa.addr, qa.queue);
    if (!max) {
      co_return makeError(max.error());
    }
    QueueOffset next(0);
    while (next < *max) {
      rocketmq::PullRequest request;
      request.group = "ferry_it_reader";
      request.queue = qa.queue;
      request.offset = next;
      request.suspend = std::chrono::milliseconds(0);
      auto pulled = co_await cluster->brokerData().pull(qa.addr, request);
      if (!pulled) {
        co_return makeError(pulled.error());
      }
      if (pulled->status != rocketmq::PullStatus::kFound) {
        co_return makeError(Errc::kInternal,
                            "pull of " + qa.queue.toString() + " at " + std::to_string(next.value())
                                + " returned "
                                + std::string(rocketmq::pullStatusName(pulled->status)));
      }
      codec::StoredMessageReader reader(pulled->body);
      codec::MessageView view;
      std::string scratch;
      while (true) {
        auto more = reader.next(view);
        if (!more) {
          co_return makeError(more.error());
        }
        if (!*more) {
          break;
        }
        auto body = view.plainBody(scratch);
        if (!body) {
          co_return makeError(body.error());
        }
        ObservedMessage m;
        m.queue = qa.queue;
        m.queue_offset = view.queue_offset.value();
        m.msg_id = view.msgId();
        m.offset_msg_id = view.offsetMsgId();
        for (const auto& [k, v] : view.properties) {
          m.properties[std::string(k)] = std::string(v);
        }
        m.born_timestamp = view.born_timestamp.millis();
        m.store_timestamp = view.store_timestamp.millis();
        m.flag = view.flag;
        m.compressed = view.isCompressed();
        m.body_length = body->size();
        m.body_sha256 = sha256Hex(*body);
        out.push_back(std::move(m));
      }
      next = pulled->next_begin_offset;
    }
  }
  co_return out;
}

}  // namespace

std::vector<ObservedMessage> ClusterIT::pullAll(const std::string& topic) {
  auto result = io_.run(pullQueues(source_.get(), topic));
  if (!result) {
    ADD_FAILURE() << "pulling " << topic << ": " << result.error().toString();
    return {};
  }
  return std::move(*result);
}

}  // namespace ferry::testing
