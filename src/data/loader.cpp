#include "data/loader.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "config/checks.hpp"
#include "data/batch_count.hpp"
#include "data/image_folder.hpp"
#include "data/rng.hpp"
#include "data/transforms.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {

void BadImageLog::record(const std::string& path, const std::string& message) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first = paths_.insert(path).second;
  }
  if (first && on_first_) on_first_(message);
}

int64_t BadImageLog::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(paths_.size());
}

std::vector<std::string> BadImageLog::paths() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {paths_.begin(), paths_.end()};
}

LoaderOptions loader_options(const Config& config, bool train) {
  const auto& d = config.data;
  LoaderOptions o;
  o.batch_size = train ? d.batch_size : std::max<int64_t>(d.batch_size, 256);
  o.shuffle = train;
  o.drop_last = train && d.drop_last;
  o.workers = d.workers >= 0 ? d.workers
                             : std::clamp<int64_t>(static_cast<int64_t>(std::thread::hardware_concurrency()), 1,
                                                   kMaxLoaderWorkers);
  o.prefetch = d.prefetch;
  o.seed = static_cast<uint64_t>(config.seed);
  o.skip_bad_images = d.on_bad_image == "skip";
  o.balanced_sampler = train && d.sampler == "balanced";
  return o;
}

at::Tensor epoch_order(int64_t size, bool shuffle, uint64_t seed, int64_t epoch) {
  if (!shuffle) return at::arange(size, at::kLong);
  // Mix seed and epoch so consecutive epochs draw unrelated permutations.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ULL + static_cast<uint64_t>(epoch));
  return at::randperm(size, gen, at::kLong);
}

