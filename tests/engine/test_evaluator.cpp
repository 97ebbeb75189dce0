// The evaluation path's per-sample results (`imgcls eval`'s predictions.csv and
// misclassified.csv): each sample's top-k probabilities are the softmax of the model's logits,
// its top-1 is the confusion matrix's prediction, and the rows come in dataset order.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <sstream>

#include "data/loader.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "engine/evaluator.hpp"
#include "engine/trained_run.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/config/config.hpp"
#include "models/classifier.hpp"
#include "report/error_analysis.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream row(line);
  for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
  return cells;
}

TEST(Evaluator, SamplePredictionsAreTheSoftmaxOfTheLogits) {
  torch::manual_seed(11);
  Dataset ds;
  const int64_t n = 37, classes = 7;
  ds.images = at::randint(0, 256, {n, 1, 8, 8}, at::kByte);
  ds.labels = at::randint(0, classes, {n}, at::kLong);
  ds.channels = 1;
  ds.class_names = {"a", "b", "c", "d", "e", "f", "g"};
  const Pipeline pipeline(std::vector<TransformSpec>{}, 1);
  LoaderOptions o;
  o.batch_size = 8;
  Loader loader(ds, pipeline, o);
  const auto config = parse_config("data: {dataset: fashion_mnist}\nmodel: {name: mlp, hidden: [16]}\n", "eval.yaml");
  auto model = make_model(config, InputSpec{1, 8, 8, classes});

  SamplePredictions s;
  const auto p = predict_split(*model, loader, classes, at::kCPU, "none", false, &s);
  ASSERT_EQ(s.size(), static_cast<std::size_t>(n));
  ASSERT_EQ(s.k, 5);
  ASSERT_EQ(s.top_class.size(), static_cast<std::size_t>(n * 5));

  // The same batches through the model directly.
  torch::NoGradGuard no_grad;
  model->eval();
  std::vector<at::Tensor> logits;
  loader.start_epoch(0);
  for (Batch b; loader.next(b);) logits.push_back(model->forward(b.images));
  const auto all = at::cat(logits);
  const auto prob = at::softmax(all, 1);
  const auto loss = torch::nn::functional::cross_entropy(
      all, ds.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  int64_t correct = 0;
  std::set<int64_t> wrong;
  for (int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(i);
    EXPECT_EQ(s.index[r], i);
    EXPECT_EQ(s.label[r], ds.labels[i].item<int64_t>());
    EXPECT_EQ(s.predicted(r), all[i].argmax().item<int64_t>());
    for (int64_t j = 0; j < 5; ++j) {
      const auto at = r * 5 + static_cast<std::size_t>(j);
      EXPECT_NEAR(s.top_prob[at], prob[i][s.top_class[at]].item<float>(), 1e-6);
      if (j > 0) {
        EXPECT_GE(s.top_prob[at - 1], s.top_prob[at]);
      }
    }
    EXPECT_NEAR(s.loss[r], loss[i].item<float>(), 1e-5);
    if (s.correct(r))
      ++correct;
    else
      wrong.insert(i);
  }
  EXPECT_EQ(correct, p.correct);  // top-1 is the confusion matrix's prediction
  EXPECT_EQ(p.count, n);

  // predictions.csv: one row per image, probability = softmax of the predicted class, class_1 = predicted.
  const auto lines = test::lines_of(predictions_csv(s, all_rows(s), ds.class_names, {}));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(n + 1));
  EXPECT_EQ(lines[0],
            "index,label,predicted,probability,loss,class_1,prob_1,class_2,prob_2,class_3,prob_3,class_4,"
            "prob_4,class_5,prob_5");
  for (int64_t i = 0; i < n; ++i) {
    const auto cells = csv_cells(lines[static_cast<std::size_t>(i + 1)]);
    ASSERT_EQ(cells.size(), 15u) << lines[static_cast<std::size_t>(i + 1)];
    EXPECT_EQ(std::stoll(cells[0]), i);
    EXPECT_EQ(cells[1], ds.class_names[static_cast<std::size_t>(ds.labels[i].item<int64_t>())]);
    EXPECT_EQ(cells[2], ds.class_names[static_cast<std::size_t>(all[i].argmax().item<int64_t>())]);
    EXPECT_NEAR(std::stod(cells[3]), prob[i].max().item<float>(), 1e-6);
    EXPECT_EQ(cells[5], cells[2]);
    EXPECT_EQ(cells[6], cells[3]);
  }
  // misclassified.csv: exactly the wrong ones.
  const auto mis = test::lines_of(predictions_csv(s, misclassified_by_loss(s), ds.class_names, {}));
  ASSERT_EQ(mis.size(), wrong.size() + 1);
  std::set<int64_t> listed;
  for (std::size_t r = 1; r < mis.size(); ++r) listed.insert(std::stoll(csv_cells(mis[r])[0]));
  EXPECT_EQ(listed, wrong);
}

