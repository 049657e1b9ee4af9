package capture

import "syscall"

// procAttr puts the command in a process group of its own, so stopping it
// reaches every process it started, and has the kernel kill it if edged
// dies without stopping it (SIGKILL, OOM), so no orphan keeps the camera.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup signals the process group led by pid.
func killGroup(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}
