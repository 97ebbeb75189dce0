#include "io/zip_check.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

namespace imgcls {
namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfCentralDirectory = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kMax32 = 0xffffffffu;

// Little-endian reads that report whether the bytes are there.
struct Bytes {
  std::string_view s;
  bool has(uint64_t at, uint64_t n) const { return at <= s.size() && n <= s.size() - at; }
  uint64_t le(uint64_t at, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<uint64_t>(i)]);
    return v;
  }
  uint16_t u16(uint64_t at) const { return static_cast<uint16_t>(le(at, 2)); }
  uint32_t u32(uint64_t at) const { return static_cast<uint32_t>(le(at, 4)); }
  uint64_t u64(uint64_t at) const { return le(at, 8); }
};

uint32_t crc32_of(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  for (std::size_t left = data.size(); left > 0;) {  // zlib takes uInt lengths
    const auto n = static_cast<uInt>(std::min<std::size_t>(left, std::numeric_limits<uInt>::max()));
    crc = crc32(crc, p, n);
    p += n, left -= n;
  }
  return static_cast<uint32_t>(crc);
}

// The CRC-32 of what the raw deflate stream `in` inflates to, streamed through a small buffer
// (and appended to `*out` unless null); false unless it is one complete stream of exactly
// `size` bytes.
bool inflated_crc32(std::string_view in, uint64_t size, uint32_t& crc, std::string* out) {
  if (in.size() > std::numeric_limits<uInt>::max()) return false;
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  uLong sum = crc32(0L, Z_NULL, 0);
  uint64_t produced = 0;
  unsigned char buffer[1 << 16];
  int status = Z_OK;
  while (status == Z_OK && produced <= size) {
    z.next_out = buffer, z.avail_out = sizeof buffer;
    status = inflate(&z, Z_NO_FLUSH);
    const auto n = static_cast<uInt>(sizeof buffer - z.avail_out);
    if (status != Z_OK && status != Z_STREAM_END) break;
    if (n == 0 && status == Z_OK) break;  // no progress: the stream ends early
    sum = crc32(sum, buffer, n), produced += n;
    if (out && produced <= size) out->append(reinterpret_cast<const char*>(buffer), n);
  }
  inflateEnd(&z);
  crc = static_cast<uint32_t>(sum);
  return status == Z_STREAM_END && produced == size;
}

// Whether `name` is a pickle LibTorch's reader unpickles: data.pkl, constants.pkl and the
// code's .debug_pkl files.
bool is_pickle(std::string_view name) {
  const auto ends = [&](std::string_view tail) {
    return name.size() >= tail.size() && name.substr(name.size() - tail.size()) == tail;
  };
  return ends(".pkl") || ends("_pkl");
}

// "" unless an opcode of the pickle `p` claims more bytes than the record holds after it: a
// walk over the opcodes (protocols 0-5) that reads only their lengths. LibTorch's unpickler
// allocates a string or bytes object of the claimed length before reading it (4 GB for a
// damaged BINUNICODE, found by fuzzing). The walk stops, without a verdict, at STOP, at an
// opcode it does not know and at a line argument without its newline: LibTorch refuses those.
std::string pickle_damage(std::string_view p) {
  const Bytes b{p};
  uint64_t at = 0;
  while (at < p.size()) {
    const auto op = static_cast<unsigned char>(p[at++]);
    int length_bytes = 0;  // a length-prefixed argument: the size of its length
    uint64_t fixed = 0;    // a fixed-size argument
    int lines = 0;         // arguments ending in '\n'
    switch (op) {
      case '.': return "";  // STOP
      case '(': case '0': case '1': case '2': case 'N': case 'R': case 'a': case 'b': case 'd': case '}':
      case 'e': case 'l': case ']': case 'o': case 's': case 't': case ')': case 'u': case 'Q': case 0x81:
      case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8f: case 0x90: case 0x91: case 0x92:
      case 0x93: case 0x94: case 0x97: case 0x98:
        break;
      case 'K': case 'h': case 'q': case 0x80: case 0x82: fixed = 1; break;
      case 'M': case 0x83: fixed = 2; break;
      case 'J': case 'j': case 'r': case 0x84: fixed = 4; break;
      case 'G': case 0x95: fixed = 8; break;  // BINFLOAT; FRAME (its opcodes follow as usual)
      case 'I': case 'L': case 'F': case 'S': case 'V': case 'P': case 'g': case 'p': lines = 1; break;
      case 'c': case 'i': lines = 2; break;
      case 'U': case 'C': case 0x8c: case 0x8a: length_bytes = 1; break;
      case 'T': case 'B': case 'X': case 0x8b: length_bytes = 4; break;
      case 0x8d: case 0x8e: case 0x96: length_bytes = 8; break;
      default: return "";
    }
    if (length_bytes > 0) {
      if (!b.has(at, static_cast<uint64_t>(length_bytes))) return "";
      const uint64_t length = b.le(at, length_bytes);
      at += static_cast<uint64_t>(length_bytes);
      if (!b.has(at, length))
        return "an opcode at byte " + std::to_string(at - static_cast<uint64_t>(length_bytes) - 1) + " claims " +
               std::to_string(length) + " bytes, " + std::to_string(p.size() - at) + " follow";
      at += length;
    } else if (fixed > 0) {
      if (!b.has(at, fixed)) return "";
      at += fixed;
    } else {
      for (int i = 0; i < lines; ++i) {
        const auto end = p.find('\n', at);
        if (end == std::string_view::npos) return "";
        at = end + 1;
      }
    }
  }
  return "";
}

