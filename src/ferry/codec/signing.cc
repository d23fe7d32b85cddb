#include "ferry/codec/signing.h"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace ferry::codec {
namespace {

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// The HMAC implementation is fetched once: EVP_MAC objects are immutable, reference counted and
// safe to share between threads, and fetching is a locked provider lookup we keep off the hot path.
EVP_MAC* hmacAlgorithm() {
  static EVP_MAC* const kMac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return kMac;
}

}  // namespace

Result<std::string> computeSignature(std::string_view secret_key, const ExtFields& ext_fields,
                                     std::string_view body) {
  // Order entries by key; stable so that, among duplicates, the last inserted ends a run of equal
  // keys and is the one that counts. std::string_view compares bytes as unsigned char.
  std::vector<const ExtFields::Entry*> entries;
  entries.reserve(ext_fields.size());
  for (const auto& entry : ext_fields) {
    if (entry.first != kSignatureField) {
      entries.push_back(&entry);
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
    return std::string_view{a->first} < std::string_view{b->first};
  });

  EVP_MAC* mac = hmacAlgorithm();
  if (mac == nullptr) {
    return makeError(Errc::kInternal, "signing: OpenSSL has no HMAC implementation");
  }
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) {
    return makeError(Errc::kInternal, "signing: EVP_MAC_CTX_new failed");
  }
  char digest_name[] = "SHA1";
  const std::array<OSSL_PARAM, 2> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer.
  static constexpr unsigned char kEmpty = 0;
  const auto* key_bytes =
      secret_key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(secret_key.data());
  if (EVP_MAC_init(ctx.get(), key_bytes, secret_key.size(), params.data()) != 1) {
    return makeError(Errc::kInternal, "signing: EVP_MAC_init(HMAC-SHA1) failed");
  }
  auto update = [&ctx](std::string_view bytes) {
    return bytes.empty()
           || EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                             bytes.size())
                  == 1;
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const bool last_of_key = i + 1 == entries.size() || entries[i + 1]->first != entries[i]->first;
    if (last_of_key && !update(entries[i]->second)) {
      return makeError(Errc::kInternal, "signing: EVP_MAC_update failed");
    }
  }
  if (!update(body)) {
    return makeError(Errc::kInternal, "signing: EVP_MAC_update failed");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  std::size_t digest_len = 0;
  if (EVP_MAC_final(ctx.get(), digest.data(), &digest_len, digest.size()) != 1) {
    return makeError(Errc::kInternal, "signing: EVP_MAC_final failed");
  }
  // Base64 of n bytes is 4*ceil(n/3) characters; EVP_EncodeBlock also writes a terminating NUL.
  std::string encoded(4 * ((digest_len + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                      digest.data(), static_cast<int>(digest_len));
  encoded.resize(static_cast<std::size_t>(written));
  return encoded;
}

Result<void> signRequest(RemotingCommand& request, const SigningKey& key) {
  if (key.access_key.empty() || key.secret_key.empty()) {
    return makeError(Errc::kInvalidArgument, "signing: access key and secret key must be set");
  }
  request.ext_fields.set(kAccessKeyField, std::string(key.access_key));
  if (key.security_token.empty()) {
    request.ext_fields.erase(kSecurityTokenField);
  } else {
    request.ext_fields.set(kSecurityTokenField, std::string(key.security_token));
  }
  auto signature = computeSignature(key.secret_key, request.ext_fields, request.body);
  if (!signature) {
    return makeError(std::move(signature.error()));
  }
  request.ext_fields.set(kSignatureField, std::move(*signature));
  return {};
}

}  // namespace ferry::codec
