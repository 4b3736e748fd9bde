//go:build !unix

package connguard

// DefaultMax is a conservative connection limit where the file descriptor
// limit cannot be read.
func DefaultMax() int { return 4096 }
