#include "recording_files.h"

#include <hdf5.h>
#include <minizip/unzip.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "nn/check.h"

namespace cli {

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  nn::require(static_cast<bool>(f), "--data: cannot open '", path, "'");
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// An HDF5 id closed by `close` when it goes out of scope.
struct Hid {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Hid() {
    if (id >= 0) close(id);
  }
};

bool has_path(hid_t file, const std::string& path) {
  // H5Lexists needs every component but the last to exist: walk them.
  std::string at;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    at += "/" + part;
    if (H5Lexists(file, at.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

/// A 1-D dataset read as `type` (H5T_NATIVE_DOUBLE or H5T_NATIVE_LLONG).
template <class T>
std::vector<T> read_1d(hid_t file, const std::string& path, hid_t type, const std::string& name) {
  Hid d{H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose};
  nn::require(d.id >= 0, name, ": ", path, " is not a dataset");
  Hid space{H5Dget_space(d.id), H5Sclose};
  nn::require(H5Sget_simple_extent_ndims(space.id) == 1, name, ": ", path, " is not one-dimensional");
  std::vector<T> out(static_cast<size_t>(H5Sget_simple_extent_npoints(space.id)));
  if (!out.empty())
    nn::require(H5Dread(d.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0, name, ": cannot read ", path);
  return out;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

NwbRecording read_nwb(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are ours to report
  Hid file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  nn::require(file.id >= 0, path, " is not an HDF5 file (NWB files are HDF5), or cannot be read");
  const auto need = [&](const std::string& p, const char* why) {
    nn::require(has_path(file.id, p), path, " has no ", p.substr(1), ": ", why);
  };
  need("/units", "an NWB file with sorted spikes has a units table (/units)");
  need("/units/spike_times", "the units table holds each unit's spike times there");
  need("/units/spike_times_index", "the units table says where each unit's spike times end there");
  const std::vector<double> times = read_1d<double>(file.id, "/units/spike_times", H5T_NATIVE_DOUBLE, path);
  const std::vector<long long> ends = read_1d<long long>(file.id, "/units/spike_times_index", H5T_NATIVE_LLONG, path);
  nn::require(!ends.empty(), path, ": the units table has no units");
  NwbRecording r;
  long long from = 0;
  for (size_t n = 0; n < ends.size(); ++n) {
    nn::require(ends[n] >= from && ends[n] <= static_cast<long long>(times.size()), path, ": units/spike_times_index[",
                n, "] is ", ends[n], ", outside ", from, "..", times.size());
    r.units.emplace_back(times.begin() + from, times.begin() + ends[n]);
    from = ends[n];
  }
  need("/intervals/trials",
       "LFADS reads trials: the trials table (/intervals/trials) gives their start and stop times");
  Hid trials{H5Gopen2(file.id, "/intervals/trials", H5P_DEFAULT), H5Gclose};
  H5G_info_t info;
  nn::require(trials.id >= 0 && H5Gget_info(trials.id, &info) >= 0, path, ": cannot read /intervals/trials");
  size_t count = 0;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[256] = {0};
    if (H5Lget_name_by_idx(trials.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) continue;
    const std::string column = name;
    if (column == "id" || ends_with(column, "_index")) continue;
    Hid d{H5Dopen2(trials.id, name, H5P_DEFAULT), H5Dclose};  // fails (quietly) for a group
    if (d.id < 0) continue;
    Hid type{H5Dget_type(d.id), H5Tclose};
    Hid space{H5Dget_space(d.id), H5Sclose};
    if (H5Tget_class(type.id) != H5T_FLOAT || H5Sget_simple_extent_ndims(space.id) != 1) continue;
    std::vector<double> v = read_1d<double>(trials.id, name, H5T_NATIVE_DOUBLE, path);
    if (count && v.size() != count) continue;
    count = v.size();
    r.trial_times[column] = std::move(v);
  }
  for (const char* column : {"start_time", "stop_time"})
    nn::require(r.trial_times.count(column), path, ": the trials table (/intervals/trials) has no ", column, " column");
  return r;
}

data::SpikeCounts read_npy_counts(const std::string& path) { return npy_counts(read_bytes(path), path); }

data::SpikeCounts npy_counts(const std::vector<uint8_t>& b, const std::string& path) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  nn::require(b.size() >= 10 && std::memcmp(b.data(), kMagic, 6) == 0, path,
              " is not a .npy file: it does not start with \\x93NUMPY");
  const int major = b[6];
  nn::require(major >= 1 && major <= 3, path, ": .npy format version ", major, ", expected 1, 2 or 3");
  const size_t header_len =
      major == 1 ? (b[8] | (b[9] << 8))
                 : (b.size() >= 12 ? (b[8] | (b[9] << 8) | (b[10] << 16) | (static_cast<size_t>(b[11]) << 24)) : 0);
  const size_t start = major == 1 ? 10 : 12;
  nn::require(header_len <= 65536 && start + header_len <= b.size(), path, ": truncated in its header");
  const std::string header(b.begin() + static_cast<std::ptrdiff_t>(start),
                           b.begin() + static_cast<std::ptrdiff_t>(start + header_len));
  const auto value_of = [&](const std::string& key) {
    const size_t at = header.find("'" + key + "'");
    nn::require(at != std::string::npos, path, ": its header lacks ", key);
    size_t v = header.find(':', at);
    nn::require(v != std::string::npos, path, ": its header's ", key, " has no value");
    while (++v < header.size() && header[v] == ' ') {
    }
    return v;
  };
  size_t at = value_of("descr");
  nn::require(header[at] == '\'', path, ": descr is not a string");
  const std::string descr = header.substr(at + 1, header.find('\'', at + 1) - at - 1);
  at = value_of("fortran_order");
  nn::require(header.compare(at, 5, "False") == 0, path,
              " is stored in Fortran order: save it with np.ascontiguousarray(...) first");
  at = value_of("shape");
  nn::require(header[at] == '(', path, ": shape is not a tuple");
  std::vector<long long> shape;
  std::stringstream dims(header.substr(at + 1, header.find(')', at) - at - 1));
  for (std::string d; std::getline(dims, d, ',');)
    if (d.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(d));
  nn::require(shape.size() == 3, path, ": expected 3 dimensions (trials, bins, neurons), got ", shape.size());
  nn::require(!descr.empty() && descr[0] != '>', path, " is big-endian (", descr, "): save it as little-endian");
  const std::string code = descr.substr(1);
  const size_t count = static_cast<size_t>(shape[0] * shape[1] * shape[2]);
  const size_t data = start + header_len;
  const auto take = [&](size_t width, auto read) {
    nn::require(b.size() >= data + count * width, path, ": truncated: its shape needs ", count * width,
                " bytes of data, it has ", b.size() - data);
    std::vector<float> v(count);
    for (size_t i = 0; i < count; ++i) v[i] = static_cast<float>(read(b.data() + data + i * width));
    return v;
  };
  // Each element as the type its code names (read unaligned, little-endian as checked above).
  const auto as = [&](auto zero) {
    using T = decltype(zero);
    return take(sizeof(T), [](const uint8_t* p) {
      T x;
      std::memcpy(&x, p, sizeof x);
      return static_cast<double>(x);
    });
  };
  std::vector<float> v;
  if (code == "f4")
    v = as(float{});
  else if (code == "f8")
    v = as(double{});
  else if (code == "i1")
    v = as(int8_t{});
  else if (code == "i2")
    v = as(int16_t{});
  else if (code == "i4")
    v = as(int32_t{});
  else if (code == "i8")
    v = as(int64_t{});
  else if (code == "u1" || code == "b1")
    v = as(uint8_t{});
  else if (code == "u2")
    v = as(uint16_t{});
  else if (code == "u4")
    v = as(uint32_t{});
  else if (code == "u8")
    v = as(uint64_t{});
  else
    nn::fail(path, ": dtype ", descr, " is not a number type (expected integers, floats or bools)");
  return data::counts_from_array(v.data(), v.size(), static_cast<int>(shape[0]), static_cast<int>(shape[1]),
                                 static_cast<int>(shape[2]), path.c_str());
}

data::SpikeCounts read_npz_counts(const std::string& path) {
  // A .npz is a zip of .npy files (np.savez stores them, np.savez_compressed deflates them).
  const std::unique_ptr<void, int (*)(unzFile)> zip(unzOpen64(path.c_str()), unzClose);
  nn::require(zip != nullptr, path, " is not a .npz (zip) archive, or cannot be read");
  std::vector<std::string> arrays;
  for (int at = unzGoToFirstFile(zip.get()); at == UNZ_OK; at = unzGoToNextFile(zip.get())) {
    char name[512] = {0};
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(zip.get(), &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK) break;
    if (ends_with(name, ".npy")) arrays.emplace_back(name);
  }
  nn::require(!arrays.empty(), path, " holds no .npy arrays");
  std::string pick = arrays.size() == 1 ? arrays[0] : "";
  for (const char* name : {"counts.npy", "spikes.npy", "arr_0.npy"})
    if (pick.empty() && std::find(arrays.begin(), arrays.end(), name) != arrays.end()) pick = name;
  if (pick.empty()) {
    std::string names;
    for (const std::string& a : arrays) names += (names.empty() ? "" : ", ") + a.substr(0, a.size() - 4);
    nn::fail(path, " holds ", arrays.size(), " arrays (", names, "): name the counts \"counts\"");
  }
  nn::require(unzLocateFile(zip.get(), pick.c_str(), 1) == UNZ_OK && unzOpenCurrentFile(zip.get()) == UNZ_OK, path,
              ": cannot read ", pick);
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  for (int n; (n = unzReadCurrentFile(zip.get(), chunk, sizeof chunk)) != 0;) {
    nn::require(n > 0, path, ": ", pick, " is corrupt (unzip error ", n, ")");
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  unzCloseCurrentFile(zip.get());
  return npy_counts(bytes, path + ": " + pick.substr(0, pick.size() - 4));
}

data::SpikeCounts read_csv_counts(const std::string& path) {
  std::ifstream f(path);
  nn::require(static_cast<bool>(f), "--data: cannot open '", path, "'");
  std::vector<std::vector<double>> rows;
  int neurons = -1, line_no = 0;
  for (std::string line; std::getline(f, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (line.back() == ',') cells.emplace_back();
    const auto number = [](const std::string& s, double& out) {
      char* end = nullptr;
      out = std::strtod(s.c_str(), &end);
      return end != s.c_str() && std::isfinite(out) && std::string(end).find_first_not_of(" \t") == std::string::npos;
    };
    double first = 0;
    if (rows.empty() && neurons < 0 && !number(cells[0], first)) continue;  // the header row
    if (neurons < 0) neurons = static_cast<int>(cells.size()) - 2;
    nn::require(neurons >= 1, path, ": line ", line_no, ": expected trial, bin and at least one neuron's count");
    nn::require(static_cast<int>(cells.size()) == neurons + 2, path, ": line ", line_no, " has ", cells.size(),
                " cells, expected ", neurons + 2, " (trial, bin, ", neurons, " neurons) as the first row");
    std::vector<double> r(cells.size());
    for (size_t j = 0; j < cells.size(); ++j)
      nn::require(number(cells[j], r[j]), path, ": line ", line_no, ", column ", j + 1, ": '", cells[j].substr(0, 20),
                  "' is not a number");
    rows.push_back(std::move(r));
  }
  nn::require(!rows.empty(), path, " has no rows of counts");
  int trials = 0, bins = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const double k = rows[i][0], t = rows[i][1];
    nn::require(k >= 0 && t >= 0 && k == std::floor(k) && t == std::floor(t) && k < 1e6 && t < 1e6, path, ": row ",
                i + 1, ": trial and bin must be integers from 0, got ", k, " and ", t);
    trials = std::max(trials, static_cast<int>(k) + 1);
    bins = std::max(bins, static_cast<int>(t) + 1);
  }
  nn::require(static_cast<size_t>(trials) * bins == rows.size(), path, ": ", rows.size(), " rows for ", trials,
              " trials x ", bins, " bins: expected one row for each trial and bin");
  std::vector<float> v(static_cast<size_t>(trials) * bins * neurons);
  std::vector<char> seen(static_cast<size_t>(trials) * bins, 0);
  for (const auto& r : rows) {
    const size_t at = static_cast<size_t>(r[0]) * bins + static_cast<size_t>(r[1]);
    nn::require(!seen[at], path, ": trial ", r[0], ", bin ", r[1], " appears twice");
    seen[at] = 1;
    for (int n = 0; n < neurons; ++n) v[at * neurons + n] = static_cast<float>(r[2 + n]);
  }
  return data::counts_from_array(v.data(), v.size(), trials, bins, neurons, path.c_str());
}

data::SpikeCounts read_recording(const std::string& path, const data::BinSpec& spec, const std::string& align,
                                 std::string* described) {
  std::string ext = path.substr(path.find_last_of('.') == std::string::npos ? path.size() : path.find_last_of('.'));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::ostringstream line;
  data::SpikeCounts c;
  if (ext == ".nwb" || ext == ".h5" || ext == ".hdf5") {
    const NwbRecording r = read_nwb(path);
    const auto column = r.trial_times.find(align);
    if (column == r.trial_times.end() || align == "stop_time") {
      std::string have;
      for (const auto& [name, v] : r.trial_times)
        if (name != "stop_time") have += (have.empty() ? "" : ", ") + name;
      nn::fail("--align: the trials table has no column '", align, "' to align on (it has ", have, ")");
    }
    c = data::bin_spike_times(r.units, column->second, r.trial_times.at("stop_time"), spec);
    line << path << ": " << r.units.size() << " units, " << column->second.size() << " trials, aligned on " << align
         << ", " << spec.bin_seconds * 1000 << " ms bins";
  } else if (ext == ".npy") {
    c = read_npy_counts(path);
    line << path << ": counts";
  } else if (ext == ".npz") {
    c = read_npz_counts(path);
    line << path << ": counts";
  } else if (ext == ".csv") {
    c = read_csv_counts(path);
    line << path << ": counts";
  } else {
    nn::fail("--data: expected an NWB (.nwb), NumPy (.npy, .npz) or CSV (.csv) file, got '", path, "'");
  }
  if (described) *described = line.str();
  return c;
}

}  // namespace cli
