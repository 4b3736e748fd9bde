package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

func credentialTests() []namedTest {
	return []namedTest{
		{"MFADevices", testMFADevices},
		{"RootMFADevices", testRootMFADevices},
		{"ConcurrentMFACodeUse", testConcurrentMFACodeUse},
		{"MFAFailures", testMFAFailures},
		{"OtherCredentials", testOtherCredentials},
		{"ConcurrentCredentialQuota", testConcurrentCredentialQuota},
		{"ResealCoversEverySecret", testResealCoversEverySecret},
		{"ServerCertificates", testServerCertificates},
	}
}

func device(name string) keyward.MFADevice {
	return keyward.MFADevice{SerialNumber: "arn:aws:iam::123456789012:mfa/" + name, Path: "/", Name: name, CreatedAt: t0,
		SealedSeed: []byte("sealed:" + name), Tags: []keyward.Tag{{Key: "k", Value: "v"}}}
}

func testMFADevices(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "alice")
	must(t, s.CreateMFADevice(ctx, device("phone")))
	must(t, s.CreateMFADevice(ctx, device("tablet")))
	wantErr(t, s.CreateMFADevice(ctx, device("PHONE")), keyward.ErrMFADeviceExists)

	d, err := s.MFADevice(ctx, device("phone").SerialNumber)
	must(t, err)
	if d.Assigned() || string(d.SealedSeed) != "sealed:phone" || len(d.Tags) != 1 || !d.CreatedAt.Equal(t0) {
		t.Fatalf("read %+v", d)
	}
	_, err = s.MFADevice(ctx, "arn:aws:iam::123456789012:mfa/none")
	wantErr(t, err, keyward.ErrNoSuchMFADevice)

	// Assign by name; the store resolves it and the user then has it.
	_, err = s.UpdateMFADevice(ctx, d.SerialNumber, func(d *keyward.MFADevice) error {
		d.User, d.EnabledAt, d.LastStep = keyward.User{Name: "ALICE"}, t0, 7
		return nil
	})
	must(t, err)
	_, err = s.UpdateMFADevice(ctx, device("tablet").SerialNumber, func(d *keyward.MFADevice) error {
		d.User = keyward.User{Name: "nobody"}
		return nil
	})
	wantErr(t, err, keyward.ErrNoSuchUser)
	d, err = s.MFADevice(ctx, d.SerialNumber)
	must(t, err)
	if d.User.Name != "alice" || d.LastStep != 7 || !d.EnabledAt.Equal(t0) {
		t.Fatalf("after enabling: %+v", d)
	}
	for f, want := range map[keyward.MFAFilter]int{
		{Assignment: keyward.MFAAny}: 2, {Assignment: keyward.MFAAssigned}: 1, {Assignment: keyward.MFAUnassigned}: 1,
		{Assignment: keyward.MFAAssigned, UserName: "alice"}: 1,
	} {
		ds, more, err := s.ListMFADevices(ctx, f, "", 10)
		must(t, err)
		if len(ds) != want || more {
			t.Fatalf("%+v: %d devices, want %d", f, len(ds), want)
		}
	}
	ds, more, err := s.ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAny}, "", 1)
	must(t, err)
	if len(ds) != 1 || !more {
		t.Fatalf("first page: %d, more %v", len(ds), more)
	}
	if ds, more, _ = s.ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAny}, ds[0].SerialNumber, 1); len(ds) != 1 || more {
		t.Fatalf("second page: %d, more %v", len(ds), more)
	}
	_, _, err = s.ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAssigned, UserName: "nobody"}, "", 10)
	wantErr(t, err, keyward.ErrNoSuchUser)

	// An assigned device and its user cannot be deleted.
	wantErr(t, s.DeleteMFADevice(ctx, d.SerialNumber), keyward.ErrEntityInUse)
	wantErr(t, s.DeleteUser(ctx, "alice"), keyward.ErrEntityInUse)
	_, err = s.UpdateMFADevice(ctx, d.SerialNumber, func(d *keyward.MFADevice) error {
		d.User = keyward.User{}
		return nil
	})
	must(t, err)
	must(t, s.DeleteMFADevice(ctx, d.SerialNumber))
	wantErr(t, s.DeleteMFADevice(ctx, d.SerialNumber), keyward.ErrNoSuchMFADevice)
	must(t, s.DeleteUser(ctx, "alice"))
}

