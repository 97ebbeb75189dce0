#include <gtest/gtest.h>

#include <filesystem>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_regular_file();
  return n;
}

TEST(AtomicFile, CommitReplacesTheFile) {
  test::TempDir dir;
  test::write_text(dir / "a", "old");
  write_file_atomic(dir / "a", "new content");
  EXPECT_EQ(test::read_text(dir / "a"), "new content");
  EXPECT_EQ(files_in(dir.path()), 1u);  // no temporary file left
}

TEST(AtomicFile, UncommittedWriteLeavesTheOldFileAndNoTemporary) {
  test::TempDir dir;
  test::write_text(dir / "a", "old");
  {
    AtomicFile f(dir / "a");
    f.write("half-written");
    EXPECT_EQ(files_in(dir.path()), 2u);
  }  // destroyed without commit, as when an exception unwinds a checkpoint write
  EXPECT_EQ(test::read_text(dir / "a"), "old");
  EXPECT_EQ(files_in(dir.path()), 1u);
}

TEST(AtomicFile, UnwritableFolderIsAnIoError) {
  try {
    write_file_atomic("/nonexistent-dir/x", "y");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(e.exit_code(), ExitCode::kTraining);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x"), std::string::npos);
  }
}

}  // namespace
}  // namespace imgcls
