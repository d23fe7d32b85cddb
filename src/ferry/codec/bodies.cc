#include "ferry/codec/bodies.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "ferry/codec/fastjson.h"

namespace ferry::codec {
namespace {

using Json = nlohmann::json;

// Typed access to a parsed body. The first problem is remembered (with the model name and the
// field path) and returned by finish(); later reads return defaults, so parsers stay linear.
class Reader {
 public:
  explicit Reader(std::string_view model) : model_(model) {}

  bool ok() const { return !error_; }

  void fail(std::string_view path, std::string_view what) {
    if (error_) {
      return;
    }
    error_ = Error{Errc::kMalformed, fmt::format("{}: {}: {}", model_, path, what), 0, {}};
  }
  void failWith(Error error) {
    if (!error_) {
      error_ = std::move(error);
    }
  }

  template <class T>
  Result<T> finish(T value) {
    if (error_) {
      return makeError(std::move(*error_));
    }
    return value;
  }

  // Member lookup; null counts as absent.
  static const Json* member(const Json& obj, std::string_view key) {
    if (!obj.is_object()) {
      return nullptr;
    }
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      return nullptr;
    }
    return &*it;
  }

  std::string string(const Json& obj, std::string_view key, std::string_view path,
                     std::string def = {}) {
    auto v = optString(obj, key, path);
    return v ? std::move(*v) : std::move(def);
  }
  std::optional<std::string> optString(const Json& obj, std::string_view key,
                                       std::string_view path) {
    const Json* v = member(obj, key);
    if (!v) {
      return std::nullopt;
    }
    if (!v->is_string()) {
      fail(join(path, key), "expected a string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::int64_t int64(const Json& obj, std::string_view key, std::string_view path,
                     std::int64_t def = 0) {
    const Json* v = member(obj, key);
    if (!v) {
      return def;
    }
    return toInt64(*v, join(path, key)).value_or(def);
  }
  std::int32_t int32(const Json& obj, std::string_view key, std::string_view path,
                     std::int32_t def = 0) {
    const Json* v = member(obj, key);
    if (!v) {
      return def;
    }
    auto value = toInt64(*v, join(path, key));
    if (!value) {
      return def;
    }
    if (*value < std::numeric_limits<std::int32_t>::min()
        || *value > std::numeric_limits<std::int32_t>::max()) {
      fail(join(path, key), "integer out of int32 range");
      return def;
    }
    return static_cast<std::int32_t>(*value);
  }
  double number(const Json& obj, std::string_view key, std::string_view path, double def = 0) {
    const Json* v = member(obj, key);
    if (!v) {
      return def;
    }
    if (!v->is_number()) {
      fail(join(path, key), "expected a number");
      return def;
    }
    return v->get<double>();
  }
  bool boolean(const Json& obj, std::string_view key, std::string_view path, bool def = false) {
    const Json* v = member(obj, key);
    if (!v) {
      return def;
    }
    if (!v->is_boolean()) {
      fail(join(path, key), "expected true or false");
      return def;
    }
    return v->get<bool>();
  }
  const Json* object(const Json& obj, std::string_view key, std::string_view path) {
    const Json* v = member(obj, key);
    if (!v) {
      return nullptr;
    }
    if (!v->is_object()) {
      fail(join(path, key), "expected an object");
      return nullptr;
    }
    return v;
  }
  const Json* array(const Json& obj, std::string_view key, std::string_view path) {
    const Json* v = member(obj, key);
    if (!v) {
      return nullptr;
    }
    if (!v->is_array()) {
      fail(join(path, key), "expected an array");
      return nullptr;
    }
    return v;
  }

  std::optional<std::int64_t> toInt64(const Json& v, std::string_view path) {
    if (v.is_number_integer() && !v.is_number_unsigned()) {
      return v.get<std::int64_t>();
    }
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(u);
      }
      fail(path, "integer out of int64 range");
      return std::nullopt;
    }
    fail(path, "expected an integer");
    return std::nullopt;
  }

