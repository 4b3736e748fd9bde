package lastuse

import (
	"context"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

// BenchmarkRecord is the cost authentication pays for noting a use: in
// memory only, the key's last use and its service's.
func BenchmarkRecord(b *testing.B) {
	var r Recorder
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Record("AKIAIOSFODNN7EXAMPLE", keyward.LastUse{Time: now.Add(time.Duration(i)), Service: "iam", Region: "us-east-1"})
	}
}

// fakeStore records what Flush writes; it embeds keyward.Store for the
// methods a recorder never calls.
type fakeStore struct {
	keyward.Store
	keys     []keyward.AccessKeyUse
	services []keyward.ServiceUse
}

func (f *fakeStore) RecordAccessKeyUses(_ context.Context, uses []keyward.AccessKeyUse) error {
	f.keys = append(f.keys, uses...)
	return nil
}

func (f *fakeStore) RecordServiceUses(_ context.Context, uses []keyward.ServiceUse) error {
	f.services = append(f.services, uses...)
	return nil
}

// TestRecordKeepsEveryService: a key's last use is its latest, but every
// service it used in the interval is written with its own latest use.
func TestRecordKeepsEveryService(t *testing.T) {
	f := &fakeStore{}
	r := Recorder{Store: f}
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	r.Record("AKIA1", keyward.LastUse{Time: t0, Service: "iam", Region: "us-east-1"})
	r.Record("AKIA1", keyward.LastUse{Time: t0.Add(2 * time.Second), Service: "s3", Region: "eu-west-1"})
	r.Record("AKIA1", keyward.LastUse{Time: t0.Add(time.Second), Service: "iam", Region: "us-west-2"})
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.keys) != 1 || f.keys[0].Service != "s3" {
		t.Fatalf("key uses %+v", f.keys)
	}
	got := map[string]keyward.LastUse{}
	for _, u := range f.services {
		got[u.Service] = u.LastUse
	}
	if len(f.services) != 2 || got["iam"].Region != "us-west-2" || !got["iam"].Time.Equal(t0.Add(time.Second)) || got["s3"].Region != "eu-west-1" {
		t.Fatalf("service uses %+v", f.services)
	}
}

// TestRunStopsWithItsContext: Run, the flusher's loop, returns once the
// program's lifetime ends, and writes what it holds on its way out. Its
// interval is an hour: only the final flush can have written the use.
func TestRunStopsWithItsContext(t *testing.T) {
	f := &fakeStore{}
	r := Recorder{Store: f}
	r.Record("AKIA1", keyward.LastUse{Time: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Service: "iam", Region: "us-east-1"})
	lifetime, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.Run(lifetime, time.Hour)
		close(done)
	}()
	cancel()
	<-done
	if len(f.keys) != 1 || f.keys[0].AccessKeyID != "AKIA1" {
		t.Fatalf("after Run stopped, written: %+v", f.keys)
	}
}
