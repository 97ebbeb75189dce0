#include "imgcls/data/idx.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;

std::vector<uint8_t> read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const int n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      gzclose(f);
      throw DataError(path + ": corrupt gzip stream: " + msg);
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  int code = 0;
  const std::string msg = gzerror(f, &code);
  gzclose(f);
  // zlib reports a stream cut short as Z_BUF_ERROR only after the last read.
  if (code != Z_OK && code != Z_STREAM_END) throw DataError(path + ": truncated or corrupt gzip file: " + msg);
  return out;
}

std::vector<uint8_t> read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_ndim) {
  const auto bytes = ends_with(to_lower(path), ".gz") ? read_gzip(path) : read_raw(path);
  if (bytes.size() < 4) throw DataError(path + ": not an IDX file: only " + std::to_string(bytes.size()) + " bytes");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw DataError(path + ": not an IDX file: bad magic number (first two bytes must be zero)");
  if (bytes[2] != kTypeUnsignedByte)
    throw DataError(path + ": unsupported IDX element type " + std::to_string(bytes[2]) +
                    " (only 8, unsigned byte, is supported)");
  const int ndim = bytes[3];
  if (ndim == 0) throw DataError(path + ": IDX header declares zero dimensions");
  if (expected_ndim > 0 && ndim != expected_ndim)
    throw DataError(path + ": expected an IDX file with " + std::to_string(expected_ndim) + " dimension(s), got " +
                    std::to_string(ndim) + " (magic 0x0000080" + std::to_string(ndim) + ")");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndim);
  if (bytes.size() < header) throw DataError(path + ": truncated IDX header");

  IdxArray array;
  for (int d = 0; d < ndim; ++d) array.dims.push_back(read_be32(bytes.data() + 4 + 4 * d));
  std::string dims_text;
  for (const auto size : array.dims) dims_text += (dims_text.empty() ? "" : " x ") + std::to_string(size);
  // Each dimension is below 2^32, so a product that would pass 2^64 is caught before it wraps
  // (4 x 2^31 x 2^31 would otherwise wrap to 0 and "match" an empty payload).
  uint64_t total = 1;
  for (std::size_t d = 0; d < array.dims.size(); ++d) {
    const auto size = static_cast<uint64_t>(array.dims[d]);
    if (size == 0)
      throw DataError(path + ": IDX header: dimension " + std::to_string(d + 1) + " of " + std::to_string(ndim) +
                      " is zero (" + dims_text + ")");
    if (total > std::numeric_limits<uint64_t>::max() / size)
      throw DataError(path + ": IDX header: dimensions " + dims_text +
                      " are too large (their product overflows 64 bits)");
    total *= size;
  }
  const auto payload = bytes.size() - header;
  if (payload < total)
    throw DataError(path + ": truncated: header promises " + std::to_string(total) + " bytes of data, file has " +
                    std::to_string(payload));
  if (payload > total)
    throw DataError(path + ": " + std::to_string(payload - total) + " unexpected bytes after the data");
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

void write_idx(const std::string& path, const IdxArray& array) {
  std::vector<uint8_t> bytes = {0, 0, kTypeUnsignedByte, static_cast<uint8_t>(array.dims.size())};
  for (auto d : array.dims) put_be32(bytes, static_cast<uint32_t>(d));
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  if (ends_with(to_lower(path), ".gz")) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f) throw DataError(path + ": cannot create: " + std::strerror(errno));
    const int n = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    if (gzclose(f) != Z_OK || n != static_cast<int>(bytes.size())) throw DataError(path + ": write failed");
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw DataError(path + ": write failed");
}

}  // namespace imgcls
