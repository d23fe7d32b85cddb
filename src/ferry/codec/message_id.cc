#include "ferry/codec/message_id.h"

#include <chrono>

#include <fmt/format.h>

#include "ferry/codec/bytes.h"

namespace ferry::codec {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void appendHex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  const std::size_t at = out.size();
  out.resize(at + 2 * n);
  char* p = out.data() + at;
  for (std::size_t i = 0; i < n; ++i) {
    p[2 * i] = kHex[bytes[i] >> 4];
    p[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Decodes 16 or 28 bytes of hex into `bytes`; returns the byte count or an error naming `what`.
Result<std::size_t> decodeHexId(std::string_view id, std::string_view what,
                                std::array<std::uint8_t, 28>& bytes) {
  if (id.size() != 32 && id.size() != 56) {
    return makeError(Errc::kMalformed,
                     fmt::format("{} '{}' has {} characters, expected 32 (IPv4) or 56 (IPv6)", what,
                                 id.substr(0, 64), id.size()));
  }
  for (std::size_t i = 0; i < id.size(); i += 2) {
    const int hi = hexValue(id[i]);
    const int lo = hexValue(id[i + 1]);
    if (hi < 0 || lo < 0) {
      return makeError(Errc::kMalformed, fmt::format("{} has a non-hex character at offset {}",
                                                     what, hi < 0 ? i : i + 1));
    }
    bytes[i / 2] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id.size() / 2;
}

template <class T>
T loadAt(const std::array<std::uint8_t, 28>& bytes, std::size_t at) {
  return detail::loadBigEndian<T>(reinterpret_cast<const char*>(bytes.data() + at));
}

}  // namespace

HostAddress HostAddress::ipv4(std::array<std::uint8_t, 4> ip, std::int32_t port) {
  HostAddress a;
  std::copy(ip.begin(), ip.end(), a.ip.begin());
  a.ip_length = 4;
  a.port = port;
  return a;
}

HostAddress HostAddress::ipv6(std::array<std::uint8_t, 16> ip, std::int32_t port) {
  HostAddress a;
  a.ip = ip;
  a.ip_length = 16;
  a.port = port;
  return a;
}

std::string HostAddress::toString() const {
  if (!isV6()) {
    return fmt::format("{}.{}.{}.{}:{}", ip[0], ip[1], ip[2], ip[3], port);
  }
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<unsigned>(ip[2 * i] << 8 | ip[2 * i + 1]);
  }
  // RFC 5952: the longest run (>= 2) of zero groups becomes "::", the first one on ties.
  std::size_t best_at = 8;
  std::size_t best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) {
      ++j;
    }
    if (j - i > best_len) {
      best_at = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string text = "[";
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best_at) {
      text += "::";
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best_at + best_len) {
      text += ':';
    }
    text += fmt::format("{:x}", groups[i]);
  }
  text += fmt::format("]:{}", port);
  return text;
}

void appendOffsetMessageId(const HostAddress& store_host, std::int64_t commit_log_offset,
                           std::string& out) {
  std::uint8_t bytes[28];
  const std::size_t n = store_host.ip_length;
  std::copy_n(store_host.ip.begin(), n, bytes);
  detail::storeBigEndian(reinterpret_cast<char*>(bytes + n), store_host.port);
  detail::storeBigEndian(reinterpret_cast<char*>(bytes + n + 4), commit_log_offset);
  appendHex(out, bytes, n + 12);
}

std::string offsetMessageId(const HostAddress& store_host, std::int64_t commit_log_offset) {
  std::string out;
  out.reserve(56);
  appendOffsetMessageId(store_host, commit_log_offset, out);
  return out;
}

Result<OffsetMessageId> parseOffsetMessageId(std::string_view id) {
  std::array<std::uint8_t, 28> bytes{};
  auto n = decodeHexId(id, "offset msgId", bytes);
  if (!n) {
    return tl::unexpected(std::move(n.error()));
  }
  OffsetMessageId parsed;
  const std::size_t ip_length = *n - 12;
  std::copy_n(bytes.begin(), ip_length, parsed.store_host.ip.begin());
  parsed.store_host.ip_length = static_cast<std::uint8_t>(ip_length);
  parsed.store_host.port = loadAt<std::int32_t>(bytes, ip_length);
  parsed.commit_log_offset = loadAt<std::int64_t>(bytes, ip_length + 4);
  return parsed;
}

