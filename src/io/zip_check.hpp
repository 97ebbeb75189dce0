// The integrity of a zip archive as PyTorch writes them (checkpoints, TorchScript files):
// its end-of-archive record (the zip64 one when present, as LibTorch's reader does), every
// central-directory entry and local header, every record's CRC-32, and in every pickle record
// (data.pkl, constants.pkl, *.debug_pkl) every opcode's length against the bytes that follow.
//
//   if (const auto why = zip_damage(bytes); !why.empty()) throw TrainError(path + ": " + why);
//   const auto file = read_zip_file(path);   // or read and checked in one call
//
// Why: LibTorch's reader (PyTorchStreamReader) is built with miniz's CRC checks off and its
// unpickler trusts the sizes and lengths it reads, so a flipped bit or a torn write reaches
// code that reads past a buffer or allocates what a damaged length claims (both found by
// fuzzing last.pt). Checked first, a damaged file is one clear line. A file crafted past these
// checks still reaches LibTorch's reader, which is not hardened against it: checkpoints are
// trusted files (README "What is trusted").
#pragma once

#include <string>
#include <string_view>

namespace imgcls {

// "" for an intact archive, else what is wrong in a few words, e.g.
// "record 'last/data/3' fails its CRC-32 check (a damaged file)". Records are stored or
// deflated (PyTorch deflates TorchScript code); a deflated one is inflated through a small
// buffer, never to more than its declared size. Never throws for any input.
std::string zip_damage(std::string_view bytes);

// A zip archive read whole from a file: checkpoints and TorchScript files both come this way.
struct ZipFile {
  std::string bytes;
  std::string read_error;  // "" or why the file could not be read (strerror's words)
  std::string damage;      // "" or zip_damage(bytes), when it could be read
};
// Reads `path` (a regular file; a directory reads as no bytes) and checks it. Never throws for a
// bad file.
ZipFile read_zip_file(const std::string& path);

}  // namespace imgcls
