// Wall-clock time for the CLI's progress lines and throughput figures.
#pragma once

#include <chrono>

namespace cli {

using Clock = std::chrono::steady_clock;

/// Seconds elapsed since t0.
inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace cli