  // Strings of a JSON array (Java Set<String> / List<String>).
  std::vector<std::string> strings(const Json& obj, std::string_view key, std::string_view path) {
    std::vector<std::string> out;
    const Json* a = array(obj, key, path);
    if (!a) {
      return out;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const Json& e = (*a)[i];
      if (!e.is_string()) {
        fail(fmt::format("{}[{}]", join(path, key), i), "expected a string");
        return out;
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  // A map whose keys are MessageQueues (fastjson object keys): calls fn(mq, value, path).
  template <class Fn>
  void messageQueueMap(const Json& obj, std::string_view key, std::string_view path, Fn&& fn) {
    const Json* m = object(obj, key, path);
    if (!m) {
      return;
    }
    for (const auto& [k, v] : m->items()) {
      const std::string entry_path = fmt::format("{}[{}]", join(path, key), k);
      auto mq = parseMessageQueueKey(k);
      if (!mq) {
        fail(entry_path, mq.error().message);
        return;
      }
      fn(std::move(*mq), v, entry_path);
      if (!ok()) {
        return;
      }
    }
  }

  static std::string join(std::string_view path, std::string_view key) {
    if (path.empty()) {
      return std::string(key);
    }
    return fmt::format("{}.{}", path, key);
  }

 private:
  std::string_view model_;
  std::optional<Error> error_;
};

// Parses the body and checks that it is a JSON object.
Result<Json> parseObject(std::string_view body, std::string_view model) {
  auto parsed = parseFastjson(body);
  if (!parsed) {
    return makeError(std::move(parsed.error()).withContext(model));
  }
  if (!parsed->is_object()) {
    return makeError(Errc::kMalformed, fmt::format("{}: expected a JSON object", model));
  }
  return parsed;
}

std::map<std::string, std::string> stringMap(Reader& r, const Json& obj, std::string_view key,
                                             std::string_view path) {
  std::map<std::string, std::string> out;
  const Json* m = r.object(obj, key, path);
  if (!m) {
    return out;
  }
  for (const auto& [k, v] : m->items()) {
    // java.util.Properties may hold non-string values; keep their text.
    out[k] = v.is_string() ? v.get<std::string>() : dumpJson(v);
  }
  return out;
}

std::vector<std::string> sortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

Json messageQueueJson(const MessageQueue& mq) {
  return Json{
      {"brokerName", mq.broker_name}, {"queueId", mq.queue_id.value()}, {"topic", mq.topic}};
}

// Inserts `"key":raw` as the first member of a dumped JSON object.
std::string spliceRawMember(std::string_view object_text, std::string_view key,
                            std::string_view raw) {
  std::string out = fmt::format("{{{}:{}", dumpJson(Json(key)), raw);
  if (object_text == "{}") {
    out += '}';
    return out;
  }
  out += ',';
  out.append(object_text.substr(1));
  return out;
}

// ---- element readers and writers -----------------------------------------------------------

DataVersion readDataVersion(Reader& r, const Json& obj, std::string_view key) {
  DataVersion dv;
  const Json* v = r.object(obj, key, "");
  if (!v) {
    return dv;
  }
  dv.timestamp = r.int64(*v, "timestamp", key);
  dv.counter = r.int64(*v, "counter", key);
  dv.state_version = r.int64(*v, "stateVersion", key);
  return dv;
}

BrokerData readBrokerData(Reader& r, const Json& obj, std::string_view path) {
  BrokerData b;
  b.cluster = r.string(obj, "cluster", path);
  b.broker_name = r.string(obj, "brokerName", path);
  if (const Json* addrs = r.object(obj, "brokerAddrs", path)) {
    for (const auto& [k, v] : addrs->items()) {
      const std::string entry_path = fmt::format("{}.brokerAddrs[{}]", path, k);
      std::int64_t id = 0;
      auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), id);
      if (ec != std::errc() || end != k.data() + k.size()) {
        r.fail(entry_path, "broker id is not an integer");
        return b;
      }
      if (!v.is_string()) {
        r.fail(entry_path, "expected a string");
        return b;
      }
      b.broker_addrs[id] = v.get<std::string>();
    }
  }
  b.enable_acting_master = r.boolean(obj, "enableActingMaster", path);
  b.zone_name = r.optString(obj, "zoneName", path);
  return b;
}

Json brokerDataJson(const BrokerData& b) {
  Json addrs = Json::object();
  for (const auto& [id, addr] : b.broker_addrs) {
    addrs[std::to_string(id)] = addr;
  }
  Json j{{"cluster", b.cluster},
         {"brokerName", b.broker_name},
         {"brokerAddrs", addrs},
         {"enableActingMaster", b.enable_acting_master}};
  if (b.zone_name) {
    j["zoneName"] = *b.zone_name;
  }
  return j;
}

// Same as brokerDataJson but with bare integer brokerAddrs keys, as fastjson writes ClusterInfo.
std::string brokerDataFastjson(const BrokerData& b) {
  Json base = brokerDataJson(b);
  base.erase("brokerAddrs");
  Json entries = Json::array();
  for (const auto& [id, addr] : b.broker_addrs) {
    entries.push_back(Json::array({id, addr}));
  }
  return spliceRawMember(dumpJson(base), "brokerAddrs", dumpFastjsonMap(entries));
}

SubscriptionData readSubscriptionData(Reader& r, const Json& obj, std::string_view path) {
  SubscriptionData s;
  s.topic = r.string(obj, "topic", path);
  s.sub_string = r.string(obj, "subString", path, std::string(kSubAll));
  s.tags_set = r.strings(obj, "tagsSet", path);
  if (const Json* codes = r.array(obj, "codeSet", path)) {
    for (std::size_t i = 0; i < codes->size(); ++i) {
      auto code = r.toInt64((*codes)[i], fmt::format("{}.codeSet[{}]", path, i));
      if (!code) {
        break;
      }
      s.code_set.push_back(static_cast<std::int32_t>(*code));
    }
  }
  s.sub_version = r.int64(obj, "subVersion", path);
  s.expression_type = r.string(obj, "expressionType", path, "TAG");
  s.class_filter_mode = r.boolean(obj, "classFilterMode", path);
  return s;
}

Json subscriptionDataJson(const SubscriptionData& s) {
  return Json{{"classFilterMode", s.class_filter_mode},
              {"codeSet", s.code_set},
              {"expressionType", s.expression_type},
              {"subString", s.sub_string},
              {"subVersion", s.sub_version},
              {"tagsSet", s.tags_set},
              {"topic", s.topic}};
}

TopicConfig readTopicConfig(Reader& r, const Json& obj, std::string_view path) {
  TopicConfig t;
  t.topic_name = r.string(obj, "topicName", path);
  t.read_queue_nums = r.int32(obj, "readQueueNums", path, 16);
  t.write_queue_nums = r.int32(obj, "writeQueueNums", path, 16);
  t.perm = r.int32(obj, "perm", path, kPermRead | kPermWrite);
  t.topic_filter_type = r.string(obj, "topicFilterType", path, "SINGLE_TAG");
  t.topic_sys_flag = r.int32(obj, "topicSysFlag", path);
  t.order = r.boolean(obj, "order", path);
  t.attributes = stringMap(r, obj, "attributes", path);
  static const std::set<std::string, std::less<>> kKnown{
      "topicName",       "readQueueNums", "writeQueueNums", "perm",
      "topicFilterType", "topicSysFlag",  "order",          "attributes"};
  if (obj.is_object()) {
    for (const auto& [k, v] : obj.items()) {
      if (!kKnown.contains(k)) {
        t.extra[k] = v;
      }
    }
  }
  return t;
}

SubscriptionGroupConfig readGroupConfig(Reader& r, const Json& obj, std::string_view path) {
  SubscriptionGroupConfig g;
  g.group_name = r.string(obj, "groupName", path);
  g.consume_enable = r.boolean(obj, "consumeEnable", path, true);
  g.consume_from_min_enable = r.boolean(obj, "consumeFromMinEnable", path, true);
  g.consume_broadcast_enable = r.boolean(obj, "consumeBroadcastEnable", path, true);
  g.consume_message_orderly = r.boolean(obj, "consumeMessageOrderly", path, false);
  g.retry_queue_nums = r.int32(obj, "retryQueueNums", path, 1);
  g.retry_max_times = r.int32(obj, "retryMaxTimes", path, 16);
  g.broker_id = r.int64(obj, "brokerId", path, 0);
  g.which_broker_when_consume_slowly = r.int64(obj, "whichBrokerWhenConsumeSlowly", path, 1);
  g.notify_consumer_ids_changed_enable =
      r.boolean(obj, "notifyConsumerIdsChangedEnable", path, true);
  g.group_sys_flag = r.int32(obj, "groupSysFlag", path, 0);
  g.consume_timeout_minute = r.int32(obj, "consumeTimeoutMinute", path, 15);
  static const std::set<std::string, std::less<>> kKnown{"groupName",
                                                         "consumeEnable",
                                                         "consumeFromMinEnable",
                                                         "consumeBroadcastEnable",
                                                         "consumeMessageOrderly",
                                                         "retryQueueNums",
                                                         "retryMaxTimes",
                                                         "brokerId",
                                                         "whichBrokerWhenConsumeSlowly",
                                                         "notifyConsumerIdsChangedEnable",
                                                         "groupSysFlag",
                                                         "consumeTimeoutMinute"};
  if (obj.is_object()) {
    for (const auto& [k, v] : obj.items()) {
      if (!kKnown.contains(k)) {
        g.extra[k] = v;
      }
    }
  }
  return g;
}

Json offsetWrapperJson(const OffsetWrapper& w) {
  return Json{{"brokerOffset", w.broker_offset.value()},
              {"consumerOffset", w.consumer_offset.value()},
              {"lastTimestamp", w.last_timestamp.millis()},
              {"pullOffset", w.pull_offset.value()}};
}

Json processQueueInfoJson(const ProcessQueueInfo& p) {
  return Json{{"cachedMsgCount", p.cached_msg_count},
              {"cachedMsgMaxOffset", p.cached_msg_max_offset.value()},
              {"cachedMsgMinOffset", p.cached_msg_min_offset.value()},
              {"cachedMsgSizeInMiB", p.cached_msg_size_in_mib},
              {"commitOffset", p.commit_offset.value()},
              {"droped", p.droped},
              {"lastConsumeTimestamp", p.last_consume_timestamp},
              {"lastLockTimestamp", p.last_lock_timestamp},
              {"lastPullTimestamp", p.last_pull_timestamp},
              {"locked", p.locked},
              {"transactionMsgCount", p.transaction_msg_count},
              {"transactionMsgMaxOffset", p.transaction_msg_max_offset.value()},
              {"transactionMsgMinOffset", p.transaction_msg_min_offset.value()},
              {"tryUnlockTimes", p.try_unlock_times}};
}

}  // namespace

// ---- helpers -------------------------------------------------------------------------------

std::int32_t javaStringHashCode(std::string_view utf8) {
  std::uint32_t h = 0;
  auto add = [&h](std::uint32_t unit) {
    h = 31U * h + unit;
  };
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    char32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else {
      std::size_t need = 0;
      char32_t min = 0;
      if ((b0 & 0xE0) == 0xC0) {
        need = 2, min = 0x80, cp = b0 & 0x1F;
      } else if ((b0 & 0xF0) == 0xE0) {
        need = 3, min = 0x800, cp = b0 & 0x0F;
      } else if ((b0 & 0xF8) == 0xF0) {
        need = 4, min = 0x10000, cp = b0 & 0x07;
      }
      bool valid = need != 0 && i + need <= utf8.size();
      for (std::size_t k = 1; valid && k < need; ++k) {
        const auto b = static_cast<unsigned char>(utf8[i + k]);
        if ((b & 0xC0) != 0x80) {
          valid = false;
        }
        cp = (cp << 6) | (b & 0x3F);
      }
      if (valid && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        len = need;
      } else {
        cp = 0xFFFD;
      }
    }
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      add(0xD800 + (v >> 10));
      add(0xDC00 + (v & 0x3FF));
    } else {
      add(cp);
    }
    i += len;
  }
  return static_cast<std::int32_t>(h);
}

