#include "engine/device_feed.hpp"

#include <ATen/ATen.h>
#include <c10/core/Event.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <optional>

namespace imgcls {

// Device-generic c10 streams and events (no CUDA headers): the CUDA implementation is
// registered by libtorch_cuda and looked up at run time, so this compiles against any
// LibTorch and only runs its stream code when the device is CUDA.
struct DeviceFeed::State {
  BatchSource& source;
  c10::Device device;
  std::optional<c10::impl::VirtualGuardImpl> guard;  // CUDA only
  std::optional<c10::Stream> copy_stream;
  bool have_next = false;
  Batch next;
  std::optional<c10::Event> copied;

  State(BatchSource& s, c10::Device d) : source(s), device(d) {
    if (device.is_cuda()) {
      guard.emplace(device.type());
      copy_stream = guard->getStreamFromGlobalPool(device);
    }
  }

  // Takes the source's next batch and, on CUDA, starts copying it on the side stream.
  void fetch() {
    have_next = source.next(next);
    if (!have_next || !copy_stream || next.images.device() == device) return;
    {
      c10::StreamGuard on_copy_stream(*copy_stream);
      next.images = next.images.to(device, /*non_blocking=*/true);
      next.labels = next.labels.to(device, /*non_blocking=*/true);
    }
    copied.emplace(device.type());
    copied->record(*copy_stream);
  }
};

DeviceFeed::DeviceFeed(BatchSource& source, c10::Device device) : state_(std::make_unique<State>(source, device)) {}
DeviceFeed::~DeviceFeed() = default;

int64_t DeviceFeed::num_batches() const { return state_->source.num_batches(); }

void DeviceFeed::start_epoch(int64_t epoch, int64_t first_batch) {
  auto& s = *state_;
  s.source.start_epoch(epoch, first_batch);
  s.copied.reset();
  s.fetch();
}

bool DeviceFeed::next(Batch& out) {
  auto& s = *state_;
  if (!s.have_next) return false;
  out = std::move(s.next);
  if (s.copied) {
    // The compute stream waits for the copy; the caching allocator learns that the tensors
    // are used on the compute stream, so their memory is not reused under it.
    const auto compute = s.guard->getStream(s.device);
    s.copied->block(compute);
    out.images.record_stream(compute);
    out.labels.record_stream(compute);
    s.copied.reset();
  } else if (out.images.device() != s.device) {
    out.images = out.images.to(s.device, /*non_blocking=*/true);
    out.labels = out.labels.to(s.device, /*non_blocking=*/true);
  }
  s.fetch();  // the next copy overlaps this batch's step
  return true;
}

}  // namespace imgcls
