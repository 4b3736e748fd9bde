package report

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestChunkBuffer(t *testing.T) {
	var want bytes.Buffer
	var got chunkBuffer
	r := rand.New(rand.NewPCG(1, 2))
	for want.Len() < 3*chunkSize+12345 {
		p := make([]byte, r.IntN(200000))
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		want.Write(p)
		if n, _ := got.Write(p); n != len(p) {
			t.Fatalf("wrote %d of %d", n, len(p))
		}
	}
	if b := got.Bytes(); !bytes.Equal(b, want.Bytes()) || cap(b) != want.Len() {
		t.Fatalf("joined %d bytes (cap %d), want %d", len(b), cap(b), want.Len())
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "+1": "'+1", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1",
		"alice": "alice", "N/A": "N/A", "2026-11-29T10:00:00+00:00": "2026-11-29T10:00:00+00:00", "": "",
	} {
		if got := SpreadsheetSafe(in); got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
