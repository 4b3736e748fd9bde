package query

import (
	"context"
	"encoding/base64"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/otpqr"
)

func init() { serveIAM(credentialActions) }

// Virtual MFA devices, SSH public keys, service-specific credentials and
// signing certificates.
var credentialActions = map[string]action{
	"CreateVirtualMFADevice": row(func(ctx context.Context, s *Services, in *input) (keyward.NewVirtualMFADevice, error) {
		return s.IAM.CreateVirtualMFADevice(ctx, in.str("VirtualMFADeviceName"), in.strOr("Path", "/"), in.tags)
	},
		func(w *xmlWriter, a keyward.Account, d keyward.NewVirtualMFADevice) {
			w.open("VirtualMFADevice")
			w.elem("SerialNumber", d.SerialNumber)
			w.elem("Base32StringSeed", base64.StdEncoding.EncodeToString([]byte(d.Base32Seed())))
			w.elem("QRCodePNG", base64.StdEncoding.EncodeToString(otpqr.PNG(otpqr.URI(d.Name, d.Account, d.Base32Seed()))))
			if len(d.Tags) > 0 {
				w.tags(d.Tags)
			}
			w.close("VirtualMFADevice")
		}),
	"EnableMFADevice": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.EnableMFADevice(ctx, in.str("UserName"), in.str("SerialNumber"), in.str("AuthenticationCode1"), in.str("AuthenticationCode2"))
	}),
	"ResyncMFADevice": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.ResyncMFADevice(ctx, in.str("UserName"), in.str("SerialNumber"), in.str("AuthenticationCode1"), in.str("AuthenticationCode2"))
	}),
	"DeactivateMFADevice": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeactivateMFADevice(ctx, in.str("UserName"), in.str("SerialNumber"))
	}),
	"DeleteVirtualMFADevice": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteVirtualMFADevice(ctx, in.str("SerialNumber"))
	}),
	"ListMFADevices": row(func(ctx context.Context, s *Services, in *input) (page[keyward.MFADevice], error) {
		ds, next, err := s.IAM.ListMFADevices(ctx, in.str("UserName"), in.str("Marker"), in.maxItems())
		return page[keyward.MFADevice]{ds, next}, err
	},
		func(w *xmlWriter, a keyward.Account, p page[keyward.MFADevice]) {
			list(w, "MFADevices", p.items, p.next, func(d keyward.MFADevice) {
				if d.Root {
					// The root user has no user name: it is named by the
					// account's ID, as its UserId is.
					w.elem("UserName", a.ID)
				} else {
					w.elem("UserName", d.User.Name)
				}
				w.elem("SerialNumber", d.SerialNumber)
				w.time("EnableDate", d.EnabledAt)
			})
		}),
	"ListVirtualMFADevices": row(func(ctx context.Context, s *Services, in *input) (page[keyward.MFADevice], error) {
		ds, next, err := s.IAM.ListVirtualMFADevices(ctx, in.strOr("AssignmentStatus", keyward.MFAAny), in.str("Marker"), in.maxItems())
		return page[keyward.MFADevice]{ds, next}, err
	},
		func(w *xmlWriter, a keyward.Account, p page[keyward.MFADevice]) {
			list(w, "VirtualMFADevices", p.items, p.next, func(d keyward.MFADevice) {
				w.elem("SerialNumber", d.SerialNumber)
				if d.Assigned() {
					w.userElement(d.Root, d.User, a, false)
					w.time("EnableDate", d.EnabledAt)
				}
				if len(d.Tags) > 0 {
					w.tags(d.Tags)
				}
			})
		}),

	"UploadSSHPublicKey": row(func(ctx context.Context, s *Services, in *input) (keyward.OtherCredential, error) {
		return s.IAM.UploadSSHPublicKey(ctx, in.str("UserName"), in.str("SSHPublicKeyBody"))
	},
		func(w *xmlWriter, _ keyward.Account, c keyward.OtherCredential) { w.sshKey(c, "SSH") }),
	"GetSSHPublicKey": row(func(ctx context.Context, s *Services, in *input) (sshKey, error) {
		c, err := s.IAM.SSHPublicKey(ctx, in.str("UserName"), in.str("SSHPublicKeyId"))
		return sshKey{c, in.str("Encoding")}, err
	},
		func(w *xmlWriter, _ keyward.Account, k sshKey) { w.sshKey(k.OtherCredential, k.encoding) }),
	"ListSSHPublicKeys": row(func(ctx context.Context, s *Services, in *input) (page[keyward.OtherCredential], error) {
		return credentialPage(ctx, s, in, keyward.CredSSHKey)
	},
		func(w *xmlWriter, _ keyward.Account, p page[keyward.OtherCredential]) {
			list(w, "SSHPublicKeys", p.items, p.next, func(c keyward.OtherCredential) {
				w.elem("UserName", c.User.Name)
				w.elem("SSHPublicKeyId", c.ID)
				w.elem("Status", c.Status)
				w.time("UploadDate", c.CreatedAt)
			})
		}),
	"UpdateSSHPublicKey": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateCredentialStatus(ctx, in.str("UserName"), keyward.CredSSHKey, in.str("SSHPublicKeyId"), in.str("Status"))
	}),
	"DeleteSSHPublicKey": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteCredential(ctx, in.str("UserName"), keyward.CredSSHKey, in.str("SSHPublicKeyId"))
	}),

	"CreateServiceSpecificCredential": row(func(ctx context.Context, s *Services, in *input) (keyward.NewServiceCredential, error) {
		return s.IAM.CreateServiceSpecificCredential(ctx, in.str("UserName"), in.str("ServiceName"))
	}, (*xmlWriter).serviceCredential),
	"ResetServiceSpecificCredential": row(func(ctx context.Context, s *Services, in *input) (keyward.NewServiceCredential, error) {
		return s.IAM.ResetServiceSpecificCredential(ctx, in.str("UserName"), in.str("ServiceSpecificCredentialId"))
	}, (*xmlWriter).serviceCredential),
	"ListServiceSpecificCredentials": row(func(ctx context.Context, s *Services, in *input) ([]keyward.OtherCredential, error) {
		cs, err := s.IAM.Credentials(ctx, in.str("UserName"), keyward.CredService)
		if name := in.str("ServiceName"); name != "" {
			kept := cs[:0]
			for _, c := range cs {
				if c.ServiceName == name {
					kept = append(kept, c)
				}
			}
			cs = kept
		}
		return cs, err
	},
		func(w *xmlWriter, _ keyward.Account, cs []keyward.OtherCredential) {
			members(w, "ServiceSpecificCredentials", cs, func(c keyward.OtherCredential) {
				w.elem("UserName", c.User.Name)
				w.elem("Status", c.Status)
				w.elem("ServiceUserName", c.ServiceUserName)
				w.time("CreateDate", c.CreatedAt)
				w.elem("ServiceSpecificCredentialId", c.ID)
				w.elem("ServiceName", c.ServiceName)
			})
		}),
	"UpdateServiceSpecificCredential": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateCredentialStatus(ctx, in.str("UserName"), keyward.CredService, in.str("ServiceSpecificCredentialId"), in.str("Status"))
	}),
	"DeleteServiceSpecificCredential": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteCredential(ctx, in.str("UserName"), keyward.CredService, in.str("ServiceSpecificCredentialId"))
	}),

	"UploadSigningCertificate": row(func(ctx context.Context, s *Services, in *input) (keyward.OtherCredential, error) {
		return s.IAM.UploadSigningCertificate(ctx, in.str("UserName"), in.str("CertificateBody"))
	},
		func(w *xmlWriter, _ keyward.Account, c keyward.OtherCredential) {
			w.open("Certificate")
			w.certificate(c)
			w.close("Certificate")
		}),
	"ListSigningCertificates": row(func(ctx context.Context, s *Services, in *input) (page[keyward.OtherCredential], error) {
		return credentialPage(ctx, s, in, keyward.CredSigningCert)
	},
		func(w *xmlWriter, _ keyward.Account, p page[keyward.OtherCredential]) {
			list(w, "Certificates", p.items, p.next, w.certificate)
		}),
	"UpdateSigningCertificate": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateCredentialStatus(ctx, in.str("UserName"), keyward.CredSigningCert, in.str("CertificateId"), in.str("Status"))
	}),
	"DeleteSigningCertificate": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteCredential(ctx, in.str("UserName"), keyward.CredSigningCert, in.str("CertificateId"))
	}),
}

