#include "events/json.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nsfence::events {
namespace {

// The proto3 JSON mapping prints 64-bit integers as strings ("count":"3");
// print `count` as the number it is. The match cannot be inside a string
// value: a quote there is escaped (\"), and the key must follow { or ,.
void UnquoteCount(std::string& json) {
  constexpr std::string_view kKey = "\"count\":\"";
  for (size_t at = json.find(kKey); at != std::string::npos; at = json.find(kKey, at + 1)) {
    if (at == 0 || (json[at - 1] != '{' && json[at - 1] != ',')) continue;
    const size_t open = at + kKey.size() - 1;
    size_t close = open + 1;
    while (close < json.size() && json[close] >= '0' && json[close] <= '9') ++close;
    if (close == open + 1 || close >= json.size() || json[close] != '"') continue;
    json.erase(close, 1);
    json.erase(open, 1);
    return;
  }
}

// ---- The hand-written printer -------------------------------------------
//
// What protobuf 3.21's printer does, for the inputs it handles: fields in
// field number order; strings, numbers and repeated fields left out when
// empty or zero; a Timestamp present whenever set, even when zero; uint32 as
// a number, uint64 as a quoted number (but `count`, see UnquoteCount);
// Timestamps as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits. In
// strings, " and \ are escaped as \" and \\, < and > as \u003c and \u003e
// (for HTML), other printable ASCII is printed as it is. Anything else (a
// control character, any byte >= 0x7f: protobuf escapes some, validates
// UTF-8, drops bytes that are not) and a time outside 0001..9999 or with
// nanos outside [0, 1e9) (an error for protobuf) make the fast printer give
// up, and protobuf prints the event.

using google::protobuf::FieldDescriptor;
using google::protobuf::RepeatedPtrField;
using google::protobuf::Timestamp;

using StringGetter = const std::string& (*)(const Event&);
using StringsGetter = const RepeatedPtrField<std::string>& (*)(const Event&);
using TimeGetter = const Timestamp* (*)(const Event&);  // nullptr when absent
using Uint32Getter = uint32_t (*)(const Event&);
using Uint64Getter = uint64_t (*)(const Event&);

// One field of Event: exactly one getter is set.
struct FieldPrinter {
  int number;
  std::string_view name;
  StringGetter string = nullptr;
  StringsGetter strings = nullptr;
  TimeGetter time = nullptr;
  Uint32Getter uint32 = nullptr;
  Uint64Getter uint64 = nullptr;
};

// Every field of events.proto, by number (FastJsonCoversEventSchema checks
// the table against the message's descriptor).
constexpr FieldPrinter kFields[] = {
    {.number = 1, .name = "time",
     .time = [](const Event& e) -> const Timestamp* { return e.has_time() ? &e.time() : nullptr; }},
    {.number = 2, .name = "kind", .string = [](const Event& e) -> const std::string& { return e.kind(); }},
    {.number = 3, .name = "action", .string = [](const Event& e) -> const std::string& { return e.action(); }},
    {.number = 4, .name = "direction",
     .string = [](const Event& e) -> const std::string& { return e.direction(); }},
    {.number = 5, .name = "namespace",
     .string = [](const Event& e) -> const std::string& { return e.namespace_(); }},
    {.number = 6, .name = "pod", .string = [](const Event& e) -> const std::string& { return e.pod(); }},
    {.number = 7, .name = "pid", .uint32 = [](const Event& e) -> uint32_t { return e.pid(); }},
    {.number = 8, .name = "comm", .string = [](const Event& e) -> const std::string& { return e.comm(); }},
    {.number = 9, .name = "protocol",
     .string = [](const Event& e) -> const std::string& { return e.protocol(); }},
    {.number = 10, .name = "src", .string = [](const Event& e) -> const std::string& { return e.src(); }},
    {.number = 11, .name = "dst", .string = [](const Event& e) -> const std::string& { return e.dst(); }},
    {.number = 12, .name = "peer_namespace",
     .string = [](const Event& e) -> const std::string& { return e.peer_namespace(); }},
    {.number = 13, .name = "peer_pod",
     .string = [](const Event& e) -> const std::string& { return e.peer_pod(); }},
    {.number = 14, .name = "policy", .string = [](const Event& e) -> const std::string& { return e.policy(); }},
    {.number = 15, .name = "offered_max_version",
     .string = [](const Event& e) -> const std::string& { return e.offered_max_version(); }},
    {.number = 16, .name = "negotiated_version",
     .string = [](const Event& e) -> const std::string& { return e.negotiated_version(); }},
    {.number = 17, .name = "sni", .string = [](const Event& e) -> const std::string& { return e.sni(); }},
    {.number = 18, .name = "reason", .string = [](const Event& e) -> const std::string& { return e.reason(); }},
    {.number = 19, .name = "min_version",
     .string = [](const Event& e) -> const std::string& { return e.min_version(); }},
    {.number = 20, .name = "container",
     .string = [](const Event& e) -> const std::string& { return e.container(); }},
    {.number = 21, .name = "capabilities",
     .strings = [](const Event& e) -> const RepeatedPtrField<std::string>& { return e.capabilities(); }},
    {.number = 22, .name = "host_namespaces",
     .strings = [](const Event& e) -> const RepeatedPtrField<std::string>& { return e.host_namespaces(); }},
    {.number = 23, .name = "backend", .string = [](const Event& e) -> const std::string& { return e.backend(); }},
    {.number = 24, .name = "filename",
     .string = [](const Event& e) -> const std::string& { return e.filename(); }},
    {.number = 25, .name = "device", .string = [](const Event& e) -> const std::string& { return e.device(); }},
    {.number = 26, .name = "access", .string = [](const Event& e) -> const std::string& { return e.access(); }},
    {.number = 27, .name = "count", .uint64 = [](const Event& e) -> uint64_t { return e.count(); }},
    {.number = 28, .name = "first_time",
     .time = [](const Event& e) -> const Timestamp* { return e.has_first_time() ? &e.first_time() : nullptr; }},
    {.number = 29, .name = "last_time",
     .time = [](const Event& e) -> const Timestamp* { return e.has_last_time() ? &e.last_time() : nullptr; }},
    {.number = 30, .name = "response",
     .string = [](const Event& e) -> const std::string& { return e.response(); }},
    {.number = 31, .name = "error", .string = [](const Event& e) -> const std::string& { return e.error(); }},
    {.number = 32, .name = "labels",
     .strings = [](const Event& e) -> const RepeatedPtrField<std::string>& { return e.labels(); }},
};

// Timestamp limits of the proto3 JSON mapping: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

bool Matches(const FieldPrinter& p, const FieldDescriptor* f) {
  if (f == nullptr || f->name() != p.name || f->containing_oneof() != nullptr) return false;
  if (p.strings != nullptr) return f->is_repeated() && f->type() == FieldDescriptor::TYPE_STRING;
  if (f->is_repeated()) return false;
  if (p.time != nullptr) {
    return f->type() == FieldDescriptor::TYPE_MESSAGE &&
           f->message_type()->full_name() == Timestamp::descriptor()->full_name();
  }
  // Implicit presence: left out when empty or zero.
  if (f->has_presence()) return false;
  if (p.string != nullptr) return f->type() == FieldDescriptor::TYPE_STRING;
  if (p.uint32 != nullptr) return f->type() == FieldDescriptor::TYPE_UINT32;
  return p.uint64 != nullptr && f->type() == FieldDescriptor::TYPE_UINT64;
}

bool CoversSchema() {
  const google::protobuf::Descriptor* d = Event::descriptor();
  if (d->field_count() != static_cast<int>(std::size(kFields)) || d->extension_range_count() != 0) {
    return false;
  }
  int previous = 0;
  for (const FieldPrinter& p : kFields) {
    if (p.number <= previous || !Matches(p, d->FindFieldByNumber(p.number))) return false;
    previous = p.number;
  }
  return true;
}

// The line being printed, in a buffer of fixed size: appends without a
// capacity check of a string each. A line that does not fit (none of the
// kinds the agent prints comes close) overflows and goes to protobuf.
class Line {
 public:
  static constexpr size_t kCapacity = 8192;

