// train.mixup against timm's Mixup (timm/data/mixup.py, mode batch): the numbers below are
// printed by scripts/dev/mixup_reference.py (timm 1.0's functions, fixed draws).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "data/rng.hpp"
#include "engine/mixup.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

TEST(Mixup, SoftTargetsAreTimmsMixupTarget) {
  auto images = torch::zeros({5, 1, 2, 2});
  const auto labels = torch::tensor({0, 2, 1, 3, 2}, torch::kLong);
  MixParams p;
  p.lam = 0.7;
  const auto targets = apply_mix(images, labels, p, 4, 0.1);
  const std::vector<std::vector<double>> expected = {{0.655, 0.025, 0.295, 0.025},
                                                     {0.025, 0.025, 0.655, 0.295},
                                                     {0.025, 0.925, 0.025, 0.025},
                                                     {0.025, 0.025, 0.295, 0.655},
                                                     {0.295, 0.025, 0.655, 0.025}};
  ASSERT_EQ(targets.sizes(), (std::vector<int64_t>{5, 4}));
  for (int i = 0; i < 5; ++i)
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(targets[i][c].item<double>(), expected[i][c], 1e-6) << i << "," << c;
}

TEST(Mixup, MixupBlendsEachImageWithTheBatchMirror) {
  auto images = torch::arange(3 * 4, torch::kFloat).view({3, 1, 2, 2});
  const auto original = images.clone();
  MixParams p;
  p.lam = 0.25;
  apply_mix(images, torch::tensor({0, 1, 2}, torch::kLong), p, 3, 0);
  EXPECT_TRUE(torch::allclose(images, original * 0.25 + original.flip(0) * 0.75));
  // lam 1 (the batch drew no mix): images untouched, one-hot targets with the smoothing.
  auto same = original.clone();
  const auto t = apply_mix(same, torch::tensor({0, 1, 2}, torch::kLong), MixParams{}, 3, 0.3);
  EXPECT_TRUE(torch::equal(same, original));
  EXPECT_NEAR(t[1][1].item<double>(), 0.8, 1e-6);
  EXPECT_NEAR(t[1][0].item<double>(), 0.1, 1e-6);
}

TEST(Mixup, CutmixBoxAndCorrectedLambdaAreTimms) {
  auto box = cutmix_box(8, 6, 0.64, 3, 2);
  EXPECT_EQ((std::vector<int64_t>{box.y0, box.y1, box.x0, box.x1}), (std::vector<int64_t>{1, 5, 1, 3}));
  EXPECT_DOUBLE_EQ(box.lam, 0.8333333333333334);
  box = cutmix_box(8, 6, 0.3, 7, 0);  // clipped at the bottom and left edges
  EXPECT_EQ((std::vector<int64_t>{box.y0, box.y1, box.x0, box.x1}), (std::vector<int64_t>{4, 8, 0, 2}));
  EXPECT_DOUBLE_EQ(box.lam, 0.8333333333333334);
  box = cutmix_box(5, 5, 0.9, 2, 2);  // a box too small for a pixel: nothing mixed
  EXPECT_EQ(box.y1 - box.y0, 0);
  EXPECT_DOUBLE_EQ(box.lam, 1.0);

  auto images = torch::arange(3 * 2 * 4 * 4, torch::kFloat).view({3, 2, 4, 4});
  const auto p = cutmix_box(4, 4, 0.6, 1, 2);
  EXPECT_DOUBLE_EQ(p.lam, 0.75);
  const auto targets = apply_mix(images, torch::tensor({0, 1, 2}, torch::kLong), p, 3, 0);
  const std::vector<float> expected = {16, 81, 82, 19, 20, 85, 86, 23, 24, 25, 26, 27, 28, 29, 30, 31};
  const auto got = images[0][1].flatten().contiguous();
  EXPECT_EQ(std::vector<float>(got.data_ptr<float>(), got.data_ptr<float>() + 16), expected);
  EXPECT_NEAR(targets[0][0].item<double>(), 0.75, 1e-6);
  EXPECT_NEAR(targets[0][2].item<double>(), 0.25, 1e-6);
}

TEST(Mixup, BetaDrawsHaveBetasMoments) {
  for (const double a : {0.2, 0.8, 1.0, 2.5}) {
    Rng rng(7);
    const int n = 200000;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; ++i) {
      const double x = beta_sample(rng, a);
      ASSERT_TRUE(x >= 0 && x <= 1) << x;
      sum += x, sq += x * x;
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    EXPECT_NEAR(mean, 0.5, 0.005) << a;
    EXPECT_NEAR(var, 1.0 / (4 * (2 * a + 1)), 0.003) << a;  // Beta(a, a): 1 / (4 (2a + 1))
  }
}

TEST(Mixup, DrawsFollowProbAndSwitchProb) {
  MixupConfig c;
  c.mixup_alpha = 0.8, c.cutmix_alpha = 1.0, c.prob = 0.5, c.switch_prob = 0.25;
  Rng rng(3);
  int mixed = 0, cut = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    const auto p = draw_mix(c, 32, 32, rng);
    if (p.cutmix) ++cut;
    if (p.lam != 1.0 || p.cutmix) ++mixed;
  }
  EXPECT_NEAR(mixed / double(n), 0.5, 0.01);
  EXPECT_NEAR(cut / double(n), 0.5 * 0.25, 0.01);
}

TEST(Mixup, TheHookIsSeededByEpochAndStep) {
  MixupConfig c;
  c.mixup_alpha = 1.0, c.cutmix_alpha = 1.0;
  MixupHook hook(c, 10, 0.0, 42);
  const auto images = torch::rand({6, 1, 8, 8});
  const auto labels = torch::tensor({0, 1, 2, 3, 4, 5}, torch::kLong);
  const auto run = [&](int64_t epoch, int64_t step) {
    StepInputs in{images.clone(), labels, {}};
    hook.before_forward(in, epoch, step);
    return std::make_pair(in.images, in.targets);
  };
  const auto a = run(2, 7), b = run(2, 7), other = run(2, 8);
  EXPECT_TRUE(torch::equal(a.first, b.first));
  EXPECT_TRUE(torch::equal(a.second, b.second));
  EXPECT_FALSE(torch::equal(a.second, other.second));
  EXPECT_TRUE(torch::allclose(a.second.sum(1), torch::ones({6})));
}

TEST(Mixup, ConfigNeedsAnAlphaForItsOtherKeys) {
  const std::string base = "data: {dataset: mnist}\nmodel: {name: basic_cnn}\n";
  EXPECT_NO_THROW(parse_config(base + "train: {mixup: {mixup_alpha: 0.8, cutmix_alpha: 1.0, prob: 0.5}}\n", "m.yaml"));
  // Both alphas 0 is off (what a resolved config.yaml and an ablation say).
  EXPECT_FALSE(
      parse_config(base + "train: {mixup: {mixup_alpha: 0, cutmix_alpha: 0}}\n", "m.yaml").train.mixup.enabled());
  try {
    parse_config(base + "train:\n  mixup:\n    prob: 0.5\n", "m.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "m.yaml:5: train.mixup.prob: train.mixup.mixup_alpha and train.mixup.cutmix_alpha are both 0, so nothing "
              "is mixed; give one of them a value > 0 (timm: 0.8 and 1.0)");
  }
  EXPECT_THROW(parse_config(base, "m.yaml", {"train.mixup.mode=elem"}), ConfigError);
  EXPECT_THROW(parse_config(base, "m.yaml", {"train.mixup.mixup_alpha=-1"}), ConfigError);
}

}  // namespace
}  // namespace imgcls