std::string messageQueueKey(const MessageQueue& mq) {
  return dumpJson(messageQueueJson(mq));
}

Result<MessageQueue> parseMessageQueueKey(std::string_view key) {
  auto parsed = parseFastjson(key);
  if (!parsed || !parsed->is_object()) {
    return makeError(Errc::kMalformed, "map key is not a MessageQueue object");
  }
  Reader r("MessageQueue");
  MessageQueue mq;
  mq.topic = r.string(*parsed, "topic", "");
  mq.broker_name = r.string(*parsed, "brokerName", "");
  mq.queue_id = QueueId(r.int32(*parsed, "queueId", "", -1));
  if (r.ok() && (mq.topic.empty() || mq.broker_name.empty() || mq.queue_id.value() < 0)) {
    return makeError(Errc::kMalformed, "map key lacks topic, brokerName or queueId");
  }
  return r.finish(std::move(mq));
}

std::optional<std::string> BrokerData::masterAddr() const {
  auto it = broker_addrs.find(kMasterBrokerId);
  if (it == broker_addrs.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

// ---- TopicRouteData ------------------------------------------------------------------------

Result<TopicRouteData> TopicRouteData::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "TopicRouteData";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  TopicRouteData route;
  route.order_topic_conf = r.optString(*json, "orderTopicConf", "");
  if (const Json* qds = r.array(*json, "queueDatas", "")) {
    for (std::size_t i = 0; i < qds->size() && r.ok(); ++i) {
      const std::string path = fmt::format("queueDatas[{}]", i);
      const Json& q = (*qds)[i];
      if (!q.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      QueueData qd;
      qd.broker_name = r.string(q, "brokerName", path);
      qd.read_queue_nums = r.int32(q, "readQueueNums", path);
      qd.write_queue_nums = r.int32(q, "writeQueueNums", path);
      qd.perm = r.int32(q, "perm", path);
      qd.topic_sys_flag = r.int32(q, "topicSysFlag", path);
      route.queue_datas.push_back(std::move(qd));
    }
  }
  if (const Json* bds = r.array(*json, "brokerDatas", "")) {
    for (std::size_t i = 0; i < bds->size() && r.ok(); ++i) {
      const std::string path = fmt::format("brokerDatas[{}]", i);
      if (!(*bds)[i].is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      route.broker_datas.push_back(readBrokerData(r, (*bds)[i], path));
    }
  }
  return r.finish(std::move(route));
}

std::string TopicRouteData::toJson() const {
  Json qds = Json::array();
  for (const auto& q : queue_datas) {
    qds.push_back(Json{{"brokerName", q.broker_name},
                       {"perm", q.perm},
                       {"readQueueNums", q.read_queue_nums},
                       {"topicSysFlag", q.topic_sys_flag},
                       {"writeQueueNums", q.write_queue_nums}});
  }
  Json bds = Json::array();
  for (const auto& b : broker_datas) {
    bds.push_back(brokerDataJson(b));
  }
  Json j{{"brokerDatas", bds}, {"filterServerTable", Json::object()}, {"queueDatas", qds}};
  if (order_topic_conf) {
    j["orderTopicConf"] = *order_topic_conf;
  }
  return dumpJson(j);
}

const BrokerData* TopicRouteData::findBroker(std::string_view broker_name) const {
  for (const auto& b : broker_datas) {
    if (b.broker_name == broker_name) {
      return &b;
    }
  }
  return nullptr;
}

const QueueData* TopicRouteData::findQueueData(std::string_view broker_name) const {
  for (const auto& q : queue_datas) {
    if (q.broker_name == broker_name) {
      return &q;
    }
  }
  return nullptr;
}

// ---- ClusterInfo ---------------------------------------------------------------------------

Result<ClusterInfo> ClusterInfo::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "ClusterInfo";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  ClusterInfo info;
  if (const Json* table = r.object(*json, "brokerAddrTable", "")) {
    for (const auto& [name, v] : table->items()) {
      const std::string path = fmt::format("brokerAddrTable[{}]", name);
      if (!v.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      info.broker_addr_table[name] = readBrokerData(r, v, path);
      if (!r.ok()) {
        break;
      }
    }
  }
  if (const Json* table = r.object(*json, "clusterAddrTable", "")) {
    for (const auto& [cluster, v] : table->items()) {
      auto names = r.strings(*table, cluster, "clusterAddrTable");
      if (!r.ok()) {
        break;
      }
      info.cluster_addr_table[cluster] = sortedUnique(std::move(names));
      (void)v;
    }
  }
  return r.finish(std::move(info));
}

std::string ClusterInfo::toJson() const {
  std::string brokers = "{";
  bool first = true;
  for (const auto& [name, data] : broker_addr_table) {
    if (!first) {
      brokers += ",";
    }
    first = false;
    brokers += dumpJson(Json(name)) + ":" + brokerDataFastjson(data);
  }
  brokers += "}";
  Json clusters = Json::object();
  for (const auto& [name, list] : cluster_addr_table) {
    clusters[name] = list;
  }
  return spliceRawMember(dumpJson(Json{{"clusterAddrTable", clusters}}), "brokerAddrTable",
                         brokers);
}

// ---- TopicList -----------------------------------------------------------------------------

Result<TopicList> TopicList::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "TopicList";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  TopicList list;
  list.topics = sortedUnique(r.strings(*json, "topicList", ""));
  list.broker_addr = r.optString(*json, "brokerAddr", "");
  return r.finish(std::move(list));
}

std::string TopicList::toJson() const {
  Json j{{"topicList", topics}};
  if (broker_addr) {
    j["brokerAddr"] = *broker_addr;
  }
  return dumpJson(j);
}

// ---- TopicConfig ---------------------------------------------------------------------------

Result<TopicConfig> TopicConfig::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "TopicConfig";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  TopicConfig t = readTopicConfig(r, *json, "");
  return r.finish(std::move(t));
}

std::string TopicConfig::toJson() const {
  Json j = extra.is_object() ? extra : Json::object();
  j["topicName"] = topic_name;
  j["readQueueNums"] = read_queue_nums;
  j["writeQueueNums"] = write_queue_nums;
  j["perm"] = perm;
  j["topicFilterType"] = topic_filter_type;
  j["topicSysFlag"] = topic_sys_flag;
  j["order"] = order;
  j["attributes"] = attributes;
  return dumpJson(j);
}

std::optional<std::string> TopicConfig::attributesHeader() const {
  if (attributes.empty()) {
    return std::nullopt;
  }
  std::string out;
  for (const auto& [k, v] : attributes) {
    if (!out.empty()) {
      out += ",";
    }
    out += fmt::format("+{}={}", k, v);
  }
  return out;
}

Result<TopicConfigSerializeWrapper> TopicConfigSerializeWrapper::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "TopicConfigSerializeWrapper";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  TopicConfigSerializeWrapper w;
  if (const Json* table = r.object(*json, "topicConfigTable", "")) {
    for (const auto& [name, v] : table->items()) {
      const std::string path = fmt::format("topicConfigTable[{}]", name);
      if (!v.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      TopicConfig t = readTopicConfig(r, v, path);
      if (!r.ok()) {
        break;
      }
      if (t.topic_name.empty()) {
        t.topic_name = name;
      }
      w.topic_config_table[name] = std::move(t);
    }
  }
  w.data_version = readDataVersion(r, *json, "dataVersion");
  return r.finish(std::move(w));
}

// ---- SubscriptionGroupConfig ---------------------------------------------------------------

Result<SubscriptionGroupConfig> SubscriptionGroupConfig::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "SubscriptionGroupConfig";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  SubscriptionGroupConfig g = readGroupConfig(r, *json, "");
  return r.finish(std::move(g));
}

