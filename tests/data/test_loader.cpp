// The loader: every sample exactly once per epoch whatever the worker count, the same
// batches (order and augmentations) for the same seed, drop_last, resuming at a batch, the
// vectorised normalisation, and bad images skipped or reported.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <opencv2/imgcodecs.hpp>

#include "data/image_folder.hpp"
#include "data/loader.hpp"
#include "data/rng.hpp"
#include "data/transforms.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

Dataset numbered(int64_t n, int64_t channels = 1, int64_t size = 6) {
  Dataset ds;
  ds.images = at::arange(n, at::kByte).view({n, 1, 1, 1}).expand({n, channels, size, size}).contiguous();
  ds.labels = at::arange(n, at::kLong);
  ds.channels = channels;
  return ds;
}

std::vector<Batch> epoch_of(Loader& loader, int64_t epoch, int64_t first = 0) {
  loader.start_epoch(epoch, first);
  std::vector<Batch> out;
  for (Batch b; loader.next(b);) out.push_back(b);
  return out;
}

TransformSpec normalize(double mean, double std) {
  TransformSpec s;
  s.name = "normalize";
  s.mean = {mean};
  s.std = {std};
  return s;
}

TEST(Loader, VectorisedPathNormalisesAndCoversEverySample) {
  const auto ds = numbered(10);
  const Pipeline pipeline({normalize(0.5, 0.5)}, 1);
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = true;
  o.seed = 1;
  Loader loader(ds, pipeline, o);
  ASSERT_EQ(loader.num_batches(), 3);
  const auto batches = epoch_of(loader, 1);
  ASSERT_EQ(batches.size(), 3u);
  std::vector<at::Tensor> labels;
  for (const auto& b : batches) {
    labels.push_back(b.labels);
    const auto expected = (b.labels.to(at::kFloat) / 255.0 - 0.5) / 0.5;  // pixel v = label v
    EXPECT_TRUE(at::allclose(b.images.select(1, 0).select(1, 0).select(1, 0), expected));
  }
  EXPECT_EQ(labels[2].size(0), 2);
  EXPECT_TRUE(std::get<0>(at::cat(labels).sort()).equal(ds.labels));
  EXPECT_THROW(loader.make_batch(3), std::out_of_range);
  // Another epoch, another order.
  const auto next = epoch_of(loader, 2);
  EXPECT_FALSE(next[0].labels.equal(batches[0].labels));
}

// With augmentation (a random crop of a padded image) the per-sample path runs; 0..3
// workers must give identical batches.
TEST(Loader, SameBatchesForAnyWorkerCount) {
  const auto ds = numbered(23, 3, 8);
  TransformSpec crop;
  crop.name = "random_crop";
  crop.size = {8, 8};
  crop.padding = {2};
  TransformSpec flip;
  flip.name = "hflip";
  const Pipeline pipeline({crop, flip, normalize(0, 1)}, 3);
  std::vector<std::vector<Batch>> runs;
  for (int64_t workers : {0, 1, 2, 3}) {
    LoaderOptions o;
    o.batch_size = 5;
    o.shuffle = true;
    o.seed = 7;
    o.workers = workers;
    o.prefetch = 2;
    Loader loader(ds, pipeline, o);
    auto batches = epoch_of(loader, 3);
    // Every sample exactly once.
    std::vector<int64_t> seen;
    for (const auto& b : batches) seen.insert(seen.end(), b.indices.begin(), b.indices.end());
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(23);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(seen, all) << workers << " workers";
    runs.push_back(std::move(batches));
  }
  for (std::size_t r = 1; r < runs.size(); ++r) {
    ASSERT_EQ(runs[r].size(), runs[0].size());
    for (std::size_t i = 0; i < runs[0].size(); ++i) {
      EXPECT_TRUE(runs[r][i].labels.equal(runs[0][i].labels));
      EXPECT_TRUE(runs[r][i].images.equal(runs[0][i].images)) << "batch " << i << ", run " << r;
    }
  }
  // The crops really differ between samples of equal content: augmentation is per sample.
  bool differs = false;
  for (const auto& b : runs[0])
    for (int64_t k = 0; k < b.images.size(0); ++k)
      differs = differs || b.images[k].eq(0).sum().item<int64_t>() != b.images[0].eq(0).sum().item<int64_t>();
  EXPECT_TRUE(differs);
}