// testRootMFADevices: a device enabled for the root user, which has no row
// of users, is assigned (counted in use, listed as the root user's and not
// deleted) and held to the quota of devices per user; a user named "root"
// owns none of it.
func testRootMFADevices(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "root")
	must(t, s.CreateMFADevice(ctx, device("root-phone")))
	serial := device("root-phone").SerialNumber
	_, err := s.UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
		d.Root, d.EnabledAt, d.LastStep = true, t0, 3
		return nil
	})
	must(t, err)
	d, err := s.MFADevice(ctx, serial)
	must(t, err)
	if !d.Root || !d.Assigned() || d.User.ID != "" || !d.EnabledAt.Equal(t0) || d.LastStep != 3 {
		t.Fatalf("the root user's device: %+v", d)
	}
	// A later change keeps it the root user's.
	_, err = s.UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error { d.LastStep = 4; return nil })
	must(t, err)
	if d, _ = s.MFADevice(ctx, serial); !d.Root || d.LastStep != 4 {
		t.Fatalf("after a code's use: %+v", d)
	}
	for f, want := range map[keyward.MFAFilter]int{
		{Assignment: keyward.MFAAssigned}: 1, {Assignment: keyward.MFAUnassigned}: 0,
		{Assignment: keyward.MFAAssigned, Root: true}: 1, {Assignment: keyward.MFAAssigned, UserName: "root"}: 0,
	} {
		ds, _, err := s.ListMFADevices(ctx, f, "", 10)
		must(t, err)
		if len(ds) != want {
			t.Fatalf("%+v: %d devices, want %d", f, len(ds), want)
		}
	}
	c, err := s.AccountCounts(ctx)
	must(t, err)
	if c.RootMFADevices != 1 || c.MFADevicesInUse != 1 {
		t.Fatalf("counts: %+v", c)
	}
	wantErr(t, s.DeleteMFADevice(ctx, serial), keyward.ErrEntityInUse)

	// The quota of devices per user holds for the root user too.
	for i := 1; i < keyward.MaxMFADevicesPerUser; i++ {
		name := "root-" + string(rune('a'+i))
		must(t, s.CreateMFADevice(ctx, device(name)))
		_, err := s.UpdateMFADevice(ctx, device(name).SerialNumber, func(d *keyward.MFADevice) error { d.Root = true; return nil })
		must(t, err)
	}
	must(t, s.CreateMFADevice(ctx, device("one-more")))
	_, err = s.UpdateMFADevice(ctx, device("one-more").SerialNumber, func(d *keyward.MFADevice) error { d.Root = true; return nil })
	wantErr(t, err, keyward.ErrMFAQuota)

	// Unassigned, it is deleted.
	_, err = s.UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error { d.Root = false; return nil })
	must(t, err)
	must(t, s.DeleteMFADevice(ctx, serial))
	if c, _ = s.AccountCounts(ctx); c.RootMFADevices != keyward.MaxMFADevicesPerUser-1 {
		t.Fatalf("counts after removing one: %+v", c)
	}
}

// testConcurrentMFACodeUse: of many sign-ins racing to use one code, one
// wins; UpdateMFADevice is read-modify-write under a lock.
func testConcurrentMFACodeUse(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "alice")
	must(t, s.CreateMFADevice(ctx, device("phone")))
	serial := device("phone").SerialNumber
	var wins atomic.Int32
	concurrently(8, func(int) {
		_, err := s.UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
			if d.LastStep >= 100 {
				return keyward.Errorf(keyward.EInvalidAuthenticationCode, "used")
			}
			d.LastStep = 100
			return nil
		})
		if err == nil {
			wins.Add(1)
		}
	})
	if wins.Load() != 1 {
		t.Fatalf("%d sign-ins used one code", wins.Load())
	}
}

// testMFAFailures: a device's count of wrong codes is stored with it, so
// that every replica sharing the store counts the same guesses, and
// concurrent counts lose none.
func testMFAFailures(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	must(t, s.CreateMFADevice(ctx, device("phone")))
	serial := device("phone").SerialNumber
	d, err := s.MFADevice(ctx, serial)
	must(t, err)
	if d.Failures != 0 || !d.FailedSince.IsZero() {
		t.Fatalf("a new device has failures: %+v", d)
	}
	concurrently(8, func(int) {
		_, err := s.UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
			if d.Failures == 0 {
				d.FailedSince = t0
			}
			d.Failures++
			return nil
		})
		must(t, err)
	})
	d, err = s.MFADevice(ctx, serial)
	must(t, err)
	if d.Failures != 8 || !d.FailedSince.Equal(t0) {
		t.Fatalf("after 8 failures: %d since %v", d.Failures, d.FailedSince)
	}
	_, err = s.UpdateMFADevice(ctx, serial, func(d *keyward.MFADevice) error {
		d.Failures, d.FailedSince = 0, time.Time{}
		return nil
	})
	must(t, err)
	if d, _ = s.MFADevice(ctx, serial); d.Failures != 0 || !d.FailedSince.IsZero() {
		t.Fatalf("after forgetting: %d since %v", d.Failures, d.FailedSince)
	}
}

