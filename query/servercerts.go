package query

import (
	"context"

	"github.com/keyward/keyward"
)

func init() { serveIAM(serverCertificateActions) }

// Server certificates.
var serverCertificateActions = map[string]action{
	"UploadServerCertificate": row(func(ctx context.Context, s *Services, in *input) (keyward.ServerCertificate, error) {
		return s.IAM.UploadServerCertificate(ctx, in.str("ServerCertificateName"), in.strOr("Path", "/"), in.str("CertificateBody"),
			in.str("PrivateKey"), in.str("CertificateChain"), in.tags)
	},
		func(w *xmlWriter, a keyward.Account, c keyward.ServerCertificate) {
			w.open("ServerCertificateMetadata")
			w.serverCertificate(a, c)
			w.close("ServerCertificateMetadata")
			if len(c.Tags) > 0 {
				w.tags(c.Tags)
			}
		}),
	"GetServerCertificate": row(func(ctx context.Context, s *Services, in *input) (keyward.ServerCertificate, error) {
		return s.IAM.ServerCertificate(ctx, in.str("ServerCertificateName"))
	},
		func(w *xmlWriter, a keyward.Account, c keyward.ServerCertificate) {
			w.open("ServerCertificate")
			w.open("ServerCertificateMetadata")
			w.serverCertificate(a, c)
			w.close("ServerCertificateMetadata")
			w.elem("CertificateBody", c.Body)
			if c.Chain != "" {
				w.elem("CertificateChain", c.Chain)
			}
			if len(c.Tags) > 0 {
				w.tags(c.Tags)
			}
			w.close("ServerCertificate")
		}),
	"ListServerCertificates": row(func(ctx context.Context, s *Services, in *input) (page[keyward.ServerCertificate], error) {
		cs, next, err := s.IAM.ListServerCertificates(ctx, in.str("PathPrefix"), in.str("Marker"), in.maxItems())
		return page[keyward.ServerCertificate]{cs, next}, err
	},
		func(w *xmlWriter, a keyward.Account, p page[keyward.ServerCertificate]) {
			list(w, "ServerCertificateMetadataList", p.items, p.next, func(c keyward.ServerCertificate) { w.serverCertificate(a, c) })
		}),
	"UpdateServerCertificate": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateServerCertificate(ctx, in.str("ServerCertificateName"), in.optStr("NewServerCertificateName"), in.optStr("NewPath"))
	}),
	"DeleteServerCertificate": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteServerCertificate(ctx, in.str("ServerCertificateName"))
	}),
}

func (w *xmlWriter) serverCertificate(a keyward.Account, c keyward.ServerCertificate) {
	w.elem("Path", c.Path)
	w.elem("ServerCertificateName", c.Name)
	w.elem("ServerCertificateId", c.ID)
	w.elem("Arn", a.ServerCertificateARN(c.Path, c.Name))
	w.time("UploadDate", c.UploadedAt)
	w.time("Expiration", c.Expiration)
}
