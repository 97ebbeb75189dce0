// Run directories: runs of one name started in the same second each get their own folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "imgcls/config/config.hpp"
#include "io/run_dir.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

// Runs the test inside `dir` (run names are relative to the working directory).
class InDirectory {
 public:
  explicit InDirectory(const std::string& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~InDirectory() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

TEST(RunDir, RunsStartedTogetherNeverShareADirectory) {
  test::TempDir dir;
  InDirectory in(dir.path());
  const auto config = parse_config("name: same\ndata: {dataset: mnist}\nmodel: {name: basic_cnn}\n", "c.yaml");
  constexpr int kRuns = 16, kRounds = 10;
  std::vector<std::string> made(kRuns * kRounds);
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kRuns; ++i)
      threads.emplace_back([&, i] {
        ++ready;
        while (ready.load() < kRuns) std::this_thread::yield();  // start together
        made[static_cast<std::size_t>(round * kRuns + i)] = create_run_dir(config, "").dir;
      });
    for (auto& t : threads) t.join();
  }
  const std::set<std::string> distinct(made.begin(), made.end());
  EXPECT_EQ(distinct.size(), made.size());
  for (const auto& d : made) {
    EXPECT_EQ(d.rfind("runs/same-", 0), 0u) << d;
    EXPECT_TRUE(std::filesystem::is_directory(d + "/checkpoints")) << d;
  }
}

TEST(RunDir, AnExistingFolderOfTheSameNameIsLeftAlone) {
  test::TempDir dir;
  InDirectory in(dir.path());
  const auto config = parse_config("name: same\ndata: {dataset: mnist}\nmodel: {name: basic_cnn}\n", "c.yaml");
  const auto first = create_run_dir(config, "").dir;
  test::write_text(first + "/metrics.csv", "mine");
  const auto second = create_run_dir(config, "").dir;
  EXPECT_NE(second, first);
  EXPECT_EQ(test::read_text(first + "/metrics.csv"), "mine");
}

}  // namespace
}  // namespace imgcls
