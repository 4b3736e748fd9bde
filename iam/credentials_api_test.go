package iam_test

import (
	"context"
	"encoding/base32"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

func init() {
	tagFixtures[keyward.TaggedMFADevice] = func(t *testing.T, b *apiServer) (string, string) {
		dev, err := b.IAM.CreateVirtualMFADevice(b.RootContext(), "d", "/", nil)
		must(t, err)
		return dev.SerialNumber, dev.SerialNumber + "x"
	}
	tagFixtures[keyward.TaggedOIDCProvider] = func(t *testing.T, b *apiServer) (string, string) {
		p, err := b.IAM.CreateOIDCProvider(b.RootContext(), "https://tokens.example.com", []string{"app"}, []string{strings.Repeat("a", 40)}, nil)
		must(t, err)
		return p.ARN, p.ARN + "x"
	}
	tagFixtures[keyward.TaggedServerCertificate] = func(t *testing.T, b *apiServer) (string, string) {
		certPEM, keyPEM := selfSignedCert(t)
		_, err := b.IAM.UploadServerCertificate(b.RootContext(), "c", "/", certPEM, keyPEM, "", nil)
		must(t, err)
		return "c", "none"
	}
	tagFixtures[keyward.TaggedSAMLProvider] = func(t *testing.T, b *apiServer) (string, string) {
		idp, err := b.IAM.CreateSAMLProvider(b.RootContext(), "corp", kwtest.NewIdP(t, b.STS.SAML, b.Clock.Now).Metadata, nil)
		must(t, err)
		return idp.ARN, idp.ARN + "x"
	}
}

// Fixtures of SSH keys and certificates (testdata/credentials/README.md at the repository's root).
var (
	testSSHKey      = readFixture("ssh.pub")
	testSSHKeyPEM   = readFixture("ssh.pem")
	testSSHKeyMD5   = strings.TrimSpace(readFixture("ssh.md5"))
	testCertificate = readFixture("cert.pem")
	testServerCert  = readFixture("server.pem")
	testServerKey   = readFixture("server.key")
	testCAChain     = readFixture("chain.pem")
)

var readFixture = kwtest.Fixture

// TestVirtualMFADevices drives a device's life through the SDK with codes
// from a TOTP library: create (seed and QR code), enable with two
// consecutive codes, refusals of wrong and reused codes, resync, the
// credential report, DeleteUser's conflict, deactivate and delete.
func TestVirtualMFADevices(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)

	d, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice-phone"),
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("alice")}}})
	must(t, err)
	serial := aws.ToString(d.VirtualMFADevice.SerialNumber)
	seed := string(d.VirtualMFADevice.Base32StringSeed)
	if serial != "arn:aws:iam::123456789012:mfa/alice-phone" || len(seed) != 64 {
		t.Fatalf("serial %q, seed of %d characters", serial, len(seed))
	}
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(seed); err != nil {
		t.Fatalf("seed is not Base32: %v", err)
	}
	if png := d.VirtualMFADevice.QRCodePNG; len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("QRCodePNG is not a PNG: %q", png[:min(len(png), 8)])
	}
	// The seed is in the database only sealed.
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(seed)
	must(t, err)
	db, err := os.ReadFile(filepath.Join(ts.Dir, "keyward.db"))
	must(t, err)
	wal, _ := os.ReadFile(filepath.Join(ts.Dir, "keyward.db-wal"))
	if stored := string(db) + string(wal); strings.Contains(stored, seed) || strings.Contains(stored, string(raw)) {
		t.Fatal("the MFA seed is stored in plaintext")
	}
	_, err = root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("ALICE-PHONE"), Path: aws.String("/other/")})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "")

	enable := func(code1, code2 string) error {
		_, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
		return err
	}
	now := ts.Clock.Now()
	// Not consecutive: the same code twice, or two codes out of order.
	wantAPIError(t, enable(totpCode(t, seed, now), totpCode(t, seed, now)), "InvalidAuthenticationCode", http.StatusForbidden,
		"Authentication code for device is not valid.")
	wantAPIError(t, enable(totpCode(t, seed, now), totpCode(t, seed, now.Add(-30*time.Second))), "InvalidAuthenticationCode", http.StatusForbidden, "")
	// Two consecutive codes, the second being the current one.
	must(t, enable(totpCode(t, seed, now.Add(-30*time.Second)), totpCode(t, seed, now)))
	wantAPIError(t, enable(totpCode(t, seed, now), totpCode(t, seed, now.Add(30*time.Second))), "EntityAlreadyExists", http.StatusConflict, "MFA Device is already in use.")

	listed, err := root.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("alice")})
	must(t, err)
	if len(listed.MFADevices) != 1 || aws.ToString(listed.MFADevices[0].SerialNumber) != serial || listed.MFADevices[0].EnableDate == nil {
		t.Fatalf("ListMFADevices: %+v", listed.MFADevices)
	}
	for status, want := range map[types.AssignmentStatusType]int{types.AssignmentStatusTypeAssigned: 1, types.AssignmentStatusTypeUnassigned: 0, types.AssignmentStatusTypeAny: 1} {
		v, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: status})
		must(t, err)
		if len(v.VirtualMFADevices) != want {
			t.Fatalf("ListVirtualMFADevices %s: %d devices, want %d", status, len(v.VirtualMFADevices), want)
		}
		if want == 1 && (v.VirtualMFADevices[0].User == nil || aws.ToString(v.VirtualMFADevices[0].User.UserName) != "alice") {
			t.Fatalf("ListVirtualMFADevices: %+v", v.VirtualMFADevices[0])
		}
	}

	// A user with an MFA device cannot be deleted, and the report says MFA.
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "")
	_, err = root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "MFA Device is in use.")
	if report := ts.CurrentReport(t, root); report["alice"]["mfa_active"] != "true" || report["<root_account>"]["mfa_active"] != "false" {
		t.Fatalf("credential report: %v", report)
	}

	// Resync: a code already used (the second enabling code) is refused.
	resync := func(code1, code2 string) error {
		_, err := root.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
		return err
	}
	wantAPIError(t, resync(totpCode(t, seed, now.Add(-30*time.Second)), totpCode(t, seed, now)), "InvalidAuthenticationCode", http.StatusForbidden, "")
	ts.Clock.Add(time.Minute)
	later := ts.Clock.Now()
	must(t, resync(totpCode(t, seed, later.Add(-30*time.Second)), totpCode(t, seed, later)))

	// Tags.
	_, err = root.TagMFADevice(ctx, &iam.TagMFADeviceInput{SerialNumber: aws.String(serial), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	must(t, err)
	_, err = root.UntagMFADevice(ctx, &iam.UntagMFADeviceInput{SerialNumber: aws.String(serial), TagKeys: []string{"owner"}})
	must(t, err)
	tags, err := root.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: aws.String(serial)})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Fatalf("tags: %+v", tags.Tags)
	}

	// Deactivate, delete, and the user goes too.
	_, err = root.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial)})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	_, err = root.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial)})
	must(t, err)
	_, err = root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	must(t, err)
	_, err = root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "VirtualMFADevice with serial number "+serial+" doesn't exist.")
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	must(t, err)

	// Validation against the model, before anything else.
	_, err = root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String("12345"), AuthenticationCode2: aws.String("abcdef")})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest, "2 validation errors detected: "+
		"Value '12345' at 'authenticationCode1' failed to satisfy constraint: Member must have length greater than or equal to 6; "+
		"Value 'abcdef' at 'authenticationCode2' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]+")
}