std::string SubscriptionGroupConfig::toJson() const {
  Json j = extra.is_object() ? extra : Json::object();
  j["groupName"] = group_name;
  j["consumeEnable"] = consume_enable;
  j["consumeFromMinEnable"] = consume_from_min_enable;
  j["consumeBroadcastEnable"] = consume_broadcast_enable;
  j["consumeMessageOrderly"] = consume_message_orderly;
  j["retryQueueNums"] = retry_queue_nums;
  j["retryMaxTimes"] = retry_max_times;
  j["brokerId"] = broker_id;
  j["whichBrokerWhenConsumeSlowly"] = which_broker_when_consume_slowly;
  j["notifyConsumerIdsChangedEnable"] = notify_consumer_ids_changed_enable;
  j["groupSysFlag"] = group_sys_flag;
  j["consumeTimeoutMinute"] = consume_timeout_minute;
  return dumpJson(j);
}

Result<SubscriptionGroupWrapper> SubscriptionGroupWrapper::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "SubscriptionGroupWrapper";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  SubscriptionGroupWrapper w;
  if (const Json* table = r.object(*json, "subscriptionGroupTable", "")) {
    for (const auto& [name, v] : table->items()) {
      const std::string path = fmt::format("subscriptionGroupTable[{}]", name);
      if (!v.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      SubscriptionGroupConfig g = readGroupConfig(r, v, path);
      if (!r.ok()) {
        break;
      }
      if (g.group_name.empty()) {
        g.group_name = name;
      }
      w.subscription_group_table[name] = std::move(g);
    }
  }
  w.data_version = readDataVersion(r, *json, "dataVersion");
  return r.finish(std::move(w));
}

