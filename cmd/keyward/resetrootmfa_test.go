package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestResetRootMFA: the operator's way back for a root user who lost its
// device removes the root user's devices, with an audit event each by
// keyward.operator, while the server runs; without the store's master
// key it removes nothing.
func TestResetRootMFA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := startServer(t, dir)
	asRoot := kwtest.AsRoot(context.Background())
	d, err := ts.IAM.CreateVirtualMFADevice(asRoot, "root-phone", "/", nil)
	must(t, err)
	now := ts.Clock.Now()
	must(t, ts.IAM.EnableRootMFADevice(asRoot, d.SerialNumber, kwtest.TOTPCode(t, d.Base32Seed(), now.Add(-30*time.Second)), kwtest.TOTPCode(t, d.Base32Seed(), now)))
	rootDevices := func() int {
		t.Helper()
		ds, _, err := ts.IAM.Store.ListMFADevices(context.Background(), keyward.MFAFilter{Assignment: keyward.MFAAssigned, Root: true}, "", 10)
		must(t, err)
		return len(ds)
	}
	reset := func(env map[string]string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"reset-root-mfa", "--data", dir}, func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}

	other := hex.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if out, err := reset(map[string]string{"KEYWARD_MASTER_KEY": other}); err == nil || rootDevices() != 1 {
		t.Fatalf("another master key reset the root user's MFA: %v %s", err, out)
	}
	out, err := reset(nil)
	if err != nil || !strings.Contains(out, "removed the root user's MFA device "+d.SerialNumber) || rootDevices() != 0 {
		t.Fatalf("reset-root-mfa: %v %s; %d devices left", err, out, rootDevices())
	}
	if out, err := reset(nil); err != nil || !strings.Contains(out, "the root user has no MFA device") {
		t.Fatalf("again: %v %s", err, out)
	}
	events, _, err := ts.IAM.Store.LookupEvents(context.Background(), keyward.EventQuery{Max: 50})
	must(t, err)
	var names []string
	for _, e := range events {
		var r struct {
			UserIdentity struct {
				Type      string `json:"type"`
				InvokedBy string `json:"invokedBy"`
			} `json:"userIdentity"`
		}
		must(t, json.Unmarshal(e.Record, &r))
		if r.UserIdentity.InvokedBy == keyward.OperatorService && r.UserIdentity.Type == "AWSService" {
			names = append(names, e.Name)
		}
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "DeactivateMFADevice,DeleteVirtualMFADevice" {
		t.Fatalf("the operator's events: %v", names)
	}
}
