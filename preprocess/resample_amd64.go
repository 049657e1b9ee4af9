//go:build !purego

package preprocess

import "github.com/edged/edged/kernels/amd64"

// The AVX2 resampling passes (kernels/amd64): resampleVertU8_AVX2 takes
// 32 bytes of a row at a time.

const vecBytes = 32

var resampleH8, resampleV8 = amd64.ResampleH8, amd64.ResampleV8
