#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "test_util.hpp"
#include "tmpfs_util.hpp"

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

// The new file has the mode a plain ofstream would give it, whatever the umask.
TEST(AtomicFile, AFullDiskIsAnIoErrorThatKeepsTheOldFileAndLeavesNoTemporary) {
  test::TempDir dir;
  test::SmallTmpfs disk(dir / "disk", 256 * 1024);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  const auto file = dir / "disk/metrics.csv";
  write_file_atomic(file, "epoch,lr\n1,0.1\n");
  const auto message = test::message_of<IoError>([&] { write_file_atomic(file, std::string(1 << 20, 'x')); });
  EXPECT_EQ(message, file + ": write failed: No space left on device");
  EXPECT_EQ(test::read_text(file), "epoch,lr\n1,0.1\n");
  EXPECT_EQ(files_in(dir / "disk"), 1u);
}

TEST(AtomicFile, ModeHonoursTheUmask) {
  test::TempDir dir;
  for (const mode_t mask : {mode_t{022}, mode_t{077}, mode_t{002}}) {
    const mode_t old = ::umask(mask);
    write_file_atomic(dir / "a", "x");
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(::stat((dir / "a").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask) << "umask " << std::oct << mask;
  }
}

TEST(AtomicFile, StaleTemporaryFilesAreRemovedAndNothingElse) {
  test::TempDir dir;
  // What a kill during write_file_atomic leaves: the target's name, ".tmp.", six letters or digits.
  for (const auto* name : {"last.pt.tmp.a1B2c3", "summary.json.tmp.ZZZZZZ", "x.tmp.000000"})
    test::write_text(dir / name, "partial");
  // Names that only look alike, a folder, and the files themselves stay.
  const std::vector<std::string> kept = {"last.pt",         "summary.json",  ".tmp.abcdef",
                                         "a.tmp.abcde",     "a.tmp.abcdefg", "a.tmp.abc-ef",
                                         "a.tmp.abcdef.pt", "a.TMP.abcdef",  "a.tmp.abcdef~"};
  for (const auto& name : kept) test::write_text(dir / name, "keep");
  std::filesystem::create_directory(dir / "sub.tmp.abcdef");
  test::write_text(dir / "sub.tmp.abcdef/y.tmp.abcdef", "in a subfolder");
  // What AtomicFile itself leaves when the process ends mid-write (no destructor runs).
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto* f = new AtomicFile(dir / "best.pt");
    f->write("half");
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(files_in(dir.path()), 3 + kept.size() + 1);
  EXPECT_EQ(remove_stale_temp_files(dir.path()), 4);
  for (const auto& name : kept) EXPECT_TRUE(std::filesystem::exists(dir / name)) << name;
  EXPECT_TRUE(std::filesystem::exists(dir / "sub.tmp.abcdef/y.tmp.abcdef"));
  EXPECT_EQ(files_in(dir.path()), kept.size());
  EXPECT_EQ(remove_stale_temp_files(dir.path()), 0);
  EXPECT_EQ(remove_stale_temp_files(dir / "missing"), 0);
}

}  // namespace
}  // namespace imgcls
