#include "ferry/codec/command_header.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "ferry/codec/bytes.h"

namespace ferry::codec {
namespace {

// ---------------------------------------------------------------------------------------------
// JSON writer

// 0 = copy as is; otherwise the character after the backslash ('u' = \u00XX form).
constexpr std::array<char, 256> makeEscapeTable() {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[c] = 'u';
  }
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}
constexpr std::array<char, 256> kEscape = makeEscapeTable();
constexpr char kHexUpper[] = "0123456789ABCDEF";

void appendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char e = kEscape[static_cast<unsigned char>(s[i])];
    if (e == 0) {
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (e == 'u') {
      const auto c = static_cast<unsigned char>(s[i]);
      const char esc[6] = {'\\', 'u', '0', '0', kHexUpper[c >> 4], kHexUpper[c & 0xF]};
      out.append(esc, 6);
    } else {
      const char esc[2] = {'\\', e};
      out.append(esc, 2);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void appendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;  // 24 bytes always suffice for an int64
  out.append(buf, static_cast<std::size_t>(end - buf));
}

// ---------------------------------------------------------------------------------------------
// JSON reader: a cursor over the header with just enough JSON for fastjson's RemotingCommand.

constexpr std::size_t kMaxSkipDepth = 64;

class JsonCursor {
 public:
  JsonCursor(std::string_view text, std::size_t base) : s_(text), base_(base) {}

  bool atEnd() const { return pos_ >= s_.size(); }
  std::size_t offset() const { return base_ + pos_; }

  void skipWhitespace() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      ++pos_;
    }
  }
  // Peeks the next non-whitespace character; '\0' at the end of the input.
  char peek() {
    skipWhitespace();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool consume(char c) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Result<void> expect(char c, std::string_view context) {
    if (consume(c)) {
      return {};
    }
    if (atEnd()) {
      return error(Errc::kMalformed,
                   fmt::format("header ends where '{}' is expected {}", c, context));
    }
    return error(Errc::kMalformed,
                 fmt::format("expected '{}' {} but found {}", c, context, describe(s_[pos_])));
  }

  // Reads a string token. When it has no escapes the result views the input; otherwise it is
  // decoded into `scratch` and views that.
  Result<std::string_view> readString(std::string& scratch) {
    if (peek() != '"') {
      return unexpected("a string");
    }
    const std::size_t start = ++pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        return s_.substr(start, pos_++ - start);
      }
      if (c == '\\') {
        scratch.assign(s_.data() + start, pos_ - start);
        auto r = decodeEscapedTail(scratch);
        if (!r) {
          return tl::unexpected(std::move(r.error()));
        }
        return std::string_view{scratch};
      }
      ++pos_;
    }
    return error(Errc::kMalformed,
                 fmt::format("string starting at offset {} is not terminated", base_ + start - 1));
  }

  // Appends the decoded string token to `out` (no intermediate copy when it has no escapes).
  Result<void> readStringInto(std::string& out) {
    if (peek() != '"') {
      return unexpected("a string");
    }
    const std::size_t start = ++pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        out.append(s_.data() + start, pos_++ - start);
        return {};
      }
      if (c == '\\') {
        out.append(s_.data() + start, pos_ - start);
        return decodeEscapedTail(out);
      }
      ++pos_;
    }
    return error(Errc::kMalformed,
                 fmt::format("string starting at offset {} is not terminated", base_ + start - 1));
  }

  bool consumeLiteral(std::string_view word) {
    skipWhitespace();
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  // An integer in [lo, hi]: a JSON number without fraction/exponent, or (fastjson tolerance) a
  // string holding one. `what` names the key for the error message.
  Result<std::int64_t> readInteger(std::string_view what, std::int64_t lo, std::int64_t hi) {
    const std::size_t at = offset();
    std::string_view digits;
    std::string scratch;
    if (peek() == '"') {
      auto s = readString(scratch);
      if (!s) {
        return tl::unexpected(std::move(s.error()));
      }
      digits = *s;
    } else {
      const std::size_t start = pos_;
      while (pos_ < s_.size() && isNumberChar(s_[pos_])) {
        ++pos_;
      }
      digits = s_.substr(start, pos_ - start);
      if (digits.empty()) {
        return unexpected(fmt::format("an integer for \"{}\"", what));
      }
    }
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && (v < lo || v > hi))) {
      return makeError(Errc::kMalformed, fmt::format("\"{}\" at offset {}: {} is out of range "
                                                     "[{}, {}]",
                                                     what, at, digits, lo, hi));
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return makeError(Errc::kMalformed, fmt::format("\"{}\" at offset {}: '{}' is not an integer",
                                                     what, at, printable(digits)));
    }
    return v;
  }

  // Skips any JSON value and returns its text. Scalars are taken up to the next delimiter;
  // containers must nest properly (at most kMaxSkipDepth deep), strings are scanned with escapes.
  Result<std::string_view> skipValue() {
    const char first = peek();
    const std::size_t start = pos_;
    if (first == '\0') {
      return error(Errc::kMalformed, "header ends where a value is expected");
    }
    if (first == '"') {
      auto r = scanString();
      if (!r) {
        return tl::unexpected(std::move(r.error()));
      }
      return s_.substr(start, pos_ - start);
    }
    if (first != '{' && first != '[') {
      while (pos_ < s_.size() && !isDelimiter(s_[pos_])) {
        ++pos_;
      }
      if (pos_ == start) {
        return unexpected("a value");
      }
      return s_.substr(start, pos_ - start);
    }
    std::array<char, kMaxSkipDepth> closers{};
    std::size_t depth = 0;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        auto r = scanString();
        if (!r) {
          return tl::unexpected(std::move(r.error()));
        }
        continue;
      }
      if (c == '{' || c == '[') {
        if (depth == kMaxSkipDepth) {
          return error(Errc::kMalformed,
                       fmt::format("value nests deeper than {} levels", kMaxSkipDepth));
        }
        closers[depth++] = c == '{' ? '}' : ']';
      } else if (c == '}' || c == ']') {
        if (c != closers[depth - 1]) {
          return error(Errc::kMalformed,
                       fmt::format("'{}' closes a value opened with the other bracket kind", c));
        }
        if (--depth == 0) {
          ++pos_;
          return s_.substr(start, pos_ - start);
        }
      }
      ++pos_;
    }
    return error(Errc::kMalformed,
                 fmt::format("value starting at offset {} is not closed", base_ + start));
  }

  tl::unexpected<Error> error(Errc code, std::string_view message) const {
    return makeError(code, fmt::format("JSON header at offset {}: {}", offset(), message));
  }
  tl::unexpected<Error> unexpected(std::string_view expected) const {
    if (pos_ >= s_.size()) {
      return error(Errc::kMalformed, fmt::format("header ends where {} is expected", expected));
    }
    return error(Errc::kMalformed,
                 fmt::format("expected {} but found {}", expected, describe(s_[pos_])));
  }

 private:
  static bool isNumberChar(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  }
  static bool isDelimiter(char c) {
    return c == ',' || c == '}' || c == ']' || c == ':' || c == ' ' || c == '\n' || c == '\r'
           || c == '\t' || c == '"' || c == '{' || c == '[';
  }
  static std::string describe(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      return fmt::format("'{}'", c);
    }
    return fmt::format("byte 0x{:02X}", u);
  }
  static std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 32)) {
      const auto u = static_cast<unsigned char>(c);
      out += (u >= 0x20 && u < 0x7F) ? std::string(1, c) : fmt::format("\\x{:02X}", u);
    }
    return out;
  }

  // Moves past a string token (pos_ at the opening quote) without decoding it.
  Result<void> scanString() {
    const std::size_t start = pos_++;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return {};
      }
      pos_ += c == '\\' ? 2 : 1;
    }
    pos_ = s_.size();
    return error(Errc::kMalformed,
                 fmt::format("string starting at offset {} is not terminated", base_ + start));
  }

  Result<std::uint32_t> readHex4() {
    if (s_.size() - pos_ < 4) {
      pos_ = s_.size();
      return error(Errc::kMalformed, "header ends inside a \\u escape");
    }
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_];
      std::uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return error(Errc::kMalformed,
                     fmt::format("{} in a \\u escape is not a hex digit", describe(c)));
      }
      v = (v << 4) | d;
      ++pos_;
    }
    return v;
  }

  static void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Decodes the rest of a string whose pos_ is at a backslash, appending to `out`, and moves
  // past the closing quote. Lone surrogates become U+FFFD (what Java's UTF-8 encoder would
  // substitute when the peer re-encodes such a string).
  Result<void> decodeEscapedTail(std::string& out) {
    constexpr std::uint32_t kReplacement = 0xFFFD;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return {};
      }
      if (c != '\\') {
        const std::size_t run = pos_;
        while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\') {
          ++pos_;
        }
        out.append(s_.data() + run, pos_ - run);
        continue;
      }
      if (++pos_ >= s_.size()) {
        break;
      }
      const char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          auto unit = readHex4();
          if (!unit) {
            return tl::unexpected(std::move(unit.error()));
          }
          std::uint32_t cp = *unit;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate combines with an immediately following \uDC00-\uDFFF.
            if (s_.size() - pos_ >= 6 && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
              const std::size_t save = pos_;
              pos_ += 2;
              auto low = readHex4();
              if (!low) {
                return tl::unexpected(std::move(low.error()));
              }
              if (*low >= 0xDC00 && *low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
              } else {
                pos_ = save;  // not a pair: the next escape is decoded on its own
                cp = kReplacement;
              }
            } else {
              cp = kReplacement;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = kReplacement;
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          --pos_;
          return error(Errc::kMalformed, fmt::format("invalid escape \\{}", describe(e)));
      }
    }
    pos_ = s_.size();
    return error(Errc::kMalformed, "header ends inside a string");
  }

  std::string_view s_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