TEST(Evaluator, WithoutSamplesTheSumsAreTheSame) {
  torch::manual_seed(12);
  Dataset ds;
  ds.images = at::randint(0, 256, {20, 1, 8, 8}, at::kByte);
  ds.labels = at::randint(0, 3, {20}, at::kLong);
  ds.channels = 1;
  ds.class_names = {"a", "b", "c"};
  const Pipeline pipeline(std::vector<TransformSpec>{}, 1);
  LoaderOptions o;
  o.batch_size = 6;
  Loader loader(ds, pipeline, o);
  const auto config = parse_config("data: {dataset: fashion_mnist}\nmodel: {name: mlp, hidden: [16]}\n", "eval.yaml");
  auto model = make_model(config, InputSpec{1, 8, 8, 3});
  SamplePredictions s;
  const auto with = predict_split(*model, loader, 3, at::kCPU, "none", false, &s);
  const auto without = predict_split(*model, loader, 3, at::kCPU, "none", false);
  EXPECT_EQ(with.loss_sum, without.loss_sum);
  EXPECT_EQ(with.confusion.counts, without.confusion.counts);
  EXPECT_EQ(with.top5_correct, without.top5_correct);
  EXPECT_EQ(s.k, 3);  // min(5, classes)
  double loss_sum = 0;
  for (auto v : s.loss) loss_sum += v;
  EXPECT_NEAR(loss_sum, with.loss_sum, 1e-4);
}

// --tta hflip: each image's probabilities are the mean of the softmax over it and its mirror,
// its loss -log of that mean's label probability; an unknown mode is refused.
TEST(Evaluator, HflipTtaAveragesTheSoftmaxOverTheImageAndItsMirror) {
  torch::manual_seed(13);
  Dataset ds;
  const int64_t n = 19, classes = 6;
  ds.images = at::randint(0, 256, {n, 1, 8, 8}, at::kByte);
  ds.labels = at::randint(0, classes, {n}, at::kLong);
  ds.channels = 1;
  ds.class_names = {"a", "b", "c", "d", "e", "f"};
  const Pipeline pipeline(std::vector<TransformSpec>{}, 1);
  LoaderOptions o;
  o.batch_size = 8;
  Loader loader(ds, pipeline, o);
  const auto config = parse_config("data: {dataset: fashion_mnist}\nmodel: {name: mlp, hidden: [16]}\n", "eval.yaml");
  auto model = make_model(config, InputSpec{1, 8, 8, classes});
  SamplePredictions s;
  const auto p = predict_split(*model, loader, classes, at::kCPU, "none", false, &s, nullptr, "hflip");
  ASSERT_EQ(s.size(), static_cast<std::size_t>(n));

  torch::NoGradGuard no_grad;
  model->eval();
  std::vector<at::Tensor> probs;
  loader.start_epoch(0);
  for (Batch b; loader.next(b);)
    probs.push_back((at::softmax(model->forward(b.images), 1) + at::softmax(model->forward(b.images.flip({3})), 1)) /
                    2);
  const auto prob = at::cat(probs);
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(i);
    EXPECT_EQ(s.predicted(r), prob[i].argmax().item<int64_t>());
    for (int64_t j = 0; j < 5; ++j) {
      const auto at = r * 5 + static_cast<std::size_t>(j);
      EXPECT_NEAR(s.top_prob[at], prob[i][s.top_class[at]].item<float>(), 1e-6);
    }
    const auto label_p = prob[i][ds.labels[i].item<int64_t>()].item<double>();
    EXPECT_NEAR(s.loss[r], -std::log(label_p), 1e-5);
    loss_sum += -std::log(label_p);
    correct += prob[i].argmax().item<int64_t>() == ds.labels[i].item<int64_t>();
  }
  EXPECT_NEAR(p.loss(), loss_sum / n, 1e-5);
  EXPECT_EQ(p.correct, correct);
  // Without tta the probabilities are the plain softmax, which differ (the images are not symmetric).
  SamplePredictions plain;
  predict_split(*model, loader, classes, at::kCPU, "none", false, &plain);
  EXPECT_NE(plain.top_prob, s.top_prob);
  EXPECT_THROW(predict_split(*model, loader, classes, at::kCPU, "none", false, nullptr, nullptr, "vflip"),
               std::invalid_argument);
}

