#include "ferry/control/status.h"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ferry::control {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<TaskState, std::string_view>, 5> kTaskStates = {{
    {TaskState::kStarting, "starting"},
    {TaskState::kRunning, "running"},
    {TaskState::kStopping, "stopping"},
    {TaskState::kStopped, "stopped"},
    {TaskState::kFailed, "failed"},
}};

constexpr std::array<std::pair<QueueState, std::string_view>, 6> kQueueStates = {{
    {QueueState::kStarting, "starting"},
    {QueueState::kRunning, "running"},
    {QueueState::kRetrying, "retrying"},
    {QueueState::kBlocked, "blocked"},
    {QueueState::kDraining, "draining"},
    {QueueState::kStopped, "stopped"},
}};

template <class E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [state, name] : table) {
    if (state == value) {
      return name;
    }
  }
  return "unknown";
}

template <class E, std::size_t N>
Result<E> parseName(const std::array<std::pair<E, std::string_view>, N>& table,
                    std::string_view name, std::string_view what) {
  for (const auto& [state, state_name] : table) {
    if (state_name == name) {
      return state;
    }
  }
  return makeError(Errc::kMalformed, fmt::format("unknown {} state '{}'", what, name));
}

template <class T>
json optionalJson(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json queueJson(const MessageQueue& mq) {
  return json{{"topic", mq.topic}, {"broker", mq.broker_name}, {"queue_id", mq.queue_id.value()}};
}

// Reads fields of one JSON object; every error names the full path of the field.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  Result<void> requireObject() const {
    if (!object_.is_object()) {
      return fail("", "expected an object");
    }
    return {};
  }

  Result<const json*> field(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end()) {
      return fail(key, "missing");
    }
    return &*it;
  }

  Result<std::string> string(std::string_view key) const {
    auto value = field(key);
    if (!value) {
      return makeError(std::move(value.error()));
    }
    if (!(*value)->is_string()) {
      return fail(key, "expected a string");
    }
    return (*value)->get<std::string>();
  }

  Result<std::int64_t> integer(std::string_view key) const {
    auto value = field(key);
    if (!value) {
      return makeError(std::move(value.error()));
    }
    if (!(*value)->is_number_integer()) {
      return fail(key, "expected an integer");
    }
    return (*value)->get<std::int64_t>();
  }

  Result<double> number(std::string_view key) const {
    auto value = field(key);
    if (!value) {
      return makeError(std::move(value.error()));
    }
    if (!(*value)->is_number()) {
      return fail(key, "expected a number");
    }
    return (*value)->get<double>();
  }

  Result<std::optional<std::int64_t>> optionalInteger(std::string_view key) const {
    auto value = field(key);
    if (!value) {
      return makeError(std::move(value.error()));
    }
    if ((*value)->is_null()) {
      return std::optional<std::int64_t>();
    }
    if (!(*value)->is_number_integer()) {
      return fail(key, "expected an integer or null");
    }
    return std::optional<std::int64_t>((*value)->get<std::int64_t>());
  }

  Result<std::optional<double>> optionalNumber(std::string_view key) const {
    auto value = field(key);
    if (!value) {
      return makeError(std::move(value.error()));
    }
    if ((*value)->is_null()) {
      return std::optional<double>();
    }
    if (!(*value)->is_number()) {
      return fail(key, "expected a number or null");
    }
    return std::optional<double>((*value)->get<double>());
  }

  std::string path(std::string_view key) const {
    if (key.empty()) {
      return path_;
    }
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  tl::unexpected<Error> fail(std::string_view key, std::string_view problem) const {
    std::string where = path(key);
    return makeError(Errc::kMalformed,
                     fmt::format("{}: {}", where.empty() ? "status" : where, problem));
  }

 private:
  const json& object_;
  std::string path_;
};

// Shorthand for "assign or return the error" inside the readers below.
#define FERRY_TRY_ASSIGN(target, expr)           \
  do {                                           \
    auto ferry_try_value = (expr);               \
    if (!ferry_try_value) {                      \
      return makeError(ferry_try_value.error()); \
    }                                            \
    (target) = std::move(*ferry_try_value);      \
  } while (false)

