// ACL request signing (sans-I/O): the pure part of what Java's AclClientRPCHook does to every
// request before it is written.
//
// Implements docs/rpc.md "Signing" (checked against apache/rocketmq AclClientRPCHook,
// AclUtils.combineRequestContent and AclSigner):
//   1. extFields["AccessKey"] = access key; extFields["SecurityToken"] = token when one is set;
//   2. content = values of all extFields except "Signature", ordered by key (byte order, which is
//      Java String order for the ASCII field names RocketMQ uses), concatenated with no separator,
//      followed by the raw body bytes;
//   3. extFields["Signature"] = Base64(HMAC-SHA1(key = secret key bytes, content)), standard
//      alphabet with padding.
// Both ACL 1.0 (4.x, 5.0-5.3.2) and the 5.3 authentication pipeline verify this same signature.
// Responses are never signed (Java's doAfterResponse hook does nothing).
#pragma once

#include <string>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::codec {

inline constexpr std::string_view kAccessKeyField = "AccessKey";
inline constexpr std::string_view kSecurityTokenField = "SecurityToken";
inline constexpr std::string_view kSignatureField = "Signature";

// The secrets a request is signed with. Views: the caller keeps the strings alive for the call.
struct SigningKey {
  std::string_view access_key;
  std::string_view secret_key;
  std::string_view security_token;  // empty: no SecurityToken field is added
};

// Base64(HMAC-SHA1(secret_key, values of ext_fields sorted by key without "Signature" + body)).
// When a key occurs more than once the last value counts, as it does for the peer's JSON decoder.
Result<std::string> computeSignature(std::string_view secret_key, const ExtFields& ext_fields,
                                     std::string_view body);

// Adds AccessKey (and SecurityToken when set) to request.ext_fields, then Signature over the
// result. Any AccessKey/SecurityToken/Signature already present is replaced. Fails only when the
// access or secret key is empty or OpenSSL cannot compute the HMAC.
Result<void> signRequest(RemotingCommand& request, const SigningKey& key);

}  // namespace ferry::codec