  void append(const char* data, size_t size) {
    if (size > kCapacity - size_) {
      overflow_ = true;
      return;
    }
    std::memcpy(data_ + size_, data, size);
    size_ += size;
  }
  void append(const char* begin, const char* end) { append(begin, static_cast<size_t>(end - begin)); }
  Line& operator+=(std::string_view text) {
    append(text.data(), text.size());
    return *this;
  }
  Line& operator+=(char c) {
    if (size_ == kCapacity) {
      overflow_ = true;
    } else {
      data_[size_++] = c;
    }
    return *this;
  }
  bool overflow() const { return overflow_; }
  // With room for one more byte: the caller's newline.
  std::string ToString() const {
    std::string out;
    out.reserve(size_ + 1);
    out.assign(data_, size_);
    return out;
  }

 private:
  char data_[kCapacity];
  size_t size_ = 0;
  bool overflow_ = false;
};

template <typename Int>
void AppendNumber(Line& out, Int value) {
  char digits[24];
  const std::to_chars_result r = std::to_chars(std::begin(digits), std::end(digits), value);
  out.append(digits, r.ptr);
}

// `value` in `width` digits, zero-padded, at `at`; returns the end.
char* PutPadded(char* at, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
  return at + width;
}

// What a string byte becomes: itself (kVerbatim), an escape, or nothing the
// fast printer knows (kUnknown).
constexpr char kVerbatim = 0;
constexpr char kUnknown = 1;
struct ByteClasses {
  char of[256] = {};
  constexpr ByteClasses() {
    for (int c = 0; c < 256; ++c) of[c] = c >= 0x20 && c <= 0x7e ? kVerbatim : kUnknown;
    for (const char c : {'"', '\\', '<', '>'}) of[static_cast<unsigned char>(c)] = c;
  }
};
constexpr ByteClasses kBytes;

// "\"...\"", or false when a byte needs protobuf's judgement.
bool AppendString(Line& out, const std::string& s) {
  out += '"';
  const char* run = s.data();
  const char* const end = s.data() + s.size();
  for (const char* p = run; p < end; ++p) {
    const char c = kBytes.of[static_cast<unsigned char>(*p)];
    if (c == kVerbatim) continue;
    if (c == kUnknown) return false;
    out.append(run, p);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '<': out += "\\u003c"; break;
      default: out += "\\u003e"; break;
    }
    run = p + 1;
  }
  out.append(run, end);
  out += '"';
  return true;
}

