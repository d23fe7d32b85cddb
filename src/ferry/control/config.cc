#include "ferry/control/config.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <sstream>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "ferry/control/admin_server.h"
#include "ferry/rocketmq/cluster_spec.h"

namespace ferry::control {
namespace {

// ---- Positions and the problems found --------------------------------------------------------

// 1-based line and column; line 0 means "no position" (an empty file).
struct Pos {
  int line = 0;
  int column = 0;
};

Pos posOf(const YAML::Mark& mark) {
  if (mark.is_null()) {
    return {};
  }
  return {mark.line + 1, mark.column + 1};
}

// Collects every problem as `source:line:column: path: problem`, in the order found.
class Diagnostics {
 public:
  static constexpr std::size_t kMaxReported = 20;

  explicit Diagnostics(std::string_view source) : source_(source) {}

  void add(Pos pos, std::string_view path, std::string_view problem) {
    std::string line = source_;
    if (pos.line > 0) {
      line += fmt::format(":{}:{}", pos.line, pos.column);
    }
    line += ": ";
    if (!path.empty()) {
      line += path;
      line += ": ";
    }
    line += problem;
    lines_.push_back(std::move(line));
  }

  bool empty() const { return lines_.empty(); }

  Error error() const {
    std::string message;
    const std::size_t shown = std::min(lines_.size(), kMaxReported);
    for (std::size_t i = 0; i < shown; ++i) {
      if (i > 0) {
        message += '\n';
      }
      message += lines_[i];
    }
    if (lines_.size() > shown) {
      message += fmt::format("\n... and {} more problems", lines_.size() - shown);
    }
    return Error{Errc::kInvalidArgument, std::move(message), 0, {}};
  }

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

// ---- Small text helpers ----------------------------------------------------------------------

bool isSimpleKey(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

// "clusters.east", or `broker_address_map["10.0.0.1:10911"]` for keys that are not plain words.
std::string childPath(std::string_view parent, std::string_view key) {
  if (!isSimpleKey(key)) {
    return fmt::format("{}[\"{}\"]", parent, key);
  }
  if (parent.empty()) {
    return std::string(key);
  }
  return fmt::format("{}.{}", parent, key);
}

std::string indexPath(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

// Edits (insert, delete, substitute, swap two neighbours) between two words: a typo's distance.
std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The closest candidate when it is close enough to be a typo: at most 1 edit for short words,
// 2 for longer ones.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (std::string_view candidate : candidates) {
    const std::size_t distance = editDistance(word, candidate);
    const std::size_t allowed = candidate.size() <= 4 ? 1 : 2;
    if (distance <= allowed && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) {
      out += ", ";
    }
    out += w;
  }
  return out;
}

bool isEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

struct Expanded {
  std::string text;
  bool from_env = false;  // at least one ${NAME} was replaced
};

// Replaces ${NAME} with the variable's value; "$${" stands for a literal "${". On failure returns
// the problem, which names the variable but never a value.
tl::expected<Expanded, std::string> expandEnv(std::string_view text, const EnvLookup& env) {
  Expanded out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {
      out.text += "${";
      i += 3;
      continue;
    }
    if (text.substr(i, 2) != "${") {
      out.text += text[i];
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return tl::unexpected<std::string>("unterminated '${' (write '$${' for a literal '${')");
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    if (!isEnvName(name)) {
      return tl::unexpected<std::string>(
          "malformed '${...}': a variable name is letters, digits and '_', not starting with a "
          "digit (write '$${' for a literal '${')");
    }
    auto value = env(name);
    if (!value) {
      return tl::unexpected(fmt::format("environment variable '{}' is not set", name));
    }
    out.text += *value;
    out.from_env = true;
    i = close + 1;
  }
  return out;
}

// host:port with a non-empty host (name, IPv4, or [IPv6]) and a decimal port <= 65535.
struct HostPort {
  std::string host;
  std::uint32_t port = 0;
};

std::optional<HostPort> parseHostPort(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()
      || text.size() - colon - 1 > 5) {
    return std::nullopt;
  }
  HostPort out;
  const std::string_view port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || out.port > 65535) {
    return std::nullopt;
  }
  out.host = std::string(text.substr(0, colon));
  if (out.host.front() == '[') {
    if (out.host.size() < 3 || out.host.back() != ']') {
      return std::nullopt;
    }
    return out;
  }
  const bool plain = std::all_of(out.host.begin(), out.host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
  });
  if (!plain) {
    return std::nullopt;
  }
  return out;
}

// Why `path` cannot be read as a file, or nullopt when it can.
std::optional<std::string> unreadable(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fmt::format("cannot read '{}': it is a directory", path.string());
  }
  if (::access(path.c_str(), R_OK) != 0) {
    const std::error_code error(errno, std::generic_category());
    return fmt::format("cannot read '{}': {}", path.string(), error.message());
  }
  return std::nullopt;
}

// RocketMQ's charset for topic and group names (Java Validators / TopicValidator).
bool isRocketMqName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '%'
           || c == '|';
  });
}
constexpr std::size_t kMaxTopicLength = 127;  // TopicValidator.TOPIC_MAX_LENGTH
constexpr std::size_t kMaxGroupLength = 255;  // Validators.CHARACTER_MAX_LENGTH
constexpr std::size_t kMaxNameLength = 64;    // task and cluster names (Ferry's own limit)

