package query

import (
	"context"
	"net/http"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sigv4"
)

// AuthenticateFor authenticates a request that another protocol on the
// API's endpoint serves (AWS JSON 1.1, package awsjson), exactly as the
// Query API authenticates its own: the same verifier and keyring, the
// same refusal of any scope but Keyward's own services, the same budgeted
// log of failures and AuthFailed. The request must be signed for service,
// whose use is then recorded as the key's last use. It returns r's
// context carrying the caller, the key that signed, and what the
// signature said; body is the whole body, already bounded by the caller.
func (s *Server) AuthenticateFor(r *http.Request, body []byte, service, reqID string) (context.Context, *sigv4.Key, sigv4.Auth, error) {
	key, auth, err := s.authenticate(r, body)
	// A key of another service's scope, refused by authenticate as the
	// Query API refuses it, is refused here as AWS's JSON services refuse
	// a request scoped to another service.
	if err == nil && auth.Service != service || keyward.ErrorCode(err) == keyward.EInvalidAction {
		err = keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'.", service)
	}
	if err != nil {
		s.failures().failed(r.Context(), reqID, keyward.ErrorCode(err), auth.AccessKeyID, s.Clients.Addr(r), err)
		if s.AuthFailed != nil {
			s.AuthFailed(keyward.ErrorCode(err))
		}
		return nil, nil, auth, err
	}
	s.Uses.Record(key.UseID(), keyward.LastUse{Time: s.Now().UTC(), Service: service, Region: auth.Region})
	return s.callerContext(r, key, auth.Region), key, auth, nil
}