at::Tensor epoch_order(const Dataset& dataset, const LoaderOptions& options, int64_t epoch) {
  if (!options.balanced_sampler || !options.shuffle)
    return epoch_order(dataset.size(), options.shuffle, options.seed, epoch);
  const auto labels = dataset.labels.to(at::kLong).contiguous();
  const std::vector<int64_t> values(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  auto order = balanced_order(values, static_cast<int64_t>(dataset.class_names.size()), options.seed, epoch);
  return at::tensor(order, at::kLong);
}

struct Loader::State {
  const Dataset& dataset;
  const Pipeline& pipeline;
  LoaderOptions options;
  BadImageLog* bad_images;

  // Epoch state, guarded by mutex. `generation` changes with each start_epoch, so a worker
  // finishing a batch of an abandoned epoch drops it.
  std::mutex mutex;
  std::condition_variable work_ready, batch_ready;
  uint64_t generation = 0;
  int64_t epoch = 0;
  at::Tensor order;
  int64_t next_to_make = 0, next_to_return = 0;
  std::map<int64_t, std::pair<Batch, std::exception_ptr>> ready;
  bool stopping = false;
  std::vector<std::thread> threads;

  State(const Dataset& d, const Pipeline& p, LoaderOptions o, BadImageLog* log)
      : dataset(d), pipeline(p), options(o), bad_images(log) {}

  int64_t num_batches() const { return batches_per_epoch(dataset.size(), options); }

  at::TensorOptions float_options() const {
    auto o = at::TensorOptions().dtype(at::kFloat);
    return options.pin_memory ? o.pinned_memory(true) : o;
  }

  // One sample as an 8-bit HWC image: decoded from its file, or a view of the tensor.
  cv::Mat sample_image(int64_t index) const {
    if (!dataset.in_memory()) return decode_image(dataset.paths[static_cast<std::size_t>(index)], dataset.channels, dataset.max_image_pixels);
    const auto img = dataset.images[index];  // C x H x W, contiguous
    const int c = static_cast<int>(img.size(0)), h = static_cast<int>(img.size(1)), w = static_cast<int>(img.size(2));
    auto* data = img.data_ptr<uint8_t>();
    if (c == 1) return cv::Mat(h, w, CV_8UC1, data).clone();
    std::vector<cv::Mat> planes;
    for (int i = 0; i < c; ++i) planes.emplace_back(h, w, CV_8UC1, data + static_cast<std::ptrdiff_t>(i) * h * w);
    cv::Mat hwc;
    cv::merge(planes, hwc);
    return hwc;
  }

  Batch make(int64_t i, const at::Tensor& order_of_epoch, int64_t epoch_number) const {
    const auto [begin, end] = batch_range(i, dataset.size(), options);
    const auto idx = order_of_epoch.slice(0, begin, end).contiguous();
    const auto* idx_ptr = idx.data_ptr<int64_t>();
    Batch batch;
    if (dataset.in_memory() && !pipeline.has_image_transforms()) {
      // Rows of the uint8 tensor converted straight into the batch: (x / 255 - mean) / std, as
      // ToTensor + Normalize compute it. Plain loops, no ATen kernels: ATen's OpenMP pool,
      // entered from a loader thread, would spin up a second team of threads beside the
      // training thread's and slow both (measured: -37% on 2 cores).
      const auto n = idx.numel();
      const auto c = dataset.images.size(1), hw = dataset.images.size(2) * dataset.images.size(3);
      batch.images = at::empty({n, c, dataset.images.size(2), dataset.images.size(3)}, float_options());
      batch.labels = at::empty({n}, at::kLong);
      const auto* src = dataset.images.data_ptr<uint8_t>();
      const auto* labels = dataset.labels.data_ptr<int64_t>();
      auto* dst = batch.images.data_ptr<float>();
      auto* dst_labels = batch.labels.data_ptr<int64_t>();
      for (int64_t k = 0; k < n; ++k) {
        const auto index = idx_ptr[k];
        dst_labels[k] = labels[index];
        for (int64_t ch = 0; ch < c; ++ch) {
          const auto mean = static_cast<float>(pipeline.mean()[static_cast<std::size_t>(ch)]);
          const auto std = static_cast<float>(pipeline.std()[static_cast<std::size_t>(ch)]);
          const uint8_t* in = src + (index * c + ch) * hw;
          float* out = dst + (k * c + ch) * hw;
          for (int64_t p = 0; p < hw; ++p) out[p] = (static_cast<float>(in[p]) / 255.0f - mean) / std;
        }
      }
      batch.indices.assign(idx_ptr, idx_ptr + n);
      return batch;
    }
    std::vector<cv::Mat> images;
    std::vector<int64_t> kept;
    std::vector<Rng> rngs;  // each kept sample's generator, for the steps after normalize
    for (int64_t k = 0; k < idx.numel(); ++k) {
      const auto index = idx_ptr[k];
      try {
        Rng rng(sample_seed(options.seed, epoch_number, augment_key(options, index, begin + k)));
        auto img = pipeline.apply(sample_image(index), rng);
        if (!images.empty() && img.size() != images.front().size())
          throw DataError(dataset.describe(index) + ": the transforms give a " + std::to_string(img.rows) + "x" +
                          std::to_string(img.cols) + " image but the batch's are " +
                          std::to_string(images.front().rows) + "x" + std::to_string(images.front().cols) +
                          "; end the transform list with resize: [h, w] or a crop so every image has one size");
        images.push_back(std::move(img));
        kept.push_back(index);
        rngs.push_back(rng);
      } catch (const BadImageError& e) {
        if (!options.skip_bad_images) throw;
        if (bad_images) bad_images->record(e.path(), e.what());
      } catch (const cv::Exception& e) {
        throw DataError(dataset.describe(index) + ": OpenCV failed in a transform: " + e.what());
      } catch (const std::runtime_error& e) {
        if (dynamic_cast<const Error*>(&e)) throw;
        throw DataError(dataset.describe(index) + ": " + e.what());
      }
    }
    const auto c = pipeline.out_channels();
    const int64_t h = images.empty() ? std::max<int64_t>(options.height, 0) : images.front().rows;
    const int64_t w = images.empty() ? std::max<int64_t>(options.width, 0) : images.front().cols;
    if (!images.empty() && options.height > 0 && (h != options.height || w != options.width))
      throw DataError(dataset.describe(kept.front()) + ": the transforms give " + std::to_string(h) + "x" +
                      std::to_string(w) + " images but the model takes " + std::to_string(options.height) + "x" +
                      std::to_string(options.width) +
                      " (the training and validation transforms must end at the same size)");
    batch.images = at::empty({static_cast<int64_t>(images.size()), c, h, w}, float_options());
    auto* out = batch.images.data_ptr<float>();
    for (std::size_t k = 0; k < images.size(); ++k) {
      pipeline.to_tensor(images[k], out + static_cast<int64_t>(k) * c * h * w);
      pipeline.apply_tensor(out + static_cast<int64_t>(k) * c * h * w, h, w, rngs[k]);
    }
    batch.labels = at::empty({static_cast<int64_t>(kept.size())}, at::kLong);
    for (std::size_t k = 0; k < kept.size(); ++k)
      batch.labels.data_ptr<int64_t>()[k] = dataset.labels.data_ptr<int64_t>()[kept[k]];
    batch.indices = std::move(kept);
    return batch;
  }

  void worker() {
    // Workers are the parallelism; OpenCV's own thread pool would oversubscribe the cores.
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      work_ready.wait(lock, [&] {
        return stopping || (order.defined() && next_to_make < num_batches() &&
                            next_to_make < next_to_return + options.prefetch);
      });
      if (stopping) return;
      const int64_t i = next_to_make++;
      const auto gen = generation;
      const auto order_of_epoch = order;
      const auto epoch_number = epoch;
      lock.unlock();
      std::pair<Batch, std::exception_ptr> result;
      try {
        result.first = make(i, order_of_epoch, epoch_number);
      } catch (...) {
        result.second = std::current_exception();
      }
      lock.lock();
      if (gen == generation) {
        ready[i] = std::move(result);
        batch_ready.notify_all();
      }
    }
  }
};

