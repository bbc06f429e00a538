#pragma once
// Why a GPU test cannot run here, and the skip that says so. CI builds the CUDA backend on machines
// without a GPU; there every GPU test skips with the driver's reason instead of failing.

#include <QString>
#include <QtTest>

#include "gpu/cuda_device_list.h"

namespace tb::gpu::testing {

// Empty when this machine has at least one CUDA GPU.
inline QString missing_gpu_reason() {
    const CudaDeviceList list = list_cuda_devices();
    return list.devices.empty() ? QString::fromStdString(list.reason) : QString();
}

}  // namespace tb::gpu::testing

#define TB_SKIP_WITHOUT_GPU()                                                            \
    do {                                                                                 \
        const QString tb_missing_gpu = ::tb::gpu::testing::missing_gpu_reason();         \
        if (!tb_missing_gpu.isEmpty()) QSKIP(qPrintable("no GPU found: " + tb_missing_gpu)); \
    } while (false)