// TestOtherCredentials: SSH public keys, service-specific credentials and
// signing certificates through the SDK, with AWS's quotas and errors, and
// DeleteUser refused while any is left.
func TestOtherCredentials(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	for _, name := range []string{"alice", "bob"} {
		_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		must(t, err)
	}

	t.Run("ssh", func(t *testing.T) {
		up, err := root.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyBody: aws.String(testSSHKey)})
		must(t, err)
		k := up.SSHPublicKey
		id := aws.ToString(k.SSHPublicKeyId)
		if !strings.HasPrefix(id, "APKA") || len(id) != 20 || aws.ToString(k.Fingerprint) != testSSHKeyMD5 || k.Status != types.StatusTypeActive {
			t.Fatalf("uploaded: %+v (ssh-keygen's fingerprint %s)", k, testSSHKeyMD5)
		}
		_, err = root.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyBody: aws.String(testSSHKeyPEM)})
		wantAPIError(t, err, "DuplicateSSHPublicKey", http.StatusBadRequest, "")
		// The same key may serve another user.
		_, err = root.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyBody: aws.String(testSSHKeyPEM)})
		must(t, err)
		for body, code := range map[string]string{
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEi0": "UnrecognizedPublicKeyEncoding",
			"ssh-rsa AAAA!!!":                          "InvalidPublicKey",
		} {
			_, err = root.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyBody: aws.String(body)})
			wantAPIError(t, err, code, http.StatusBadRequest, "")
		}
		for enc, want := range map[types.EncodingType]string{types.EncodingTypeSsh: testSSHKey, types.EncodingTypePem: testSSHKeyPEM} {
			got, err := root.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: aws.String(id), Encoding: enc})
			must(t, err)
			if strings.TrimSpace(aws.ToString(got.SSHPublicKey.SSHPublicKeyBody)) != strings.TrimSpace(want) {
				t.Fatalf("%s encoding:\n%s\nwant:\n%s", enc, aws.ToString(got.SSHPublicKey.SSHPublicKeyBody), want)
			}
		}
		_, err = root.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: aws.String(id), Status: types.StatusTypeInactive})
		must(t, err)
		list, err := root.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("alice")})
		must(t, err)
		if len(list.SSHPublicKeys) != 1 || list.SSHPublicKeys[0].Status != types.StatusTypeInactive {
			t.Fatalf("listed: %+v", list.SSHPublicKeys)
		}
		// Someone else's key is not found through another user.
		_, err = root.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyId: aws.String(id)})
		wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The Public Key with id "+id+" cannot be found.")
	})

	t.Run("service-specific", func(t *testing.T) {
		var ids []string
		for i := 0; i < 2; i++ {
			c, err := root.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceName: aws.String("codecommit.amazonaws.com")})
			must(t, err)
			cred := c.ServiceSpecificCredential
			if aws.ToString(cred.ServiceUserName) != "alice-at-123456789012" || len(aws.ToString(cred.ServicePassword)) < 40 {
				t.Fatalf("created: %+v", cred)
			}
			ids = append(ids, aws.ToString(cred.ServiceSpecificCredentialId))
		}
		_, err := root.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceName: aws.String("codecommit.amazonaws.com")})
		wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
		_, err = root.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceName: aws.String("s3.amazonaws.com")})
		wantAPIError(t, err, "NotSupportedService", http.StatusNotFound, "")
		reset, err := root.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: aws.String(ids[0])})
		must(t, err)
		if aws.ToString(reset.ServiceSpecificCredential.ServicePassword) == "" {
			t.Fatal("reset without a new password")
		}
		_, err = root.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: aws.String(ids[1]), Status: types.StatusTypeInactive})
		must(t, err)
		list, err := root.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("alice")})
		must(t, err)
		if len(list.ServiceSpecificCredentials) != 2 || list.ServiceSpecificCredentials[1].Status != types.StatusTypeInactive {
			t.Fatalf("listed: %+v", list.ServiceSpecificCredentials)
		}
		none, err := root.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("alice"), ServiceName: aws.String("cassandra.amazonaws.com")})
		must(t, err)
		if len(none.ServiceSpecificCredentials) != 0 {
			t.Fatalf("filter by service: %+v", none.ServiceSpecificCredentials)
		}
	})

	t.Run("signing-certificates", func(t *testing.T) {
		up, err := root.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("alice"), CertificateBody: aws.String(testCertificate)})
		must(t, err)
		id := aws.ToString(up.Certificate.CertificateId)
		if len(id) < 24 || strings.TrimSpace(aws.ToString(up.Certificate.CertificateBody)) != strings.TrimSpace(testCertificate) {
			t.Fatalf("uploaded: %+v", up.Certificate)
		}
		_, err = root.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String(testCertificate)})
		wantAPIError(t, err, "DuplicateCertificate", http.StatusConflict, "")
		_, err = root.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")})
		wantAPIError(t, err, "MalformedCertificate", http.StatusBadRequest, "")
		_, err = root.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("alice"), CertificateId: aws.String(id), Status: types.StatusTypeInactive})
		must(t, err)
		list, err := root.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("alice")})
		must(t, err)
		if len(list.Certificates) != 1 || list.Certificates[0].Status != types.StatusTypeInactive {
			t.Fatalf("listed: %+v", list.Certificates)
		}
		if r := ts.CurrentReport(t, root)["alice"]; r["cert_1_active"] != "false" || r["cert_1_last_rotated"] == "N/A" || r["cert_2_active"] != "false" {
			t.Fatalf("report: %v", r)
		}
	})

	// Each kind keeps alice from being deleted until it is gone.
	deleteAll := []func() error{
		func() error {
			l, err := root.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("alice")})
			for _, k := range l.SSHPublicKeys {
				_, err = root.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("alice"), SSHPublicKeyId: k.SSHPublicKeyId})
			}
			return err
		},
		func() error {
			l, err := root.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("alice")})
			for _, c := range l.ServiceSpecificCredentials {
				_, err = root.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: aws.String("alice"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId})
			}
			return err
		},
		func() error {
			l, err := root.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("alice")})
			for _, c := range l.Certificates {
				_, err = root.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("alice"), CertificateId: c.CertificateId})
			}
			return err
		},
	}
	for _, del := range deleteAll {
		_, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
		wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "")
		must(t, del())
	}
	_, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	must(t, err)
}

