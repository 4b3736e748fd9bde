package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyward/keyward"
)

// The federation endpoint, as AWS's (signin.aws.amazon.com/federation):
// Action=getSigninToken exchanges a role's or a federated user's session
// credentials for a sign-in token; Action=login signs the browser in with
// it, once, and goes to Destination. Everything it reads comes from an
// unauthenticated caller: the Session document is bounded before it is
// parsed, and the sealed tokens are opened without any store read.

// maxFederationSession bounds the Session parameter.
const maxFederationSession = 16 << 10

// maxCookie is what a browser keeps of one cookie; a session whose token
// would not fit cannot sign in.
const maxCookie = 4000

func (c *Console) federation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch q.Get("Action") {
	case "getSigninToken":
		raw := q.Get("Session")
		var sess struct {
			ID    string `json:"sessionId"`
			Key   string `json:"sessionKey"`
			Token string `json:"sessionToken"`
		}
		if len(raw) > maxFederationSession || json.Unmarshal([]byte(raw), &sess) != nil || sess.ID == "" || sess.Token == "" {
			http.Error(w, "The Session parameter must be the JSON of sessionId, sessionKey and sessionToken.", http.StatusBadRequest)
			return
		}
		duration := 0
		if d := q.Get("SessionDuration"); d != "" {
			var err error
			if duration, err = strconv.Atoi(d); err != nil {
				http.Error(w, "SessionDuration must be a number of seconds.", http.StatusBadRequest)
				return
			}
		}
		tok, err := c.STS.SigninToken(r.Context(), sess.ID, sess.Key, sess.Token, duration)
		if err != nil {
			http.Error(w, keyward.ErrorMessage(err), statusOf(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"SigninToken": tok})
	case "login":
		id, token, until, err := c.STS.OpenSigninToken(r.Context(), q.Get("SigninToken"))
		if err != nil {
			status := http.StatusForbidden
			if keyward.ErrorCode(err) != keyward.EAccessDenied {
				status = http.StatusServiceUnavailable // the store could not record the use: try again
			}
			http.Error(w, keyward.ErrorMessage(err), status)
			return
		}
		s := session{ID: c.token(), KeyID: id, Token: token, Expires: until.Unix(), Issued: c.Now().UnixNano(), CSRF: c.token()}
		s.Account = c.tokenAccount(r.Context(), id, token)
		if b, _ := json.Marshal(s); len(b)*4/3+100 > maxCookie {
			http.Error(w, "The session's credentials are too large for a console session (its session policies and tags).", http.StatusBadRequest)
			return
		}
		c.setSession(w, r, s)
		dest := q.Get("Destination")
		if !strings.HasPrefix(dest, "/console/") || strings.HasPrefix(dest, "//") || strings.ContainsAny(dest, "\\\r\n") {
			dest = "/console/roles" // only this console's own pages: no open redirect
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
	default:
		http.Error(w, "Action must be getSigninToken or login.", http.StatusBadRequest)
	}
}

func statusOf(err error) int {
	if keyward.ErrorCode(err) == keyward.EValidationError {
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}
