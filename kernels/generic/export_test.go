package generic

// The quantized kernels' tests are external (package generic_test), so
// that they share kernels/internal/kerneltest, which imports this package,
// with kernels/arm64's. This is what they see of the package's internals.

// QTableMin is qTableMin: from this many elements on, int8 element-wise
// kernels go through a lookup table.
const QTableMin = qTableMin
