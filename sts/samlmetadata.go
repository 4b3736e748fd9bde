package sts

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/saml"
)

// maxCachedMetadata bounds the parsed metadata documents kept: every
// provider an account may have, twice over for documents replaced since.
const maxCachedMetadata = 2 * keyward.MaxSAMLProviders

// metadataCache keeps SAML providers' metadata as parsed, by the digest of
// the document. A response comes from anyone, before anything is verified,
// and names the provider it is checked against; a document may have
// 10,000,000 characters, which take a second to parse, where the
// response's own checks take milliseconds. Keyed by content, a document
// replaced by UpdateSAMLProvider (on any replica) is parsed anew, and no
// certificate outlives the document that listed it.
type metadataCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]metadataEntry
	// parses counts the documents parsed, for the tests.
	parses int
}

type metadataEntry struct {
	md  *saml.Metadata
	err error
}

// metadataOf returns the provider's metadata, parsed as of its creation:
// the document was checked when it was stored, and Verify refuses it if
// its validUntil has passed since.
func (s *Service) metadataOf(p keyward.SAMLProvider) (*saml.Metadata, error) {
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(p.CreatedAt.UnixNano())))
	h.Write([]byte(p.Metadata))
	var key [sha256.Size]byte
	h.Sum(key[:0])

	c := &s.samlMetadata
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return e.md, e.err
	}
	md, err := saml.ParseMetadata(p.Metadata, p.CreatedAt)
	if md != nil {
		// Only what Verify reads is kept: a document's other lists (name
		// ID formats, endpoints) may fill most of its 10,000,000
		// characters.
		md = &saml.Metadata{EntityID: md.EntityID, Certificates: md.Certificates, ValidUntil: md.ValidUntil}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parses++
	if c.entries == nil || len(c.entries) >= maxCachedMetadata {
		c.entries = map[[sha256.Size]byte]metadataEntry{}
	}
	c.entries[key] = metadataEntry{md, err}
	return md, err
}