// ---- SubscriptionData ----------------------------------------------------------------------

SubscriptionData SubscriptionData::build(std::string topic, std::string_view expression,
                                         std::int64_t sub_version) {
  SubscriptionData s;
  s.topic = std::move(topic);
  s.sub_version = sub_version;
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
      v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
      v.remove_suffix(1);
    }
    return v;
  };
  const std::string_view expr = trim(expression);
  if (expr.empty() || expr == kSubAll) {
    s.sub_string = std::string(kSubAll);
    return s;
  }
  s.sub_string = std::string(expr);
  std::string_view rest = expr;
  while (true) {
    const auto bar = rest.find("||");
    const std::string_view tag = trim(rest.substr(0, bar));
    if (!tag.empty() && std::find(s.tags_set.begin(), s.tags_set.end(), tag) == s.tags_set.end()) {
      s.tags_set.emplace_back(tag);
      s.code_set.push_back(javaStringHashCode(tag));
    }
    if (bar == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(bar + 2);
  }
  return s;
}

// ---- ConsumerConnection --------------------------------------------------------------------

Result<ConsumerConnection> ConsumerConnection::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "ConsumerConnection";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  ConsumerConnection cc;
  if (const Json* set = r.array(*json, "connectionSet", "")) {
    for (std::size_t i = 0; i < set->size() && r.ok(); ++i) {
      const std::string path = fmt::format("connectionSet[{}]", i);
      const Json& c = (*set)[i];
      if (!c.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      Connection conn;
      conn.client_id = r.string(c, "clientId", path);
      conn.client_addr = r.string(c, "clientAddr", path);
      if (const Json* lang = Reader::member(c, "language")) {
        // An enum name; an ordinal from odd writers is kept as its number.
        conn.language = lang->is_string() ? lang->get<std::string>() : dumpJson(*lang);
      }
      conn.version = r.int32(c, "version", path);
      cc.connection_set.push_back(std::move(conn));
    }
  }
  if (const Json* table = r.object(*json, "subscriptionTable", "")) {
    for (const auto& [topic, v] : table->items()) {
      const std::string path = fmt::format("subscriptionTable[{}]", topic);
      if (!v.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      SubscriptionData s = readSubscriptionData(r, v, path);
      if (!r.ok()) {
        break;
      }
      if (s.topic.empty()) {
        s.topic = topic;
      }
      cc.subscription_table[topic] = std::move(s);
    }
  }
  cc.consume_type = r.string(*json, "consumeType", "");
  cc.message_model = r.string(*json, "messageModel", "");
  cc.consume_from_where = r.string(*json, "consumeFromWhere", "");
  return r.finish(std::move(cc));
}

std::string ConsumerConnection::toJson() const {
  Json conns = Json::array();
  for (const auto& c : connection_set) {
    conns.push_back(Json{{"clientAddr", c.client_addr},
                         {"clientId", c.client_id},
                         {"language", c.language},
                         {"version", c.version}});
  }
  Json subs = Json::object();
  for (const auto& [topic, s] : subscription_table) {
    subs[topic] = subscriptionDataJson(s);
  }
  Json j{{"connectionSet", conns}, {"subscriptionTable", subs}};
  if (!consume_type.empty()) {
    j["consumeType"] = consume_type;
  }
  if (!message_model.empty()) {
    j["messageModel"] = message_model;
  }
  if (!consume_from_where.empty()) {
    j["consumeFromWhere"] = consume_from_where;
  }
  return dumpJson(j);
}

// ---- ConsumeStats --------------------------------------------------------------------------

Result<ConsumeStats> ConsumeStats::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "ConsumeStats";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  ConsumeStats stats;
  stats.consume_tps = r.number(*json, "consumeTps", "");
  r.messageQueueMap(*json, "offsetTable", "",
                    [&](MessageQueue mq, const Json& v, const std::string& path) {
                      if (!v.is_object()) {
                        r.fail(path, "expected an object");
                        return;
                      }
                      OffsetWrapper w;
                      w.broker_offset = QueueOffset(r.int64(v, "brokerOffset", path));
                      w.consumer_offset = QueueOffset(r.int64(v, "consumerOffset", path));
                      w.pull_offset = QueueOffset(r.int64(v, "pullOffset", path));
                      w.last_timestamp = StoreTime::fromMillis(r.int64(v, "lastTimestamp", path));
                      stats.offset_table[std::move(mq)] = w;
                    });
  return r.finish(std::move(stats));
}