// TestServerCertificates: upload with the key checked against the
// certificate, get (never the key), list, rename, tags, delete; the key is
// sealed in the database.
func TestServerCertificates(t *testing.T) {
	t.Parallel()
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	up, err := root.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"), Path: aws.String("/cloudfront/"),
		CertificateBody: aws.String(testServerCert), PrivateKey: aws.String(testServerKey), CertificateChain: aws.String(testCAChain),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
	must(t, err)
	md := up.ServerCertificateMetadata
	if !strings.HasPrefix(aws.ToString(md.ServerCertificateId), "ASCA") || aws.ToString(md.Arn) != "arn:aws:iam::123456789012:server-certificate/cloudfront/web" ||
		md.Expiration == nil || md.Expiration.Year() != 2046 {
		t.Fatalf("uploaded: %+v", md)
	}
	for name, in := range map[string]*iam.UploadServerCertificateInput{
		"KeyPairMismatch":      {ServerCertificateName: aws.String("other"), CertificateBody: aws.String(testCertificate), PrivateKey: aws.String(testServerKey)},
		"MalformedCertificate": {ServerCertificateName: aws.String("other"), CertificateBody: aws.String(testServerCert), PrivateKey: aws.String("not a key")},
		"EntityAlreadyExists":  {ServerCertificateName: aws.String("WEB"), CertificateBody: aws.String(testServerCert), PrivateKey: aws.String(testServerKey)},
	} {
		_, err := root.UploadServerCertificate(ctx, in)
		status := http.StatusBadRequest
		if name == "EntityAlreadyExists" {
			status = http.StatusConflict
		}
		wantAPIError(t, err, name, status, "")
	}
	got, err := root.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("web")})
	must(t, err)
	if strings.TrimSpace(aws.ToString(got.ServerCertificate.CertificateBody)) != strings.TrimSpace(testServerCert) ||
		strings.TrimSpace(aws.ToString(got.ServerCertificate.CertificateChain)) != strings.TrimSpace(testCAChain) || len(got.ServerCertificate.Tags) != 1 {
		t.Fatalf("got %+v", got.ServerCertificate)
	}
	_, err = root.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("web"), NewServerCertificateName: aws.String("www"), NewPath: aws.String("/")})
	must(t, err)
	_, err = root.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: aws.String("www"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	must(t, err)
	_, err = root.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: aws.String("www"), TagKeys: []string{"env"}})
	must(t, err)
	tags, err := root.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("www")})
	must(t, err)
	list, err := root.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" || len(list.ServerCertificateMetadataList) != 1 ||
		aws.ToString(list.ServerCertificateMetadataList[0].ServerCertificateName) != "www" {
		t.Fatalf("tags %+v, list %+v", tags.Tags, list.ServerCertificateMetadataList)
	}
	summary, err := root.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	must(t, err)
	if summary.SummaryMap["ServerCertificates"] != 1 {
		t.Fatalf("summary counts %d server certificates", summary.SummaryMap["ServerCertificates"])
	}
	// The private key is in the database only sealed.
	keyBody := strings.Split(strings.TrimSpace(testServerKey), "\n")[1]
	db, err := os.ReadFile(filepath.Join(ts.Dir, "keyward.db"))
	must(t, err)
	wal, _ := os.ReadFile(filepath.Join(ts.Dir, "keyward.db-wal"))
	if strings.Contains(string(db)+string(wal), keyBody) {
		t.Fatal("the private key is stored in plaintext")
	}
	_, err = root.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("www")})
	must(t, err)
	_, err = root.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The Server Certificate with name www cannot be found.")
}
