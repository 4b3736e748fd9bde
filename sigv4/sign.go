package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sign signs r with body as the access key keyID with secret, for region
// and service at time t, in the Authorization header: for a client of
// Keyward's own (package guard asking Keyward, the tests). It sets
// X-Amz-Date and X-Amz-Content-Sha256 and signs Host and every header r
// has but Authorization, User-Agent and the hop-by-hop ones.
func Sign(r *http.Request, body []byte, keyID, secret, region, service string, t time.Time) {
	s := Signer{KeyID: keyID, Secret: secret, Region: region, Service: service}
	s.Sign(r, body, t)
}

// Signer signs requests as one access key for one region and service,
// deriving the signing key once a day rather than per request.
type Signer struct {
	KeyID, Secret, Region, Service string

	mu   sync.Mutex
	date string
	key  *SigningKey
}

// Sign signs r with body at time t, as the function Sign does.
func (s *Signer) Sign(r *http.Request, body []byte, t time.Time) {
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	t = t.UTC()
	r.Header.Set("X-Amz-Date", t.Format(amzDateFormat))
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	names := []string{"host"}
	for k := range r.Header {
		switch k = strings.ToLower(k); k {
		case "authorization", "user-agent", "expect", "transfer-encoding", "connection", "x-amzn-trace-id":
		default:
			names = append(names, k)
		}
	}
	sort.Strings(names)
	date := t.Format("20060102")
	a := Auth{AccessKeyID: s.KeyID, Date: date, Region: s.Region, Service: s.Service,
		Scope: date + "/" + s.Region + "/" + s.Service + "/aws4_request", SignedHeaders: strings.Join(names, ";"),
		AmzDate: t.Format(amzDateFormat), Time: t}
	s.mu.Lock()
	if s.date != date {
		s.date, s.key = date, NewSigningKey(s.Secret, date, s.Region, s.Service)
	}
	key := s.key
	s.mu.Unlock()
	st := pool.Get().(*state)
	defer pool.Put(st)
	st.signature(r, nil, payloadHash, &a, key, true)
	r.Header.Set("Authorization", Algorithm+" Credential="+s.KeyID+"/"+a.Scope+", SignedHeaders="+a.SignedHeaders+
		", Signature="+string(st.sig[:]))
}

// signature computes a's signature of r into st.sig.
func (st *state) signature(r *http.Request, body []byte, payloadHash string, a *Auth, key *SigningKey, normalize bool) {
	st.canonicalRequest(r, body, payloadHash, a, normalize)
	st.h.Reset()
	st.h.Write(st.buf)
	st.h.Sum(st.sum[:0])

	st.buf = append(st.buf[:0], Algorithm...)
	st.buf = append(st.buf, '\n')
	st.buf = append(st.buf, a.AmzDate...)
	st.buf = append(st.buf, '\n')
	st.buf = append(st.buf, a.Scope...)
	st.buf = append(st.buf, '\n')
	st.buf = hex.AppendEncode(st.buf, st.sum[:])

	st.hmac(key, st.buf)
	hex.Encode(st.sig[:], st.sum[:])
}
