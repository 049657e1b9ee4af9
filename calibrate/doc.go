// Package calibrate turns a float checkpoint and a folder of images into an
// int8 model (`edged calibrate`): it runs the float reference engine over
// the images, observes every tensor, chooses ranges, and — mixed
// precision — keeps in int16 the few tensors where a sensitivity pass on
// the real int8 engine measures that int8 costs the most.
package calibrate
