package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

// TestWatchOrganizations: every Organizations write that changes what
// decisions read (the organization made, SCPs enabled, an SCP attached,
// updated, detached or deleted, an account added or moved) is announced to the
// other replicas, whose caches of SCPs drop it before their next decision.
func TestWatchOrganizations(t *testing.T) {
	a, b := replicaPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan string, 100)
	go b.WatchAccessKeys(ctx, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)), func(id string) { heard <- id })
	time.Sleep(100 * time.Millisecond) // let the LISTEN start, as TestWatchAccessKeys does
	now := time.Now()
	o := keyward.Organization{ID: "o-watch00000", MasterAccountID: "111111111111", FeatureSet: keyward.FeatureSetAll, RootID: "r-wtch", RootName: keyward.RootName, CreatedAt: now}
	writes := []func() error{
		func() error {
			return a.CreateOrganization(ctx, o, keyward.OrgAccount{ID: o.MasterAccountID, OrganizationID: o.ID, ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: now},
				[]keyward.OrgPolicy{{ID: keyward.FullAWSAccessID, Name: keyward.FullAWSAccessName, Type: keyward.ServiceControlPolicyType, Content: keyward.FullAWSAccessContent, AWSManaged: true}})
		},
		func() error {
			_, err := a.SetPolicyType(ctx, o.ID, keyward.ServiceControlPolicyType, true)
			return err
		},
		func() error {
			return a.AddOrgAccount(ctx, o.ID, keyward.OrgAccount{ID: "222222222222", ParentID: o.RootID, JoinedMethod: keyward.JoinedCreated, JoinedAt: now})
		},
		func() error {
			return a.CreateOU(ctx, o.ID, keyward.OrganizationalUnit{ID: "ou-wtch-aaaaaaaa", ParentID: o.RootID, Name: "ou", Path: o.RootPath() + "ou-wtch-aaaaaaaa/", CreatedAt: now})
		},
		func() error { return a.MoveOrgAccount(ctx, o.ID, "222222222222", o.RootID, "ou-wtch-aaaaaaaa") },
		func() error {
			return a.CreateOrgPolicy(ctx, o.ID, keyward.OrgPolicy{ID: "p-watch00000", Name: "deny", Type: keyward.ServiceControlPolicyType, Content: keyward.FullAWSAccessContent})
		},
		func() error { return a.AttachOrgPolicy(ctx, o.ID, "p-watch00000", "222222222222") },
		func() error {
			_, err := a.UpdateOrgPolicy(ctx, o.ID, "p-watch00000", func(p *keyward.OrgPolicy) error { p.Content = `{"Statement":[]}`; return nil })
			return err
		},
		func() error { return a.DetachOrgPolicy(ctx, o.ID, "p-watch00000", "222222222222") },
		func() error { return a.DeleteOrgPolicy(ctx, o.ID, "p-watch00000") },
	}
	for i, write := range writes {
		must(t, write())
		switch i {
		case 3, 5: // an empty OU, an unattached policy: nothing a decision reads
			continue
		}
		select {
		case got := <-heard:
			if got != keyward.OrganizationsChanged {
				t.Fatalf("write %d: heard %q", i, got)
			}
		case <-time.After(time.Second):
			t.Fatalf("write %d not heard within 1s", i)
		}
	}
	if n := len(heard); n != 0 {
		t.Fatalf("%d announcements more than the writes that change decisions", n)
	}
}
