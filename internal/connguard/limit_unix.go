//go:build unix

package connguard

import "syscall"

// DefaultMax is a connection limit that leaves room under the process's
// file descriptor limit (which Go raises to the hard limit at start) for
// the database, log files and the connections being accepted.
func DefaultMax() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur == 0 {
		return 1024
	}
	return clamp(int64(r.Cur))
}