std::string ConsumeStats::toJson() const {
  Json entries = Json::array();
  for (const auto& [mq, w] : offset_table) {
    entries.push_back(Json::array({messageQueueJson(mq), offsetWrapperJson(w)}));
  }
  return spliceRawMember(dumpJson(Json{{"consumeTps", consume_tps}}), "offsetTable",
                         dumpFastjsonMap(entries));
}

std::int64_t ConsumeStats::totalDiff() const {
  std::int64_t total = 0;
  for (const auto& [mq, w] : offset_table) {
    total += w.broker_offset.distanceFrom(w.consumer_offset);
  }
  return total;
}

// ---- ResetOffsetBody -----------------------------------------------------------------------

Result<ResetOffsetBody> ResetOffsetBody::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "ResetOffsetBody";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  ResetOffsetBody reset;
  const Json* table = Reader::member(*json, "offsetTable");
  if (table && table->is_array()) {
    // ResetOffsetBodyForC: [{"brokerName":..,"offset":..,"queueId":..,"topic":..}]
    for (std::size_t i = 0; i < table->size() && r.ok(); ++i) {
      const std::string path = fmt::format("offsetTable[{}]", i);
      const Json& e = (*table)[i];
      if (!e.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      MessageQueue mq{r.string(e, "topic", path), r.string(e, "brokerName", path),
                      QueueId(r.int32(e, "queueId", path))};
      reset.offset_table[std::move(mq)] = QueueOffset(r.int64(e, "offset", path));
    }
  } else {
    r.messageQueueMap(*json, "offsetTable", "",
                      [&](MessageQueue mq, const Json& v, const std::string& path) {
                        auto offset = r.toInt64(v, path);
                        if (offset) {
                          reset.offset_table[std::move(mq)] = QueueOffset(*offset);
                        }
                      });
  }
  return r.finish(std::move(reset));
}