Result<MessageQueue> queueFromJson(const Reader& parent, std::string_view key) {
  const json* value = nullptr;
  FERRY_TRY_ASSIGN(value, parent.field(key));
  Reader r(*value, parent.path(key));
  if (auto ok = r.requireObject(); !ok) {
    return makeError(ok.error());
  }
  MessageQueue mq;
  FERRY_TRY_ASSIGN(mq.topic, r.string("topic"));
  FERRY_TRY_ASSIGN(mq.broker_name, r.string("broker"));
  std::int64_t id = 0;
  FERRY_TRY_ASSIGN(id, r.integer("queue_id"));
  if (id < 0 || id > INT32_MAX) {
    return r.fail("queue_id", "out of range");
  }
  mq.queue_id = QueueId(static_cast<std::int32_t>(id));
  return mq;
}

Result<std::optional<LastError>> lastErrorFromJson(const Reader& parent) {
  const json* value = nullptr;
  FERRY_TRY_ASSIGN(value, parent.field("last_error"));
  if (value->is_null()) {
    return std::optional<LastError>();
  }
  Reader r(*value, parent.path("last_error"));
  if (auto ok = r.requireObject(); !ok) {
    return makeError(ok.error());
  }
  LastError error;
  FERRY_TRY_ASSIGN(error.code, r.string("code"));
  FERRY_TRY_ASSIGN(error.message, r.string("message"));
  FERRY_TRY_ASSIGN(error.time_ms, r.integer("time_ms"));
  return std::optional<LastError>(std::move(error));
}

Result<QueueStatus> queueStatusFromJson(const json& value, std::string path) {
  Reader r(value, std::move(path));
  if (auto ok = r.requireObject(); !ok) {
    return makeError(ok.error());
  }
  QueueStatus q;
  FERRY_TRY_ASSIGN(q.source, queueFromJson(r, "source"));
  FERRY_TRY_ASSIGN(q.destination, queueFromJson(r, "destination"));
  std::string state;
  FERRY_TRY_ASSIGN(state, r.string("state"));
  auto parsed = parseQueueState(state);
  if (!parsed) {
    return r.fail("state", parsed.error().message);
  }
  q.state = *parsed;
  FERRY_TRY_ASSIGN(q.checkpoint, r.optionalInteger("checkpoint"));
  FERRY_TRY_ASSIGN(q.source_max_offset, r.optionalInteger("source_max_offset"));
  FERRY_TRY_ASSIGN(q.lag_messages, r.optionalInteger("lag_messages"));
  FERRY_TRY_ASSIGN(q.lag_seconds, r.optionalNumber("lag_seconds"));
  FERRY_TRY_ASSIGN(q.rate_messages_per_second, r.number("rate_messages_per_second"));
  FERRY_TRY_ASSIGN(q.last_error, lastErrorFromJson(r));
  FERRY_TRY_ASSIGN(q.last_activity_ms, r.integer("last_activity_ms"));
  return q;
}

Result<TaskStatus> taskFromJson(const json& value, std::string path) {
  Reader r(value, std::move(path));
  if (auto ok = r.requireObject(); !ok) {
    return makeError(ok.error());
  }
  TaskStatus task;
  FERRY_TRY_ASSIGN(task.name, r.string("name"));
  FERRY_TRY_ASSIGN(task.source, r.string("source"));
  FERRY_TRY_ASSIGN(task.destination, r.string("destination"));
  std::string state;
  FERRY_TRY_ASSIGN(state, r.string("state"));
  auto parsed = parseTaskState(state);
  if (!parsed) {
    return r.fail("state", parsed.error().message);
  }
  task.state = *parsed;
  FERRY_TRY_ASSIGN(task.last_error, lastErrorFromJson(r));
  const json* queues = nullptr;
  FERRY_TRY_ASSIGN(queues, r.field("queues"));
  if (!queues->is_array()) {
    return r.fail("queues", "expected an array");
  }
  for (std::size_t i = 0; i < queues->size(); ++i) {
    QueueStatus q;
    FERRY_TRY_ASSIGN(q,
                     queueStatusFromJson((*queues)[i], fmt::format("{}[{}]", r.path("queues"), i)));
    task.queues.push_back(std::move(q));
  }
  return task;
}

}  // namespace

