// Batches from a BatchSource, delivered on the training device. On CUDA, with host batches
// (image folders through the Loader, pinned), batch i+1's host-to-device copy runs on a
// side stream while batch i trains: the consumer's stream waits on an event, not the host.
// Device-made batches (DeviceBatches) and CPU training pass straight through.
//
//   DeviceFeed feed(*loader, device);
//   feed.start_epoch(epoch, first_batch);
//   for (Batch b; feed.next(b);) { ... b.images, b.labels are on `device` ... }
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>

#include "data/loader.hpp"

namespace imgcls {

class DeviceFeed {
 public:
  // `source` must outlive the feed.
  DeviceFeed(BatchSource& source, c10::Device device);
  ~DeviceFeed();
  DeviceFeed(const DeviceFeed&) = delete;
  DeviceFeed& operator=(const DeviceFeed&) = delete;

  int64_t num_batches() const;
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // The next batch, its tensors on the device and usable on the current stream.
  bool next(Batch& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace imgcls
