package query

import (
	"context"

	"github.com/keyward/keyward"
)

var serverCertName = req("ServerCertificateName", keyward.ServerCertNameShape)

// Server certificates.
var serverCertificateActions = map[string]action{
	"UploadServerCertificate": row([]param{str("Path", keyward.PathShape), serverCertName, req("CertificateBody", keyward.CertificateBodyShape),
		req("PrivateKey", keyward.PrivateKeyShape), str("CertificateChain", keyward.CertificateChainShape), tags(false)},
		func(ctx context.Context, s *Services, in *input) (keyward.ServerCertificate, error) {
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
	"GetServerCertificate": row([]param{serverCertName},
		func(ctx context.Context, s *Services, in *input) (keyward.ServerCertificate, error) {
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
	"ListServerCertificates": row([]param{str("PathPrefix", keyward.PathPrefixShape), marker, maxItems},
		func(ctx context.Context, s *Services, in *input) (page[keyward.ServerCertificate], error) {
			cs, next, err := s.IAM.ListServerCertificates(ctx, in.str("PathPrefix"), in.str("Marker"), in.maxItems())
			return page[keyward.ServerCertificate]{cs, next}, err
		},
		func(w *xmlWriter, a keyward.Account, p page[keyward.ServerCertificate]) {
			list(w, "ServerCertificateMetadataList", p.items, p.next, func(c keyward.ServerCertificate) { w.serverCertificate(a, c) })
		}),
	"UpdateServerCertificate": do([]param{serverCertName, str("NewPath", keyward.PathShape), str("NewServerCertificateName", keyward.ServerCertNameShape)},
		func(ctx context.Context, s *Services, in *input) error {
			return s.IAM.UpdateServerCertificate(ctx, in.str("ServerCertificateName"), in.optStr("NewServerCertificateName"), in.optStr("NewPath"))
		}),
	"DeleteServerCertificate": do([]param{serverCertName}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteServerCertificate(ctx, in.str("ServerCertificateName"))
	}),
	"TagServerCertificate": do([]param{serverCertName, tags(true)}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.TagServerCertificate(ctx, in.str("ServerCertificateName"), in.tags)
	}),
	"UntagServerCertificate": do([]param{serverCertName, tagKeys}, func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UntagServerCertificate(ctx, in.str("ServerCertificateName"), in.list("TagKeys"))
	}),
	"ListServerCertificateTags": row([]param{serverCertName, marker, maxItems},
		func(ctx context.Context, s *Services, in *input) ([]keyward.Tag, error) {
			return s.IAM.ServerCertificateTags(ctx, in.str("ServerCertificateName"))
		},
		func(w *xmlWriter, _ keyward.Account, tags []keyward.Tag) {
			w.tags(tags)
			w.bool("IsTruncated", false)
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
