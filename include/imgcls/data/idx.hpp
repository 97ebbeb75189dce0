// Reader for the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed).
//
// Format: 2 zero bytes, a type byte (0x08 = unsigned byte, the only type those datasets
// use), a byte with the number of dimensions, then one big-endian uint32 per dimension,
// then the data in row-major order. The reader checks every part of that and throws
// DataError naming the file and what was wrong: a bad magic number, a wrong number of
// dimensions, a dimension of size zero, dimensions whose product overflows 64 bits, a file
// shorter or longer than its header says, a corrupt gzip stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

struct IdxArray {
  std::vector<int64_t> dims;  // e.g. {60000, 28, 28}
  std::vector<uint8_t> data;  // product(dims) bytes

  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
};

// Reads an IDX file of unsigned bytes. `expected_ndim` is checked when > 0 (3 for images,
// 1 for labels). `.gz` files are decompressed; other files are read as they are.
// Throws DataError.
IdxArray read_idx(const std::string& path, int expected_ndim = 0);

// Writes an IDX file of unsigned bytes (gzip-compressed when `path` ends in .gz).
// Used by tests and tools to make files in the exact official format. Throws DataError.
void write_idx(const std::string& path, const IdxArray& array);

}  // namespace imgcls
