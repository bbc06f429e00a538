#pragma once
// The error types that travel up from the engine to whoever can show them to a person.
// Each message says what went wrong and where (file and line, config key path, device).

#include <stdexcept>
#include <string>

namespace tb {

// A config document that is not valid: the message names the key path ("method.batch_max").
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A data file that cannot be read or is malformed: the message names the file and the line.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A device that cannot do what was asked (out of memory, no such GPU, a failed kernel).
class DeviceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace tb
