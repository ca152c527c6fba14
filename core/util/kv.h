// "key=value;key=value" text: how model configs travel inside weights files.
#pragma once
#include <map>
#include <string>

namespace util {

using KeyValues = std::map<std::string, std::string>;

/// Parses "a=1;b=x". Throws nn::Error on an entry without '='.
KeyValues parse_kv(const std::string& text);
/// Formats in key order.
std::string format_kv(const KeyValues& kv);

/// Typed lookups; `fallback` when the key is absent, nn::Error when the value is not exactly a
/// number as format_kv writes it (no leading space or '+', no trailing text, an int within int range,
/// a finite double).
int kv_int(const KeyValues& kv, const std::string& key, int fallback);
double kv_double(const KeyValues& kv, const std::string& key, double fallback);
std::string kv_string(const KeyValues& kv, const std::string& key, const std::string& fallback);

/// The number readers behind kv_int and kv_double, for values inside a config entry (a list's
/// items); `what` names the value in the error.
int parse_int(const std::string& s, const std::string& what);
double parse_double(const std::string& s, const std::string& what);

}  // namespace util