std::string ResetOffsetBody::toJson() const {
  Json entries = Json::array();
  for (const auto& [mq, offset] : offset_table) {
    entries.push_back(Json::array({messageQueueJson(mq), offset.value()}));
  }
  return "{\"offsetTable\":" + dumpFastjsonMap(entries) + "}";
}

// ---- small lists ---------------------------------------------------------------------------

Result<ConsumerIdList> ConsumerIdList::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "ConsumerIdList";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  ConsumerIdList list;
  list.consumer_ids = r.strings(*json, "consumerIdList", "");
  return r.finish(std::move(list));
}

Result<GroupList> GroupList::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "GroupList";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  GroupList list;
  list.groups = sortedUnique(r.strings(*json, "groupList", ""));
  return r.finish(std::move(list));
}

// ---- ConsumerRunningInfo -------------------------------------------------------------------

Result<ConsumerRunningInfo> ConsumerRunningInfo::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "ConsumerRunningInfo";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  ConsumerRunningInfo info;
  info.properties = stringMap(r, *json, "properties", "");
  if (const Json* subs = r.array(*json, "subscriptionSet", "")) {
    for (std::size_t i = 0; i < subs->size() && r.ok(); ++i) {
      const std::string path = fmt::format("subscriptionSet[{}]", i);
      if (!(*subs)[i].is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      info.subscription_set.push_back(readSubscriptionData(r, (*subs)[i], path));
    }
  }
  r.messageQueueMap(
      *json, "mqTable", "", [&](MessageQueue mq, const Json& v, const std::string& path) {
        if (!v.is_object()) {
          r.fail(path, "expected an object");
          return;
        }
        ProcessQueueInfo p;
        p.commit_offset = QueueOffset(r.int64(v, "commitOffset", path));
        p.cached_msg_min_offset = QueueOffset(r.int64(v, "cachedMsgMinOffset", path));
        p.cached_msg_max_offset = QueueOffset(r.int64(v, "cachedMsgMaxOffset", path));
        p.cached_msg_count = r.int32(v, "cachedMsgCount", path);
        p.cached_msg_size_in_mib = r.int32(v, "cachedMsgSizeInMiB", path);
        p.transaction_msg_min_offset = QueueOffset(r.int64(v, "transactionMsgMinOffset", path));
        p.transaction_msg_max_offset = QueueOffset(r.int64(v, "transactionMsgMaxOffset", path));
        p.transaction_msg_count = r.int32(v, "transactionMsgCount", path);
        p.locked = r.boolean(v, "locked", path);
        p.try_unlock_times = r.int64(v, "tryUnlockTimes", path);
        p.last_lock_timestamp = r.int64(v, "lastLockTimestamp", path);
        p.droped = r.boolean(v, "droped", path);
        p.last_pull_timestamp = r.int64(v, "lastPullTimestamp", path);
        p.last_consume_timestamp = r.int64(v, "lastConsumeTimestamp", path);
        info.mq_table[std::move(mq)] = p;
      });
  if (const Json* table = r.object(*json, "statusTable", "")) {
    for (const auto& [topic, v] : table->items()) {
      const std::string path = fmt::format("statusTable[{}]", topic);
      if (!v.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      ConsumeStatus s;
      s.pull_rt = r.number(v, "pullRT", path);
      s.pull_tps = r.number(v, "pullTPS", path);
      s.consume_rt = r.number(v, "consumeRT", path);
      s.consume_ok_tps = r.number(v, "consumeOKTPS", path);
      s.consume_failed_tps = r.number(v, "consumeFailedTPS", path);
      s.consume_failed_msgs = r.int64(v, "consumeFailedMsgs", path);
      info.status_table[topic] = s;
      if (!r.ok()) {
        break;
      }
    }
  }
  info.user_consumer_info = stringMap(r, *json, "userConsumerInfo", "");
  info.jstack = r.optString(*json, "jstack", "");
  return r.finish(std::move(info));
}

std::string ConsumerRunningInfo::toJson() const {
  Json subs = Json::array();
  for (const auto& s : subscription_set) {
    subs.push_back(subscriptionDataJson(s));
  }
  Json status = Json::object();
  for (const auto& [topic, s] : status_table) {
    status[topic] = Json{{"consumeFailedMsgs", s.consume_failed_msgs},
                         {"consumeFailedTPS", s.consume_failed_tps},
                         {"consumeOKTPS", s.consume_ok_tps},
                         {"consumeRT", s.consume_rt},
                         {"pullRT", s.pull_rt},
                         {"pullTPS", s.pull_tps}};
  }
  Json j{{"properties", properties},
         {"statusTable", status},
         {"subscriptionSet", subs},
         {"userConsumerInfo", user_consumer_info}};
  if (jstack) {
    j["jstack"] = *jstack;
  }
  Json entries = Json::array();
  for (const auto& [mq, p] : mq_table) {
    entries.push_back(Json::array({messageQueueJson(mq), processQueueInfoJson(p)}));
  }
  return spliceRawMember(dumpJson(j), "mqTable", dumpFastjsonMap(entries));
}

// ---- HeartbeatData -------------------------------------------------------------------------

Result<HeartbeatData> HeartbeatData::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "HeartbeatData";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  HeartbeatData hb;
  hb.client_id = r.string(*json, "clientID", "");
  if (const Json* producers = r.array(*json, "producerDataSet", "")) {
    for (std::size_t i = 0; i < producers->size() && r.ok(); ++i) {
      hb.producer_data_set.push_back(ProducerData{
          r.string((*producers)[i], "groupName", fmt::format("producerDataSet[{}]", i))});
    }
  }
  if (const Json* consumers = r.array(*json, "consumerDataSet", "")) {
    for (std::size_t i = 0; i < consumers->size() && r.ok(); ++i) {
      const std::string path = fmt::format("consumerDataSet[{}]", i);
      const Json& c = (*consumers)[i];
      if (!c.is_object()) {
        r.fail(path, "expected an object");
        break;
      }
      ConsumerData cd;
      cd.group_name = r.string(c, "groupName", path);
      cd.consume_type = r.string(c, "consumeType", path);
      cd.message_model = r.string(c, "messageModel", path);
      cd.consume_from_where = r.string(c, "consumeFromWhere", path);
      cd.unit_mode = r.boolean(c, "unitMode", path);
      if (const Json* subs = r.array(c, "subscriptionDataSet", path)) {
        for (std::size_t k = 0; k < subs->size() && r.ok(); ++k) {
          cd.subscription_data_set.push_back(readSubscriptionData(
              r, (*subs)[k], fmt::format("{}.subscriptionDataSet[{}]", path, k)));
        }
      }
      hb.consumer_data_set.push_back(std::move(cd));
    }
  }
  hb.heartbeat_fingerprint = r.int32(*json, "heartbeatFingerprint", "");
  hb.without_sub = r.boolean(*json, "withoutSub", "");
  return r.finish(std::move(hb));
}

