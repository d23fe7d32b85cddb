#include "ferry/codec/fastjson.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace ferry::codec {
namespace {

using Json = nlohmann::json;

constexpr char32_t kReplacement = 0xFFFD;

void appendUtf8(std::string& out, char32_t cp) {
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

bool isWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool isIdentChar(char c) {
  return isIdentStart(c) || isDigit(c);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Recursive descent over the whole input. Depth counts open containers, including containers
// that appear in key position.
class Parser {
 public:
  Parser(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

  Result<Json> parseDocument() {
    skipWhitespace();
    auto value = parseValue(0);
    if (!value) {
      return value;
    }
    skipWhitespace();
    if (pos_ != text_.size()) {
      return fail(Errc::kMalformed, "unexpected trailing data");
    }
    return value;
  }

 private:
  tl::unexpected<Error> fail(Errc code, std::string_view what) const {
    return makeError(code, fmt::format("fastjson: {} at byte {}", what, pos_));
  }
  tl::unexpected<Error> failUnexpected() const {
    if (atEnd()) {
      return fail(Errc::kTruncated, "unexpected end of input");
    }
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7F) {
      return fail(Errc::kMalformed, fmt::format("unexpected character '{}'", static_cast<char>(c)));
    }
    return fail(Errc::kMalformed, fmt::format("unexpected byte 0x{:02x}", c));
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skipWhitespace() {
    while (!atEnd() && isWhitespace(peek())) {
      ++pos_;
    }
  }

  Result<Json> parseValue(std::size_t depth) {
    skipWhitespace();
    if (atEnd()) {
      return failUnexpected();
    }
    const char c = peek();
    switch (c) {
      case '{': return parseObject(depth + 1);
      case '[': return parseArray(depth + 1);
      case '"':
      case '\'': {
        auto s = parseString();
        if (!s) {
          return tl::unexpected(std::move(s.error()));
        }
        return Json(std::move(*s));
      }
      case 't': return parseLiteral("true", Json(true));
      case 'f': return parseLiteral("false", Json(false));
      case 'n': return parseLiteral("null", Json(nullptr));
      default:
        if (c == '-' || isDigit(c)) {
          return parseNumber();
        }
        return failUnexpected();
    }
  }

  Result<Json> parseLiteral(std::string_view word, Json value) {
    if (text_.substr(pos_, word.size()) != word) {
      const std::string_view rest = text_.substr(pos_);
      if (rest.size() < word.size() && word.starts_with(rest)) {
        pos_ = text_.size();  // a cut-off literal: report truncation, not garbage
      }
      return failUnexpected();
    }
    pos_ += word.size();
    return value;
  }

  Result<void> enter(std::size_t depth) const {
    if (depth > max_depth_) {
      return fail(Errc::kMalformed, fmt::format("nesting deeper than {}", max_depth_));
    }
    return {};
  }

  // Key of an object member: a string, a bare identifier, or any other JSON value (fastjson's
  // non-String map keys), which becomes its compact JSON text.
  Result<std::string> parseKey(std::size_t depth) {
    skipWhitespace();
    if (atEnd()) {
      return failUnexpected();
    }
    const char c = peek();
    if (c == '"' || c == '\'') {
      return parseString();
    }
    if (isIdentStart(c) && !startsLiteral()) {
      const std::size_t start = pos_;
      while (!atEnd() && isIdentChar(peek())) {
        ++pos_;
      }
      return std::string(text_.substr(start, pos_ - start));
    }
    auto value = parseValue(depth);
    if (!value) {
      return tl::unexpected(std::move(value.error()));
    }
    return dumpJson(*value);
  }

  // true/false/null followed by a non-identifier character: a literal, not an identifier key.
  bool startsLiteral() const {
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word
          && (pos_ + word.size() == text_.size() || !isIdentChar(text_[pos_ + word.size()]))) {
        return true;
      }
    }
    return false;
  }

  Result<Json> parseObject(std::size_t depth) {
    if (auto ok = enter(depth); !ok) {
      return tl::unexpected(std::move(ok.error()));
    }
    ++pos_;  // '{'
    Json object = Json::object();
    skipWhitespace();
    if (!atEnd() && peek() == '}') {
      ++pos_;
      return object;
    }
    while (true) {
      auto key = parseKey(depth);
      if (!key) {
        return tl::unexpected(std::move(key.error()));
      }
      skipWhitespace();
      if (atEnd() || peek() != ':') {
        if (atEnd()) {
          return failUnexpected();
        }
        return fail(Errc::kMalformed, "expected ':' after object key");
      }
      ++pos_;
      auto value = parseValue(depth);
      if (!value) {
        return value;
      }
      object[std::move(*key)] = std::move(*value);
      skipWhitespace();
      if (atEnd()) {
        return failUnexpected();
      }
      if (peek() == ',') {
        ++pos_;
        skipWhitespace();
        if (!atEnd() && peek() == '}') {  // trailing comma: fastjson accepts it
          ++pos_;
          return object;
        }
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return object;
      }
      return fail(Errc::kMalformed, "expected ',' or '}' in object");
    }
  }

  Result<Json> parseArray(std::size_t depth) {
    if (auto ok = enter(depth); !ok) {
      return tl::unexpected(std::move(ok.error()));
    }
    ++pos_;  // '['
    Json array = Json::array();
    skipWhitespace();
    if (!atEnd() && peek() == ']') {
      ++pos_;
      return array;
    }
    while (true) {
      auto value = parseValue(depth);
      if (!value) {
        return value;
      }
      array.push_back(std::move(*value));
      skipWhitespace();
      if (atEnd()) {
        return failUnexpected();
      }
      if (peek() == ',') {
        ++pos_;
        skipWhitespace();
        if (!atEnd() && peek() == ']') {
          ++pos_;
          return array;
        }
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return array;
      }
      return fail(Errc::kMalformed, "expected ',' or ']' in array");
    }
  }

  Result<Json> parseNumber() {
    const std::size_t start = pos_;
    bool integral = true;
    if (peek() == '-') {
      ++pos_;
    }
    if (atEnd() || !isDigit(peek())) {
      return failUnexpected();
    }
    while (!atEnd() && isDigit(peek())) {
      ++pos_;
    }
    if (!atEnd() && peek() == '.') {
      integral = false;
      ++pos_;
      if (atEnd() || !isDigit(peek())) {
        return failUnexpected();
      }
      while (!atEnd() && isDigit(peek())) {
        ++pos_;
      }
    }
    if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!atEnd() && (peek() == '+' || peek() == '-')) {
        ++pos_;
      }
      if (atEnd() || !isDigit(peek())) {
        return failUnexpected();
      }
      while (!atEnd() && isDigit(peek())) {
        ++pos_;
      }
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      std::int64_t signed_value = 0;
      auto [p, ec] = std::from_chars(first, last, signed_value);
      if (ec == std::errc() && p == last) {
        return Json(signed_value);
      }
      if (*first != '-') {
        std::uint64_t unsigned_value = 0;
        auto [pu, ecu] = std::from_chars(first, last, unsigned_value);
        if (ecu == std::errc() && pu == last) {
          return Json(unsigned_value);
        }
      }
    }
    double d = 0;
    auto [p, ec] = std::from_chars(first, last, d);
    if (ec == std::errc::result_out_of_range) {
      // Beyond double range: keep the sign, saturate. Never seen from Java peers.
      d = (*first == '-') ? std::numeric_limits<double>::lowest()
                          : std::numeric_limits<double>::max();
    } else if (ec != std::errc() || p != last) {
      pos_ = start;
      return fail(Errc::kMalformed, "bad number");
    }
    return Json(d);
  }

