// TensorBoard event files, written without TensorFlow or protobuf: the TFRecord framing
// (length, masked CRC32C of the length, an Event protobuf, masked CRC32C of the data) around
// hand-encoded `Event` messages (wall_time, step, and a Summary of simple_value scalars), as
// tensorboard/compat/proto/event.proto and summary.proto define them. TensorBoard, and its
// EventAccumulator, read the result like any tf.summary/SummaryWriter file.
//
//   std::vector<Scalar> s{{"loss/train", 1, 0.52, 1.7e9}, {"loss/train", 2, 0.40, 1.7e9 + 12}};
//   write_event_file("runs/x/tb/events.out.tfevents.1700000000.imgcls", s);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

struct Scalar {
  std::string tag;    // "loss/train": TensorBoard groups tags by the part before '/'
  int64_t step = 0;   // the x axis (imgcls logs epochs)
  double value = 0;   // stored as float32, as TensorBoard's simple_value is
  double wall_time = 0;  // seconds since the Unix epoch
};

// CRC-32C (Castagnoli), as TFRecord uses it; crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void* data, std::size_t size);
// TFRecord's masking: rotate right by 15 bits, add 0xa282ead8.
uint32_t masked_crc32c(const void* data, std::size_t size);

// One TFRecord: the framing around `payload`.
std::string tf_record(const std::string& payload);

// The serialized Event protobufs: the file_version event ("brain.Event:2") TensorBoard
// expects first, then one Event per scalar.
std::string event_file_bytes(const std::vector<Scalar>& scalars, double start_wall_time);

// Writes the whole event file atomically (the run rewrites it after each epoch from its
// history, so a resumed run never logs an epoch twice). Throws IoError.
void write_event_file(const std::string& path, const std::vector<Scalar>& scalars, double start_wall_time);

}  // namespace imgcls