Loader::Loader(const Dataset& dataset, const Pipeline& pipeline, LoaderOptions options, BadImageLog* bad_images)
    : state_(std::make_unique<State>(dataset, pipeline, options, bad_images)) {
  if (options.batch_size < 1) throw std::invalid_argument("Loader: batch_size must be >= 1");
  if (options.prefetch < 1) throw std::invalid_argument("Loader: prefetch must be >= 1");
  if ((dataset.in_memory() && !dataset.images.is_contiguous()) || (dataset.size() && !dataset.labels.is_contiguous()))
    throw std::invalid_argument("Loader: the dataset's tensors must be contiguous");
  // The vectorised path copies the tensor's rows as they are: check their size here, once,
  // as the transform path checks each batch.
  if (dataset.in_memory() && !pipeline.has_image_transforms() && options.height > 0 &&
      (dataset.images.size(2) != options.height || dataset.images.size(3) != options.width))
    throw DataError("the dataset's images are " + std::to_string(dataset.images.size(2)) + "x" +
                    std::to_string(dataset.images.size(3)) + " but the model takes " + std::to_string(options.height) +
                    "x" + std::to_string(options.width) + " (all splits of a dataset must have one image size)");
  if (options.workers > 0) cv::setNumThreads(0);
  try {
    for (int64_t i = 0; i < options.workers; ++i) state_->threads.emplace_back([s = state_.get()] { s->worker(); });
  } catch (const std::system_error& e) {
    // A joinable std::thread destroyed during unwinding would call std::terminate.
    const auto started = state_->threads.size();
    stop_workers();
    throw TrainError("data.workers: could not start loader thread " + std::to_string(started + 1) + " of " +
                     std::to_string(options.workers) + ": " + e.what() + " (lower data.workers)");
  }
}

void Loader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->work_ready.notify_all();
  for (auto& t : state_->threads) t.join();
  state_->threads.clear();
}

Loader::~Loader() { stop_workers(); }

int64_t Loader::num_batches() const { return state_->num_batches(); }

void Loader::start_epoch(int64_t epoch, int64_t first_batch) {
  auto& s = *state_;
  const auto order = epoch_order(s.dataset, s.options, epoch);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    ++s.generation;
    s.epoch = epoch;
    s.order = order;
    s.ready.clear();
    s.next_to_make = s.next_to_return = std::min(first_batch, s.num_batches());
  }
  s.work_ready.notify_all();
}

bool Loader::next(Batch& out) {
  auto& s = *state_;
  if (!s.order.defined()) throw std::logic_error("Loader::next before start_epoch");
  std::unique_lock<std::mutex> lock(s.mutex);
  if (s.next_to_return >= s.num_batches()) return false;
  const auto i = s.next_to_return;
  if (s.threads.empty()) {
    ++s.next_to_return;
    const auto order = s.order;
    const auto epoch = s.epoch;
    lock.unlock();
    out = s.make(i, order, epoch);
    return true;
  }
  s.batch_ready.wait(lock, [&] { return s.ready.count(i) > 0; });
  auto result = std::move(s.ready[i]);
  s.ready.erase(i);
  ++s.next_to_return;
  lock.unlock();
  s.work_ready.notify_all();
  if (result.second) std::rethrow_exception(result.second);
  out = std::move(result.first);
  return true;
}

Batch Loader::make_batch(int64_t i) const {
  const auto& s = *state_;
  if (!s.order.defined()) throw std::logic_error("Loader::make_batch before start_epoch");
  if (i < 0 || i >= s.num_batches())
    throw std::out_of_range("Loader: batch " + std::to_string(i) + " of " + std::to_string(s.num_batches()));
  return s.make(i, s.order, s.epoch);
}

}  // namespace imgcls