Result<void> readInt32Field(JsonCursor& cur, std::string_view key, std::int32_t& field) {
  if (cur.consumeLiteral("null")) {
    return {};
  }
  auto v = cur.readInteger(key, kInt32Min, kInt32Max);
  if (!v) {
    return tl::unexpected(std::move(v.error()));
  }
  field = static_cast<std::int32_t>(*v);
  return {};
}

Result<void> readLanguage(JsonCursor& cur, LanguageCode& language) {
  if (cur.consumeLiteral("null")) {
    return {};
  }
  if (cur.peek() == '"') {
    std::string scratch;
    auto name = cur.readString(scratch);
    if (!name) {
      return tl::unexpected(std::move(name.error()));
    }
    // fastjson would map an unknown enum name to null; keep the command usable instead.
    language = languageFromName(*name).value_or(LanguageCode::kOther);
    return {};
  }
  auto v = cur.readInteger("language", 0, 255);  // fastjson also accepts the ordinal
  if (!v) {
    return tl::unexpected(std::move(v.error()));
  }
  language = static_cast<LanguageCode>(*v);
  return {};
}

Result<void> readExtFields(JsonCursor& cur, ExtFields& fields) {
  if (cur.consumeLiteral("null")) {
    return {};
  }
  if (auto r = cur.expect('{', "to open extFields"); !r) {
    return r;
  }
  if (cur.consume('}')) {
    return {};
  }
  std::string key;
  std::string value;
  while (true) {
    key.clear();
    value.clear();
    if (auto r = cur.readStringInto(key); !r) {
      return r;
    }
    if (auto r = cur.expect(':', "after an extFields key"); !r) {
      return r;
    }
    const char c = cur.peek();
    if (c == '"') {
      if (auto r = cur.readStringInto(value); !r) {
        return r;
      }
      fields.append(std::move(key), std::move(value));
    } else if (cur.consumeLiteral("null")) {
      // Java keeps a null value, which every reader treats as an absent field.
    } else {
      auto raw = cur.skipValue();  // number/boolean/nested: fastjson would keep its text
      if (!raw) {
        return tl::unexpected(std::move(raw.error()));
      }
      fields.append(std::move(key), std::string(*raw));
    }
    if (cur.consume(',')) {
      continue;
    }
    return cur.expect('}', "to close extFields");
  }
}

}  // namespace

