// The zip integrity check that runs before LibTorch reads a checkpoint: intact archives (as
// PyTorch writes them, stored and deflated records, zip64) pass; a flipped bit, a cut file and
// bytes that are not a zip are named.
#include <gtest/gtest.h>

#include <string>

#include "io/zip_check.hpp"
#include "test_util.hpp"
#include "zip_util.hpp"

namespace imgcls {
namespace {

std::string fixture(const std::string& name) {
  return test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/" + name);
}

uint32_t le32(const std::string& s, std::size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}
uint16_t le16(const std::string& s, std::size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8);
}

TEST(ZipCheck, ArchivesPyTorchWroteAreIntact) {
  // A TorchScript file saved by torch.jit.save: stored tensors and deflated code records.
  EXPECT_EQ(zip_damage(fixture("tiny_backbone_1ch.pt")), "");
  EXPECT_EQ(zip_damage(fixture("tiny_backbone_3ch.pt")), "");
  // A checkpoint imgcls wrote (the fuzzer's seed).
  EXPECT_EQ(zip_damage(test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/tests/fuzz/corpus/checkpoint/last.pt")), "");
}

TEST(ZipCheck, ReadZipFileGivesTheBytesAndWhatIsWrong) {
  const auto path = std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/tiny_backbone_1ch.pt";
  const auto intact = read_zip_file(path);
  EXPECT_EQ(intact.bytes, fixture("tiny_backbone_1ch.pt"));
  EXPECT_EQ(intact.read_error, "");
  EXPECT_EQ(intact.damage, "");
  const auto missing = read_zip_file(path + ".missing");
  EXPECT_EQ(missing.read_error, "No such file or directory");
  const auto not_zip = read_zip_file(std::string(IMGCLS_SOURCE_DIR) + "/tests/CMakeLists.txt");
  EXPECT_EQ(not_zip.read_error, "");
  EXPECT_NE(not_zip.damage.find("no end-of-archive record"), std::string::npos) << not_zip.damage;
}

TEST(ZipCheck, AFlippedBitInARecordFailsItsCrc) {
  auto zip = fixture("tiny_backbone_1ch.pt");
  const auto [at, size] = test::largest_zip_record(zip);
  ASSERT_GT(size, 0u);
  zip[at + size - 1] ^= 0x01;
  const auto why = zip_damage(zip);
  EXPECT_NE(why.find("fails its CRC-32 check (a damaged file)"), std::string::npos) << why;
  EXPECT_EQ(why.rfind("record 'tiny_backbone_1ch/", 0), 0u) << why;
}

TEST(ZipCheck, ADamagedDeflatedRecordIsNamed) {
  auto zip = fixture("tiny_backbone_1ch.pt");
  // Find a deflated record by its local header (method 8) and damage its stream.
  std::size_t at = 0;
  while ((at = zip.find(std::string("PK\x03\x04", 4), at)) != std::string::npos && le16(zip, at + 8) != 8) ++at;
  ASSERT_NE(at, std::string::npos);
  const auto data = at + 30 + le16(zip, at + 26) + le16(zip, at + 28);
  for (std::size_t i = 0; i < 8; ++i) zip[data + i] = static_cast<char>(0xff);
  const auto why = zip_damage(zip);
  EXPECT_TRUE(why.find("does not inflate to its") != std::string::npos ||
              why.find("fails its CRC-32 check") != std::string::npos)
      << why;
}

TEST(ZipCheck, CutFilesAndOtherBytesHaveNoEndRecord) {
  const auto zip = fixture("tiny_backbone_1ch.pt");
  const std::string no_end = "no end-of-archive record (a truncated or damaged file, or not a zip archive)";
  for (const auto size : {std::size_t{0}, std::size_t{21}, zip.size() / 2, zip.size() - 1})
    EXPECT_EQ(zip_damage(zip.substr(0, size)), no_end) << size;
  EXPECT_EQ(zip_damage("name: not a zip\n"), no_end);
}

TEST(ZipCheck, ARecordBeyondTheEndIsNamed) {
  auto zip = fixture("tiny_backbone_1ch.pt");
  // The central directory's first entry: point its local header far past the end.
  const auto eocd = zip.rfind(std::string("PK\x05\x06", 4));
  const auto directory = le32(zip, eocd + 16);
  for (int i = 0; i < 4; ++i) zip[directory + 42 + static_cast<std::size_t>(i)] = static_cast<char>(0x7f);
  EXPECT_NE(zip_damage(zip).find("has no local header where the directory says"), std::string::npos) << zip_damage(zip);
}

// LibTorch's reader (miniz) takes the zip64 record's counts when a zip64 locator is there, as
// PyTorch always writes one; found by fuzzing: a file whose 32-bit end record claimed no
// entries passed a check that read those, while LibTorch read all 31 and their damage.
TEST(ZipCheck, TheZip64CountsAreTheOnesChecked) {
  auto zip = test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/tests/fuzz/corpus/checkpoint/last.pt");
  const auto [at, size] = test::largest_zip_record(zip);
  zip[at + size / 2] ^= 0x04;
  const auto eocd = zip.rfind(std::string("PK\x05\x06", 4));
  for (std::size_t i = 8; i < 16; ++i) zip[eocd + i] = 0;  // entries and directory size: 0
  EXPECT_NE(zip_damage(zip).find("fails its CRC-32 check"), std::string::npos) << zip_damage(zip);
}

// Found by fuzzing (with CRCs the fuzzer learnt to match): a pickle whose BINUNICODE claims
// 4 GB made LibTorch's unpickler allocate them before reading. The pickle's opcodes are walked
// and every length compared with what follows.
TEST(ZipCheck, APickleLengthBeyondItsRecordIsNamed) {
  EXPECT_EQ(zip_damage(fixture("pickle_length_last.pt")),
            "record 'archive/data.pkl' is a damaged pickle: an opcode at byte 922 claims 4294965263 bytes, 581 follow");
}

}  // namespace
}  // namespace imgcls