// The largest pickle record this check inflates to walk it (PyTorch stores data.pkl; its
// deflated .debug_pkl files are small).
constexpr uint64_t kMaxInflatedPickle = uint64_t{64} << 20;

// A record's name for messages: printable ASCII only, at most 80 characters.
std::string shown(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return "'" + out + (name.size() > 80 ? "...'" : "'");
}

}  // namespace

std::string zip_damage(std::string_view bytes) {
  const Bytes b{bytes};
  const std::string truncated = "no end-of-archive record (a truncated or damaged file, or not a zip archive)";
  if (bytes.size() < 22) return truncated;
  // The end-of-central-directory record: the last 22 bytes plus a comment of up to 65535.
  uint64_t eocd = bytes.size() - 22;
  const uint64_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  while (b.u32(eocd) != kEndOfCentralDirectory || eocd + 22 + b.u16(eocd + 20) != bytes.size()) {
    if (eocd == lowest) return truncated;
    --eocd;
  }
  uint64_t entries = b.u16(eocd + 10), directory_size = b.u32(eocd + 12), directory = b.u32(eocd + 16);
  // With a zip64 locator before it (PyTorch always writes one) the zip64 record's counts are
  // the ones LibTorch's reader (miniz) uses, whatever the 32-bit fields say.
  const bool zip64 = eocd >= 20 && b.u32(eocd - 20) == kZip64Locator;
  if (zip64) {
    const uint64_t z = b.u64(eocd - 20 + 8);
    if (!b.has(z, 56) || b.u32(z) != kZip64EndOfCentralDirectory) return "a damaged zip64 end-of-archive record";
    entries = b.u64(z + 32), directory_size = b.u64(z + 40), directory = b.u64(z + 48);
  } else if (entries == 0xffff || directory_size == kMax32 || directory == kMax32) {
    return "a zip64 archive without its zip64 locator";
  }
  if (!b.has(directory, directory_size)) return "the archive's directory runs past the end of the file";
  uint64_t at = directory;
  for (uint64_t i = 0; i < entries; ++i) {
    if (!b.has(at, 46) || b.u32(at) != kCentralEntry)
      return "directory entry " + std::to_string(i + 1) + " of " + std::to_string(entries) + " is damaged";
    const uint16_t method = b.u16(at + 10);
    const uint32_t crc = b.u32(at + 16);
    uint64_t compressed = b.u32(at + 20), size = b.u32(at + 24);
    const uint64_t name_length = b.u16(at + 28), extra_length = b.u16(at + 30), comment_length = b.u16(at + 32);
    uint64_t local = b.u32(at + 42);
    if (!b.has(at + 46, name_length + extra_length + comment_length))
      return "directory entry " + std::to_string(i + 1) + " runs past the end of the file";
    const auto name = bytes.substr(at + 46, name_length);
    // Zip64: the extra field (id 1) holds, in this order, each of size, compressed size and
    // local header offset whose 32-bit field is 0xffffffff.
    for (uint64_t e = at + 46 + name_length, end = e + extra_length; e + 4 <= end;) {
      const uint16_t id = b.u16(e), length = b.u16(e + 2);
      if (e + 4 + length > end) return "record " + shown(name) + " has a damaged extra field";
      if (id == 1) {
        uint64_t f = e + 4;
        for (uint64_t* field : {&size, &compressed, &local})
          if (*field == kMax32) {
            if (f + 8 > e + 4 + length) return "record " + shown(name) + " has a damaged zip64 field";
            *field = b.u64(f), f += 8;
          }
      }
      e += 4 + length;
    }
    if (method != 0 && method != 8)
      return "record " + shown(name) + " uses compression method " + std::to_string(method) +
             " (PyTorch stores records, or deflates them)";
    if (method == 0 && compressed != size) return "record " + shown(name) + " has two different sizes";
    if (!b.has(local, 30) || b.u32(local) != kLocalHeader)
      return "record " + shown(name) + " has no local header where the directory says";
    const uint64_t data = local + 30 + b.u16(local + 26) + b.u16(local + 28);
    if (!b.has(data, compressed))
      return "record " + shown(name) + " runs past the end of the file (a truncated file?)";
    uint32_t actual = 0;
    const bool pickle = is_pickle(name);
    std::string inflated;
    if (method == 0) actual = crc32_of(bytes.substr(data, size));
    else if (pickle && size > kMaxInflatedPickle)
      return "record " + shown(name) + " claims a pickle of " + std::to_string(size) + " bytes";
    else if (!inflated_crc32(bytes.substr(data, compressed), size, actual, pickle ? &inflated : nullptr))
      return "record " + shown(name) + " does not inflate to its " + std::to_string(size) + " bytes (a damaged file)";
    if (actual != crc) return "record " + shown(name) + " fails its CRC-32 check (a damaged file)";
    if (pickle) {
      const auto why = pickle_damage(method == 0 ? bytes.substr(data, size) : std::string_view(inflated));
      if (!why.empty()) return "record " + shown(name) + " is a damaged pickle: " + why;
    }
    at += 46 + name_length + extra_length + comment_length;
  }
  if (at != directory + directory_size) return "the archive's directory is not the size its end record gives";
  return "";
}

ZipFile read_zip_file(const std::string& path) {
  ZipFile file;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (in) file.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in || in.bad()) {
    file.read_error = std::strerror(errno);
    return file;
  }
  file.damage = zip_damage(file.bytes);
  return file;
}

}  // namespace imgcls