TEST(Loader, DropLastAndResumeAtABatch) {
  const auto ds = numbered(10);
  const Pipeline pipeline({normalize(0, 1)}, 1);
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = true;
  o.drop_last = true;
  o.workers = 2;
  Loader loader(ds, pipeline, o);
  EXPECT_EQ(loader.num_batches(), 2);
  const auto full = epoch_of(loader, 5);
  ASSERT_EQ(full.size(), 2u);
  EXPECT_EQ(full[1].labels.size(0), 4);
  const auto rest = epoch_of(loader, 5, 1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_TRUE(rest[0].labels.equal(full[1].labels));
  // Abandoning an epoch half-way and starting another is safe.
  loader.start_epoch(6);
  Batch b;
  EXPECT_TRUE(loader.next(b));
  EXPECT_EQ(epoch_of(loader, 7).size(), 2u);
}

TEST(Loader, BadImagesAreSkippedOnceOrStopTheRun) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "a");
  for (int i = 0; i < 5; ++i)
    cv::imwrite(dir / ("a/" + std::to_string(i) + ".png"), cv::Mat(4, 4, CV_8UC3, cv::Scalar(i, i, i)));
  test::write_text(dir / "a/2.png", "not a png");
  const auto ds = scan_image_folder(dir.path(), 3);
  ASSERT_EQ(ds.size(), 5);
  const Pipeline pipeline({normalize(0, 1)}, 3);
  std::vector<std::string> warnings;
  BadImageLog log([&](const std::string& m) { warnings.push_back(m); });
  LoaderOptions o;
  o.batch_size = 5;
  o.workers = 1;
  Loader loader(ds, pipeline, o, &log);
  for (int epoch = 0; epoch < 2; ++epoch) {
    const auto batches = epoch_of(loader, epoch);
    ASSERT_EQ(batches.size(), 1u);
    EXPECT_EQ(batches[0].images.size(0), 4);
    EXPECT_EQ(batches[0].indices, (std::vector<int64_t>{0, 1, 3, 4}));
  }
  EXPECT_EQ(log.count(), 1);
  ASSERT_EQ(warnings.size(), 1u);  // reported once, not once per epoch
  EXPECT_NE(warnings[0].find("2.png"), std::string::npos);

  o.skip_bad_images = false;
  Loader strict(ds, pipeline, o, &log);
  strict.start_epoch(0);
  Batch b;
  EXPECT_THROW(strict.next(b), BadImageError);
}

TEST(Loader, ImagesOfDifferentSizesNeedAResize) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "a");
  cv::imwrite(dir / "a/1.png", cv::Mat(4, 4, CV_8UC1, cv::Scalar(1)));
  cv::imwrite(dir / "a/2.png", cv::Mat(5, 4, CV_8UC1, cv::Scalar(1)));
  const auto ds = scan_image_folder(dir.path(), 1);
  LoaderOptions o;
  o.batch_size = 2;
  const Pipeline none({}, 1);
  Loader loader(ds, none, o);
  loader.start_epoch(0);
  Batch b;
  try {
    loader.next(b);
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("2.png: the transforms give a 5x4 image but the batch's are 4x4"),
              std::string::npos)
        << e.what();
  }
}

TEST(Loader, VectorisedPathChecksTheImageSize) {
  const auto ds = numbered(4, 1, 6);
  const Pipeline pipeline({normalize(0.5, 0.5)}, 1);
  LoaderOptions o;
  o.height = o.width = 5;
  EXPECT_EQ(test::message_of<DataError>([&] { Loader loader(ds, pipeline, o); }),
            "the dataset's images are 6x6 but the model takes 5x5 (all splits of a dataset must have one image size)");
  o.height = o.width = 6;
  Loader loader(ds, pipeline, o);
  EXPECT_EQ(epoch_of(loader, 0).size(), 1u);
}