Result<void> appendJsonHeader(const RemotingCommand& command, std::string& out) {
  out.append(R"({"code":)");
  appendInt(out, command.code);
  if (!command.ext_fields.empty()) {
    out.append(R"(,"extFields":{)");
    bool first = true;
    for (const auto& [key, value] : command.ext_fields) {
      if (!first) {
        out.push_back(',');
      }
      first = false;
      appendJsonString(out, key);
      out.push_back(':');
      appendJsonString(out, value);
    }
    out.push_back('}');
  }
  out.append(R"(,"flag":)");
  appendInt(out, command.flag);
  out.append(R"(,"language":)");
  const std::string_view name = languageName(command.language);
  if (name.empty()) {
    appendInt(out, static_cast<std::uint8_t>(command.language));
  } else {
    out.push_back('"');
    out.append(name);
    out.push_back('"');
  }
  out.append(R"(,"opaque":)");
  appendInt(out, command.opaque);
  if (command.remark) {
    out.append(R"(,"remark":)");
    appendJsonString(out, *command.remark);
  }
  out.append(R"(,"serializeTypeCurrentRPC":"JSON","version":)");
  appendInt(out, command.version);
  out.push_back('}');
  return {};
}

Result<void> decodeJsonHeader(std::string_view header, RemotingCommand& command,
                              std::size_t base_offset) {
  JsonCursor cur(header, base_offset);
  if (auto r = cur.expect('{', "at the start of the header"); !r) {
    return r;
  }
  if (!cur.consume('}')) {
    std::string scratch;
    while (true) {
      auto key = cur.readString(scratch);
      if (!key) {
        return tl::unexpected(std::move(key.error()));
      }
      if (auto r = cur.expect(':', "after a key"); !r) {
        return r;
      }
      Result<void> r;
      const std::string_view k = *key;
      if (k == "code") {
        r = readInt32Field(cur, k, command.code);
      } else if (k == "extFields") {
        command.ext_fields = ExtFields();  // a duplicate key replaces, as in fastjson
        r = readExtFields(cur, command.ext_fields);
      } else if (k == "flag") {
        r = readInt32Field(cur, k, command.flag);
      } else if (k == "language") {
        r = readLanguage(cur, command.language);
      } else if (k == "opaque") {
        r = readInt32Field(cur, k, command.opaque);
      } else if (k == "remark") {
        if (cur.consumeLiteral("null")) {
          command.remark.reset();
        } else {
          command.remark.emplace();
          r = cur.readStringInto(*command.remark);
        }
      } else if (k == "version") {
        r = readInt32Field(cur, k, command.version);
      } else {
        // serializeTypeCurrentRPC (the frame's type byte wins) and keys we do not know.
        auto skipped = cur.skipValue();
        if (!skipped) {
          return tl::unexpected(std::move(skipped.error()));
        }
      }
      if (!r) {
        return r;
      }
      if (cur.consume(',')) {
        continue;
      }
      if (auto e = cur.expect('}', "after a value"); !e) {
        return e;
      }
      break;
    }
  }
  cur.skipWhitespace();
  if (!cur.atEnd()) {
    return cur.error(Errc::kMalformed, "unexpected bytes after the header object");
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// ROCKETMQ binary header

namespace {
constexpr std::size_t kBinaryFixedSize =
    2 + 1 + 2 + 4 + 4;  // code, language, version, opaque, flag
}

Result<void> appendBinaryHeader(const RemotingCommand& command, std::string& out) {
  constexpr auto kI16Min = std::numeric_limits<std::int16_t>::min();
  constexpr auto kI16Max = std::numeric_limits<std::int16_t>::max();
  if (command.code < kI16Min || command.code > kI16Max) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("code {} does not fit the ROCKETMQ header's int16; send it with a "
                                 "JSON header",
                                 command.code));
  }
  if (command.version < kI16Min || command.version > kI16Max) {
    return makeError(
        Errc::kInvalidArgument,
        fmt::format("version {} does not fit the ROCKETMQ header's int16", command.version));
  }
  std::size_t ext_size = 0;
  for (const auto& [key, value] : command.ext_fields) {
    if (key.size() > static_cast<std::size_t>(kI16Max)) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("extFields key of {} bytes is longer than 32767", key.size()));
    }
    ext_size += 2 + key.size() + 4 + value.size();
  }
  const std::size_t remark_size = command.remark ? command.remark->size() : 0;
  // Sizes beyond int32 cannot be written; encodeFrame rejects far smaller headers anyway.
  if (ext_size > static_cast<std::size_t>(kInt32Max)
      || remark_size > static_cast<std::size_t>(kInt32Max)) {
    return makeError(Errc::kFrameTooLarge, "ROCKETMQ header fields exceed 2 GiB");
  }
  out.reserve(out.size() + kBinaryFixedSize + 8 + remark_size + ext_size);
  appendBigEndian(out, static_cast<std::int16_t>(command.code));
  out.push_back(static_cast<char>(command.language));
  appendBigEndian(out, static_cast<std::int16_t>(command.version));
  appendBigEndian(out, command.opaque);
  appendBigEndian(out, command.flag);
  appendBigEndian(out, static_cast<std::int32_t>(remark_size));
  if (remark_size > 0) {
    out.append(*command.remark);
  }
  appendBigEndian(out, static_cast<std::int32_t>(ext_size));
  for (const auto& [key, value] : command.ext_fields) {
    appendBigEndian(out, static_cast<std::int16_t>(key.size()));
    out.append(key);
    appendBigEndian(out, static_cast<std::int32_t>(value.size()));
    out.append(value);
  }
  return {};
}

