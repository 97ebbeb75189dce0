#include <gtest/gtest.h>

#include "imgcls/data/idx.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

IdxArray images(int n, int h, int w) {
  IdxArray a{{n, h, w}, {}};
  for (int i = 0; i < n * h * w; ++i) a.data.push_back(static_cast<uint8_t>(i * 7));
  return a;
}

std::string data_error(const std::string& path, int ndim = 0) {
  return test::message_of<DataError>([&] { read_idx(path, ndim); });
}

TEST(Idx, ReadsRawAndGzip) {
  test::TempDir dir;
  const auto a = images(3, 4, 5);
  for (const auto* name : {"x-idx3-ubyte", "x-idx3-ubyte.gz"}) {
    write_idx(dir / name, a);
    const auto b = read_idx(dir / name, 3);
    EXPECT_EQ(b.dims, a.dims) << name;
    EXPECT_EQ(b.data, a.data) << name;
    EXPECT_EQ(b.count(), 3);
  }
}

TEST(Idx, HeaderIsTheOfficialOne) {
  test::TempDir dir;
  write_idx(dir / "l", IdxArray{{2}, {7, 9}});
  const auto bytes = test::read_text(dir / "l");
  // 0x00000801, count 2 (big-endian), then the labels.
  EXPECT_EQ(bytes, std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x07\x09", 10));
}

TEST(Idx, TruncatedRawFile) {
  test::TempDir dir;
  write_idx(dir / "t", images(2, 3, 3));
  auto bytes = test::read_text(dir / "t");
  test::write_text(dir / "t", bytes.substr(0, bytes.size() - 4));
  EXPECT_EQ(data_error(dir / "t"), dir / "t" + ": truncated: header promises 18 bytes of data, file has 14");
}

TEST(Idx, TruncatedGzipFile) {
  test::TempDir dir;
  write_idx(dir / "t.gz", images(50, 28, 28));
  auto bytes = test::read_text(dir / "t.gz");
  test::write_text(dir / "t.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(data_error(dir / "t.gz").find("t.gz: "), std::string::npos);
}

TEST(Idx, ExtraBytesAfterData) {
  test::TempDir dir;
  write_idx(dir / "t", images(1, 2, 2));
  test::write_text(dir / "t", test::read_text(dir / "t") + "xx");
  EXPECT_EQ(data_error(dir / "t"), dir / "t" + ": 2 unexpected bytes after the data");
}

TEST(Idx, WrongMagicNumber) {
  test::TempDir dir;
  test::write_text(dir / "m", std::string("\x12\x34\x08\x01\x00\x00\x00\x00", 8));
  EXPECT_EQ(data_error(dir / "m"), dir / "m" + ": not an IDX file: bad magic number (first two bytes must be zero)");
  test::write_text(dir / "f", std::string("\x00\x00\x0D\x01\x00\x00\x00\x00", 8));  // float data
  EXPECT_NE(data_error(dir / "f").find("unsupported IDX element type 13"), std::string::npos);
}

TEST(Idx, WrongNumberOfDimensions) {
  test::TempDir dir;
  write_idx(dir / "l", IdxArray{{2}, {1, 2}});
  EXPECT_EQ(data_error(dir / "l", 3),
            dir / "l" + ": expected an IDX file with 3 dimension(s), got 1 (magic 0x00000801)");
}

TEST(Idx, DimensionProductThatWouldWrapIsRejected) {
  test::TempDir dir;
  // 4 x 2^31 x 2^31 = 2^64 wraps to 0 in 64 bits: an empty payload must not pass as "complete".
  test::write_text(dir / "w", std::string("\x00\x00\x08\x03\x00\x00\x00\x04\x80\x00\x00\x00\x80\x00\x00\x00", 16));
  EXPECT_EQ(data_error(dir / "w", 3),
            dir / "w" +
                ": IDX header: dimensions 4 x 2147483648 x 2147483648 are too large (their product overflows 64 bits)");
  write_idx(dir / "w.gz", IdxArray{{4, 2147483648LL, 2147483648LL}, {}});
  EXPECT_NE(data_error(dir / "w.gz", 3).find("w.gz: IDX header: dimensions 4 x"), std::string::npos);
}

TEST(Idx, ZeroDimensionIsRejected) {
  test::TempDir dir;
  write_idx(dir / "z", IdxArray{{3, 0, 28}, {}});
  EXPECT_EQ(data_error(dir / "z", 3), dir / "z" + ": IDX header: dimension 2 of 3 is zero (3 x 0 x 28)");
  write_idx(dir / "e", IdxArray{{0}, {}});
  EXPECT_EQ(data_error(dir / "e", 1), dir / "e" + ": IDX header: dimension 1 of 1 is zero (0)");
}

TEST(Idx, MissingFile) { EXPECT_NE(data_error("/nonexistent/x-idx1-ubyte").find("cannot open"), std::string::npos); }

}  // namespace
}  // namespace imgcls
