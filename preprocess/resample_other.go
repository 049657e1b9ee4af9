//go:build !(arm64 || amd64) || purego

package preprocess

// Without NEON kernels both passes run in Go.

func archResampleH(dst, src []uint8, srcW, y0, y1 int, k *kernel) bool { return false }

func archResampleV(o, src []uint8, stride int, wts []int32) int { return 0 }

func useSIMD() bool { return false }