  Result<char32_t> parseHex4() {
    if (text_.size() - pos_ < 4) {
      pos_ = text_.size();
      return failUnexpected();
    }
    char32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hexValue(text_[pos_]);
      if (h < 0) {
        return fail(Errc::kMalformed, "bad \\u escape");
      }
      cp = (cp << 4) | static_cast<char32_t>(h);
      ++pos_;
    }
    return cp;
  }

  // Copies one raw UTF-8 sequence starting at pos_, replacing an invalid one by U+FFFD.
  void copyUtf8(std::string& out) {
    const auto b0 = static_cast<unsigned char>(text_[pos_]);
    std::size_t len = 0;
    char32_t min = 0;
    char32_t cp = 0;
    if (b0 < 0x80) {
      out.push_back(static_cast<char>(b0));
      ++pos_;
      return;
    }
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      appendUtf8(out, kReplacement);
      ++pos_;
      return;
    }
    if (text_.size() - pos_ < len) {
      appendUtf8(out, kReplacement);
      ++pos_;
      return;
    }
    for (std::size_t i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(text_[pos_ + i]);
      if ((b & 0xC0) != 0x80) {
        appendUtf8(out, kReplacement);
        ++pos_;
        return;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      appendUtf8(out, kReplacement);
      ++pos_;
      return;
    }
    out.append(text_.substr(pos_, len));
    pos_ += len;
  }

  Result<std::string> parseString() {
    const char quote = peek();
    ++pos_;
    std::string out;
    while (true) {
      if (atEnd()) {
        return failUnexpected();
      }
      const char c = peek();
      if (c == quote) {
        ++pos_;
        return out;
      }
      if (c != '\\') {
        copyUtf8(out);
        continue;
      }
      ++pos_;
      if (atEnd()) {
        return failUnexpected();
      }
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\'': out.push_back('\''); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'x': {  // fastjson reads \xHH
          if (text_.size() - pos_ < 2 || hexValue(text_[pos_]) < 0
              || hexValue(text_[pos_ + 1]) < 0) {
            return fail(Errc::kMalformed, "bad \\x escape");
          }
          appendUtf8(out,
                     static_cast<char32_t>(hexValue(text_[pos_]) * 16 + hexValue(text_[pos_ + 1])));
          pos_ += 2;
          break;
        }
        case 'u': {
          auto cp = parseHex4();
          if (!cp) {
            return tl::unexpected(std::move(cp.error()));
          }
          char32_t value = *cp;
          if (value >= 0xD800 && value <= 0xDBFF) {
            // A high surrogate needs a following \uDC00-\uDFFF; otherwise it is replaced.
            if (text_.size() - pos_ >= 6 && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
              const std::size_t save = pos_;
              pos_ += 2;
              auto low = parseHex4();
              if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
                value = 0x10000 + ((value - 0xD800) << 10) + (*low - 0xDC00);
              } else {
                pos_ = save;
                value = kReplacement;
              }
            } else {
              value = kReplacement;
            }
          } else if (value >= 0xDC00 && value <= 0xDFFF) {
            value = kReplacement;
          }
          appendUtf8(out, value);
          break;
        }
        default: --pos_; return fail(Errc::kMalformed, "bad escape in string");
      }
    }
  }

  std::string_view text_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<nlohmann::json> parseFastjson(std::string_view text, std::size_t max_depth) {
  Parser parser(text, max_depth);
  return parser.parseDocument();
}

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dumpFastjsonMap(const nlohmann::json& entries) {
  std::string out = "{";
  bool first = true;
  if (entries.is_array()) {
    for (const auto& entry : entries) {
      if (!entry.is_array() || entry.size() != 2) {
        continue;
      }
      if (!first) {
        out.push_back(',');
      }
      first = false;
      out += dumpJson(entry[0]);
      out.push_back(':');
      out += dumpJson(entry[1]);
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace ferry::codec