// Task names become part of the internal group name, metric labels and admin API paths.
bool isTaskName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength && isSimpleKey(name);
}
bool isClusterName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength
         && std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-'
                     || c == '.';
            });
}

// Problem with a tag expression, or nullopt when it is valid: "*" alone, or tags joined by "||".
std::optional<std::string> tagExpressionProblem(std::string_view expression) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
      s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    return s;
  };
  if (trim(expression) == "*") {
    return std::nullopt;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = expression.find("||", start);
    const std::string_view tag =
        trim(expression.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (tag.empty()) {
      return std::string(R"(empty tag in the expression (expected "*" or tags joined by "||"))");
    }
    if (tag.find('*') != std::string_view::npos) {
      return std::string("'*' matches every tag and must stand alone");
    }
    if (bar == std::string_view::npos) {
      return std::nullopt;
    }
    start = bar + 2;
  }
}

// ---- RFC 3339 ------------------------------------------------------------------------------

std::optional<int> fixedDigits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parseRfc3339(
    std::string_view text) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): calendar arithmetic
  // YYYY-MM-DDTHH:MM:SS is 19 characters.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't')
      || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto y = fixedDigits(text, 0, 4);
  const auto mo = fixedDigits(text, 5, 2);
  const auto d = fixedDigits(text, 8, 2);
  const auto h = fixedDigits(text, 11, 2);
  const auto mi = fixedDigits(text, 14, 2);
  const auto s = fixedDigits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *y < 1970 || *h > 23 || *mi > 59 || *s > 59) {
    return std::nullopt;
  }
  const year_month_day date{year(*y), month(static_cast<unsigned>(*mo)),
                            day(static_cast<unsigned>(*d))};
  if (!date.ok()) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  milliseconds fraction{0};
  if (text[pos] == '.') {
    const std::size_t first = ++pos;
    int scale = 100;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      fraction += milliseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == first || pos - first > 9) {
      return std::nullopt;
    }
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-')
             && text[pos + 3] == ':') {
    const auto oh = fixedDigits(text, pos + 1, 2);
    const auto om = fixedDigits(text, pos + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset = hours(*oh) + minutes(*om);
    if (text[pos] == '-') {
      offset = -offset;
    }
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  const auto local = sys_days{date} + hours(*h) + minutes(*mi) + seconds(*s) + fraction;
  const auto utc = time_point_cast<milliseconds>(local - offset);
  if (utc.time_since_epoch().count() < 0) {
    return std::nullopt;
  }
  return utc;
}

// ---- Reading YAML nodes ----------------------------------------------------------------------

// A key of a mapping with its value. `value_pos` points at the value, or at the key when the
// value is empty (yaml-cpp places an empty value's mark at the next token).
struct Entry {
  std::string key;
  Pos key_pos;
  YAML::Node value;
  Pos value_pos;
  std::string path;
  bool isNull() const { return value.IsNull(); }
};

struct Scalar {
  std::string text;
  bool from_env = false;
};

// Walks the document, reporting every problem to the diagnostics. Getters return nullopt after
// reporting; callers keep the default and carry on, so one pass finds every problem.
class Reader {
 public:
  Reader(Diagnostics& diag, const ParseOptions& options) : diag_(diag), options_(options) {}

  const ParseOptions& options() const { return options_; }

  void problem(Pos pos, std::string_view path, std::string_view text) {
    diag_.add(pos, path, text);
  }

  // The entries of a mapping in file order; keys must be scalars and unique. When `known` is
  // given, other keys are reported (with the closest known key, if any) and left out.
  std::optional<std::vector<Entry>> mapping(const YAML::Node& node, Pos pos,
                                            const std::string& path, std::string_view what,
                                            std::span<const std::string_view> known = {}) {
    if (!node.IsMap()) {
      problem(pos, path, fmt::format("expected {}", what));
      return std::nullopt;
    }
    std::vector<Entry> entries;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const Pos key_pos = posOf(it->first.Mark());
      if (!it->first.IsScalar()) {
        problem(key_pos, path, "a key must be a plain string");
        continue;
      }
      Entry entry{it->first.Scalar(), key_pos, it->second, {}, {}};
      entry.value_pos = entry.value.IsNull() ? key_pos : posOf(entry.value.Mark());
      entry.path = childPath(path, entry.key);
      auto first = std::find_if(entries.begin(), entries.end(),
                                [&](const Entry& e) { return e.key == entry.key; });
      if (first != entries.end()) {
        problem(key_pos, entry.path,
                fmt::format("duplicate key (first at line {})", first->key_pos.line));
        continue;
      }
      if (!known.empty() && std::find(known.begin(), known.end(), entry.key) == known.end()) {
        if (auto guess = closest(entry.key, known)) {
          problem(key_pos, entry.path, fmt::format("unknown key (did you mean '{}'?)", *guess));
        } else {
          problem(key_pos, entry.path,
                  fmt::format("unknown key (expected one of: {})", joined(known)));
        }
        continue;
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  // A scalar value with ${NAME} expanded. `what` names the expected type ("a string").
  std::optional<Scalar> scalar(const Entry& entry, std::string_view what) {
    if (!entry.value.IsScalar()) {
      problem(entry.value_pos, entry.path, fmt::format("expected {}", what));
      return std::nullopt;
    }
    auto expanded = expandEnv(entry.value.Scalar(), options_.env);
    if (!expanded) {
      problem(entry.value_pos, entry.path, expanded.error());
      return std::nullopt;
    }
    return Scalar{std::move(expanded->text), expanded->from_env};
  }

  // A non-empty string.
  std::optional<std::string> string(const Entry& entry) {
    auto value = scalar(entry, "a string");
    if (!value) {
      return std::nullopt;
    }
    if (value->text.empty()) {
      problem(entry.value_pos, entry.path,
              value->from_env ? "is empty (the environment variable is set to an empty value)"
                              : "is empty");
      return std::nullopt;
    }
    return std::move(value->text);
  }

  std::optional<bool> boolean(const Entry& entry) {
    auto value = scalar(entry, "true or false");
    if (!value) {
      return std::nullopt;
    }
    const std::string& t = value->text;
    if (t == "true" || t == "True" || t == "TRUE") {
      return true;
    }
    if (t == "false" || t == "False" || t == "FALSE") {
      return false;
    }
    problem(entry.value_pos, entry.path,
            fmt::format("expected true or false, got {}", shown(*value)));
    return std::nullopt;
  }

  // A decimal integer in [min, max] (quoted or not, so that it can come from ${NAME}).
  std::optional<std::int64_t> integer(const Entry& entry, std::int64_t min, std::int64_t max) {
    auto value = scalar(entry, "an integer");
    if (!value) {
      return std::nullopt;
    }
    const std::string& t = value->text;
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (t.empty() || end != t.data() + t.size() || ec == std::errc::invalid_argument) {
      problem(entry.value_pos, entry.path,
              fmt::format("expected an integer, got {}", shown(*value)));
      return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range || n < min || n > max) {
      problem(entry.value_pos, entry.path,
              fmt::format("must be from {} to {}, got {}", min, max, shown(*value)));
      return std::nullopt;
    }
    return n;
  }

  // A list's items with their paths and positions.
  std::optional<std::vector<Entry>> sequence(const Entry& entry, std::string_view what) {
    if (!entry.value.IsSequence()) {
      problem(entry.value_pos, entry.path, fmt::format("expected {}", what));
      return std::nullopt;
    }
    std::vector<Entry> items;
    std::size_t index = 0;
    for (const YAML::Node& item : entry.value) {
      const Pos pos = item.IsNull() ? entry.value_pos : posOf(item.Mark());
      items.push_back(Entry{{}, pos, item, pos, indexPath(entry.path, index)});
      ++index;
    }
    return items;
  }

  // Quotes a value for a message; values that came from the environment are never shown.
  static std::string shown(const Scalar& value) {
    if (value.from_env) {
      return "a value from the environment";
    }
    constexpr std::size_t kMaxShown = 64;
    if (value.text.size() > kMaxShown) {
      return fmt::format("'{}...'", value.text.substr(0, kMaxShown));
    }
    return fmt::format("'{}'", value.text);
  }

 private:
  Diagnostics& diag_;
  const ParseOptions& options_;
};

const Entry* find(const std::vector<Entry>& entries, std::string_view key) {
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  if (it == entries.end() || it->isNull()) {
    return nullptr;  // an empty value means "not set": the default applies
  }
  return &*it;
}

// A required key: reported at the mapping's position when absent.
const Entry* require(Reader& r, const std::vector<Entry>& entries, std::string_view key, Pos pos,
                     const std::string& path) {
  const Entry* entry = find(entries, key);
  if (entry == nullptr) {
    r.problem(pos, childPath(path, key), "missing required key");
  }
  return entry;
}

// ---- Sections --------------------------------------------------------------------------------

// Where things were written, for the checks that look at the whole file.
struct TopicSite {
  Pos source;
  Pos destination;
  std::string path;
};
struct TaskSite {
  Pos name;
  Pos source;
  Pos destination;
  Pos internal_group;
  std::string path;
  std::vector<TopicSite> topics;
};

constexpr std::array<std::string_view, 4> kTopLevelKeys = {"clusters", "admin", "log", "tasks"};
constexpr std::array<std::string_view, 7> kClusterKeys = {
    "namesrv", "access_key",         "secret_key", "security_token",
    "tls",     "broker_address_map", "timeout_ms"};
constexpr std::array<std::string_view, 4> kTlsKeys = {"enabled", "ca_file", "server_name",
                                                      "verify"};
constexpr std::array<std::string_view, 2> kAdminKeys = {"listen", "token"};
constexpr std::array<std::string_view, 1> kLogKeys = {"level"};
constexpr std::array<std::string_view, 6> kLogLevels = {"trace", "debug", "info",
                                                        "warn",  "error", "off"};
constexpr std::array<std::string_view, 8> kTaskKeys = {
    "name",           "source",  "destination", "topics", "start", "create_missing_topics",
    "internal_group", "batching"};
constexpr std::array<std::string_view, 3> kTopicKeys = {"source", "destination", "tags"};
constexpr std::array<std::string_view, 6> kBatchingKeys = {
    "max_messages", "max_bytes", "pull_batch", "linger_ms", "pulls_in_flight", "prefetch"};

constexpr std::int64_t kMinTimeoutMs = 100;
constexpr std::int64_t kMaxTimeoutMs = 600000;
constexpr std::int64_t kMaxBatchMessages = 65536;
constexpr std::int64_t kMinBatchBytes = 1024;
constexpr std::int64_t kMaxPullBatch = 1024;  // Java's bound for pullBatchSize
constexpr std::int64_t kMaxLingerMs = 10000;
constexpr std::int64_t kMaxPullsInFlight = 64;

std::optional<std::vector<std::string>> nameServers(Reader& r, const Entry& entry) {
  auto parse = [&](const Entry& item, std::vector<std::string>& out) {
    auto text = r.scalar(item, "a string");
    if (!text) {
      return;
    }
    auto list = rocketmq::parseNameServerList(text->text);
    if (!list) {
      r.problem(item.value_pos, item.path,
                text->from_env ? "the value from the environment is not a list of host:port"
                               : list.error().message);
      return;
    }
    out.insert(out.end(), list->begin(), list->end());
  };
  std::vector<std::string> out;
  if (entry.value.IsSequence()) {
    auto items = r.sequence(entry, "a list of host:port");
    for (const Entry& item : *items) {
      parse(item, out);
    }
    if (items->empty()) {
      r.problem(entry.value_pos, entry.path, "no NameServer address given");
    }
  } else if (entry.value.IsScalar()) {
    parse(entry, out);
  } else {
    r.problem(entry.value_pos, entry.path,
              "expected a string (\"host:port;host:port\") or a list of host:port");
  }
  if (out.empty()) {
    return std::nullopt;
  }
  return out;
}

void readTls(Reader& r, const Entry& entry, rocketmq::TlsSpec& tls) {
  auto fields = r.mapping(entry.value, entry.value_pos, entry.path, "a mapping", kTlsKeys);
  if (!fields) {
    return;
  }
  if (const Entry* e = find(*fields, "enabled")) {
    tls.enabled = r.boolean(*e).value_or(false);
  }
  if (const Entry* e = find(*fields, "ca_file")) {
    tls.ca_file = r.string(*e).value_or("");
    if (r.options().files_relative_to && !tls.ca_file.empty()) {
      std::filesystem::path path(tls.ca_file);
      if (path.is_relative()) {
        path = *r.options().files_relative_to / path;
      }
      if (auto problem = unreadable(path)) {
        r.problem(e->value_pos, e->path, *problem);
      }
      tls.ca_file = path.string();
    }
  }
  if (const Entry* e = find(*fields, "server_name")) {
    tls.server_name = r.string(*e).value_or("");
  }
  if (const Entry* e = find(*fields, "verify")) {
    tls.verify_peer = r.boolean(*e).value_or(true);
  }
  if (!tls.enabled) {
    for (const Entry& e : *fields) {
      if (e.key != "enabled" && !e.isNull()) {
        r.problem(e.key_pos, e.path, "has no effect unless tls.enabled is true");
      }
    }
  }
}

void readBrokerAddressMap(Reader& r, const Entry& entry, std::map<std::string, std::string>& map) {
  auto fields = r.mapping(entry.value, entry.value_pos, entry.path,
                          "a mapping of advertised host:port to the host:port to dial");
  if (!fields) {
    return;
  }
  for (const Entry& e : *fields) {
    auto advertised = parseHostPort(e.key);
    if (!advertised || advertised->port == 0) {
      r.problem(e.key_pos, e.path, "the advertised broker address must be host:port");
      continue;
    }
    if (e.isNull()) {
      r.problem(e.value_pos, e.path, "missing the host:port to dial");
      continue;
    }
    auto text = r.scalar(e, "a string (host:port)");
    if (!text) {
      continue;
    }
    auto dial = parseHostPort(text->text);
    if (!dial || dial->port == 0) {
      r.problem(e.value_pos, e.path,
                fmt::format("expected host:port to dial, got {}", Reader::shown(*text)));
      continue;
    }
    map[e.key] = text->text;
  }
}

std::optional<rocketmq::ClusterSpec> readCluster(Reader& r, const Entry& entry) {
  auto fields = r.mapping(entry.value, entry.value_pos, entry.path, "a mapping", kClusterKeys);
  if (!fields) {
    return std::nullopt;
  }
  rocketmq::ClusterSpec spec;
  spec.name = entry.key;
  bool ok = true;
  if (const Entry* e = require(r, *fields, "namesrv", entry.value_pos, entry.path)) {
    auto list = nameServers(r, *e);
    ok = ok && list.has_value();
    spec.name_servers = std::move(list).value_or(std::vector<std::string>{});
  } else {
    ok = false;
  }
  const Entry* access_key = find(*fields, "access_key");
  const Entry* secret_key = find(*fields, "secret_key");
  const Entry* token = find(*fields, "security_token");
  if (access_key != nullptr || secret_key != nullptr) {
    rpc::Credentials credentials;
    if (access_key != nullptr) {
      credentials.access_key = r.string(*access_key).value_or("");
    } else {
      r.problem(entry.value_pos, childPath(entry.path, "access_key"),
                "missing required key (secret_key is set)");
    }
    if (secret_key != nullptr) {
      credentials.secret_key = r.string(*secret_key).value_or("");
    } else {
      r.problem(entry.value_pos, childPath(entry.path, "secret_key"),
                "missing required key (access_key is set)");
    }
    if (token != nullptr) {
      credentials.security_token = r.string(*token).value_or("");
    }
    spec.credentials = std::move(credentials);
  } else if (token != nullptr) {
    r.problem(token->key_pos, token->path, "has no effect without access_key and secret_key");
  }
  if (const Entry* e = find(*fields, "tls")) {
    readTls(r, *e, spec.tls);
  }
  if (const Entry* e = find(*fields, "broker_address_map")) {
    readBrokerAddressMap(r, *e, spec.broker_address_map);
  }
  if (const Entry* e = find(*fields, "timeout_ms")) {
    if (auto ms = r.integer(*e, kMinTimeoutMs, kMaxTimeoutMs)) {
      spec.timeout = std::chrono::milliseconds(*ms);
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return spec;
}

void readAdmin(Reader& r, const Entry& entry, AdminConfig& admin) {
  auto fields = r.mapping(entry.value, entry.value_pos, entry.path, "a mapping", kAdminKeys);
  if (!fields) {
    return;
  }
  Pos listen_pos = entry.value_pos;
  Result<ListenAddress> listen = parseListenAddress(admin.listen);
  if (const Entry* e = find(*fields, "listen")) {
    listen_pos = e->value_pos;
    auto text = r.scalar(*e, "a string (host:port)");
    if (!text) {
      return;
    }
    listen = parseListenAddress(text->text);
    if (!listen) {
      r.problem(e->value_pos, e->path,
                text->from_env ? "the value from the environment is not host:port"
                               : listen.error().message);
      return;
    }
    admin.listen = text->text;
  }
  if (const Entry* e = find(*fields, "token")) {
    admin.token = r.string(*e).value_or("");
  } else if (listen && !isLoopbackHost(listen->host)) {
    r.problem(
        listen_pos, childPath(entry.path, "token"),
        fmt::format("required when admin.listen ({}) is not a loopback address", admin.listen));
  }
}

void readLog(Reader& r, const Entry& entry, LogConfig& log) {
  auto fields = r.mapping(entry.value, entry.value_pos, entry.path, "a mapping", kLogKeys);
  if (!fields) {
    return;
  }
  if (const Entry* e = find(*fields, "level")) {
    if (auto level = r.string(*e)) {
      if (std::find(kLogLevels.begin(), kLogLevels.end(), *level) == kLogLevels.end()) {
        r.problem(e->value_pos, e->path,
                  fmt::format("expected one of {}, got '{}'", joined(kLogLevels), *level));
      } else {
        log.level = *level;
      }
    }
  }
}

bool checkTopicName(Reader& r, const Entry& entry, const std::string& topic) {
  if (topic.size() > kMaxTopicLength || !isRocketMqName(topic)) {
    r.problem(entry.value_pos, entry.path,
              fmt::format("'{}' is not a valid topic name (at most {} characters of letters, "
                          "digits, '_', '-', '%', '|')",
                          topic, kMaxTopicLength));
    return false;
  }
  if (topic.starts_with("%RETRY%") || topic.starts_with("%DLQ%")) {
    r.problem(entry.value_pos, entry.path,
              fmt::format("'{}' is a retry or dead-letter topic; Ferry replicates business topics",
                          topic));
    return false;
  }
  return true;
}

std::optional<TopicMapping> readTopic(Reader& r, const Entry& item, TopicSite& site) {
  site.path = item.path;
  TopicMapping mapping;
  if (item.value.IsScalar()) {  // shorthand: "- orders" is {source: orders}
    auto source = r.string(item);
    if (!source || !checkTopicName(r, item, *source)) {
      return std::nullopt;
    }
    site.source = site.destination = item.value_pos;
    mapping.source = mapping.destination = *source;
    return mapping;
  }
  auto fields = r.mapping(item.value, item.value_pos, item.path,
                          "a topic name or a mapping {source, destination, tags}", kTopicKeys);
  if (!fields) {
    return std::nullopt;
  }
  bool ok = true;
  if (const Entry* e = require(r, *fields, "source", item.value_pos, item.path)) {
    auto source = r.string(*e);
    ok = source && checkTopicName(r, *e, *source);
    mapping.source = source.value_or("");
    site.source = site.destination = e->value_pos;
  } else {
    ok = false;
  }
  mapping.destination = mapping.source;
  if (const Entry* e = find(*fields, "destination")) {
    auto destination = r.string(*e);
    ok = ok && destination && checkTopicName(r, *e, *destination);
    mapping.destination = destination.value_or("");
    site.destination = e->value_pos;
  }
  if (const Entry* e = find(*fields, "tags")) {
    if (auto tags = r.string(*e)) {
      if (auto problem = tagExpressionProblem(*tags)) {
        r.problem(e->value_pos, e->path, *problem);
        ok = false;
      } else {
        mapping.tags = *tags;
      }
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return mapping;
}

void readBatching(Reader& r, const Entry& entry, BatchingConfig& batching) {
  auto fields = r.mapping(entry.value, entry.value_pos, entry.path, "a mapping", kBatchingKeys);
  if (!fields) {
    return;
  }
  if (const Entry* e = find(*fields, "max_messages")) {
    batching.max_messages = static_cast<std::uint32_t>(
        r.integer(*e, 1, kMaxBatchMessages).value_or(batching.max_messages));
  }
  if (const Entry* e = find(*fields, "max_bytes")) {
    batching.max_bytes = static_cast<std::uint32_t>(
        r.integer(*e, kMinBatchBytes, kBrokerMaxMessageSize).value_or(batching.max_bytes));
  }
  if (const Entry* e = find(*fields, "pull_batch")) {
    batching.pull_batch =
        static_cast<std::uint32_t>(r.integer(*e, 1, kMaxPullBatch).value_or(batching.pull_batch));
  }
  if (const Entry* e = find(*fields, "linger_ms")) {
    if (auto ms = r.integer(*e, 0, kMaxLingerMs)) {
      batching.linger = std::chrono::milliseconds(*ms);
    }
  }
  if (const Entry* e = find(*fields, "pulls_in_flight")) {
    batching.pulls_in_flight = static_cast<std::uint32_t>(
        r.integer(*e, 1, kMaxPullsInFlight).value_or(batching.pulls_in_flight));
  }
  if (const Entry* e = find(*fields, "prefetch")) {
    batching.prefetch = r.boolean(*e).value_or(batching.prefetch);
  }
}

std::optional<TaskConfig> readTask(Reader& r, const Entry& item, TaskSite& site) {
  site.path = item.path;
  auto fields = r.mapping(item.value, item.value_pos, item.path, "a mapping (one task)", kTaskKeys);
  if (!fields) {
    return std::nullopt;
  }
  TaskConfig task;
  bool ok = true;
  if (const Entry* e = require(r, *fields, "name", item.value_pos, item.path)) {
    site.name = e->value_pos;
    auto name = r.string(*e);
    if (name && !isTaskName(*name)) {
      r.problem(e->value_pos, e->path,
                fmt::format("'{}' is not a valid task name (1 to {} letters, digits, '_' or '-')",
                            *name, kMaxNameLength));
      name.reset();
    }
    ok = name.has_value();
    task.name = name.value_or("");
  } else {
    ok = false;
  }
  auto cluster_ref = [&](std::string_view key, std::string& target, Pos& pos) {
    const Entry* e = require(r, *fields, key, item.value_pos, item.path);
    if (e == nullptr) {
      return false;
    }
    pos = e->value_pos;
    auto name = r.string(*e);
    target = name.value_or("");
    return name.has_value();
  };
  ok = cluster_ref("source", task.source, site.source) && ok;
  ok = cluster_ref("destination", task.destination, site.destination) && ok;
  if (const Entry* e = require(r, *fields, "topics", item.value_pos, item.path)) {
    if (auto items = r.sequence(*e, "a list of topic mappings")) {
      if (items->empty()) {
        r.problem(e->value_pos, e->path, "at least one topic mapping is required");
        ok = false;
      }
      for (const Entry& topic_item : *items) {
        TopicSite topic_site;
        auto mapping = readTopic(r, topic_item, topic_site);
        ok = ok && mapping.has_value();
        if (mapping) {
          task.topics.push_back(std::move(*mapping));
          site.topics.push_back(std::move(topic_site));
        }
      }
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const Entry* e = find(*fields, "start")) {
    if (auto text = r.scalar(*e, "a string")) {
      if (auto start = parseStartPosition(text->text)) {
        task.start = *start;
      } else {
        r.problem(e->value_pos, e->path,
                  fmt::format("expected earliest, latest or an RFC 3339 timestamp such as "
                              "2026-12-01T00:00:00Z, got {}",
                              Reader::shown(*text)));
        ok = false;
      }
    }
  }
  if (const Entry* e = find(*fields, "create_missing_topics")) {
    task.create_missing_topics = r.boolean(*e).value_or(task.create_missing_topics);
  }
  task.internal_group = fmt::format("{}{}", kInternalGroupPrefix, task.name);
  site.internal_group = site.name;
  if (const Entry* e = find(*fields, "internal_group")) {
    site.internal_group = e->value_pos;
    if (auto group = r.string(*e)) {
      if (group->size() > kMaxGroupLength || !isRocketMqName(*group)) {
        r.problem(e->value_pos, e->path,
                  fmt::format("'{}' is not a valid group name (at most {} characters of letters, "
                              "digits, '_', '-', '%', '|')",
                              *group, kMaxGroupLength));
        ok = false;
      } else {
        task.internal_group = *group;
      }
    }
  }
  if (const Entry* e = find(*fields, "batching")) {
    readBatching(r, *e, task.batching);
  }
  if (!ok) {
    return std::nullopt;
  }
  return task;
}

// ---- Checks across sections ----------------------------------------------------------------

std::optional<std::string> sharedNameServer(const rocketmq::ClusterSpec& a,
                                            const rocketmq::ClusterSpec& b) {
  for (const std::string& addr : a.name_servers) {
    if (std::find(b.name_servers.begin(), b.name_servers.end(), addr) != b.name_servers.end()) {
      return addr;
    }
  }
  return std::nullopt;
}

// Returns false when a reference was reported.
bool checkClusterRef(Reader& r, const Config& config, const std::string& name, Pos pos,
                     const std::string& path) {
  if (config.clusters.contains(name)) {
    return true;
  }
  std::vector<std::string_view> names;
  names.reserve(config.clusters.size());
  for (const auto& [key, spec] : config.clusters) {
    names.push_back(key);
  }
  if (auto guess = closest(name, names)) {
    r.problem(pos, path, fmt::format("unknown cluster '{}' (did you mean '{}'?)", name, *guess));
  } else {
    r.problem(pos, path,
              fmt::format("unknown cluster '{}' (clusters: {})", name,
                          names.empty() ? std::string("none defined") : joined(names)));
  }
  return false;
}

void checkTasks(Reader& r, const Config& config, const std::vector<TaskSite>& sites) {
  // (destination cluster, destination topic) -> where it is written first.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, int>> written;
  for (std::size_t t = 0; t < config.tasks.size(); ++t) {
    const TaskConfig& task = config.tasks[t];
    const TaskSite& site = sites[t];
    for (std::size_t u = 0; u < t; ++u) {
      if (config.tasks[u].name == task.name) {
        r.problem(site.name, childPath(site.path, "name"),
                  fmt::format("duplicate task name '{}' (first at line {})", task.name,
                              sites[u].name.line));
      }
    }
    const bool source_ok =
        checkClusterRef(r, config, task.source, site.source, childPath(site.path, "source"));
    const bool destination_ok = checkClusterRef(r, config, task.destination, site.destination,
                                                childPath(site.path, "destination"));
    if (!source_ok || !destination_ok) {
      continue;
    }
    if (task.source == task.destination) {
      r.problem(site.destination, childPath(site.path, "destination"),
                fmt::format("the same cluster as the source ('{}')", task.source));
      continue;
    }
    if (auto shared =
            sharedNameServer(config.cluster(task.source), config.cluster(task.destination))) {
      r.problem(site.destination, childPath(site.path, "destination"),
                fmt::format("clusters '{}' and '{}' share the NameServer {}: source and "
                            "destination must be different clusters",
                            task.source, task.destination, *shared));
      continue;
    }
    for (std::size_t u = 0; u < t; ++u) {
      const TaskConfig& other = config.tasks[u];
      if (other.internal_group != task.internal_group || other.name == task.name
          || !config.clusters.contains(other.source)) {
        continue;
      }
      if (other.source == task.source
          || sharedNameServer(config.cluster(other.source), config.cluster(task.source))) {
        r.problem(site.internal_group, childPath(site.path, "internal_group"),
                  fmt::format("'{}' is also the internal group of task '{}' on the same source "
                              "cluster (line {}); each task needs its own checkpoints",
                              task.internal_group, other.name, sites[u].internal_group.line));
      }
    }
    for (std::size_t m = 0; m < task.topics.size(); ++m) {
      const TopicMapping& mapping = task.topics[m];
      const TopicSite& topic_site = site.topics[m];
      for (std::size_t n = 0; n < m; ++n) {
        if (task.topics[n].source == mapping.source) {
          r.problem(topic_site.source, childPath(topic_site.path, "source"),
                    fmt::format("topic '{}' is already mapped by {} (line {})", mapping.source,
                                site.topics[n].path, site.topics[n].source.line));
        }
      }
      auto [it, inserted] =
          written.try_emplace(std::pair{task.destination, mapping.destination},
                              std::pair{topic_site.path, topic_site.destination.line});
      if (!inserted) {
        r.problem(topic_site.destination, childPath(topic_site.path, "destination"),
                  fmt::format("topic '{}' of cluster '{}' is already the destination of {} "
                              "(line {}); one destination topic takes one source topic",
                              mapping.destination, task.destination, it->second.first,
                              it->second.second));
      }
    }
  }
}

// ---- The document ---------------------------------------------------------------------------

// Where the documents of a YAML stream start (at most two are looked for). yaml-cpp 0.7's
// LoadAll() never returns on some invalid input, such as a file that is only ",": the parser
// reports an empty document without consuming anything, again and again, allocating each time
// (jbeder/yaml-cpp#1040, fixed upstream after 0.8 by #1319). Walking the documents with a
// handler that builds nothing, and stopping when a document starts where the previous one did,
// turns that into an error.
struct DocumentScan {
  std::vector<YAML::Mark> starts;
  std::optional<YAML::Mark> stuck;  // the parser made no progress here
};

class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnAlias(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnScalar(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {}
  void OnSequenceStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {}
  void OnMapEnd() override {}
};

DocumentScan scanDocuments(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  DocumentScan scan;
  while (handler.starts.size() < 2 && parser.HandleNextDocument(handler)) {
    const std::size_t n = handler.starts.size();
    if (n == 2 && handler.starts[1].pos == handler.starts[0].pos) {
      scan.stuck = handler.starts[1];
      break;
    }
  }
  scan.starts = std::move(handler.starts);
  return scan;
}

void readDocument(Reader& r, const YAML::Node& root, Config& config) {
  auto fields = r.mapping(root, posOf(root.Mark()), "",
                          "a mapping with the keys clusters, admin, log and tasks", kTopLevelKeys);
  if (!fields) {
    return;
  }
  const Pos top{1, 1};
  if (const Entry* e = require(r, *fields, "clusters", top, "")) {
    if (auto clusters =
            r.mapping(e->value, e->value_pos, e->path, "a mapping of cluster names to clusters")) {
      for (const Entry& c : *clusters) {
        if (!isClusterName(c.key)) {
          r.problem(c.key_pos, c.path,
                    fmt::format("'{}' is not a valid cluster name (1 to {} letters, digits, '_', "
                                "'-' or '.')",
                                c.key, kMaxNameLength));
          continue;
        }
        std::optional<rocketmq::ClusterSpec> spec;
        if (c.isNull()) {
          r.problem(c.value_pos, childPath(c.path, "namesrv"), "missing required key");
        } else {
          spec = readCluster(r, c);
        }
        if (spec) {
          config.clusters.emplace(c.key, std::move(*spec));
        } else {
          // Keep the name known so that tasks referring to it are not reported a second time.
          rocketmq::ClusterSpec placeholder;
          placeholder.name = c.key;
          config.clusters.emplace(c.key, std::move(placeholder));
        }
      }
      if (clusters->empty()) {
        r.problem(e->value_pos, e->path, "at least one cluster is required");
      }
    }
  }
  if (const Entry* e = find(*fields, "admin")) {
    readAdmin(r, *e, config.admin);
  }
  if (const Entry* e = find(*fields, "log")) {
    readLog(r, *e, config.log);
  }
  std::vector<TaskSite> sites;
  if (const Entry* e = require(r, *fields, "tasks", top, "")) {
    if (auto items = r.sequence(*e, "a list of tasks")) {
      if (items->empty()) {
        r.problem(e->value_pos, e->path, "at least one task is required");
      }
      for (const Entry& item : *items) {
        TaskSite site;
        if (auto task = readTask(r, item, site)) {
          config.tasks.push_back(std::move(*task));
          sites.push_back(std::move(site));
        }
      }
    }
  }
  checkTasks(r, config, sites);
}

}  // namespace

std::optional<std::string> processEnv(const std::string& name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): Ferry never calls setenv after start-up.
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::optional<StartPosition> parseStartPosition(std::string_view text) {
  if (text == "earliest") {
    return StartPosition{StartPosition::Kind::kEarliest, {}};
  }
  if (text == "latest") {
    return StartPosition{StartPosition::Kind::kLatest, {}};
  }
  if (auto timestamp = parseRfc3339(text)) {
    return StartPosition{StartPosition::Kind::kTimestamp, *timestamp};
  }
  return std::nullopt;
}

std::string formatStartPosition(const StartPosition& position) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): calendar arithmetic
  switch (position.kind) {
    case StartPosition::Kind::kEarliest: return "earliest";
    case StartPosition::Kind::kLatest: return "latest";
    case StartPosition::Kind::kTimestamp: break;
  }
  const auto days = floor<std::chrono::days>(position.timestamp);
  const year_month_day date(days);
  const hh_mm_ss time(position.timestamp - days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     time.subseconds().count());
}

Result<Config> parseConfig(std::string_view text, std::string_view source_name,
                           const ParseOptions& options) {
  Diagnostics diag(source_name);
  Reader reader(diag, options);
  Config config;
  try {
    const std::string input(text);
    const DocumentScan scan = scanDocuments(input);
    if (scan.stuck) {
      const auto pos = static_cast<std::size_t>(scan.stuck->pos);
      const char c = pos < input.size() ? input[pos] : '\0';
      diag.add(posOf(*scan.stuck), "",
               std::isprint(static_cast<unsigned char>(c)) != 0
                   ? fmt::format("YAML syntax error: unexpected '{}'", c)
                   : std::string("YAML syntax error: unexpected character"));
    } else if (scan.starts.empty()) {
      diag.add({}, "", "the file is empty (expected the keys clusters and tasks)");
    } else if (scan.starts.size() > 1) {
      diag.add(posOf(scan.starts[1]), "",
               "a second YAML document ('---'): the config is one document");
    } else {
      readDocument(reader, YAML::Load(input), config);
    }
  } catch (const YAML::Exception& e) {
    diag.add(posOf(e.mark), "", fmt::format("YAML syntax error: {}", e.msg));
  } catch (const std::exception& e) {
    diag.add({}, "", fmt::format("cannot read the YAML: {}", e.what()));
  }
  if (!diag.empty()) {
    return makeError(diag.error());
  }
  return config;
}

Result<Config> loadConfig(const std::filesystem::path& path, ParseOptions options) {
  if (auto problem = unreadable(path)) {
    return makeError(Errc::kIo, fmt::format("config file: {}", *problem));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) {
    return makeError(Errc::kIo, fmt::format("config file: cannot read '{}'", path.string()));
  }
  if (!options.files_relative_to) {
    options.files_relative_to = path.parent_path();
  }
  return parseConfig(text.str(), path.string(), options);
}

}  // namespace ferry::control