std::string_view taskStateName(TaskState state) {
  return nameOf(kTaskStates, state);
}
std::string_view queueStateName(QueueState state) {
  return nameOf(kQueueStates, state);
}
Result<TaskState> parseTaskState(std::string_view name) {
  return parseName(kTaskStates, name, "task");
}
Result<QueueState> parseQueueState(std::string_view name) {
  return parseName(kQueueStates, name, "queue");
}

std::int64_t TaskStatus::lagMessages() const {
  std::int64_t total = 0;
  for (const QueueStatus& q : queues) {
    total += q.lag_messages.value_or(0);
  }
  return total;
}

double TaskStatus::rateMessagesPerSecond() const {
  double total = 0;
  for (const QueueStatus& q : queues) {
    total += q.rate_messages_per_second;
  }
  return total;
}

const TaskStatus* DaemonStatus::findTask(std::string_view name) const {
  auto it = std::find_if(tasks.begin(), tasks.end(),
                         [name](const TaskStatus& task) { return task.name == name; });
  return it == tasks.end() ? nullptr : &*it;
}

json toJson(const LastError& error) {
  return json{{"code", error.code}, {"message", error.message}, {"time_ms", error.time_ms}};
}

json toJson(const QueueStatus& q) {
  return json{
      {"source", queueJson(q.source)},
      {"destination", queueJson(q.destination)},
      {"state", queueStateName(q.state)},
      {"checkpoint", optionalJson(q.checkpoint)},
      {"source_max_offset", optionalJson(q.source_max_offset)},
      {"lag_messages", optionalJson(q.lag_messages)},
      {"lag_seconds", optionalJson(q.lag_seconds)},
      {"rate_messages_per_second", q.rate_messages_per_second},
      {"last_error", q.last_error ? toJson(*q.last_error) : json(nullptr)},
      {"last_activity_ms", q.last_activity_ms},
  };
}

json toJson(const TaskStatus& task) {
  json queues = json::array();
  for (const QueueStatus& q : task.queues) {
    queues.push_back(toJson(q));
  }
  return json{
      {"name", task.name},
      {"source", task.source},
      {"destination", task.destination},
      {"state", taskStateName(task.state)},
      {"last_error", task.last_error ? toJson(*task.last_error) : json(nullptr)},
      {"lag_messages", task.lagMessages()},
      {"rate_messages_per_second", task.rateMessagesPerSecond()},
      {"queues", std::move(queues)},
  };
}

json toJson(const DaemonStatus& status) {
  json tasks = json::array();
  for (const TaskStatus& task : status.tasks) {
    tasks.push_back(toJson(task));
  }
  return json{
      {"version", status.version},
      {"started_at_ms", status.started_at_ms},
      {"snapshot_at_ms", status.snapshot_at_ms},
      {"tasks", std::move(tasks)},
  };
}

Result<TaskStatus> taskStatusFromJson(const json& value) {
  return taskFromJson(value, "");
}

Result<DaemonStatus> daemonStatusFromJson(const json& value) {
  Reader r(value, "");
  if (auto ok = r.requireObject(); !ok) {
    return makeError(ok.error());
  }
  DaemonStatus status;
  FERRY_TRY_ASSIGN(status.version, r.string("version"));
  FERRY_TRY_ASSIGN(status.started_at_ms, r.integer("started_at_ms"));
  FERRY_TRY_ASSIGN(status.snapshot_at_ms, r.integer("snapshot_at_ms"));
  const json* tasks = nullptr;
  FERRY_TRY_ASSIGN(tasks, r.field("tasks"));
  if (!tasks->is_array()) {
    return r.fail("tasks", "expected an array");
  }
  for (std::size_t i = 0; i < tasks->size(); ++i) {
    TaskStatus task;
    FERRY_TRY_ASSIGN(task, taskFromJson((*tasks)[i], fmt::format("tasks[{}]", i)));
    status.tasks.push_back(std::move(task));
  }
  return status;
}

#undef FERRY_TRY_ASSIGN

void StatusBoard::publish(DaemonStatus status) {
  auto snapshot = std::make_shared<const DaemonStatus>(std::move(status));
  std::lock_guard lock(mutex_);
  latest_.swap(snapshot);
  // The previous snapshot is released after the lock, outside the readers' critical section.
}

std::shared_ptr<const DaemonStatus> StatusBoard::status() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

}  // namespace ferry::control
