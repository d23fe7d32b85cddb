// A tolerant reader (and a small writer helper) for the JSON that RocketMQ's Java peers emit with
// fastjson (docs/api.md "fastjson reader"; docs/protocol.md §13.2).
//
// fastjson serializes a map whose key is not a String by writing the key value itself, so broker
// bodies are not standard JSON:
//   {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:9260}}   object keys
//   {"brokerAddrs":{0:"127.0.0.1:10911"}}                              unquoted integer keys
// parseFastjson() accepts any JSON value in key position and turns a non-string key into its
// compact JSON text as a string key, so the two examples become the standard
//   {"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":9260}}
//   {"brokerAddrs":{"0":"127.0.0.1:10911"}}
// Object keys inside such key objects come out sorted (nlohmann::json orders keys), which is also
// the order fastjson writes them in.
//
// Pure functions, sans-I/O. Every input byte sequence yields a value or an Error (code kMalformed
// or kTruncated, message naming the byte offset); nesting is bounded so hostile input cannot
// exhaust the stack. Integers are int64 when they fit (offsets, timestamps), uint64 above that,
// double otherwise. Invalid UTF-8 and lone surrogates in strings are replaced by U+FFFD so that
// every parsed value can be dumped again without throwing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/base/error.h"

namespace ferry::codec {

// Deep enough for every RocketMQ body (the deepest, ConsumerRunningInfo, nests 5 levels).
inline constexpr std::size_t kFastjsonMaxDepth = 64;

// Parses one JSON value (standard or fastjson-flavoured) that must span the whole input, apart
// from surrounding whitespace. Duplicate keys: the last one wins, as in fastjson.
Result<nlohmann::json> parseFastjson(std::string_view text,
                                     std::size_t max_depth = kFastjsonMaxDepth);

// Compact JSON text of `value` that never throws (invalid UTF-8 is replaced). Used to spell a
// non-string map key the way parseFastjson() does, and to write bodies we send.
std::string dumpJson(const nlohmann::json& value);

// Writes `{k1:v1,k2:v2}` where each key is written as raw JSON (an object or a number), the
// fastjson form Java peers expect for Map<MessageQueue, X> and Map<Long, X>. `entries` is a JSON
// array of [key, value] pairs.
std::string dumpFastjsonMap(const nlohmann::json& entries);

}  // namespace ferry::codec