// credentialPage pages a user's credentials of a kind: a user has a
// handful at most, read at once and cut here.
func credentialPage(ctx context.Context, s *Services, in *input, kind string) (page[keyward.OtherCredential], error) {
	cs, err := s.IAM.Credentials(ctx, in.str("UserName"), kind)
	if err != nil {
		return page[keyward.OtherCredential]{}, err
	}
	start := 0
	if m := in.str("Marker"); m != "" {
		start = -1
		for i, c := range cs {
			if c.ID == m {
				start = i + 1
			}
		}
		if start < 0 {
			return page[keyward.OtherCredential]{}, keyward.Errorf(keyward.EValidationError, "Invalid Marker.")
		}
	}
	cs = cs[start:]
	next := ""
	if len(cs) > in.maxItems() {
		cs, next = cs[:in.maxItems()], cs[in.maxItems()-1].ID
	}
	return page[keyward.OtherCredential]{cs, next}, nil
}

type sshKey struct {
	keyward.OtherCredential
	encoding string
}

func (w *xmlWriter) sshKey(c keyward.OtherCredential, encoding string) {
	body, err := iam.SSHEncoded(c, encoding)
	if err != nil {
		body = "" // a body the store holds was checked on upload
	}
	w.open("SSHPublicKey")
	w.elem("UserName", c.User.Name)
	w.elem("SSHPublicKeyId", c.ID)
	w.elem("Fingerprint", c.Fingerprint)
	w.elem("SSHPublicKeyBody", body)
	w.elem("Status", c.Status)
	w.time("UploadDate", c.CreatedAt)
	w.close("SSHPublicKey")
}

func (w *xmlWriter) serviceCredential(_ keyward.Account, c keyward.NewServiceCredential) {
	w.open("ServiceSpecificCredential")
	w.time("CreateDate", c.CreatedAt)
	w.elem("ServiceName", c.ServiceName)
	w.elem("ServiceUserName", c.ServiceUserName)
	w.elem("ServicePassword", c.Password)
	w.elem("ServiceSpecificCredentialId", c.ID)
	w.elem("UserName", c.User.Name)
	w.elem("Status", c.Status)
	w.close("ServiceSpecificCredential")
}

func (w *xmlWriter) certificate(c keyward.OtherCredential) {
	w.elem("UserName", c.User.Name)
	w.elem("CertificateId", c.ID)
	w.elem("CertificateBody", c.Body)
	w.elem("Status", c.Status)
	w.time("UploadDate", c.CreatedAt)
}
