package password

// SetKey makes h derive keys with key, which tests wrap around
// argon2.IDKey to see the hashes a check computes.
func SetKey(h *Hasher, key func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte) {
	h.key = key
}

// TopUp is topUp for a hash made with memory m0, passes t0 and lanes p0.
func TopUp(m0, t0 uint32, p0 uint8, m, t uint32, p uint8, procs int) (memory, passes uint32, collect bool) {
	return topUp(phc{m: m0, t: t0, p: p0}, m, t, p, procs)
}
