// Command decodeloop decodes one JPEG N times with a reused
// preprocess.Decoder, so that instructions per decode can be taken by
// difference under ../shared/tools/arm64-icount, the way
// ../shared/tools/jpeg-anchor/measure.sh counts libjpeg-turbo:
//
//	GOARCH=arm64 go build -o /tmp/decodeloop ./preprocess/internal/decodeloop
//	count() { ../shared/tools/arm64-icount/arm64-icount -cpu cortex-a72 /tmp/decodeloop "$@" 2>&1 >/dev/null | sed -n 's/^insns: \([0-9]*\).*/\1/p'; }
//	f=../shared/frames/rocket-1920x1080.jpg
//	echo $(( ($(count 4 $f 1) - $(count 1 $f 1)) / 3 ))   # full size; 2, 4, 8 for 1/2, 1/4, 1/8
//
// Usage: decodeloop N FILE [DENOM]
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/edged/edged/preprocess"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: decodeloop N FILE [DENOM]")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "decodeloop: bad N:", err)
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "decodeloop:", err)
		os.Exit(1)
	}
	var opts preprocess.DecodeOptions
	if len(os.Args) > 3 {
		if opts.ScaleDenom, err = strconv.Atoi(os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "decodeloop: bad DENOM:", err)
			os.Exit(2)
		}
	}
	var d preprocess.Decoder
	sum := 0
	for range n {
		m, err := d.Decode(data, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "decodeloop:", err)
			os.Exit(1)
		}
		sum += int(m.Pix[len(m.Pix)/2])
	}
	fmt.Println(sum) // keeps the decodes live
}
