package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Sign signs r with body as the access key keyID with secret, for region
// and service at time t, in the Authorization header: for a client of
// Keyward's own (package guard asking Keyward, the tests). It sets
// X-Amz-Date and X-Amz-Content-Sha256 and signs Host and every header r
// has but Authorization, User-Agent and the hop-by-hop ones.
func Sign(r *http.Request, body []byte, keyID, secret, region, service string, t time.Time) {
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
	a := Auth{AccessKeyID: keyID, Date: date, Region: region, Service: service,
		Scope: date + "/" + region + "/" + service + "/aws4_request", SignedHeaders: strings.Join(names, ";"),
		AmzDate: t.Format(amzDateFormat), Time: t}
	key := NewSigningKey(secret, date, region, service)
	st := pool.Get().(*state)
	defer pool.Put(st)
	st.signature(r, nil, payloadHash, &a, key, true)
	r.Header.Set("Authorization", Algorithm+" Credential="+keyID+"/"+a.Scope+", SignedHeaders="+a.SignedHeaders+
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