void appendClientMessageId(std::span<const std::uint8_t> ip, std::int16_t pid,
                           std::int32_t class_loader_hash, std::uint32_t millis_in_month,
                           std::uint16_t counter, std::string& out) {
  std::uint8_t bytes[28];
  const std::size_t n = ip.size() == 16 ? 16 : 4;
  std::copy_n(ip.begin(), std::min(n, ip.size()), bytes);
  auto* p = reinterpret_cast<char*>(bytes + n);
  detail::storeBigEndian(p, pid);
  detail::storeBigEndian(p + 2, class_loader_hash);
  detail::storeBigEndian(p + 6, millis_in_month);
  detail::storeBigEndian(p + 10, counter);
  appendHex(out, bytes, n + 12);
}

Result<ClientMessageIdParts> parseClientMessageId(std::string_view id) {
  std::array<std::uint8_t, 28> bytes{};
  auto n = decodeHexId(id, "client msgId", bytes);
  if (!n) {
    return tl::unexpected(std::move(n.error()));
  }
  ClientMessageIdParts parts;
  const std::size_t ip_length = *n - 12;
  std::copy_n(bytes.begin(), ip_length, parts.ip.begin());
  parts.ip_length = static_cast<std::uint8_t>(ip_length);
  parts.pid = loadAt<std::int16_t>(bytes, ip_length);
  parts.class_loader_hash = loadAt<std::int32_t>(bytes, ip_length + 2);
  parts.millis_in_month = loadAt<std::uint32_t>(bytes, ip_length + 6);
  parts.counter = loadAt<std::uint16_t>(bytes, ip_length + 10);
  return parts;
}

std::int64_t startOfMonthUtcMillis(std::int64_t epoch_millis) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(epoch_millis)};
  const year_month_day ymd{floor<days>(t)};
  const sys_days first{ymd.year() / ymd.month() / day(1)};
  return duration_cast<milliseconds>(first.time_since_epoch()).count();
}

Result<ClientMessageIdGenerator> ClientMessageIdGenerator::create(std::span<const std::uint8_t> ip,
                                                                  std::int16_t pid,
                                                                  std::int32_t class_loader_hash) {
  if (ip.size() != 4 && ip.size() != 16) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("client msgId IP must be 4 or 16 bytes, got {}", ip.size()));
  }
  ClientMessageIdGenerator g;
  std::copy(ip.begin(), ip.end(), g.ip_.begin());
  g.ip_length_ = static_cast<std::uint8_t>(ip.size());
  g.pid_ = pid;
  g.class_loader_hash_ = class_loader_hash;
  return g;
}

void ClientMessageIdGenerator::appendNext(std::int64_t now_epoch_millis, std::string& out) {
  if (next_month_start_ == 0 || now_epoch_millis >= next_month_start_) {
    using namespace std::chrono;
    month_start_ = startOfMonthUtcMillis(now_epoch_millis);
    const year_month_day ymd{floor<days>(sys_time<milliseconds>{milliseconds(month_start_)})};
    const sys_days next{(ymd.year() / ymd.month() + months(1)) / day(1)};
    next_month_start_ = duration_cast<milliseconds>(next.time_since_epoch()).count();
  }
  auto diff = static_cast<std::int32_t>(
      static_cast<std::uint32_t>(static_cast<std::uint64_t>(now_epoch_millis - month_start_)));
  if (diff < 0 && diff > -1'000'000) {
    diff = 0;  // the clock stepped back a little (Java does the same)
  }
  appendClientMessageId({ip_.data(), ip_length_}, pid_, class_loader_hash_,
                        static_cast<std::uint32_t>(diff), counter_++, out);
}

std::string ClientMessageIdGenerator::next(std::int64_t now_epoch_millis) {
  std::string out;
  out.reserve(56);
  appendNext(now_epoch_millis, out);
  return out;
}

}  // namespace ferry::codec