func sshKey(id, fingerprint string) keyward.OtherCredential {
	return keyward.OtherCredential{Kind: keyward.CredSSHKey, ID: id, Status: keyward.StatusActive, CreatedAt: t0, Body: "AAAA", Fingerprint: fingerprint}
}

func testOtherCredentials(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "alice")
	createUser(t, s, "bob")
	must(t, s.CreateCredential(ctx, "alice", sshKey("APKA1", "fp1"), 5))
	must(t, s.CreateCredential(ctx, "alice", sshKey("APKA2", "fp2"), 5))
	wantErr(t, s.CreateCredential(ctx, "alice", sshKey("APKA3", "fp1"), 5), keyward.ErrDuplicateCredential)
	must(t, s.CreateCredential(ctx, "bob", sshKey("APKA4", "fp1"), 5)) // another user's may match
	wantErr(t, s.CreateCredential(ctx, "alice", sshKey("APKA5", "fp5"), 2), keyward.ErrCredentialQuota)
	wantErr(t, s.CreateCredential(ctx, "nobody", sshKey("APKA6", "fp6"), 5), keyward.ErrNoSuchUser)
	cert := keyward.OtherCredential{Kind: keyward.CredSigningCert, ID: "CERT1", Status: keyward.StatusActive, CreatedAt: t0, Body: "PEM", Fingerprint: "sha"}
	must(t, s.CreateCredential(ctx, "alice", cert, 2))
	cert.ID = "CERT2"
	wantErr(t, s.CreateCredential(ctx, "bob", cert, 2), keyward.ErrDuplicateCredential) // unique in the account

	cs, err := s.Credentials(ctx, "alice", keyward.CredSSHKey)
	must(t, err)
	if len(cs) != 2 || cs[0].ID != "APKA1" || cs[1].ID != "APKA2" || cs[0].User.Name != "alice" || cs[0].Fingerprint != "fp1" {
		t.Fatalf("alice's SSH keys: %+v", cs)
	}
	_, err = s.UpdateCredential(ctx, "alice", keyward.CredSSHKey, "APKA1", func(c *keyward.OtherCredential) error {
		c.Status = keyward.StatusInactive
		return nil
	})
	must(t, err)
	_, err = s.UpdateCredential(ctx, "bob", keyward.CredSSHKey, "APKA1", func(c *keyward.OtherCredential) error { return nil })
	wantErr(t, err, keyward.ErrNoSuchCredential)
	if cs, _ = s.Credentials(ctx, "alice", keyward.CredSSHKey); cs[0].Status != keyward.StatusInactive {
		t.Fatalf("status after update: %+v", cs[0])
	}
	wantErr(t, s.DeleteCredential(ctx, "bob", keyward.CredSSHKey, "APKA1"), keyward.ErrNoSuchCredential)
	wantErr(t, s.DeleteUser(ctx, "alice"), keyward.ErrEntityInUse)
	for _, id := range []string{"APKA1", "APKA2"} {
		must(t, s.DeleteCredential(ctx, "alice", keyward.CredSSHKey, id))
	}
	must(t, s.DeleteCredential(ctx, "alice", keyward.CredSigningCert, "CERT1"))
	must(t, s.DeleteUser(ctx, "alice"))
	_, err = s.Credentials(ctx, "alice", keyward.CredSSHKey)
	wantErr(t, err, keyward.ErrNoSuchUser)
}

// testConcurrentCredentialQuota: racing uploads never exceed the quota.
func testConcurrentCredentialQuota(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	createUser(t, s, "alice")
	concurrently(12, func(i int) {
		id := string(rune('A'+i)) + "KEY"
		if err := s.CreateCredential(ctx, "alice", sshKey(id, id), keyward.MaxSSHKeysPerUser); err != nil && err != keyward.ErrCredentialQuota {
			t.Error(err)
		}
	})
	cs, err := s.Credentials(ctx, "alice", keyward.CredSSHKey)
	must(t, err)
	if len(cs) != keyward.MaxSSHKeysPerUser {
		t.Fatalf("%d SSH keys after racing uploads, quota %d", len(cs), keyward.MaxSSHKeysPerUser)
	}
}

