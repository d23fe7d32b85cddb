// The two RocketMQ message id forms (docs/protocol.md section 9 "Message ids").
//
// * Offset msgId: where a broker stored a message -- uppercase hex of store host IP (4 or 16
//   bytes) + store port (int32) + commit-log offset (int64); 32 or 56 hex characters. Each
//   cluster assigns its own, so it changes when a message is replicated.
// * Client msgId (the UNIQ_KEY property, what Java's getMsgId() returns): uppercase hex of
//   producer IP (4 or 16 bytes) + pid (int16) + class-loader hash (int32) + milliseconds since the
//   start of the month (low 32 bits) + counter (int16); 32 or 56 hex characters. Replication keeps
//   it, so it identifies a message across clusters.
// Pure functions: the generator takes the current time from its caller.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ferry/base/error.h"

namespace ferry::codec {

// An IPv4 or IPv6 address with a port, as stored in message records (born host, store host).
struct HostAddress {
  std::array<std::uint8_t, 16> ip{};  // the first ip_length bytes are used, the rest stay zero
  std::uint8_t ip_length = 4;         // 4 or 16
  std::int32_t port = 0;

  static HostAddress ipv4(std::array<std::uint8_t, 4> ip, std::int32_t port);
  static HostAddress ipv6(std::array<std::uint8_t, 16> ip, std::int32_t port);
  bool isV6() const { return ip_length == 16; }
  std::span<const std::uint8_t> ipBytes() const { return {ip.data(), ip_length}; }
  // "10.0.0.1:10911" or "[2001:db8::1]:10911" (RFC 5952 text form).
  std::string toString() const;
  bool operator==(const HostAddress& other) const = default;
};

// Appends the 32 (IPv4) or 56 (IPv6) character offset msgId.
void appendOffsetMessageId(const HostAddress& store_host, std::int64_t commit_log_offset,
                           std::string& out);
std::string offsetMessageId(const HostAddress& store_host, std::int64_t commit_log_offset);

struct OffsetMessageId {
  HostAddress store_host;
  std::int64_t commit_log_offset = 0;
};
// Parses an offset msgId (either hex case). kMalformed unless 32 or 56 hex characters.
Result<OffsetMessageId> parseOffsetMessageId(std::string_view id);

// Appends a client msgId (UNIQ_KEY) built from its parts. `ip` must be 4 or 16 bytes (checked by
// the caller; ClientMessageIdGenerator::create validates it). `millis_in_month` is the low 32
// bits of (now - start of the month) in ms, which Java writes even when it wraps after ~24.8 days.
void appendClientMessageId(std::span<const std::uint8_t> ip, std::int16_t pid,
                           std::int32_t class_loader_hash, std::uint32_t millis_in_month,
                           std::uint16_t counter, std::string& out);

struct ClientMessageIdParts {
  std::array<std::uint8_t, 16> ip{};
  std::uint8_t ip_length = 4;
  std::int16_t pid = 0;
  std::int32_t class_loader_hash = 0;
  std::uint32_t millis_in_month = 0;
  std::uint16_t counter = 0;
};
// Parses a client msgId (either hex case). kMalformed unless 32 or 56 hex characters.
Result<ClientMessageIdParts> parseClientMessageId(std::string_view id);

// Start of the calendar month (UTC) containing `epoch_millis`, in ms since the epoch. Java uses
// the JVM's default time zone; Ferry uses UTC, which only shifts the embedded time hint.
std::int64_t startOfMonthUtcMillis(std::int64_t epoch_millis);

// Generates UNIQ_KEY values the way Java's MessageClientIDSetter does. Holds only a counter and
// the cached month boundaries; the caller passes the time. Not thread-safe: one per thread or
// guarded by the caller.
class ClientMessageIdGenerator {
 public:
  // kInvalidArgument unless ip is 4 or 16 bytes.
  static Result<ClientMessageIdGenerator> create(std::span<const std::uint8_t> ip, std::int16_t pid,
                                                 std::int32_t class_loader_hash);
  std::string next(std::int64_t now_epoch_millis);
  void appendNext(std::int64_t now_epoch_millis, std::string& out);

 private:
  ClientMessageIdGenerator() = default;
  std::array<std::uint8_t, 16> ip_{};
  std::uint8_t ip_length_ = 4;
  std::int16_t pid_ = 0;
  std::int32_t class_loader_hash_ = 0;
  std::uint16_t counter_ = 0;
  std::int64_t month_start_ = 0;
  std::int64_t next_month_start_ = 0;  // 0: not computed yet
};

}  // namespace ferry::codec