// "\"2026-12-01T11:18:01.879113110Z\"", or false outside the JSON limits.
bool AppendTimestamp(Line& out, const Timestamp& t) {
  const int64_t seconds = t.seconds();
  const int32_t nanos = t.nanos();
  if (seconds < kMinSeconds || seconds > kMaxSeconds || nanos < 0 || nanos > 999999999) return false;
  constexpr int64_t kDay = 86400;
  int64_t days = seconds / kDay;
  int64_t of_day = seconds % kDay;
  if (of_day < 0) {
    of_day += kDay;
    --days;
  }
  // Civil date of a day count since 1970-01-01 (proleptic Gregorian).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char text[40];
  char* p = text;
  *p++ = '"';
  p = PutPadded(p, year, 4);
  *p++ = '-';
  p = PutPadded(p, month, 2);
  *p++ = '-';
  p = PutPadded(p, day, 2);
  *p++ = 'T';
  p = PutPadded(p, of_day / 3600, 2);
  *p++ = ':';
  p = PutPadded(p, of_day / 60 % 60, 2);
  *p++ = ':';
  p = PutPadded(p, of_day % 60, 2);
  if (nanos != 0) {
    *p++ = '.';
    if (nanos % 1000000 == 0) {
      p = PutPadded(p, nanos / 1000000, 3);
    } else if (nanos % 1000 == 0) {
      p = PutPadded(p, nanos / 1000, 6);
    } else {
      p = PutPadded(p, nanos, 9);
    }
  }
  *p++ = 'Z';
  *p++ = '"';
  out.append(text, p);
  return true;
}

// False when the event needs protobuf's printer; `out` is then garbage.
bool AppendFast(const Event& event, Line& out) {
  out += '{';
  bool first = true;
  const auto key = [&](std::string_view name) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += name;
    out += '"';
    out += ':';
  };
  for (const FieldPrinter& p : kFields) {
    if (p.string != nullptr) {
      const std::string& value = p.string(event);
      if (value.empty()) continue;
      key(p.name);
      if (!AppendString(out, value)) return false;
    } else if (p.time != nullptr) {
      const Timestamp* value = p.time(event);
      if (value == nullptr) continue;
      key(p.name);
      if (!AppendTimestamp(out, *value)) return false;
    } else if (p.uint32 != nullptr) {
      const uint32_t value = p.uint32(event);
      if (value == 0) continue;
      key(p.name);
      AppendNumber(out, value);
    } else if (p.uint64 != nullptr) {
      const uint64_t value = p.uint64(event);
      if (value == 0) continue;
      key(p.name);
      // Only `count` is unquoted (UnquoteCount); other 64-bit integers stay strings.
      const bool quoted = p.name != "count";
      if (quoted) out += '"';
      AppendNumber(out, value);
      if (quoted) out += '"';
    } else {
      const RepeatedPtrField<std::string>& values = p.strings(event);
      if (values.empty()) continue;
      key(p.name);
      out += '[';
      for (int i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        if (!AppendString(out, values.Get(i))) return false;
      }
      out += ']';
    }
  }
  out += '}';
  return !out.overflow();
}

}  // namespace

bool FastJsonCoversEventSchema() {
  static const bool covers = CoversSchema();
  return covers;
}

std::string ToJsonLineWithProtobuf(const Event& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // snake_case keys, stable across versions
  options.add_whitespace = false;
  std::string out;
  // Cannot fail for a message with only string, integer, repeated string and
  // Timestamp fields, but for a Timestamp out of range. Repeated fields
  // print as arrays (["SYS_ADMIN"]), and like empty strings and zeros, empty
  // ones are left out.
  (void)google::protobuf::util::MessageToJsonString(event, &out, options);
  UnquoteCount(out);
  return out;
}

std::string ToJsonLine(const Event& event) {
  if (FastJsonCoversEventSchema()) {
    Line line;
    if (AppendFast(event, line)) return line.ToString();
  }
  return ToJsonLineWithProtobuf(event);
}

}  // namespace nsfence::events
