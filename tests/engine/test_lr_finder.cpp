// imgcls lr-find: the ramp, the smoothing, the stop and the suggestion against the numbers of
// scripts/dev/lr_find_reference.py (Lightning's LRFinder rules), and the whole command run
// twice: the same suggestion, files in --out only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/lr_finder.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

TEST(LrFinder, RampSmoothingStopAndSuggestionMatchTheReference) {
  LrFindSettings s;
  s.start = 1e-5, s.end = 1.0, s.steps = 40;
  EXPECT_DOUBLE_EQ(ramp_lr(s, 0), 1e-5);
  EXPECT_NEAR(ramp_lr(s, 39), 1.0, 1e-12);
  LrFindRecorder recorder(s);
  int64_t run = 0;
  for (int64_t i = 0; i < s.steps; ++i) {
    const double lr = ramp_lr(s, i);
    const double loss = 2.0 - 1.5 / (1 + std::exp(-(std::log10(lr) + 3) * 3)) + (lr > 0.1 ? 2000 * (lr - 0.1) : 0.0);
    ++run;
    if (!recorder.add(lr, loss)) break;
  }
  const auto r = recorder.finish();
  EXPECT_EQ(run, 34);
  EXPECT_TRUE(r.diverged);
  ASSERT_EQ(r.smoothed.size(), 34u);
  EXPECT_NEAR(r.smoothed[0], 1.9962910652650478, 1e-12);
  EXPECT_NEAR(r.smoothed[1], 1.9954156304309938, 1e-12);
  EXPECT_NEAR(r.smoothed[2], 1.9942603291959073, 1e-12);
  EXPECT_NEAR(r.smoothed[33], 8.840534053410215, 1e-9);
  EXPECT_EQ(r.suggested, 19);
  EXPECT_NEAR(r.suggested_lr(), 0.002728333376486768, 1e-15);
}

TEST(LrFinder, TheSuggestionIsSearchedOnlyUpToTheMinimum) {
  LrFindSettings s;
  s.beta = 0, s.diverge_factor = 100;  // no smoothing, no stop: the losses as given
  LrFindRecorder recorder(s);
  std::vector<double> losses;
  for (int i = 0; i < 20; ++i)  // steepest at 15, the minimum at 19
    losses.push_back(3.0 - 0.01 * i - (i >= 15 ? 0.5 : 0.0) - (i >= 16 ? 0.2 : 0.0));
  for (const double v : {9.0, 8.0, 2.2, 7.0}) losses.push_back(v);  // diverging, with a dip
  for (std::size_t i = 0; i < losses.size(); ++i) ASSERT_TRUE(recorder.add(1e-3 * (i + 1), losses[i]));
  const auto r = recorder.finish();
  EXPECT_EQ(r.suggested, 15);
  EXPECT_EQ(steepest_descent_index(r.smoothed), 22);  // Lightning's rule picks the dip
}

TEST(LrFinder, NonFiniteLossStopsAndTooFewStepsSuggestNothing) {
  LrFindRecorder recorder(LrFindSettings{});
  EXPECT_TRUE(recorder.add(1e-7, 2.0));
  EXPECT_FALSE(recorder.add(2e-7, std::nan("")));
  const auto r = recorder.finish();
  EXPECT_TRUE(r.diverged);
  EXPECT_EQ(r.suggested, -1);
  EXPECT_TRUE(std::isnan(r.suggested_lr()));
  // np.gradient's one-sided ends: the steepest drop at the first kept point.
  EXPECT_EQ(steepest_descent_index({5, 4, 1, 0.9, 0.8}, 0, 0), 1);
  EXPECT_EQ(steepest_descent_index({5, 4, 1, 0.9, 0.8}, 2, 1), 2);
}

TEST(LrFinder, CommandIsReproducibleAndWritesOnlyItsFiles) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", R"(name: lrf
seed: 3
device: cpu
threads: 1
data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 640, val_split: 0, batch_size: 32}
model: {name: mlp, hidden: [64]}
optimizer: {name: sgd, momentum: 0.9}
)");
  std::vector<double> suggestions;
  for (const auto* out : {"a", "b"}) {
    const auto r = test::run(std::string(IMGCLS_BINARY) + " lr-find " + dir / "c.yaml" + " --start 1e-5 --end 100 " +
                             "--steps 60 --out " + dir / out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("suggested_lr: "), std::string::npos) << r.output;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir / out)) files.push_back(e.path().filename().string());
    std::sort(files.begin(), files.end());
    EXPECT_EQ(files, (std::vector<std::string>{"lr_find.csv", "lr_find.json", "lr_find.png"}));
    const auto j = nlohmann::json::parse(test::read_text(dir / out + "/lr_find.json"));
    ASSERT_TRUE(j["suggested_lr"].is_number()) << j.dump();
    suggestions.push_back(j["suggested_lr"].get<double>());
    EXPECT_GT(suggestions.back(), 1e-5);
    EXPECT_LT(suggestions.back(), 100);
    // SGD at lr 100 diverges long before the last step.
    EXPECT_EQ(j["stopped"], "diverged") << j.dump();
    EXPECT_LT(j["steps_run"].get<int64_t>(), 60);
    const auto rows = test::lines_of(test::read_text(dir / out + "/lr_find.csv"));
    EXPECT_EQ(rows.at(0), "step,lr,loss,smoothed_loss");
    EXPECT_EQ(static_cast<int64_t>(rows.size()), j["steps_run"].get<int64_t>() + 1);
  }
  EXPECT_EQ(suggestions[0], suggestions[1]);
  EXPECT_EQ(test::read_text(dir / "a/lr_find.csv"), test::read_text(dir / "b/lr_find.csv"));

  const auto bad = test::run(std::string(IMGCLS_BINARY) + " lr-find " + dir / "c.yaml" + " --start 1 --end 0.1");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--end (0.1) must be above --start (1)"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace imgcls
