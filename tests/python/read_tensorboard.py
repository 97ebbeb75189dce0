#!/usr/bin/env python3
"""Prints the scalars of a TensorBoard log folder as JSON {tag: [[step, value], ...]}, read
with TensorBoard's own EventAccumulator (which drops records whose CRC does not match)."""
import json
import sys
import warnings

warnings.simplefilter("ignore")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

acc = EventAccumulator(sys.argv[1])
acc.Reload()
print(json.dumps({tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}))
