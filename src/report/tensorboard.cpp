#include "report/tensorboard.hpp"

#include <array>
#include <cstring>

#include "imgcls/io/atomic_file.hpp"

namespace imgcls {
namespace {

const std::array<uint32_t, 256>& crc_table() {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected Castagnoli
      t[i] = c;
    }
    return t;
  }();
  return table;
}

// Protobuf wire format: varints, and (field number << 3 | wire type) keys.
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_key(std::string& out, int field, int wire_type) { put_varint(out, static_cast<uint64_t>(field << 3 | wire_type)); }
template <typename T>
void put_fixed(std::string& out, T v) {  // little-endian, as on x86 and ARM
  char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  out.append(bytes, sizeof v);
}
void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_key(out, field, 2);
  put_varint(out, bytes.size());
  out += bytes;
}

// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
std::string event(double wall_time, int64_t step, const std::string* file_version, const std::string* summary) {
  std::string e;
  put_key(e, 1, 1);
  put_fixed(e, wall_time);
  if (step != 0) {
    put_key(e, 2, 0);
    put_varint(e, static_cast<uint64_t>(step));
  }
  if (file_version) put_bytes(e, 3, *file_version);
  if (summary) put_bytes(e, 5, *summary);
  return e;
}

// Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
std::string scalar_summary(const std::string& tag, double value) {
  std::string v;
  put_bytes(v, 1, tag);
  put_key(v, 2, 5);
  put_fixed(v, static_cast<float>(value));
  std::string s;
  put_bytes(s, 1, v);
  return s;
}

}  // namespace

uint32_t crc32c(const void* data, std::size_t size) {
  const auto& table = crc_table();
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(const void* data, std::size_t size) {
  const uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

std::string tf_record(const std::string& payload) {
  std::string r;
  const uint64_t length = payload.size();
  put_fixed(r, length);
  put_fixed(r, masked_crc32c(&length, sizeof length));
  r += payload;
  put_fixed(r, masked_crc32c(payload.data(), payload.size()));
  return r;
}

std::string event_file_bytes(const std::vector<Scalar>& scalars, double start_wall_time) {
  const std::string version = "brain.Event:2";
  std::string out = tf_record(event(start_wall_time, 0, &version, nullptr));
  for (const auto& s : scalars) {
    const auto summary = scalar_summary(s.tag, s.value);
    out += tf_record(event(s.wall_time, s.step, nullptr, &summary));
  }
  return out;
}

void write_event_file(const std::string& path, const std::vector<Scalar>& scalars, double start_wall_time) {
  write_file_atomic(path, event_file_bytes(scalars, start_wall_time));
}

}  // namespace imgcls