// train.amp: bf16 evaluates and predicts in bf16 too; a trained model's bf16 predictions must
// be its fp32 ones on at least 99% of the 10k real Fashion-MNIST test images.
TEST(Evaluator, Bf16PredictionsAreTheFp32OnesOnTheRealTestSet) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto config = parse_config(
      "name: bf16\nseed: 7\ndevice: cpu\n"
      "data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 3000, val_split: 500, "
      "batch_size: 64}\n"
      "model: {name: basic_cnn}\noptimizer: {name: adam, lr: 0.002}\ntrain: {epochs: 1, amp: bf16}\n",
      "bf16.yaml");
  Trainer trainer(config, TrainerOptions{dir / "run", /*quiet=*/true});
  ASSERT_EQ(trainer.train().status, "completed");

  const auto run = open_trained_run(dir / "run", {}, "last");
  auto model = load_trained_model(run);
  const auto splits = make_splits(run.config);
  ASSERT_EQ(splits.test.size(), 10000);
  const Pipeline pipeline(run.config.data.val_transforms, splits.test.channels);
  const auto predict = [&](const std::string& amp) {
    auto batches = make_eval_batches(run.config, splits.test, pipeline, run.input.height, run.input.width, at::kCPU,
                                     nullptr);
    SamplePredictions s;
    const auto p = predict_split(*model, *batches, 10, at::kCPU, amp, false, &s);
    return std::make_pair(p, s);
  };
  const auto [fp32, fp32_samples] = predict("none");
  const auto [bf16, bf16_samples] = predict("bf16");
  ASSERT_EQ(fp32_samples.size(), bf16_samples.size());
  int64_t same = 0;
  for (std::size_t i = 0; i < fp32_samples.size(); ++i) same += fp32_samples.predicted(i) == bf16_samples.predicted(i);
  const double agreement = static_cast<double>(same) / static_cast<double>(fp32_samples.size());
  EXPECT_GE(agreement, 0.99);
  EXPECT_GT(fp32.accuracy(), 0.7);  // a model that learnt something, so agreement means something
  EXPECT_NEAR(bf16.accuracy(), fp32.accuracy(), 0.01);
  EXPECT_NE(fp32.loss_sum, bf16.loss_sum);  // bf16 did run: the logits differ
  std::printf("bf16 vs fp32 on %zu test images: %.4f agree, accuracy %.4f vs %.4f\n", fp32_samples.size(), agreement,
              bf16.accuracy(), fp32.accuracy());
}

}  // namespace
}  // namespace imgcls
