// Recordings from files for `neuroai train lfads --data FILE`: an NWB file's sorted units and trials
// (HDF5 through libhdf5), or counts (trials x bins x neurons) as a NumPy .npy / .npz or a CSV (trial,
// bin, a count per neuron), as the page reads them (web/js/studies/lfads/recording-files.js). Errors
// name the file and what is missing.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/spike_counts.h"

namespace cli {

/// An NWB file's units (spike times per unit, seconds) and its trials table's per-trial times.
struct NwbRecording {
  std::vector<std::vector<double>> units;
  std::map<std::string, std::vector<double>> trial_times;  // start_time, stop_time and any other float column
};
NwbRecording read_nwb(const std::string& path);

/// Counts from a .npy (3 dimensions, any NumPy number type, little-endian, C order), a .npz (its
/// only array, or the one named counts, spikes or arr_0; through minizip) or a CSV.
data::SpikeCounts read_npy_counts(const std::string& path);
data::SpikeCounts npy_counts(const std::vector<uint8_t>& bytes, const std::string& name);
data::SpikeCounts read_npz_counts(const std::string& path);
data::SpikeCounts read_csv_counts(const std::string& path);

/// Any of the above by the file's extension; spike times binned by `spec`, aligned on the trials
/// table's column `align`. `described` gets a line about what was read.
data::SpikeCounts read_recording(const std::string& path, const data::BinSpec& spec, const std::string& align,
                                 std::string* described = nullptr);

}  // namespace cli