std::string HeartbeatData::toJson() const {
  Json producers = Json::array();
  for (const auto& p : producer_data_set) {
    producers.push_back(Json{{"groupName", p.group_name}});
  }
  Json consumers = Json::array();
  for (const auto& c : consumer_data_set) {
    Json subs = Json::array();
    for (const auto& s : c.subscription_data_set) {
      subs.push_back(subscriptionDataJson(s));
    }
    consumers.push_back(Json{{"consumeFromWhere", c.consume_from_where},
                             {"consumeType", c.consume_type},
                             {"groupName", c.group_name},
                             {"messageModel", c.message_model},
                             {"subscriptionDataSet", subs},
                             {"unitMode", c.unit_mode}});
  }
  return dumpJson(Json{{"clientID", client_id},
                       {"consumerDataSet", consumers},
                       {"heartbeatFingerprint", heartbeat_fingerprint},
                       {"producerDataSet", producers},
                       {"withoutSub", without_sub}});
}

// ---- TopicStatsTable -----------------------------------------------------------------------

Result<TopicStatsTable> TopicStatsTable::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "TopicStatsTable";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  TopicStatsTable stats;
  r.messageQueueMap(
      *json, "offsetTable", "", [&](MessageQueue mq, const Json& v, const std::string& path) {
        if (!v.is_object()) {
          r.fail(path, "expected an object");
          return;
        }
        TopicOffset o;
        o.min_offset = QueueOffset(r.int64(v, "minOffset", path));
        o.max_offset = QueueOffset(r.int64(v, "maxOffset", path));
        o.last_update_timestamp = StoreTime::fromMillis(r.int64(v, "lastUpdateTimestamp", path));
        stats.offset_table[std::move(mq)] = o;
      });
  if (Reader::member(*json, "topicPutTps")) {
    stats.topic_put_tps = r.number(*json, "topicPutTps", "");
  }
  return r.finish(std::move(stats));
}

std::string TopicStatsTable::toJson() const {
  Json entries = Json::array();
  for (const auto& [mq, o] : offset_table) {
    entries.push_back(Json::array(
        {messageQueueJson(mq), Json{{"lastUpdateTimestamp", o.last_update_timestamp.millis()},
                                    {"maxOffset", o.max_offset.value()},
                                    {"minOffset", o.min_offset.value()}}}));
  }
  Json rest = Json::object();
  if (topic_put_tps) {
    rest["topicPutTps"] = *topic_put_tps;
  }
  return spliceRawMember(dumpJson(rest), "offsetTable", dumpFastjsonMap(entries));
}

// ---- KVTable and broker config -------------------------------------------------------------

Result<KVTable> KVTable::fromJson(std::string_view body) {
  constexpr std::string_view kModel = "KVTable";
  auto json = parseObject(body, kModel);
  if (!json) {
    return makeError(std::move(json.error()));
  }
  Reader r(kModel);
  KVTable kv;
  kv.table = stringMap(r, *json, "table", "");
  return r.finish(std::move(kv));
}

std::string KVTable::toJson() const {
  return dumpJson(Json{{"table", table}});
}

std::map<std::string, std::string> parseBrokerConfig(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
    if (line.empty() || line.front() == '#' || line.front() == '!') {
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      continue;
    }
    out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return out;
}

}  // namespace ferry::codec