Result<void> decodeBinaryHeader(std::string_view header, RemotingCommand& command,
                                std::size_t base_offset) {
  ByteReader in(header, base_offset, "ROCKETMQ header");
  if (!in.has(kBinaryFixedSize)) {
    return in.truncated("ROCKETMQ header fixed fields (code, language, version, opaque, flag)",
                        kBinaryFixedSize);
  }
  command.code = in.read<std::int16_t>();
  command.language = static_cast<LanguageCode>(in.read<std::uint8_t>());
  command.version = in.read<std::int16_t>();
  command.opaque = in.read<std::int32_t>();
  command.flag = in.read<std::int32_t>();

  auto remark = in.getSized<std::int32_t>("remark");
  if (!remark) {
    return tl::unexpected(std::move(remark.error()));
  }
  if (!remark->empty()) {
    command.remark.emplace(*remark);
  } else {
    command.remark.reset();
  }

  const std::size_t ext_at = in.offset();
  auto block = in.getSized<std::int32_t>("extFields block");
  if (!block) {
    return tl::unexpected(std::move(block.error()));
  }
  ByteReader ext(*block, ext_at + 4, "extFields block");
  while (!ext.atEnd()) {
    auto key = ext.getSized<std::int16_t>("extFields key");
    if (!key) {
      return tl::unexpected(std::move(key.error()));
    }
    auto value = ext.getSized<std::int32_t>("extFields value");
    if (!value) {
      return tl::unexpected(std::move(value.error()));
    }
    command.ext_fields.append(std::string(*key), std::string(*value));
  }
  if (!in.atEnd()) {
    return makeError(
        Errc::kMalformed,
        fmt::format("{} unexpected bytes after the ROCKETMQ header fields at offset {}",
                    in.remaining(), in.offset()));
  }
  return {};
}

}  // namespace ferry::codec
