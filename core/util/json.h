// A small JSON writer for the CLI's --json output and the wasm layer's reports.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace util {

/// Builds one JSON value. Usage: Json j; j.begin_object().key("n").value(3).end_object();
class Json {
 public:
  Json& begin_object() {
    sep();
    out_ += '{';
    first_.push_back(true);
    return *this;
  }
  Json& end_object() {
    out_ += '}';
    first_.pop_back();
    return *this;
  }
  Json& begin_array() {
    sep();
    out_ += '[';
    first_.push_back(true);
    return *this;
  }
  Json& end_array() {
    out_ += ']';
    first_.pop_back();
    return *this;
  }
  Json& key(const std::string& k) {
    sep();
    quote(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  Json& value(double v) {
    sep();
    if (!std::isfinite(v)) {
      out_ += "null";  // JSON has no NaN/Infinity
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", v);
      out_ += buf;
    }
    return *this;
  }
  Json& value(int v) { return value(static_cast<long long>(v)); }
  Json& value(long long v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  Json& value(bool v) {
    sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  Json& value(const char* v) {
    sep();
    quote(v);
    return *this;
  }
  Json& value(const std::string& v) {
    sep();
    quote(v);
    return *this;
  }
  template <class T>
  Json& value(const std::vector<T>& xs) {
    begin_array();
    for (const auto& x : xs) value(x);
    return end_array();
  }
  template <class T>
  Json& field(const std::string& k, const T& v) {
    return key(k).value(v);
  }
  const std::string& str() const { return out_; }

 private:
  void sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void quote(const std::string& s) {
    out_ += '"';
    for (char c : s) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }
  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace util