// testResealCoversEverySecret: MFA seeds and service passwords are sealed
// values too, and a reseal rewrites them with the access keys'.
func testResealCoversEverySecret(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: t0, KeyCheck: []byte("old")}, nil)
	must(t, err)
	createUser(t, s, "alice")
	must(t, s.CreateMFADevice(ctx, device("phone")))
	svc := keyward.OtherCredential{Kind: keyward.CredService, ID: "ACCA1", Status: keyward.StatusActive, CreatedAt: t0,
		Fingerprint: "ACCA1", ServiceName: "codecommit.amazonaws.com", ServiceUserName: "alice-at-123456789012", SealedPassword: []byte("sealed:pw")}
	must(t, s.CreateCredential(ctx, "alice", svc, 2))
	must(t, s.CreateCredential(ctx, "alice", sshKey("APKA1", "fp1"), 5)) // nothing sealed
	seen := map[string]string{}
	must(t, s.SealedSecrets(ctx, func(id string, sealed []byte) error {
		seen[id] = string(sealed)
		return nil
	}))
	if len(seen) != 2 || seen[device("phone").SerialNumber] != "sealed:phone" || seen["ACCA1"] != "sealed:pw" {
		t.Fatalf("SealedSecrets: %v", seen)
	}
	must(t, s.Reseal(ctx, func(id string, sealed []byte) ([]byte, error) { return []byte("new:" + id), nil }, []byte("new")))
	d, err := s.MFADevice(ctx, device("phone").SerialNumber)
	must(t, err)
	cs, err := s.Credentials(ctx, "alice", keyward.CredService)
	must(t, err)
	if string(d.SealedSeed) != "new:"+d.SerialNumber || string(cs[0].SealedPassword) != "new:ACCA1" {
		t.Fatalf("after reseal: seed %q, password %q", d.SealedSeed, cs[0].SealedPassword)
	}
}

func testServerCertificates(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	cert := func(id, name string) keyward.ServerCertificate {
		return keyward.ServerCertificate{ID: id, Name: name, Path: "/", Body: "PEM", SealedKey: []byte("sealed"), UploadedAt: t0, Expiration: t0.AddDate(1, 0, 0)}
	}
	must(t, s.CreateServerCertificate(ctx, cert("ASCA1", "web"), 2))
	must(t, s.CreateServerCertificate(ctx, cert("ASCA2", "api"), 2))
	wantErr(t, s.CreateServerCertificate(ctx, cert("ASCA3", "WEB"), 3), keyward.ErrServerCertificateExists)
	wantErr(t, s.CreateServerCertificate(ctx, cert("ASCA4", "more"), 2), keyward.ErrServerCertificateQuota)
	c, err := s.ServerCertificate(ctx, "Web")
	must(t, err)
	if c.ID != "ASCA1" || string(c.SealedKey) != "sealed" || !c.Expiration.Equal(t0.AddDate(1, 0, 0)) {
		t.Fatalf("read %+v", c)
	}
	wantErr(t, s.UpdateServerCertificate(ctx, "web", func(c *keyward.ServerCertificate) error { c.Name = "api"; return nil }), keyward.ErrServerCertificateExists)
	must(t, s.UpdateServerCertificate(ctx, "web", func(c *keyward.ServerCertificate) error {
		c.Name, c.Path, c.Tags = "www", "/cdn/", []keyward.Tag{{Key: "k", Value: "v"}}
		return nil
	}))
	cs, more, err := s.ListServerCertificates(ctx, "/cdn/", "", 10)
	must(t, err)
	if len(cs) != 1 || more || cs[0].Name != "www" || len(cs[0].Tags) != 1 {
		t.Fatalf("listed %+v", cs)
	}
	must(t, s.DeleteServerCertificate(ctx, "www"))
	wantErr(t, s.DeleteServerCertificate(ctx, "www"), keyward.ErrNoSuchServerCertificate)
	_, err = s.ServerCertificate(ctx, "www")
	wantErr(t, err, keyward.ErrNoSuchServerCertificate)
}

func init() { suite(credentialTests()...) }

func init() {
	taggedKinds[keyward.TaggedMFADevice] = taggedKind{func(t *testing.T, s keyward.Store) string {
		d := device("phone")
		d.Tags = nil
		must(t, s.CreateMFADevice(context.Background(), d))
		return d.SerialNumber
	}, keyward.ErrNoSuchMFADevice}
	taggedKinds[keyward.TaggedServerCertificate] = taggedKind{func(t *testing.T, s keyward.Store) string {
		must(t, s.CreateServerCertificate(context.Background(), keyward.ServerCertificate{ID: "ASCA1", Name: "web", Path: "/", Body: "PEM",
			SealedKey: []byte("sealed"), UploadedAt: t0, Expiration: t0.AddDate(1, 0, 0)}, 2))
		return "Web"
	}, keyward.ErrNoSuchServerCertificate}
}