// A worker thread that cannot start (here: no address space left for its stack) is a
// TrainError from the constructor, with the threads already started joined, never
// std::terminate. Run in a child process, whose address space is limited.
TEST(Loader, FailedThreadStartIsAnErrorNotTerminate) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers reserve address space; the limit below would stop them first";
#endif
  const auto ds = numbered(8);
  const Pipeline pipeline({normalize(0.5, 0.5)}, 1);
  LoaderOptions o;
  o.workers = 64;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    // Room for a few thread stacks beyond what the process maps now, not for 64.
    long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (24 << 20);
    const rlimit rl{limit, limit};
    if (pages == 0 || ::setrlimit(RLIMIT_AS, &rl) != 0) ::_exit(2);
    std::string message = "no error";
    int code = 1;
    try {
      Loader loader(ds, pipeline, o);
    } catch (const TrainError& e) {
      message = e.what();
      code = 0;
    } catch (...) {
      message = "another exception";
    }
    if (::write(fds[1], message.data(), message.size()) < 0) code = 3;
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status) << " (std::terminate aborts)";
  ASSERT_NE(WEXITSTATUS(status), 2) << "could not limit the address space";
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  EXPECT_EQ(message.rfind("data.workers: could not start loader thread ", 0), 0u) << message;
  EXPECT_NE(message.find(" of 64: "), std::string::npos) << message;
  EXPECT_NE(message.find("(lower data.workers)"), std::string::npos) << message;
}

// data.sampler: balanced: the epoch is balanced_order's draw, the same batches for any worker
// count and when resumed at a batch; an image drawn twice is augmented independently.
TEST(Loader, BalancedSamplerSameBatchesForAnyWorkerCountAndOnResume) {
  auto ds = numbered(30, 1, 8);
  ds.labels = at::cat({at::zeros({20}, at::kLong), at::ones({8}, at::kLong), at::full({2}, 2, at::kLong)});
  ds.class_names = {"a", "b", "c"};
  TransformSpec crop;
  crop.name = "random_crop";
  crop.size = {8, 8};
  crop.padding = {2};
  TransformSpec flip;
  flip.name = "hflip";
  const Pipeline pipeline({crop, flip, normalize(0, 1)}, 1);
  std::vector<std::vector<Batch>> runs;
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = true;
  o.seed = 9;
  o.balanced_sampler = true;
  std::vector<int64_t> labels(30);
  for (int64_t i = 0; i < 30; ++i) labels[static_cast<std::size_t>(i)] = ds.labels[i].item<int64_t>();
  const auto expected = balanced_order(labels, 3, 9, 3);
  for (int64_t workers : {0, 2, 3}) {
    o.workers = workers;
    Loader loader(ds, pipeline, o);
    ASSERT_EQ(loader.num_batches(), 8);
    auto batches = epoch_of(loader, 3);
    std::vector<int64_t> drawn;
    for (const auto& b : batches) drawn.insert(drawn.end(), b.indices.begin(), b.indices.end());
    EXPECT_EQ(drawn, expected) << workers << " workers";
    const auto resumed = epoch_of(loader, 3, 5);
    ASSERT_EQ(resumed.size(), 3u);
    for (std::size_t i = 0; i < resumed.size(); ++i) EXPECT_TRUE(resumed[i].images.equal(batches[i + 5].images));
    runs.push_back(std::move(batches));
  }
  for (std::size_t r = 1; r < runs.size(); ++r)
    for (std::size_t i = 0; i < runs[0].size(); ++i)
      EXPECT_TRUE(runs[r][i].images.equal(runs[0][i].images)) << "batch " << i << ", run " << r;
  // Class c (2 images) is drawn about 10 times: some image twice, and its two crops differ
  // somewhere among the repeats (a crop offset and flip keyed by the position in the epoch).
  bool repeat_differs = false;
  std::vector<at::Tensor> images;
  for (const auto& b : runs[0])
    for (int64_t k = 0; k < b.images.size(0); ++k) images.push_back(b.images[k]);
  for (std::size_t a = 0; a < expected.size(); ++a)
    for (std::size_t b = a + 1; b < expected.size(); ++b)
      if (expected[a] == expected[b] && !images[a].equal(images[b])) repeat_differs = true;
  EXPECT_TRUE(repeat_differs);
  // Without the balanced sampler nothing changes: a permutation, each sample once.
  o.balanced_sampler = false;
  Loader plain(ds, pipeline, o);
  std::vector<int64_t> once;
  for (const auto& b : epoch_of(plain, 3)) once.insert(once.end(), b.indices.begin(), b.indices.end());
  std::sort(once.begin(), once.end());
  std::vector<int64_t> all(30);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(once, all);
}

}  // namespace
}  // namespace imgcls
