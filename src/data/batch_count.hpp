// How many batches an epoch of `images` images makes: the one formula the loaders, the
// device-made batches and the trainer share.
#pragma once

#include <cstdint>

namespace imgcls {

// drop_last: only full batches; else the last batch holds the remainder. batch_size >= 1.
constexpr int64_t batch_count(int64_t images, int64_t batch_size, bool drop_last) {
  return drop_last ? images / batch_size : (images + batch_size - 1) / batch_size;
}

}  // namespace imgcls
